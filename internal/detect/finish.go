package detect

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/addrmap"
	"github.com/pcapai/pcapai/internal/stats"
)

const source = "detect"

// Finish runs the detectors over the finished flow table (in order of
// first packet) and the decoder's fragment counts, and returns the
// findings, sorted, and the detectors' stats.
func (d *Detector) Finish(all []*flows.Flow, frag flows.FragStats) ([]attack.Finding, Stats) {
	var out []attack.Finding
	out = append(out, d.scans(all)...)
	out = append(out, d.floods(all)...)
	out = append(out, d.anomalies(frag)...)
	out = append(out, d.ports(all)...)
	out = append(out, d.transfers(all)...)
	attack.Sort(out)
	return out, Stats{Sources: d.srcs.Len(), SourcesDropped: d.dropped, Notes: len(d.notes), NotesDropped: d.notesDrp}
}

func ipField(a netip.Addr) string {
	if a.Is4() || a.Is4In6() {
		return "ip"
	}
	return "ipv6"
}

func utc(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func ref(f *flows.Flow) attack.FlowRef {
	return attack.FlowRef{Proto: f.Proto.String(), Src: f.Src, Dst: f.Dst}
}

// answeredProbe reports whether the responder accepted a probe: a SYN-ACK
// for TCP (Zeek history "h"), any reply for UDP.
func answeredProbe(f *flows.Flow) bool {
	if f.TCPStats != nil {
		return strings.Contains(f.History, "h") || f.Rev.PayloadBytes > 0
	}
	return f.Rev.Packets > 0
}

// failed reports whether a flow carried no payload either way (a probe
// that was refused or not answered).
func failed(f *flows.Flow) bool { return f.Fwd.PayloadBytes == 0 && f.Rev.PayloadBytes == 0 }

type attempt struct {
	t    int64
	key  uint32 // port or host index
	fail bool
	flow *flows.Flow
}

// maxDistinctInWindow returns the largest number of distinct keys within
// any window of width w over attempts sorted by time, with the failures
// and the window start of that maximum.
func maxDistinctInWindow(at []attempt, w int64) (best, fails int, start int64) {
	cnt := map[uint32]int{}
	fail := 0
	j := 0
	for i := range at {
		cnt[at[i].key]++
		if at[i].fail {
			fail++
		}
		for at[i].t-at[j].t > w {
			if cnt[at[j].key]--; cnt[at[j].key] == 0 {
				delete(cnt, at[j].key)
			}
			if at[j].fail {
				fail--
			}
			j++
		}
		if len(cnt) > best {
			best, fails, start = len(cnt), fail, at[j].t
		}
	}
	return best, fails, start
}

func scanScore(n, thr int) float64 {
	// 0.5 at the threshold, 1 at 20× the threshold (log scale).
	return stats.Clamp01(0.5 + 0.5*math.Log(float64(n)/float64(thr))/math.Log(20))
}

// scanGroups groups flows by key in two passes: it counts each group's
// flows, then lists the flows (indices into all, in order) of only the
// groups with at least a threshold of them. Most groups of a large capture
// are too small to be scans, so they cost a count and no list.
type scanGroups[K comparable] struct {
	ids   map[K]int32
	keys  []K
	count []int32
	start []int32 // start of each kept group in idx; -1 for a dropped one
	idx   []int32
}

func (g *scanGroups[K]) add(k K) int32 {
	id, ok := g.ids[k]
	if !ok {
		if g.ids == nil {
			g.ids = map[K]int32{}
		}
		id = int32(len(g.keys))
		g.ids[k] = id
		g.keys = append(g.keys, k)
		g.count = append(g.count, 0)
	}
	g.count[id]++
	return id
}

// keep lists the flows of the groups with at least threshold flows; of is each
// flow's group (-1 for none). It returns the kept groups.
func (g *scanGroups[K]) keep(of []int32, threshold int) []int32 {
	var kept []int32
	g.start = make([]int32, len(g.keys))
	n := int32(0)
	for id, c := range g.count {
		if int(c) < threshold {
			g.start[id] = -1
			continue
		}
		kept = append(kept, int32(id))
		g.start[id] = n
		n += c
	}
	g.idx = make([]int32, n)
	next := slices.Clone(g.start)
	for i, id := range of {
		if id >= 0 && next[id] >= 0 {
			g.idx[next[id]] = int32(i)
			next[id]++
		}
	}
	return kept
}

func (g *scanGroups[K]) members(id int32) []int32 {
	return g.idx[g.start[id] : g.start[id]+g.count[id]]
}

// scanKey names a port-scan group (src, dst, proto) or a sweep group
// (src, port, proto).
type scanKey struct {
	src, dst netip.Addr
	port     uint16
	proto    flows.Proto
}

func (d *Detector) scans(all []*flows.Flow) []attack.Finding {
	// Addresses by index, so that group keys stay small.
	type hk struct {
		src, dst uint32
		proto    flows.Proto
	}
	type sk struct {
		src   uint32
		port  uint16
		proto flows.Proto
	}
	var addrs []netip.Addr
	addrIdx := addrmap.New[netip.Addr, uint32, uint32]() // index+1
	idx := func(a netip.Addr) uint32 {
		k, ok := addrmap.V4(a)
		i := addrIdx.Get(a, k, ok)
		if i == 0 {
			addrs = append(addrs, a)
			i = uint32(len(addrs))
			addrIdx.Set(a, k, ok, i)
		}
		return i - 1
	}
	var ports scanGroups[hk]
	var hosts scanGroups[sk]
	portOf := make([]int32, len(all))
	hostOf := make([]int32, len(all))
	dstOf := make([]uint32, len(all))
	for i, f := range all {
		portOf[i], hostOf[i] = -1, -1
		switch f.Proto {
		case flows.TCP, flows.UDP:
			s, t := idx(f.Src.Addr()), idx(f.Dst.Addr())
			dstOf[i] = t
			portOf[i] = ports.add(hk{s, t, f.Proto})
			hostOf[i] = hosts.add(sk{s, f.Dst.Port(), f.Proto})
		case flows.ICMP, flows.ICMPv6:
			if f.Fwd.Packets == 0 {
				continue
			}
			s, t := idx(f.Src.Addr()), idx(f.Dst.Addr())
			dstOf[i] = t
			hostOf[i] = hosts.add(sk{s, 0, f.Proto})
		}
	}
	// attempts lists a group's flows for the window counts; key is the
	// port (port scans) or the destination's index (sweeps).
	var buf []attempt
	attempts := func(members []int32, byPort bool) []attempt {
		buf = buf[:0]
		for _, i := range members {
			f := all[i]
			fail := failed(f)
			if f.Proto != flows.TCP {
				fail = f.Rev.Packets == 0
			}
			key := dstOf[i]
			if byPort {
				key = uint32(f.Dst.Port())
			}
			buf = append(buf, attempt{t: f.First.UnixNano(), key: key, fail: fail, flow: f})
		}
		return buf
	}
	w := int64(d.cfg.ScanWindow)
	var out []attack.Finding
	// ARP sweeps: ARP requests for many distinct addresses (nmap's host
	// discovery on a local network), counted over the whole capture.
	for _, a := range d.sortedSources() {
		s := d.srcTally(a)
		n := len(s.arpTo)
		if n < d.cfg.SweepHosts {
			continue
		}
		score := scanScore(n, d.cfg.SweepHosts)
		sev := attack.Medium
		if n >= 250 {
			sev = attack.High
		}
		out = append(out, attack.Finding{
			Kind: "host_sweep", Severity: sev, Score: attack.Round(score), Source: source,
			Summary: fmt.Sprintf("%s swept %d addresses with ARP requests", a, n),
			Src:     a, First: utc(s.first), Last: utc(s.last),
			Techniques: []attack.TechniqueRef{attack.Tech("T1018", score), attack.Tech("T1046", score*0.7)},
			Features: []attack.Feature{
				{Name: "distinct_hosts", Value: float64(n)},
				{Name: "arp_requests", Value: float64(s.arp.Total())},
				{Name: "protocol", Text: "arp"},
			},
			Evidence: s.arp.Evidence(fmt.Sprintf("arp.opcode==1 && arp.src.proto_ipv4==%s", a)),
		})
	}
	// Port scans, one finding per (source, target, protocol).
	pk := ports.keep(portOf, d.cfg.ScanPorts)
	sort.Slice(pk, func(i, j int) bool {
		x, y := ports.keys[pk[i]], ports.keys[pk[j]]
		if c := addrs[x.src].Compare(addrs[y.src]); c != 0 {
			return c < 0
		}
		if c := addrs[x.dst].Compare(addrs[y.dst]); c != 0 {
			return c < 0
		}
		return x.proto < y.proto
	})
	for _, id := range pk {
		g := ports.keys[id]
		k := scanKey{src: addrs[g.src], dst: addrs[g.dst], proto: g.proto}
		at := attempts(ports.members(id), true)
		n, fails, _ := maxDistinctInWindow(at, w)
		if n < d.cfg.ScanPorts {
			continue
		}
		total := 0
		for _, a := range at {
			if a.fail {
				total++
			}
		}
		ratio := float64(total) / float64(len(at))
		if ratio < d.cfg.ScanFailRatio {
			continue
		}
		distinct := map[uint32]bool{}
		answered := map[uint32]bool{}
		var open []string
		for _, a := range at {
			distinct[a.key] = true
			if !answered[a.key] && answeredProbe(a.flow) {
				answered[a.key] = true
				open = append(open, fmt.Sprint(a.key))
			}
		}
		score := scanScore(len(distinct), d.cfg.ScanPorts)
		sev := attack.Medium
		if len(distinct) >= 100 {
			sev = attack.High
		}
		kind := "port_scan"
		if k.proto == flows.UDP {
			kind = "udp_port_scan"
		}
		f := attack.Finding{
			Kind: kind, Severity: sev, Score: attack.Round(score), Source: source,
			Summary: fmt.Sprintf("%s scanned %d %s ports of %s (%.0f%% without payload, %d answered)", k.src, len(distinct), k.proto, k.dst, ratio*100, len(open)),
			Src:     k.src, Dst: k.dst, First: utc(at[0].t), Last: at[len(at)-1].flow.Last,
			Techniques: []attack.TechniqueRef{attack.Tech("T1046", score), attack.Tech("T1595.001", score*0.6)},
			Features: []attack.Feature{
				{Name: "distinct_ports", Value: float64(len(distinct))},
				{Name: "max_ports_in_window", Value: float64(n)},
				{Name: "window_failed", Value: float64(fails)},
				{Name: "attempts", Value: float64(len(at))},
				{Name: "failed_ratio", Value: attack.Round(ratio)},
				{Name: "window_s", Value: d.cfg.ScanWindow.Seconds()},
			},
		}
		if len(open) > 0 {
			if len(open) > 20 {
				open = open[:20]
			}
			f.Features = append(f.Features, attack.Feature{Name: "answered_ports", Value: float64(len(open)), Text: fmt.Sprint(open)})
		}
		f.Evidence = d.probeEvidence(k.src, k.dst, k.proto, at)
		out = append(out, f)
	}
	// Host sweeps, one finding per (source, port, protocol).
	hkeys := hosts.keep(hostOf, d.cfg.SweepHosts)
	sort.Slice(hkeys, func(i, j int) bool {
		x, y := hosts.keys[hkeys[i]], hosts.keys[hkeys[j]]
		if c := addrs[x.src].Compare(addrs[y.src]); c != 0 {
			return c < 0
		}
		if x.proto != y.proto {
			return x.proto < y.proto
		}
		return x.port < y.port
	})
	for _, id := range hkeys {
		g := hosts.keys[id]
		k := scanKey{src: addrs[g.src], port: g.port, proto: g.proto}
		at := attempts(hosts.members(id), false)
		n, _, _ := maxDistinctInWindow(at, w)
		if n < d.cfg.SweepHosts {
			continue
		}
		distinct := map[uint32]bool{}
		answered := map[uint32]bool{}
		for _, a := range at {
			distinct[a.key] = true
			if !a.fail {
				answered[a.key] = true
			}
		}
		score := scanScore(len(distinct), d.cfg.SweepHosts)
		sev := attack.Medium
		if len(distinct) >= 250 {
			sev = attack.High
		}
		what := fmt.Sprintf("%s port %d", k.proto, k.port)
		if k.proto == flows.ICMP || k.proto == flows.ICMPv6 {
			what = "ICMP echo"
		}
		f := attack.Finding{
			Kind: "host_sweep", Severity: sev, Score: attack.Round(score), Source: source,
			Summary: fmt.Sprintf("%s swept %d hosts with %s (%d answered)", k.src, len(distinct), what, len(answered)),
			Src:     k.src, First: utc(at[0].t), Last: at[len(at)-1].flow.Last,
			Techniques: []attack.TechniqueRef{attack.Tech("T1046", score*0.8), attack.Tech("T1595.001", score*0.6), attack.Tech("T1018", score)},
			Features: []attack.Feature{
				{Name: "distinct_hosts", Value: float64(len(distinct))},
				{Name: "max_hosts_in_window", Value: float64(n)},
				{Name: "answered_hosts", Value: float64(len(answered))},
				{Name: "attempts", Value: float64(len(at))},
				{Name: "port", Value: float64(k.port)},
			},
		}
		f.Evidence = d.probeEvidence(k.src, netip.Addr{}, k.proto, at)
		out = append(out, f)
	}
	return out
}

// probeEvidence returns the evidence of probes from src: its SYN-only
// segments (TCP; to dst when valid) or echo requests (ICMP), or for UDP the
// first datagram of each probed flow. A frame-number filter names only the
// kept frames when there are more than the cap.
func (d *Detector) probeEvidence(src, dst netip.Addr, proto flows.Proto, at []attempt) attack.Evidence {
	ip := ipField(src)
	s := d.srcTally(src)
	switch {
	case proto == flows.TCP && dst.IsValid():
		pk, ok := addrmap.Pair(src, dst)
		if fs := d.pairs.Get([2]netip.Addr{src, dst}, pk, ok); fs != nil {
			return fs.Evidence(fmt.Sprintf("%s.src==%s && %s.dst==%s && tcp.flags==0x002", ip, src, ip, dst), refsOf(at)...)
		}
	case proto == flows.TCP && s != nil:
		return s.syn.Evidence(fmt.Sprintf("%s.src==%s && tcp.flags==0x002", ip, src), refsOf(at)...)
	case proto == flows.ICMP && s != nil:
		return s.echo.Evidence(fmt.Sprintf("ip.src==%s && icmp.type==8", src), refsOf(at)...)
	case proto == flows.ICMPv6 && s != nil:
		return s.echo.Evidence(fmt.Sprintf("ipv6.src==%s && icmpv6.type==128", src), refsOf(at)...)
	}
	fs := attack.FrameSet{Max: d.cfg.MaxFrames}
	for _, a := range at {
		fs.Add(a.flow.FirstFrame)
	}
	return fs.Evidence(attack.FrameFilter(fs.Frames()), refsOf(at)...)
}

func refsOf(at []attempt) []attack.FlowRef {
	var r []attack.FlowRef
	for _, a := range at {
		if len(r) >= 10 {
			break
		}
		r = append(r, ref(a.flow))
	}
	return r
}

func (d *Detector) floods(all []*flows.Flow) []attack.Finding {
	var out []attack.Finding
	// SYN floods: established share of the connections to each flooded
	// destination.
	est := map[netip.AddrPort][2]int{}
	for _, f := range all {
		if f.Proto != flows.TCP {
			continue
		}
		if s := d.dstTally(f.Dst); s == nil || s.synB.peak < d.cfg.SYNFlood {
			continue
		}
		c := est[f.Dst]
		c[0]++
		if !failed(f) {
			c[1]++
		}
		est[f.Dst] = c
	}
	keys := make([]netip.AddrPort, 0, len(est))
	for k := range est {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b netip.AddrPort) int { return a.Compare(b) })
	for _, k := range keys {
		s, c := d.dstTally(k), est[k]
		share := float64(c[1]) / float64(c[0])
		if share > d.cfg.FloodEstablished {
			continue
		}
		rate := float64(s.synB.peak) / d.cfg.FloodWindow.Seconds()
		score := stats.Clamp01(0.6 + 0.4*math.Log10(float64(s.synB.peak)/float64(d.cfg.SYNFlood)))
		out = append(out, attack.Finding{
			Kind: "syn_flood", Severity: attack.High, Score: attack.Round(score), Source: source,
			Summary: fmt.Sprintf("SYN flood on %s: %d SYNs in %s (%.0f/s), %.0f%% of %d connections carried data", k, s.synB.peak, d.cfg.FloodWindow, rate, share*100, c[0]),
			Dst:     k.Addr(), First: utc(s.synB.peakT), Last: utc(s.synB.peakT + int64(d.cfg.FloodWindow)),
			Techniques: []attack.TechniqueRef{attack.Tech("T1498.001", score), attack.Tech("T1499.002", score*0.5)},
			Features: []attack.Feature{
				{Name: "peak_syns_in_window", Value: float64(s.synB.peak)},
				{Name: "syns", Value: float64(s.syn.Total())},
				{Name: "connections", Value: float64(c[0])},
				{Name: "established_share", Value: attack.Round(share)},
			},
			Evidence: s.syn.Evidence(fmt.Sprintf("%s.dst==%s && tcp.dstport==%d && tcp.flags==0x002", ipField(k.Addr()), k.Addr(), k.Port())),
		})
	}
	for _, a := range d.sortedSources() {
		s := d.srcTally(a)
		if s.rstB.peak < d.cfg.RSTStorm {
			continue
		}
		score := stats.Clamp01(0.5 + 0.4*math.Log10(float64(s.rstB.peak)/float64(d.cfg.RSTStorm)))
		out = append(out, attack.Finding{
			Kind: "rst_storm", Severity: attack.Medium, Score: attack.Round(score), Source: source,
			Summary: fmt.Sprintf("%s sent %d TCP resets in %s (%d in all)", a, s.rstB.peak, d.cfg.FloodWindow, s.rst.Total()),
			Src:     a, First: utc(s.first), Last: utc(s.last),
			Techniques: []attack.TechniqueRef{attack.Tech("T1499.002", score*0.5)},
			Features:   []attack.Feature{{Name: "peak_rsts_in_window", Value: float64(s.rstB.peak)}, {Name: "rsts", Value: float64(s.rst.Total())}},
			Evidence:   s.rst.Evidence(fmt.Sprintf("%s.src==%s && tcp.flags.reset==1", ipField(a), a)),
		})
	}
	return out
}

func (d *Detector) sortedSources() []netip.Addr {
	ks := make([]netip.Addr, 0, d.srcs.Len())
	for k := range d.srcs.Packed {
		ks = append(ks, addrmap.FromV4(k))
	}
	for k := range d.srcs.Other {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b netip.Addr) int { return a.Compare(b) })
	return ks
}

func (d *Detector) anomalies(frag flows.FragStats) []attack.Finding {
	var out []attack.Finding
	for _, a := range d.sortedSources() {
		s := d.srcTally(a)
		ip := ipField(a)
		for _, x := range []struct {
			fs     *attack.FrameSet
			kind   string
			what   string
			filter string
		}{
			{&s.null, "tcp_null_scan", "TCP segments with no flags (NULL)", "tcp.flags==0x000"},
			{&s.xmas, "tcp_xmas_scan", "TCP segments with FIN+PSH+URG (XMAS)", "tcp.flags.fin==1 && tcp.flags.push==1 && tcp.flags.urg==1"},
			{&s.synfin, "tcp_syn_fin", "TCP segments with SYN+FIN", "tcp.flags.syn==1 && tcp.flags.fin==1"},
		} {
			n := x.fs.Total()
			if n == 0 {
				continue
			}
			score := stats.Clamp01(0.4 + 0.2*math.Log10(float64(n)))
			out = append(out, attack.Finding{
				Kind: x.kind, Severity: attack.SeverityFor(score), Score: attack.Round(score), Source: source,
				Summary: fmt.Sprintf("%s sent %d %s, which no TCP stack sends", a, n, x.what),
				Src:     a, First: utc(s.first), Last: utc(s.last),
				Techniques: []attack.TechniqueRef{attack.Tech("T1046", score), attack.Tech("T1595.001", score*0.6)},
				Features:   []attack.Feature{{Name: "segments", Value: float64(n)}},
				Evidence:   x.fs.Evidence(fmt.Sprintf("%s.src==%s && %s", ip, a, x.filter)),
			})
		}
		if n := s.badsum.Total(); n > 0 {
			fr := s.badsum.Frames()
			filter := attack.FrameFilter(fr)
			out = append(out, attack.Finding{
				Kind: "ip_checksum_error", Severity: attack.Low, Score: 0.3, Source: source,
				Summary: fmt.Sprintf("%s sent %d IPv4 packets with a wrong header checksum (crafted or corrupted)", a, n),
				Src:     a, First: utc(s.first), Last: utc(s.last),
				Techniques: []attack.TechniqueRef{},
				Features:   []attack.Feature{{Name: "packets", Value: float64(n)}},
				Evidence:   s.badsum.Evidence(filter),
			})
		}
	}
	if frag.Overlaps > 0 {
		out = append(out, attack.Finding{
			Kind: "ip_fragment_overlap", Severity: attack.Medium, Score: 0.6, Source: source,
			Summary: fmt.Sprintf("%d IP fragments overlap earlier data of their datagram (evasion or a fragmentation attack)", frag.Overlaps),
			First:   utc(d.first), Last: utc(d.last),
			Techniques: []attack.TechniqueRef{},
			Features:   []attack.Feature{{Name: "overlapping_fragments", Value: float64(frag.Overlaps)}, {Name: "fragments", Value: float64(frag.Fragments)}},
			Evidence:   attack.Evidence{Frames: []uint64{}, DisplayFilter: "ip.flags.mf==1 || ip.frag_offset>0"},
		})
	}
	return out
}
