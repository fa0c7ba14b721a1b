package pcapai

import (
	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/detect"
)

// DetectConfig holds the thresholds of the cross-flow detectors (port
// scans, host sweeps, floods, non-standard ports, transfers, lateral
// movement, packet anomalies); each field documents its default, and the
// zero value is the default.
type DetectConfig = detect.Config

// DetectStats counts the cross-flow detectors' work and the caps they hit.
type DetectStats = detect.Stats

type detectModule struct {
	d    *detect.Detector
	done bool
	fs   []attack.Finding
	st   detect.Stats
}

func newDetectModule(o *Options) module { return &detectModule{d: detect.New(o.Detect)} }

func (m *detectModule) observe(p *flows.Packet) { m.d.Observe(p) }

func (m *detectModule) precompute(e *engine, r *Report) {
	m.fs, m.st = m.d.Finish(r.Flows, r.Decode.Fragments)
	m.done = true
}

func (m *detectModule) finish(e *engine, r *Report) {
	if !m.done {
		m.precompute(e, r)
	}
	r.Detect = &m.st
	r.Findings = append(r.Findings, m.fs...)
}
