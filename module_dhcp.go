package pcapai

import (
	"github.com/pcapai/pcapai/dhcp"
	"github.com/pcapai/pcapai/flows"
)

type dhcpModule struct{ a *dhcp.Analyzer }

func newDHCPModule(*engine) module { return dhcpModule{dhcp.New(dhcp.Config{})} }

func (m dhcpModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m dhcpModule) finish(_ *engine, r *Report) {
	res, fs := m.a.Finish()
	r.DHCP = res
	r.Findings = append(r.Findings, fs...)
}
