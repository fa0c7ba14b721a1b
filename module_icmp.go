package pcapai

import (
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/icmp"
)

type icmpModule struct{ a *icmp.Analyzer }

func newICMPModule(e *engine) module {
	return icmpModule{icmp.New(icmp.Config{FlowLookup: e.table.Lookup})}
}

func (m icmpModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m icmpModule) finish(_ *engine, r *Report) {
	res, fs := m.a.Finish()
	r.ICMP = res
	r.Findings = append(r.Findings, fs...)
}
