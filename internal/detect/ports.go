package detect

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// ports reports application protocols on ports that are not their own
// (T1571) and high-entropy unidentified payloads on well-known cleartext
// ports (T1001, T1573), one finding per (responder, protocol).
func (d *Detector) ports(all []*flows.Flow) []attack.Finding {
	type gk struct {
		dst netip.AddrPort
		pr  flows.Proto
		app string
	}
	type grp struct {
		fs    attack.FrameSet
		flows []*flows.Flow
		srcs  map[netip.Addr]bool
		ent   float64
		first *flows.Flow
	}
	groups := map[gk]*grp{}
	var keys []gk
	for _, f := range all {
		app := ""
		n := d.notes[f]
		switch {
		case n != nil:
			app = n.app
		case f.App != "" && !OwnPort(f.App, f.Proto, f.Dst.Port()) && knownApp(f.App):
			app = f.App // an analyzer recognised it; no sniffed frame
		default:
			continue
		}
		k := gk{f.Dst, f.Proto, app}
		g := groups[k]
		if g == nil {
			g = &grp{fs: attack.FrameSet{Max: d.cfg.MaxFrames}, srcs: map[netip.Addr]bool{}, first: f}
			groups[k] = g
			keys = append(keys, k)
		}
		if n != nil {
			g.fs.Add(n.frame)
			if n.entropy > g.ent {
				g.ent = n.entropy
			}
		} else {
			g.fs.Add(f.FirstFrame)
		}
		g.srcs[f.Src.Addr()] = true
		if len(g.flows) < 10 {
			g.flows = append(g.flows, f)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if c := keys[i].dst.Compare(keys[j].dst); c != 0 {
			return c < 0
		}
		return keys[i].app < keys[j].app
	})
	var out []attack.Finding
	for _, k := range keys {
		g := groups[k]
		var refs []attack.FlowRef
		for _, f := range g.flows {
			refs = append(refs, ref(f))
		}
		last := g.flows[len(g.flows)-1].Last
		var src netip.Addr
		if len(g.srcs) == 1 {
			src = g.first.Src.Addr()
		}
		ev := g.fs.Evidence(attack.FrameFilter(g.fs.Frames()), refs...)
		if k.app == "" {
			score := 0.55
			techs := []attack.TechniqueRef{attack.Tech("T1001", 0.5), attack.Tech("T1573", 0.4)}
			out = append(out, attack.Finding{
				Kind: "unknown_protocol_high_entropy", Severity: attack.Medium, Score: score, Source: source,
				Summary: fmt.Sprintf("%d %s flow(s) to %s (a cleartext protocol's port) start with random-looking bytes (%.2f bits/byte)", g.fs.Total(), k.pr, k.dst, g.ent),
				Src:     src, Dst: k.dst.Addr(), First: g.first.First, Last: last,
				Techniques: techs,
				Features:   []attack.Feature{{Name: "entropy_bits_per_byte", Value: attack.Round(g.ent)}, {Name: "flows", Value: float64(g.fs.Total())}, {Name: "port", Value: float64(k.dst.Port())}},
				Evidence:   ev,
			})
			continue
		}
		// Grading: a protocol on another service's well-known port (TLS on
		// 53, SSH on 443) is what T1571 is about; on an unregistered high
		// port it is often a development or alternate server; between
		// loopback addresses it is local software talking to itself.
		score, sev, conf := 0.6, attack.Medium, 0.7
		switch {
		case k.dst.Addr().IsLoopback() && (len(g.srcs) == 1 && g.first.Src.Addr().IsLoopback()):
			score, sev, conf = 0.15, attack.Info, 0.2
		case k.dst.Port() >= 1024 && k.app == "http":
			score, sev, conf = 0.3, attack.Low, 0.4
		case k.dst.Port() >= 1024:
			score, sev, conf = 0.45, attack.Low, 0.5
		}
		techs := []attack.TechniqueRef{attack.Tech("T1571", conf)}
		if k.app == "tls" || k.app == "ssh" {
			techs = append(techs, attack.Tech("T1573", 0.4))
		}
		out = append(out, attack.Finding{
			Kind: "non_standard_port", Severity: sev, Score: score, Source: source,
			Summary: fmt.Sprintf("%s on non-standard port %s/%d (%s), %d flow(s)", k.app, k.pr, k.dst.Port(), k.dst.Addr(), g.fs.Total()),
			Src:     src, Dst: k.dst.Addr(), First: g.first.First, Last: last,
			Techniques: techs,
			Features:   []attack.Feature{{Name: "protocol", Text: k.app}, {Name: "port", Value: float64(k.dst.Port())}, {Name: "flows", Value: float64(g.fs.Total())}, {Name: "sources", Value: float64(len(g.srcs))}},
			Evidence:   ev,
		})
	}
	return out
}

func knownApp(app string) bool {
	switch app {
	case "tls", "http", "ssh", "sip", "dns":
		return true
	}
	return false
}
