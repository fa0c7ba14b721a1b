package pcapai

import (
	"github.com/pcapai/pcapai/beacon"
	"github.com/pcapai/pcapai/flows"
)

type beaconModule struct{ a *beacon.Analyzer }

func newBeaconModule(o *Options) module { return &beaconModule{a: beacon.New(o.Beacon)} }

func (m *beaconModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m *beaconModule) finish(e *engine, r *Report) {
	res, fs := m.a.Finish()
	r.Beacon = &res
	r.Findings = append(r.Findings, fs...)
}
