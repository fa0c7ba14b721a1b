package pcapai

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/addrmap"
	"github.com/pcapai/pcapai/internal/detect"
)

// Host is the triage of one IP address: what it did, which findings name
// it, and a risk score explained by those findings.
type Host struct {
	Addr     netip.Addr `json:"addr"`
	Names    []string   `json:"names,omitempty"` // from Options.HostNames
	Internal bool       `json:"internal"`        // private, shared, loopback, link-local or ULA
	// Roles, sorted: "client", "server", "resolver", "scanner", "scanned",
	// "beaconing", "beacon_target", "lateral_source", "lateral_target",
	// "exfil_source".
	Roles []string `json:"roles"`
	// Risk is 1 − Π(1 − wᵢ) over the findings naming the host, with
	// wᵢ = score × severity weight (info 0.1, low 0.3, medium 0.6, high
	// 0.9, critical 1), halved when the host is the finding's target.
	Risk           float64      `json:"risk"`
	RiskFactors    []RiskFactor `json:"risk_factors,omitempty"`
	First          time.Time    `json:"first"`
	Last           time.Time    `json:"last"`
	BytesOut       uint64       `json:"bytes_out"`
	BytesIn        uint64       `json:"bytes_in"`
	PacketsOut     uint64       `json:"packets_out"`
	PacketsIn      uint64       `json:"packets_in"`
	FlowsInitiated int          `json:"flows_initiated"`
	FlowsAccepted  int          `json:"flows_accepted"`
	Peers          int          `json:"peers"`
	// ServedPorts lists up to 10 "proto/port" the host answered on.
	ServedPorts []string `json:"served_ports,omitempty"`
}

// RiskFactor is one finding that raised a host's risk.
type RiskFactor struct {
	Finding      int             `json:"finding"` // index in Report.Findings
	Kind         string          `json:"kind"`
	Severity     attack.Severity `json:"severity"`
	As           string          `json:"as"` // "source" or "target"
	Contribution float64         `json:"contribution"`
}

var sevWeight = [...]float64{0.1, 0.3, 0.6, 0.9, 1}

func weight(s attack.Severity) float64 {
	if int(s) < len(sevWeight) {
		return sevWeight[s]
	}
	return 1
}

type hostAcc struct {
	h      Host
	peers  map[netip.Addr]bool // allocated on first use: most hosts of a big capture have one peer
	served map[servedPort]int
	roles  map[string]bool
}

type servedPort struct {
	proto flows.Proto
	port  uint16
}

func (h *hostAcc) addPeer(a netip.Addr) {
	if h.peers == nil {
		h.peers = map[netip.Addr]bool{}
	}
	h.peers[a] = true
}

func (h *hostAcc) addRole(r string) {
	if h.roles == nil {
		h.roles = map[string]bool{}
	}
	h.roles[r] = true
}

// triage runs after every module: the ATT&CK matrix of the sorted
// findings and the host table.
func triage(e *engine, rep *Report) {
	rep.Attack = attack.Map(rep.Findings)
	if len(e.mods) == 0 {
		return // Flows: the flow table alone
	}
	rep.Hosts, rep.HostsTotal = hostsOf(rep, &e.opts)
}

var roleOfKind = map[string][2]string{ // finding kind → role of source, role of target
	"port_scan":               {"scanner", "scanned"},
	"udp_port_scan":           {"scanner", "scanned"},
	"host_sweep":              {"scanner", ""},
	"tcp_null_scan":           {"scanner", ""},
	"tcp_xmas_scan":           {"scanner", ""},
	"tcp_syn_fin":             {"scanner", ""},
	"beacon":                  {"beaconing", "beacon_target"},
	"lateral_movement":        {"lateral_source", "lateral_target"},
	"large_outbound_transfer": {"exfil_source", ""},
}

func hostsOf(rep *Report, o *Options) ([]Host, int) {
	acc := addrmap.New[netip.Addr, uint32, *hostAcc]()
	get := func(a netip.Addr, t time.Time) *hostAcc {
		k, ok := addrmap.V4(a)
		h := acc.Get(a, k, ok)
		if h == nil {
			h = &hostAcc{h: Host{Addr: a, Internal: detect.IsInternal(a), First: t, Last: t}}
			acc.Set(a, k, ok, h)
		}
		return h
	}
	for _, f := range rep.Flows {
		s, d := get(f.Src.Addr(), f.First), get(f.Dst.Addr(), f.First)
		for _, h := range []*hostAcc{s, d} {
			if f.First.Before(h.h.First) {
				h.h.First = f.First
			}
			if f.Last.After(h.h.Last) {
				h.h.Last = f.Last
			}
		}
		s.h.BytesOut += f.Fwd.Bytes
		s.h.PacketsOut += f.Fwd.Packets
		s.h.BytesIn += f.Rev.Bytes
		s.h.PacketsIn += f.Rev.Packets
		s.h.FlowsInitiated++
		if s != d {
			d.h.BytesOut += f.Rev.Bytes
			d.h.PacketsOut += f.Rev.Packets
			d.h.BytesIn += f.Fwd.Bytes
			d.h.PacketsIn += f.Fwd.Packets
			s.addPeer(f.Dst.Addr())
			d.addPeer(f.Src.Addr())
		}
		d.h.FlowsAccepted++
		if f.Rev.Packets > 0 && (f.Proto == flows.TCP || f.Proto == flows.UDP) && (f.Proto == flows.UDP || f.Rev.PayloadBytes > 0) {
			if d.served == nil {
				d.served = map[servedPort]int{}
			}
			d.served[servedPort{f.Proto, f.Dst.Port()}]++
			if f.Dst.Port() == 53 {
				d.addRole("resolver")
			} else {
				d.addRole("server")
			}
			if f.Fwd.PayloadBytes > 0 {
				s.addRole("client")
			}
		}
	}
	for i, f := range rep.Findings {
		r := roleOfKind[f.Kind]
		w := f.Score * weight(f.Severity)
		if f.Src.IsValid() {
			h := get(f.Src, f.First)
			h.h.RiskFactors = append(h.h.RiskFactors, RiskFactor{Finding: i, Kind: f.Kind, Severity: f.Severity, As: "source", Contribution: attack.Round(w)})
			if r[0] != "" {
				h.addRole(r[0])
			}
		}
		if f.Dst.IsValid() && f.Dst != f.Src {
			h := get(f.Dst, f.First)
			h.h.RiskFactors = append(h.h.RiskFactors, RiskFactor{Finding: i, Kind: f.Kind, Severity: f.Severity, As: "target", Contribution: attack.Round(w / 2)})
			if r[1] != "" {
				h.addRole(r[1])
			}
		}
	}
	out := make([]Host, 0, acc.Len())
	for h := range acc.Values() {
		keep := 1.0
		for _, rf := range h.h.RiskFactors {
			keep *= 1 - rf.Contribution
		}
		h.h.Risk = attack.Round(1 - keep)
		sort.SliceStable(h.h.RiskFactors, func(i, j int) bool { return h.h.RiskFactors[i].Contribution > h.h.RiskFactors[j].Contribution })
		h.h.Peers = len(h.peers)
		h.h.Roles = []string{}
		for r := range h.roles {
			h.h.Roles = append(h.h.Roles, r)
		}
		sort.Strings(h.h.Roles)
		type portCount struct {
			name string
			n    int
		}
		sp := make([]portCount, 0, len(h.served))
		for p, n := range h.served {
			sp = append(sp, portCount{fmt.Sprintf("%s/%d", p.proto, p.port), n})
		}
		sort.Slice(sp, func(i, j int) bool {
			if sp[i].n != sp[j].n {
				return sp[i].n > sp[j].n
			}
			return sp[i].name < sp[j].name
		})
		for i := 0; i < len(sp) && i < 10; i++ {
			h.h.ServedPorts = append(h.h.ServedPorts, sp[i].name)
		}
		if o.HostNames != nil {
			h.h.Names = o.HostNames(h.h.Addr)
		} else if rep.DNS != nil {
			h.h.Names = rep.DNS.NamesFor(netip.Addr{}, h.h.Addr)
		}
		out = append(out, h.h)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.Risk != b.Risk {
			return a.Risk > b.Risk
		}
		if x, y := a.BytesIn+a.BytesOut, b.BytesIn+b.BytesOut; x != y {
			return x > y
		}
		return a.Addr.Less(b.Addr)
	})
	total := len(out)
	max := o.MaxHosts
	if max <= 0 {
		max = 1000
	}
	if len(out) > max {
		out = out[:max]
	}
	return out, total
}

// TimelineEvent is one dated event of a host's timeline.
type TimelineEvent struct {
	Time time.Time `json:"time"`
	End  time.Time `json:"end,omitzero"`
	// Kind is "first_seen", "first_contact" (first flow with a peer),
	// "finding", "transfer" (a flow moving at least 1 MB) or "last_seen".
	Kind     string          `json:"kind"`
	Severity attack.Severity `json:"severity"`
	Summary  string          `json:"summary"`
	Peer     netip.Addr      `json:"peer,omitzero"`
	// Finding is the index in Report.Findings for Kind "finding", else -1.
	Finding     int             `json:"finding"`
	FindingKind string          `json:"finding_kind,omitempty"`
	Techniques  []string        `json:"techniques,omitempty"`
	Evidence    attack.Evidence `json:"evidence"`
}

// maxContacts bounds the first_contact events of a timeline.
const maxContacts = 100

// HostTimeline returns the events of ip in a finished Report, in time
// order: first and last seen, the first flow with each peer (at most 100),
// every finding naming ip as source or target (scans, beacons, credential
// use, …) and flows of at least 1 MB. It returns nil when ip is not in the
// Report.
func HostTimeline(rep *Report, ip netip.Addr) []TimelineEvent {
	if rep == nil {
		return nil
	}
	ip = ip.Unmap()
	var ev []TimelineEvent
	peers := map[netip.Addr]bool{}
	var first, last *flows.Flow
	for _, f := range rep.Flows {
		var peer netip.Addr
		var out, in uint64
		switch ip {
		case f.Src.Addr():
			peer, out, in = f.Dst.Addr(), f.Fwd.Bytes, f.Rev.Bytes
		case f.Dst.Addr():
			peer, out, in = f.Src.Addr(), f.Rev.Bytes, f.Fwd.Bytes
		default:
			continue
		}
		if first == nil || f.First.Before(first.First) {
			first = f
		}
		if last == nil || f.Last.After(last.Last) {
			last = f
		}
		if !peers[peer] && len(peers) < maxContacts {
			peers[peer] = true
			ev = append(ev, TimelineEvent{Time: f.First, Kind: "first_contact", Peer: peer, Finding: -1,
				Summary:  fmt.Sprintf("first %s flow %s → %s", f.Proto, f.Src, f.Dst),
				Evidence: flowEv(f, true)})
		}
		if out+in >= 1_000_000 {
			ev = append(ev, TimelineEvent{Time: f.First, End: f.Last, Kind: "transfer", Peer: peer, Finding: -1,
				Summary:  fmt.Sprintf("%s %s → %s: %d bytes sent, %d received by %s", f.Proto, f.Src, f.Dst, out, in, ip),
				Evidence: flowEv(f, false)})
		}
	}
	for i, f := range rep.Findings {
		if f.Src != ip && f.Dst != ip {
			continue
		}
		var peer netip.Addr
		if f.Src == ip {
			peer = f.Dst
		} else {
			peer = f.Src
		}
		var techs []string
		for _, t := range f.Techniques {
			techs = append(techs, t.ID)
		}
		ev = append(ev, TimelineEvent{Time: f.First, End: f.Last, Kind: "finding", Severity: f.Severity, Summary: f.Summary,
			Peer: peer, Finding: i, FindingKind: f.Kind, Techniques: techs, Evidence: f.Evidence})
	}
	if first == nil && len(ev) == 0 {
		return nil
	}
	if first != nil {
		ev = append(ev, TimelineEvent{Time: first.First, Kind: "first_seen", Finding: -1, Summary: fmt.Sprintf("%s first seen in %s flow %s → %s", ip, first.Proto, first.Src, first.Dst), Evidence: flowEv(first, true)})
		ev = append(ev, TimelineEvent{Time: last.Last, Kind: "last_seen", Finding: -1, Summary: fmt.Sprintf("%s last seen in %s flow %s → %s", ip, last.Proto, last.Src, last.Dst), Evidence: attack.Evidence{Frames: []uint64{last.LastFrame}, FramesTotal: 1, Flows: []attack.FlowRef{flowRef(last)}, DisplayFilter: attack.FrameFilter([]uint64{last.LastFrame})}})
	}
	order := map[string]int{"first_seen": 0, "first_contact": 1, "finding": 2, "transfer": 3, "last_seen": 4}
	sort.SliceStable(ev, func(i, j int) bool {
		if !ev[i].Time.Equal(ev[j].Time) {
			return ev[i].Time.Before(ev[j].Time)
		}
		return order[ev[i].Kind] < order[ev[j].Kind]
	})
	return ev
}

func flowRef(f *flows.Flow) attack.FlowRef {
	return attack.FlowRef{Proto: f.Proto.String(), Src: f.Src, Dst: f.Dst}
}

// flowEv is the evidence of one flow: its first frame only, or its first
// and last frames with the flow's filter and packet count.
func flowEv(f *flows.Flow, firstOnly bool) attack.Evidence {
	if firstOnly {
		return attack.Evidence{Frames: []uint64{f.FirstFrame}, FramesTotal: 1, Flows: []attack.FlowRef{flowRef(f)}, DisplayFilter: attack.FrameFilter([]uint64{f.FirstFrame})}
	}
	fr := slices.Compact([]uint64{f.FirstFrame, f.LastFrame})
	return attack.Evidence{Frames: fr, FramesTotal: int(f.Packets), Flows: []attack.FlowRef{flowRef(f)}, DisplayFilter: f.DisplayFilter()}
}
