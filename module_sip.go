package pcapai

import (
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/sip"
)

// sipModule wires sip.Analyzer into the pass.
type sipModule struct{ a *sip.Analyzer }

func newSIPModule(e *engine) module { return &sipModule{a: sip.New(sip.Config{})} }

func (m *sipModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m *sipModule) finish(_ *engine, r *Report) {
	rep, fs := m.a.Finish()
	r.SIP = rep
	r.Findings = append(r.Findings, fs...)
}
