package pcapai

import (
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/tlsx"
)

// tlsModule runs tlsx in the pass.
type tlsModule struct{ a *tlsx.Analyzer }

func newTLSModule(o *Options) module { return &tlsModule{tlsx.New(o.TLS)} }

func (m *tlsModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m *tlsModule) finish(_ *engine, r *Report) {
	res, fs := m.a.Finish()
	r.TLS = res
	r.Findings = append(r.Findings, fs...)
}
