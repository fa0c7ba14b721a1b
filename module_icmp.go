package pcapai

import (
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/icmp"
)

type icmpModule struct{ a *icmp.Analyzer }

func newICMPModule(e *engine) module {
	return icmpModule{icmp.New(icmp.Config{FlowAt: func(k flows.Key, frame uint64) *flows.Flow { return e.table.FlowAt(k, frame) }})}
}

func (m icmpModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m icmpModule) finish(_ *engine, r *Report) {
	res, fs := m.a.Finish()
	r.ICMP = res
	r.Findings = append(r.Findings, fs...)
}
