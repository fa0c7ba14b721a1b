// Package arp follows ARP over a capture: the IP → MAC table over time,
// gratuitous ARP, and the findings of ARP cache poisoning (one IP claimed
// by several MACs, one MAC claiming many IPs; ATT&CK T1557.002).
//
// It reads the ARP fields of [flows.Packet] (Ethernet/IPv4 ARP only) and
// keeps bounded state; input is hostile and never trusted for sizes.
package arp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// Config bounds the analyzer. The zero value is ready to use.
type Config struct {
	// MaxBindings caps the (IP, MAC) bindings kept. Zero means 10000.
	MaxBindings int
	// ManyIPs is how many IPs one MAC must claim (as ARP sender) for a
	// finding. Zero means 8.
	ManyIPs int
	// MaxFrames caps evidence frames per finding. Zero means
	// attack.DefaultMaxFrames.
	MaxFrames int
}

// Result is the ARP section of a report.
type Result struct {
	Packets    uint64 `json:"packets"`
	Requests   uint64 `json:"requests"`
	Replies    uint64 `json:"replies"`
	Gratuitous uint64 `json:"gratuitous"` // sender IP == target IP, or an unsolicited broadcast reply
	Probes     uint64 `json:"probes"`     // sender IP 0.0.0.0 (RFC 5227)
	// Bindings is the address table: one row per (IP, MAC) claimed by an
	// ARP sender, sorted by IP then first time.
	Bindings        []Binding `json:"bindings"`
	BindingsDropped uint64    `json:"bindings_dropped,omitempty"`
}

// Binding is one IP → MAC claim seen over time.
type Binding struct {
	IP         netip.Addr `json:"ip"`
	MAC        string     `json:"mac"`
	Packets    uint64     `json:"packets"`
	Gratuitous uint64     `json:"gratuitous,omitempty"`
	First      time.Time  `json:"first"`
	Last       time.Time  `json:"last"`
	FirstFrame uint64     `json:"first_frame"`
}

type bkey struct {
	ip  netip.Addr
	mac [6]byte
}

type binding struct {
	Binding
	frames attack.FrameSet
}

// Analyzer follows ARP. Create it with [New].
type Analyzer struct {
	cfg   Config
	res   Result
	b     map[bkey]*binding
	ipOf  map[netip.Addr][]*binding // claims per IP
	ofMAC map[[6]byte][]*binding    // claims per MAC
}

// New returns an Analyzer with cfg's limits.
func New(cfg Config) *Analyzer {
	if cfg.MaxBindings <= 0 {
		cfg.MaxBindings = 10000
	}
	if cfg.ManyIPs <= 0 {
		cfg.ManyIPs = 8
	}
	return &Analyzer{cfg: cfg, b: map[bkey]*binding{}, ipOf: map[netip.Addr][]*binding{}, ofMAC: map[[6]byte][]*binding{}}
}

var broadcast = [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// Gratuitous reports whether an ARP packet is gratuitous as Wireshark's
// arp.isgratuitous has it (sender IP equals target IP), or an unsolicited
// reply to the broadcast address.
func Gratuitous(p *flows.Packet) bool {
	if p.ARPSenderIP.IsValid() && p.ARPSenderIP == p.ARPTargetIP && !p.ARPSenderIP.IsUnspecified() {
		return true
	}
	return p.ARPOp == 2 && p.HasMAC && p.DstMAC == broadcast
}

// Observe reads one packet; only ARP is looked at.
func (a *Analyzer) Observe(p *flows.Packet) {
	if p.Net != flows.NetARP {
		return
	}
	a.res.Packets++
	switch p.ARPOp {
	case 1:
		a.res.Requests++
	case 2:
		a.res.Replies++
	}
	grat := Gratuitous(p)
	if grat {
		a.res.Gratuitous++
	}
	ip := p.ARPSenderIP
	if !ip.IsValid() {
		return
	}
	if ip.IsUnspecified() {
		a.res.Probes++
		return
	}
	k := bkey{ip, p.ARPSenderMAC}
	b := a.b[k]
	if b == nil {
		if len(a.b) >= a.cfg.MaxBindings {
			a.res.BindingsDropped++
			return
		}
		b = &binding{Binding: Binding{IP: ip, MAC: MAC(k.mac), First: p.Time, FirstFrame: p.Frame}}
		b.frames.Max = a.cfg.MaxFrames
		a.b[k] = b
		a.ipOf[ip] = append(a.ipOf[ip], b)
		a.ofMAC[k.mac] = append(a.ofMAC[k.mac], b)
	}
	b.Packets++
	if grat {
		b.Gratuitous++
	}
	b.Last = p.Time
	b.frames.Add(p.Frame)
}

// MAC formats a hardware address as Wireshark does.
func MAC(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// Finish returns the ARP section (nil when no ARP was seen) and findings.
func (a *Analyzer) Finish() (*Result, []attack.Finding) {
	if a.res.Packets == 0 {
		return nil, nil
	}
	r := a.res
	r.Bindings = []Binding{}
	for _, b := range a.b {
		r.Bindings = append(r.Bindings, b.Binding)
	}
	slices.SortFunc(r.Bindings, func(x, y Binding) int {
		return cmp.Or(x.IP.Compare(y.IP), x.First.Compare(y.First), strings.Compare(x.MAC, y.MAC))
	})
	var out []attack.Finding
	for ip, bs := range a.ipOf {
		if len(bs) < 2 {
			continue
		}
		out = append(out, a.conflict(ip, bs))
	}
	for mac, bs := range a.ofMAC {
		if len(bs) < a.cfg.ManyIPs {
			continue
		}
		out = append(out, a.manyIPs(mac, bs))
	}
	return &r, out
}

func span(bs []*binding) (first, last time.Time) {
	for _, b := range bs {
		if first.IsZero() || b.First.Before(first) {
			first = b.First
		}
		if b.Last.After(last) {
			last = b.Last
		}
	}
	return
}

func (a *Analyzer) conflict(ip netip.Addr, bs []*binding) attack.Finding {
	slices.SortFunc(bs, func(x, y *binding) int { return cmp.Compare(x.FirstFrame, y.FirstFrame) })
	first, last := span(bs)
	var macs []string
	fs := attack.FrameSet{Max: a.cfg.MaxFrames}
	var grat uint64
	for _, b := range bs {
		macs = append(macs, b.MAC)
		grat += b.Gratuitous
	}
	// frames in order across the bindings: merge the kept frames
	var all []uint64
	total := 0
	for _, b := range bs {
		all = append(all, b.frames.Frames()...)
		total += b.frames.Total()
	}
	slices.Sort(all)
	for _, f := range all {
		fs.Add(f)
	}
	score := 0.8
	if grat > 0 {
		score = 0.9
	}
	ev := fs.Evidence(fmt.Sprintf("arp.src.proto_ipv4==%s", ip))
	ev.FramesTotal = total
	return attack.Finding{Kind: "arp_spoofing", Source: "arp", Score: score, Severity: attack.SeverityFor(score),
		Summary: fmt.Sprintf("%s claimed by %d MACs (%s); first %s, later %s", ip, len(bs), strings.Join(macs, ", "), macs[0], strings.Join(macs[1:], ", ")),
		Src:     ip, First: first, Last: last,
		Techniques: []attack.TechniqueRef{attack.Tech("T1557.002", score)},
		Features: []attack.Feature{
			{Name: "macs", Value: float64(len(bs))},
			{Name: "gratuitous", Value: float64(grat)},
		},
		Evidence: ev,
	}
}

func (a *Analyzer) manyIPs(mac [6]byte, bs []*binding) attack.Finding {
	slices.SortFunc(bs, func(x, y *binding) int { return cmp.Compare(x.FirstFrame, y.FirstFrame) })
	first, last := span(bs)
	var all []uint64
	total := 0
	for _, b := range bs {
		all = append(all, b.frames.Frames()...)
		total += b.frames.Total()
	}
	slices.Sort(all)
	fs := attack.FrameSet{Max: a.cfg.MaxFrames}
	for _, f := range all {
		fs.Add(f)
	}
	ev := fs.Evidence(fmt.Sprintf("arp.src.hw_mac==%s", MAC(mac)))
	ev.FramesTotal = total
	score := 0.6
	return attack.Finding{Kind: "arp_mac_many_ips", Source: "arp", Score: score, Severity: attack.SeverityFor(score),
		Summary: fmt.Sprintf("MAC %s claims %d IPs (first %s)", MAC(mac), len(bs), bs[0].IP),
		First:   first, Last: last,
		Techniques: []attack.TechniqueRef{attack.Tech("T1557.002", 0.5)},
		Features:   []attack.Feature{{Name: "ips", Value: float64(len(bs))}, {Name: "mac", Text: MAC(mac)}},
		Evidence:   ev,
	}
}
