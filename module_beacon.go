package pcapai

import (
	"net/netip"

	"github.com/pcapai/pcapai/beacon"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/flows"
)

type beaconModule struct {
	a   *beacon.Analyzer
	dns *dnsx.Stats // set at finish, before the beacon analyzer finishes
}

func newBeaconModule(o *Options) module {
	m := &beaconModule{}
	cfg := o.Beacon
	if cfg.Resolve == nil {
		// Name destinations from the capture's own DNS answers: the DNS
		// module finishes before this one.
		cfg.Resolve = func(a netip.Addr) string {
			if names := m.dns.NamesFor(netip.Addr{}, a); len(names) > 0 {
				return names[0]
			}
			return ""
		}
	}
	m.a = beacon.New(cfg)
	return m
}

func (m *beaconModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m *beaconModule) finish(e *engine, r *Report) {
	m.dns = r.DNS
	res, fs := m.a.Finish()
	r.Beacon = &res
	r.Findings = append(r.Findings, fs...)
}
