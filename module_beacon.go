package pcapai

import (
	"github.com/pcapai/pcapai/attack"
	"net/netip"

	"github.com/pcapai/pcapai/beacon"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/flows"
)

type beaconModule struct {
	a    *beacon.Analyzer
	dns  *dnsx.Stats // set at precompute, before the beacon analyzer finishes
	done bool
	res  beacon.Result
	fs   []attack.Finding
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

func (m *beaconModule) precompute(e *engine, r *Report) {
	m.dns = r.DNS
	m.res, m.fs = m.a.Finish()
	m.done = true
}

func (m *beaconModule) finish(e *engine, r *Report) {
	if !m.done {
		m.precompute(e, r)
	}
	r.Beacon = &m.res
	r.Findings = append(r.Findings, m.fs...)
}
