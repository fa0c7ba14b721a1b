package pcapai

import (
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

type detectModule struct{ d *detect.Detector }

func newDetectModule(o *Options) module { return &detectModule{d: detect.New(o.Detect)} }

func (m *detectModule) observe(p *flows.Packet) { m.d.Observe(p) }

func (m *detectModule) finish(e *engine, r *Report) {
	fs, st := m.d.Finish(r.Flows, r.Decode.Fragments)
	r.Detect = &st
	r.Findings = append(r.Findings, fs...)
}
