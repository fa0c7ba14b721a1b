package pcapai

import (
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/arp"
)

type arpModule struct{ a *arp.Analyzer }

func newARPModule(*engine) module { return arpModule{arp.New(arp.Config{})} }

func (m arpModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m arpModule) finish(_ *engine, r *Report) {
	res, fs := m.a.Finish()
	r.ARP = res
	r.Findings = append(r.Findings, fs...)
}
