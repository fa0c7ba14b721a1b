package pcapai

import (
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/icmp"
)

type icmpModule struct{ a *icmp.Analyzer }

func newICMPModule(*engine) module { return icmpModule{icmp.New(icmp.Config{})} }

func (m icmpModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m icmpModule) finish(_ *engine, r *Report) {
	res, fs := m.a.Finish()
	r.ICMP = res
	r.Findings = append(r.Findings, fs...)
}
