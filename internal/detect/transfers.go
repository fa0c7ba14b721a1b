package detect

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/stats"
)

// remote services used to move laterally, with their ATT&CK
// sub-technique.
var lateralPorts = map[uint16]struct {
	name string
	tech func(float64) attack.TechniqueRef
	sev  attack.Severity
}{
	445:  {"SMB", func(c float64) attack.TechniqueRef { return attack.Tech("T1021.002", c) }, attack.Medium},
	139:  {"SMB", func(c float64) attack.TechniqueRef { return attack.Tech("T1021.002", c) }, attack.Medium},
	3389: {"RDP", func(c float64) attack.TechniqueRef { return attack.Tech("T1021.001", c) }, attack.Medium},
	5985: {"WinRM", func(c float64) attack.TechniqueRef { return attack.Tech("T1021.006", c) }, attack.Medium},
	5986: {"WinRM", func(c float64) attack.TechniqueRef { return attack.Tech("T1021.006", c) }, attack.Medium},
	135:  {"DCOM/RPC", func(c float64) attack.TechniqueRef { return attack.Tech("T1021", c*0.8) }, attack.Medium},
	22:   {"SSH", func(c float64) attack.TechniqueRef { return attack.Tech("T1021.004", c) }, attack.Low},
	5900: {"VNC", func(c float64) attack.TechniqueRef { return attack.Tech("T1021.005", c) }, attack.Low},
}

func flowEvidence(f *flows.Flow) attack.Evidence {
	fr := []uint64{f.FirstFrame}
	if f.LastFrame != f.FirstFrame {
		fr = append(fr, f.LastFrame)
	}
	return attack.Evidence{Frames: fr, FramesTotal: int(f.Packets), Flows: []attack.FlowRef{ref(f)}, DisplayFilter: f.DisplayFilter()}
}

func (d *Detector) transfers(all []*flows.Flow) []attack.Finding {
	var out []attack.Finding
	internal := d.cfg.Internal
	type lk struct {
		src, dst netip.Addr
		port     uint16
	}
	lateral := map[lk][]*flows.Flow{}
	var lkeys []lk
	fan := map[netip.Addr]map[netip.Addr]bool{}
	for _, f := range all {
		si, di := internal(f.Src.Addr()), internal(f.Dst.Addr())
		if dur := f.Duration(); dur >= d.cfg.LongConnection && f.Proto == flows.TCP {
			score := stats.Clamp01(0.4 + 0.1*dur.Hours()/8)
			sev := attack.Low
			if !di {
				sev = attack.Medium
			}
			out = append(out, attack.Finding{
				Kind: "long_connection", Severity: sev, Score: attack.Round(score), Source: source,
				Summary: fmt.Sprintf("%s → %s open for %s (%d bytes)", f.Src, f.Dst, dur.Round(1e9), f.Bytes),
				Src:     f.Src.Addr(), Dst: f.Dst.Addr(), First: f.First, Last: f.Last,
				Techniques: []attack.TechniqueRef{attack.Tech("T1071", 0.3)},
				Features:   []attack.Feature{{Name: "duration_s", Value: attack.Round(dur.Seconds())}, {Name: "bytes", Value: float64(f.Bytes)}},
				Evidence:   flowEvidence(f),
			})
		}
		if si && !di && f.Fwd.Bytes >= d.cfg.MinBytesOut && float64(f.Fwd.Bytes) >= d.cfg.OutInRatio*float64(f.Rev.Bytes) {
			ratio := float64(f.Fwd.Bytes) / float64(max(f.Rev.Bytes, 1))
			score := stats.Clamp01(0.5 + 0.1*float64(f.Fwd.Bytes)/float64(d.cfg.MinBytesOut*10))
			out = append(out, attack.Finding{
				Kind: "large_outbound_transfer", Severity: attack.SeverityFor(score), Score: attack.Round(score), Source: source,
				Summary: fmt.Sprintf("%s sent %d bytes to external %s/%s and received %d", f.Src.Addr(), f.Fwd.Bytes, f.Dst, f.Proto, f.Rev.Bytes),
				Src:     f.Src.Addr(), Dst: f.Dst.Addr(), First: f.First, Last: f.Last,
				Techniques: []attack.TechniqueRef{attack.Tech("T1041", score*0.6), attack.Tech("T1048", score*0.5)},
				Features: []attack.Feature{
					{Name: "bytes_out", Value: float64(f.Fwd.Bytes)}, {Name: "bytes_in", Value: float64(f.Rev.Bytes)},
					{Name: "out_in_ratio", Value: attack.Round(ratio)}, {Name: "duration_s", Value: attack.Round(f.Duration().Seconds())},
				},
				Evidence: flowEvidence(f),
			})
		}
		if si && !di && f.Proto != flows.ICMP && f.Proto != flows.ICMPv6 && f.Dst.Addr().IsGlobalUnicast() {
			m := fan[f.Src.Addr()]
			if m == nil {
				m = map[netip.Addr]bool{}
				fan[f.Src.Addr()] = m
			}
			m[f.Dst.Addr()] = true
		}
		if f.Proto == flows.TCP && si && di && f.Src.Addr() != f.Dst.Addr() && f.Fwd.PayloadBytes > 0 && f.Rev.PayloadBytes > 0 {
			if _, ok := lateralPorts[f.Dst.Port()]; ok {
				k := lk{f.Src.Addr(), f.Dst.Addr(), f.Dst.Port()}
				if lateral[k] == nil {
					lkeys = append(lkeys, k)
				}
				lateral[k] = append(lateral[k], f)
			}
		}
	}
	// Lateral movement, one finding per (source, target, service); a source
	// reaching several internal targets raises the score.
	targets := map[netip.Addr]map[netip.Addr]bool{}
	for _, k := range lkeys {
		if targets[k.src] == nil {
			targets[k.src] = map[netip.Addr]bool{}
		}
		targets[k.src][k.dst] = true
	}
	for _, k := range lkeys {
		fl := lateral[k]
		svc := lateralPorts[k.port]
		nt := len(targets[k.src])
		score := stats.Clamp01(0.45 + 0.1*float64(nt))
		sev := svc.sev
		if nt >= 3 && sev < attack.High {
			sev++
		}
		fs := attack.FrameSet{Max: d.cfg.MaxFrames}
		var refs []attack.FlowRef
		var bytes uint64
		for _, f := range fl {
			fs.Add(f.FirstFrame)
			bytes += f.Bytes
			if len(refs) < 10 {
				refs = append(refs, ref(f))
			}
		}
		out = append(out, attack.Finding{
			Kind: "lateral_movement", Severity: sev, Score: attack.Round(score), Source: source,
			Summary: fmt.Sprintf("%s used %s on internal host %s (%d session(s)); it reached %d internal host(s) over remote-service ports", k.src, svc.name, k.dst, len(fl), nt),
			Src:     k.src, Dst: k.dst, First: fl[0].First, Last: fl[len(fl)-1].Last,
			Techniques: []attack.TechniqueRef{svc.tech(score)},
			Features: []attack.Feature{
				{Name: "service", Text: svc.name}, {Name: "port", Value: float64(k.port)},
				{Name: "sessions", Value: float64(len(fl))}, {Name: "bytes", Value: float64(bytes)},
				{Name: "internal_targets", Value: float64(nt)},
			},
			Evidence: fs.Evidence(attack.FrameFilter(fs.Frames()), refs...),
		})
	}
	srcs := make([]netip.Addr, 0, len(fan))
	for a, m := range fan {
		if len(m) >= d.cfg.FanOut {
			srcs = append(srcs, a)
		}
	}
	slices.SortFunc(srcs, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range srcs {
		n := len(fan[a])
		fs := attack.FrameSet{Max: d.cfg.MaxFrames}
		var first, last *flows.Flow
		for _, f := range all {
			if f.Src.Addr() == a && fan[a][f.Dst.Addr()] {
				fs.Add(f.FirstFrame)
				if first == nil {
					first = f
				}
				last = f
			}
		}
		out = append(out, attack.Finding{
			Kind: "many_external_hosts", Severity: attack.Low, Score: 0.3, Source: source,
			Summary: fmt.Sprintf("%s contacted %d distinct external hosts", a, n),
			Src:     a, First: first.First, Last: last.Last,
			Techniques: []attack.TechniqueRef{},
			Features:   []attack.Feature{{Name: "external_hosts", Value: float64(n)}},
			Evidence:   fs.Evidence(attack.FrameFilter(fs.Frames())),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].First.Before(out[j].First) })
	return out
}
