package icmp

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// Config bounds the analyzer and sets its thresholds. The zero value is
// ready to use.
type Config struct {
	// MaxPairs caps the echo host pairs followed. Zero means 10000.
	MaxPairs int
	// MaxOutstanding caps unanswered echo requests remembered per pair
	// (older ones count as lost). Zero means 256.
	MaxOutstanding int
	// MaxUnreachable caps the distinct unreachable rows. Zero means 2000.
	MaxUnreachable int
	// MaxTraceroutes caps the traceroutes followed. Zero means 256.
	MaxTraceroutes int
	// MaxProbes caps the low-TTL probes remembered to number traceroute
	// hops. Zero means 65536.
	MaxProbes int
	// FlowAt returns the flow a key belonged to when a frame was read; it
	// links an unreachable to the flow of the packet it quotes. It is
	// called from Finish, once every flow is known and numbered (the
	// engine passes its flow table's FlowAt); nil leaves
	// Unreachable.FlowID zero.
	FlowAt func(k flows.Key, frame uint64) *flows.Flow
	// ProbeTTL is the highest TTL of a packet remembered as a traceroute
	// probe. Zero means 30.
	ProbeTTL uint8
	// SweepHosts is how many distinct hosts one source must echo for a
	// ping-sweep finding. Zero means 16.
	SweepHosts int
	// FloodPackets and FloodPPS: a pair with at least FloodPackets echo
	// requests at FloodPPS or more per second is a flood. Zero means 1000
	// and 100.
	FloodPackets int
	FloodPPS     float64
	// TunnelScore is the tunnelling score (0–1) that makes a finding.
	// Zero means 0.5.
	TunnelScore float64
	// MaxFrames caps evidence frames per finding. Zero means
	// attack.DefaultMaxFrames.
	MaxFrames int
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxPairs, 10000)
	def(&c.MaxOutstanding, 256)
	def(&c.MaxUnreachable, 2000)
	def(&c.MaxTraceroutes, 256)
	def(&c.MaxProbes, 65536)
	def(&c.SweepHosts, 16)
	def(&c.FloodPackets, 1000)
	if c.ProbeTTL == 0 {
		c.ProbeTTL = 30
	}
	if c.FloodPPS <= 0 {
		c.FloodPPS = 100
	}
	if c.TunnelScore <= 0 {
		c.TunnelScore = 0.5
	}
	return c
}

// Result is the ICMP (v4 and v6) section of a report.
type Result struct {
	Packets uint64 `json:"packets"`
	// Types counts messages by family, type number and name, sorted.
	Types []TypeCount `json:"types"`
	// Echo is one row per pair of hosts (requester → target).
	Echo        []Echo `json:"echo"`
	EchoDropped uint64 `json:"echo_dropped,omitempty"` // echo packets of pairs past MaxPairs
	// Unreachable groups destination-unreachable messages by reporter,
	// code and quoted datagram.
	Unreachable        []Unreachable `json:"unreachable"`
	UnreachableDropped uint64        `json:"unreachable_dropped,omitempty"`
	// Traceroutes rebuilt from time-exceeded messages.
	Traceroutes        []Traceroute `json:"traceroutes"`
	TraceroutesDropped uint64       `json:"traceroutes_dropped,omitempty"`
	Redirects          []Redirect   `json:"redirects,omitempty"`
	// Routers are IPv6 routers seen sending router advertisements.
	Routers       []Router `json:"routers,omitempty"`
	ProbesDropped uint64   `json:"probes_dropped,omitempty"`
}

// TypeCount counts one ICMP type.
type TypeCount struct {
	Family string `json:"family"` // "icmp" or "icmpv6"
	Type   uint8  `json:"type"`
	Name   string `json:"name"`
	Count  uint64 `json:"count"`
}

// Echo is echo request/reply traffic from Src to Dst.
type Echo struct {
	Src      netip.Addr `json:"src"`
	Dst      netip.Addr `json:"dst"`
	Family   string     `json:"family"`
	Sent     uint64     `json:"sent"`     // echo requests
	Received uint64     `json:"received"` // echo replies
	Answered uint64     `json:"answered"` // requests matched by a reply (identifier and sequence)
	Lost     uint64     `json:"lost"`     // requests without a reply
	LossPct  float64    `json:"loss_pct"`
	RTTMinMS float64    `json:"rtt_min_ms"`
	RTTAvgMS float64    `json:"rtt_avg_ms"`
	RTTMaxMS float64    `json:"rtt_max_ms"`
	// Request payload sizes (bytes after the 8-byte ICMP header) and the
	// Shannon entropy of all request payload bytes (bits per byte).
	PayloadMinBytes int     `json:"payload_min_bytes"`
	PayloadMaxBytes int     `json:"payload_max_bytes"`
	PayloadAvgBytes float64 `json:"payload_avg_bytes"`
	PayloadSizes    int     `json:"payload_sizes"` // distinct sizes (counted up to 16)
	PayloadEntropy  float64 `json:"payload_entropy"`
	// NotMirrored counts replies whose payload differs from their request.
	NotMirrored uint64    `json:"not_mirrored"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	FirstFrame  uint64    `json:"first_frame"`
}

// Unreachable is a group of destination-unreachable messages.
type Unreachable struct {
	Reporter netip.Addr `json:"reporter"` // who sent the ICMP error
	Family   string     `json:"family"`
	Code     uint8      `json:"code"`
	CodeName string     `json:"code_name"` // "port-unreachable"
	// Original is the quoted datagram's flow, initiator as quoted.
	Original attack.FlowRef `json:"original"`
	// FlowID is the Report flow of the quoted datagram, 0 when unknown.
	FlowID     uint64    `json:"flow_id,omitempty"`
	Count      uint64    `json:"count"`
	Frames     []uint64  `json:"frames"` // first 16
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	NextHopMTU uint16    `json:"next_hop_mtu,omitempty"` // fragmentation needed / packet too big

	quoted flows.Key // the quoted datagram's flow key, zero without its transport header
}

// Traceroute is a path rebuilt from time-exceeded messages.
type Traceroute struct {
	Src     netip.Addr `json:"src"`
	Dst     netip.Addr `json:"dst"`
	Proto   string     `json:"proto"` // probe protocol: "udp", "icmp", "tcp"
	Hops    []Hop      `json:"hops"`
	Reached bool       `json:"reached"` // the destination answered (port unreachable or echo reply)
	First   time.Time  `json:"first"`
	Last    time.Time  `json:"last"`
}

// Hop is one router of a traceroute.
type Hop struct {
	// TTL is the probe's TTL when the probe was captured; otherwise hops
	// are numbered by first answer (TTLInferred).
	TTL         int        `json:"ttl"`
	TTLInferred bool       `json:"ttl_inferred,omitempty"`
	Router      netip.Addr `json:"router"`
	Replies     uint64     `json:"replies"`
	RTTMS       float64    `json:"rtt_ms,omitempty"` // first probe matched
	FirstFrame  uint64     `json:"first_frame"`
}

// Redirect is one ICMP redirect.
type Redirect struct {
	Router  netip.Addr `json:"router"`  // sender of the redirect
	Target  netip.Addr `json:"target"`  // host told to change its route
	Gateway netip.Addr `json:"gateway"` // new first hop
	Dest    netip.Addr `json:"dest"`    // destination the route is for
	Frame   uint64     `json:"frame"`
	Time    time.Time  `json:"time"`
}

// Router is an IPv6 router sending advertisements.
type Router struct {
	Addr           netip.Addr `json:"addr"`
	MAC            string     `json:"mac,omitempty"`
	Advertisements uint64     `json:"advertisements"`
	LifetimeS      uint16     `json:"lifetime_s"`
	First          time.Time  `json:"first"`
	FirstFrame     uint64     `json:"first_frame"`
}

type pairKey struct{ src, dst netip.Addr }

type outReq struct {
	t     time.Time
	frame uint64
	hash  uint64
}

type pair struct {
	Echo
	v6          bool
	out         map[uint32]outReq
	evicted     uint64
	rttSum      time.Duration
	rttMin      time.Duration
	rttMax      time.Duration
	payBytes    uint64
	sizes       [16]int
	nsizes      int
	hist        *[256]uint64
	frames      attack.FrameSet // requests
	replyFrames attack.FrameSet
}

type unKey struct {
	reporter netip.Addr
	v6       bool
	code     uint8
	q        attack.FlowRef
}

type probeKey struct {
	src, dst netip.Addr
	proto    flows.Proto
	id       uint32
}

type probe struct {
	ttl   uint8
	t     time.Time
	frame uint64
}

type trKey struct {
	src, dst netip.Addr
	proto    flows.Proto
}

type trace struct {
	Traceroute
	hops map[netip.Addr]*Hop
}

type sweeper struct {
	targets map[netip.Addr]struct{}
	frames  attack.FrameSet
	first   time.Time
	last    time.Time
	v6      bool
}

// Analyzer follows ICMP and ICMPv6. Create it with [New].
type Analyzer struct {
	cfg     Config
	seed    maphash.Seed
	packets uint64
	counts  [2][256]uint64

	pairs    map[pairKey]*pair
	echoDrop uint64

	unreach     map[unKey]*Unreachable
	unreachList []*Unreachable
	unDrop      uint64

	probes    map[probeKey]probe
	probeDrop uint64
	traces    map[trKey]*trace
	trDrop    uint64

	redirects      []Redirect
	redirectFrames attack.FrameSet
	routers        map[netip.Addr]*Router
	sweep          map[netip.Addr]*sweeper
}

// New returns an Analyzer with cfg's limits.
func New(cfg Config) *Analyzer {
	cfg = cfg.withDefaults()
	a := &Analyzer{cfg: cfg, seed: maphash.MakeSeed(),
		pairs: map[pairKey]*pair{}, unreach: map[unKey]*Unreachable{},
		probes: map[probeKey]probe{}, traces: map[trKey]*trace{},
		routers: map[netip.Addr]*Router{}, sweep: map[netip.Addr]*sweeper{}}
	a.redirectFrames.Max = cfg.MaxFrames
	return a
}

// Observe reads one packet. ICMP packets are analyzed; other packets are
// only looked at when they open a flow (to link later unreachables to it)
// or carry a TTL low enough to be a traceroute probe.
func (a *Analyzer) Observe(p *flows.Packet) {
	if !p.L4 {
		return
	}
	switch p.Proto {
	case flows.ICMP:
		a.icmp(p, false)
		return
	case flows.ICMPv6:
		a.icmp(p, true)
		return
	case flows.UDP, flows.TCP:
		if p.TTL <= a.cfg.ProbeTTL && p.TTL > 0 && (p.Proto == flows.UDP || p.Flags&(flows.SYN|flows.ACK) == flows.SYN) {
			a.addProbe(probeKey{p.Src, p.Dst, p.Proto, uint32(p.SrcPort)<<16 | uint32(p.DstPort)}, p)
		}
	}
}

func (a *Analyzer) addProbe(k probeKey, p *flows.Packet) {
	if _, ok := a.probes[k]; ok {
		a.probes[k] = probe{p.TTL, p.Time, p.Frame} // a new probe reusing the key
		return
	}
	if len(a.probes) >= a.cfg.MaxProbes {
		a.probeDrop++
		return
	}
	a.probes[k] = probe{p.TTL, p.Time, p.Frame}
}

func family(v6 bool) string {
	if v6 {
		return "icmpv6"
	}
	return "icmp"
}

func (a *Analyzer) icmp(p *flows.Packet, v6 bool) {
	a.packets++
	fi := 0
	if v6 {
		fi = 1
	}
	a.counts[fi][p.ICMPType]++
	t := p.ICMPType
	switch {
	case !v6 && t == 8, v6 && t == 128:
		a.request(p, v6)
	case !v6 && t == 0, v6 && t == 129:
		a.reply(p, v6)
	case !v6 && t == 3, v6 && t == 1, v6 && t == 2:
		a.unreachable(p, v6)
	case !v6 && t == 11, v6 && t == 3:
		a.timeExceeded(p, v6)
	case !v6 && t == 5:
		gw := netip.AddrFrom4([4]byte{byte(p.ICMPID >> 8), byte(p.ICMPID), byte(p.ICMPSeq >> 8), byte(p.ICMPSeq)})
		var dst netip.Addr
		if q, ok := ParseQuoted(p.Payload); ok {
			dst = q.Dst
		}
		a.redirect(p, gw, dst)
	case v6 && t == 137:
		// body after the 4 reserved bytes: target (16), destination (16)
		if len(p.Payload) >= 32 {
			a.redirect(p, netip.AddrFrom16([16]byte(p.Payload[0:16])), netip.AddrFrom16([16]byte(p.Payload[16:32])))
		}
	case v6 && t == 134:
		r := a.routers[p.Src]
		if r == nil {
			if len(a.routers) >= 256 {
				return
			}
			r = &Router{Addr: p.Src, First: p.Time, FirstFrame: p.Frame}
			if p.HasMAC {
				r.MAC = macString(p.SrcMAC)
			}
			a.routers[p.Src] = r
		}
		r.Advertisements++
		r.LifetimeS = p.ICMPSeq // bytes 6-7 of the message: router lifetime
	}
}

func macString(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

func (a *Analyzer) pair(k pairKey, p *flows.Packet, v6 bool, create bool) *pair {
	pr := a.pairs[k]
	if pr != nil || !create {
		return pr
	}
	if len(a.pairs) >= a.cfg.MaxPairs {
		return nil
	}
	pr = &pair{Echo: Echo{Src: k.src, Dst: k.dst, Family: family(v6), First: p.Time, FirstFrame: p.Frame}, v6: v6,
		out: map[uint32]outReq{}, hist: new([256]uint64), rttMin: -1}
	pr.frames.Max = a.cfg.MaxFrames
	pr.replyFrames.Max = a.cfg.MaxFrames
	a.pairs[k] = pr
	return pr
}

func (a *Analyzer) request(p *flows.Packet, v6 bool) {
	pr := a.pair(pairKey{p.Src, p.Dst}, p, v6, true)
	if pr == nil {
		a.echoDrop++
		return
	}
	pr.Sent++
	pr.Last = p.Time
	pr.frames.Add(p.Frame)
	n := len(p.Payload)
	if pr.Sent == 1 || n < pr.PayloadMinBytes {
		pr.PayloadMinBytes = n
	}
	pr.PayloadMaxBytes = max(pr.PayloadMaxBytes, n)
	pr.payBytes += uint64(n)
	if pr.nsizes < len(pr.sizes) && !slices.Contains(pr.sizes[:pr.nsizes], n) {
		pr.sizes[pr.nsizes] = n
		pr.nsizes++
	}
	for _, c := range p.Payload {
		pr.hist[c]++
	}
	id := uint32(p.ICMPID)<<16 | uint32(p.ICMPSeq)
	if _, ok := pr.out[id]; !ok && len(pr.out) >= a.cfg.MaxOutstanding {
		pr.evict(p.Time)
	}
	pr.out[id] = outReq{p.Time, p.Frame, maphash.Bytes(a.seed, p.Payload)}
	// sweep: one source, many targets
	s := a.sweep[p.Src]
	if s == nil {
		if len(a.sweep) >= a.cfg.MaxPairs {
			return
		}
		s = &sweeper{targets: map[netip.Addr]struct{}{}, first: p.Time, v6: v6}
		s.frames.Max = a.cfg.MaxFrames
		a.sweep[p.Src] = s
	}
	if _, ok := s.targets[p.Dst]; !ok && len(s.targets) < 4096 {
		s.targets[p.Dst] = struct{}{}
		s.frames.Add(p.Frame)
		s.last = p.Time
	}
	// an echo with a low TTL is an ICMP traceroute probe
	if p.TTL <= a.cfg.ProbeTTL && p.TTL > 0 {
		proto := flows.ICMP
		if v6 {
			proto = flows.ICMPv6
		}
		a.addProbe(probeKey{p.Src, p.Dst, proto, id}, p)
	}
}

// replyTimeout is how long an echo request waits for its reply once the
// outstanding table of its pair is full.
const replyTimeout = 10 * time.Second

// evict makes room in a full outstanding table: requests older than
// replyTimeout go (they are lost), else the oldest one. It runs only when
// the table is full, over at most MaxOutstanding entries.
func (pr *pair) evict(now time.Time) {
	var oldest uint32
	var ot time.Time
	n := len(pr.out)
	for id, rq := range pr.out {
		if now.Sub(rq.t) > replyTimeout {
			delete(pr.out, id)
			continue
		}
		if ot.IsZero() || rq.t.Before(ot) {
			oldest, ot = id, rq.t
		}
	}
	if len(pr.out) == n {
		delete(pr.out, oldest)
	}
	pr.evicted += uint64(n - len(pr.out))
}

func (a *Analyzer) reply(p *flows.Packet, v6 bool) {
	pr := a.pair(pairKey{p.Dst, p.Src}, p, v6, true)
	if pr == nil {
		a.echoDrop++
		return
	}
	pr.Received++
	pr.Last = p.Time
	pr.replyFrames.Add(p.Frame)
	id := uint32(p.ICMPID)<<16 | uint32(p.ICMPSeq)
	if rq, ok := pr.out[id]; ok {
		delete(pr.out, id)
		pr.Answered++
		rtt := p.Time.Sub(rq.t)
		pr.rttSum += rtt
		if pr.rttMin < 0 || rtt < pr.rttMin {
			pr.rttMin = rtt
		}
		pr.rttMax = max(pr.rttMax, rtt)
		if rq.hash != maphash.Bytes(a.seed, p.Payload) {
			pr.NotMirrored++
		}
	}
	proto := flows.ICMP
	if v6 {
		proto = flows.ICMPv6
	}
	if tr := a.traces[trKey{p.Dst, p.Src, proto}]; tr != nil {
		if _, ok := a.probes[probeKey{p.Dst, p.Src, proto, id}]; ok {
			tr.Reached = true
			a.hop(tr, p.Src, probeKey{p.Dst, p.Src, proto, id}, p)
		}
	}
}

func (a *Analyzer) unreachable(p *flows.Packet, v6 bool) {
	q, ok := ParseQuoted(p.Payload)
	if !ok {
		return
	}
	ref := attack.FlowRef{Proto: q.Proto.String(), Src: netip.AddrPortFrom(q.Src, q.SrcPort), Dst: netip.AddrPortFrom(q.Dst, q.DstPort)}
	code := p.ICMPCode
	if v6 && p.ICMPType == 2 { // packet too big: reported as its own code row
		code = 255
	}
	k := unKey{p.Src, v6, code, ref}
	u := a.unreach[k]
	if u == nil {
		if len(a.unreach) >= a.cfg.MaxUnreachable {
			a.unDrop++
			return
		}
		name := UnreachableName(v6, p.ICMPCode)
		if code == 255 {
			name = "packet-too-big"
		}
		u = &Unreachable{Reporter: p.Src, Family: family(v6), Code: p.ICMPCode, CodeName: name, Original: ref, First: p.Time}
		if q.HasL4 {
			u.quoted = q.Key()
		}
		if (!v6 && p.ICMPCode == 4) || code == 255 {
			if v6 {
				u.NextHopMTU = uint16(min(uint32(p.ICMPID)<<16|uint32(p.ICMPSeq), 65535))
			} else {
				u.NextHopMTU = p.ICMPSeq
			}
		}
		a.unreach[k] = u
		a.unreachList = append(a.unreachList, u)
	}
	u.Count++
	u.Last = p.Time
	if len(u.Frames) < 16 {
		u.Frames = append(u.Frames, p.Frame)
	}
	// a port unreachable from the traceroute target ends a UDP traceroute
	if tr := a.traces[trKey{q.Src, q.Dst, q.Proto}]; tr != nil && p.Src == q.Dst {
		pk := probeKey{q.Src, q.Dst, q.Proto, uint32(q.SrcPort)<<16 | uint32(q.DstPort)}
		if _, ok := a.probes[pk]; ok { // answers to traceroute probes only
			tr.Reached = true
			a.hop(tr, p.Src, pk, p)
		}
	}
}

func (a *Analyzer) timeExceeded(p *flows.Packet, v6 bool) {
	if p.ICMPCode != 0 { // fragment reassembly time exceeded
		return
	}
	q, ok := ParseQuoted(p.Payload)
	if !ok {
		return
	}
	k := trKey{q.Src, q.Dst, q.Proto}
	tr := a.traces[k]
	if tr == nil {
		if len(a.traces) >= a.cfg.MaxTraceroutes {
			a.trDrop++
			return
		}
		tr = &trace{Traceroute: Traceroute{Src: q.Src, Dst: q.Dst, Proto: q.Proto.String(), First: p.Time}, hops: map[netip.Addr]*Hop{}}
		a.traces[k] = tr
	}
	id := uint32(q.SrcPort)<<16 | uint32(q.DstPort)
	if q.Proto == flows.ICMP || q.Proto == flows.ICMPv6 {
		id = uint32(q.SrcPort)<<16 | uint32(q.ICMPSeq)
	}
	a.hop(tr, p.Src, probeKey{q.Src, q.Dst, q.Proto, id}, p)
}

func (a *Analyzer) hop(tr *trace, router netip.Addr, pk probeKey, p *flows.Packet) {
	tr.Last = p.Time
	h := tr.hops[router]
	if h == nil {
		if len(tr.hops) >= 64 {
			return
		}
		h = &Hop{Router: router, FirstFrame: p.Frame}
		tr.hops[router] = h
	}
	h.Replies++
	if pr, ok := a.probes[pk]; ok {
		if h.TTL == 0 || int(pr.ttl) < h.TTL {
			h.TTL = int(pr.ttl)
		}
		if h.RTTMS == 0 {
			h.RTTMS = attack.Round(float64(p.Time.Sub(pr.t)) / float64(time.Millisecond))
		}
	}
}

func (a *Analyzer) redirect(p *flows.Packet, gw, dst netip.Addr) {
	a.redirectFrames.Add(p.Frame)
	if len(a.redirects) < 256 {
		a.redirects = append(a.redirects, Redirect{Router: p.Src, Target: p.Dst, Gateway: gw, Dest: dst, Frame: p.Frame, Time: p.Time})
	}
}

func ms(d time.Duration) float64 { return attack.Round(float64(d) / float64(time.Millisecond)) }

func entropy(h *[256]uint64) float64 {
	var n uint64
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return 0
	}
	var e float64
	for _, c := range h {
		if c > 0 {
			pr := float64(c) / float64(n)
			e -= pr * math.Log2(pr)
		}
	}
	return e
}

// Finish returns the ICMP section (nil when no ICMP was seen) and the
// findings.
func (a *Analyzer) Finish() (*Result, []attack.Finding) {
	if a.packets == 0 {
		return nil, nil
	}
	r := &Result{Packets: a.packets, EchoDropped: a.echoDrop, UnreachableDropped: a.unDrop,
		TraceroutesDropped: a.trDrop, ProbesDropped: a.probeDrop,
		Types: []TypeCount{}, Echo: []Echo{}, Unreachable: []Unreachable{}, Traceroutes: []Traceroute{}}
	for fi := range a.counts {
		for t, c := range a.counts[fi] {
			if c > 0 {
				r.Types = append(r.Types, TypeCount{Family: family(fi == 1), Type: uint8(t), Name: TypeName(fi == 1, uint8(t)), Count: c})
			}
		}
	}
	var out []attack.Finding
	for _, pr := range a.pairs {
		e := &pr.Echo
		e.Lost = e.Sent - min(e.Answered, e.Sent)
		if e.Sent > 0 {
			e.LossPct = attack.Round(100 * float64(e.Lost) / float64(e.Sent))
			e.PayloadAvgBytes = attack.Round(float64(pr.payBytes) / float64(e.Sent))
		}
		if e.Answered > 0 {
			e.RTTMinMS, e.RTTMaxMS = ms(pr.rttMin), ms(pr.rttMax)
			e.RTTAvgMS = ms(pr.rttSum / time.Duration(e.Answered))
		}
		e.PayloadSizes = pr.nsizes
		e.PayloadEntropy = attack.Round(entropy(pr.hist))
		r.Echo = append(r.Echo, *e)
		if f, ok := a.tunnel(pr); ok {
			out = append(out, f)
		}
		if f, ok := a.flood(pr); ok {
			out = append(out, f)
		}
	}
	slices.SortFunc(r.Echo, func(x, y Echo) int { return cmp.Or(x.Src.Compare(y.Src), x.Dst.Compare(y.Dst)) })
	for _, u := range a.unreachList {
		if !u.quoted.IsZero() && a.cfg.FlowAt != nil && len(u.Frames) > 0 {
			if f := a.cfg.FlowAt(u.quoted, u.Frames[0]); f != nil {
				u.FlowID = f.ID
			}
		}
		r.Unreachable = append(r.Unreachable, *u)
	}
	slices.SortFunc(r.Unreachable, func(x, y Unreachable) int {
		return cmp.Or(x.First.Compare(y.First), x.Reporter.Compare(y.Reporter), cmp.Compare(x.Code, y.Code))
	})
	for _, tr := range a.traces {
		t := tr.Traceroute
		for _, h := range tr.hops {
			t.Hops = append(t.Hops, *h)
		}
		// hops by TTL when known, else by first answer
		slices.SortFunc(t.Hops, func(x, y Hop) int {
			if x.TTL != 0 && y.TTL != 0 {
				return cmp.Or(cmp.Compare(x.TTL, y.TTL), cmp.Compare(x.FirstFrame, y.FirstFrame))
			}
			return cmp.Compare(x.FirstFrame, y.FirstFrame)
		})
		for i := range t.Hops {
			if t.Hops[i].TTL == 0 {
				t.Hops[i].TTL, t.Hops[i].TTLInferred = i+1, true
			}
		}
		r.Traceroutes = append(r.Traceroutes, t)
	}
	slices.SortFunc(r.Traceroutes, func(x, y Traceroute) int {
		return cmp.Or(x.First.Compare(y.First), x.Src.Compare(y.Src), x.Dst.Compare(y.Dst))
	})
	r.Redirects = a.redirects
	for _, rt := range a.routers {
		r.Routers = append(r.Routers, *rt)
	}
	slices.SortFunc(r.Routers, func(x, y Router) int { return x.Addr.Compare(y.Addr) })
	for src, s := range a.sweep {
		if len(s.targets) >= a.cfg.SweepHosts {
			out = append(out, a.sweepFinding(src, s))
		}
	}
	if len(a.redirects) > 0 {
		out = append(out, a.redirectFinding())
	}
	return r, out
}

func (a *Analyzer) echoFilter(pr *pair, replies bool) string {
	// "===" (all equal): an ICMP error quoting an echo carries a second
	// IP header and ICMP type, which "==" (any equal) would also match.
	ip, t := "ip", "icmp.type===8"
	if pr.v6 {
		ip, t = "ipv6", "icmpv6.type===128"
	}
	f := fmt.Sprintf("%s.src===%s && %s.dst===%s && %s", ip, pr.Src, ip, pr.Dst, t)
	if replies {
		rt := "icmp.type===0"
		if pr.v6 {
			rt = "icmpv6.type===129"
		}
		f = fmt.Sprintf("(%s) || (%s.src===%s && %s.dst===%s && %s)", f, ip, pr.Dst, ip, pr.Src, rt)
	}
	return f
}

func pairRef(pr *pair) attack.FlowRef {
	return attack.FlowRef{Proto: family(pr.v6), Src: netip.AddrPortFrom(pr.Src, 0), Dst: netip.AddrPortFrom(pr.Dst, 0)}
}

// tunnel scores a pair for ICMP tunnelling: echo payloads that are large,
// high-entropy, of varying size, not mirrored by the replies, or sustained
// in volume. Ordinary pings (fixed 32–56 byte patterned payloads, mirrored)
// score 0.
func (a *Analyzer) tunnel(pr *pair) (attack.Finding, bool) {
	if pr.Sent < 2 {
		return attack.Finding{}, false
	}
	var score float64
	var feats []attack.Feature
	add := func(name string, v, w float64, on bool) {
		feats = append(feats, attack.Feature{Name: name, Value: attack.Round(v)})
		if on {
			score += w
		}
	}
	avg := float64(pr.payBytes) / float64(pr.Sent)
	ent := entropy(pr.hist)
	nm := float64(pr.NotMirrored)
	add("payload_avg_bytes", avg, 0.2, avg > 200)
	add("payload_entropy", ent, 0.3, ent >= 7.0 && pr.payBytes >= 512)
	add("payload_sizes", float64(pr.nsizes), 0.25, pr.nsizes >= 4)
	add("replies_not_mirrored", nm, 0.4, pr.Answered > 0 && nm/float64(pr.Answered) >= 0.2)
	add("payload_bytes", float64(pr.payBytes), 0.2, pr.payBytes >= 100_000)
	score = min(score, 1)
	if score < a.cfg.TunnelScore {
		return attack.Finding{}, false
	}
	fs := pr.frames
	for _, f := range pr.replyFrames.Frames() {
		fs.Add(f)
	}
	ev := fs.Evidence(a.echoFilter(pr, true), pairRef(pr))
	ev.FramesTotal = pr.frames.Total() + pr.replyFrames.Total()
	return attack.Finding{Kind: "icmp_tunnel", Source: "icmp", Score: attack.Round(score), Severity: attack.SeverityFor(score),
		Summary: fmt.Sprintf("possible ICMP tunnel %s → %s: %d echo requests, avg payload %.0f B, entropy %.2f, %d replies not mirrored",
			pr.Src, pr.Dst, pr.Sent, avg, ent, pr.NotMirrored),
		Src: pr.Src, Dst: pr.Dst, First: pr.First, Last: pr.Last,
		Techniques: []attack.TechniqueRef{attack.Tech("T1095", score), attack.Tech("T1572", score*0.8)},
		Features:   feats, Evidence: ev,
	}, true
}

func (a *Analyzer) flood(pr *pair) (attack.Finding, bool) {
	d := pr.Last.Sub(pr.First).Seconds()
	if pr.Sent < uint64(a.cfg.FloodPackets) || d <= 0 {
		return attack.Finding{}, false
	}
	pps := float64(pr.Sent) / d
	if pps < a.cfg.FloodPPS {
		return attack.Finding{}, false
	}
	score := min(0.6+pps/(10*a.cfg.FloodPPS), 0.95)
	return attack.Finding{Kind: "icmp_flood", Source: "icmp", Score: attack.Round(score), Severity: attack.SeverityFor(score),
		Summary: fmt.Sprintf("ICMP echo flood %s → %s: %d requests at %.0f/s", pr.Src, pr.Dst, pr.Sent, pps),
		Src:     pr.Src, Dst: pr.Dst, First: pr.First, Last: pr.Last,
		Techniques: []attack.TechniqueRef{attack.Tech("T1498.001", score)},
		Features:   []attack.Feature{{Name: "requests", Value: float64(pr.Sent)}, {Name: "pps", Value: attack.Round(pps)}},
		Evidence:   pr.frames.Evidence(a.echoFilter(pr, false), pairRef(pr)),
	}, true
}

func (a *Analyzer) sweepFinding(src netip.Addr, s *sweeper) attack.Finding {
	n := len(s.targets)
	score := min(0.5+float64(n)/float64(8*a.cfg.SweepHosts), 0.9)
	ip, t := "ip", "icmp.type===8"
	if s.v6 {
		ip, t = "ipv6", "icmpv6.type===128"
	}
	// evidence: the first request to each target
	ev := s.frames.Evidence(fmt.Sprintf("%s.src===%s && %s && %s", ip, src, t, attack.FrameFilter(s.frames.Frames())))
	return attack.Finding{Kind: "ping_sweep", Source: "icmp", Score: attack.Round(score), Severity: attack.SeverityFor(score),
		Summary: fmt.Sprintf("ping sweep: %s sent echo requests to %d hosts", src, n),
		Src:     src, First: s.first, Last: s.last,
		Techniques: []attack.TechniqueRef{attack.Tech("T1018", score), attack.Tech("T1595.001", score*0.7)},
		Features:   []attack.Feature{{Name: "targets", Value: float64(n)}},
		Evidence:   ev,
	}
}

func (a *Analyzer) redirectFinding() attack.Finding {
	r0 := a.redirects[0]
	score := 0.6
	return attack.Finding{Kind: "icmp_redirect", Source: "icmp", Score: score, Severity: attack.SeverityFor(score),
		Summary: fmt.Sprintf("%d ICMP redirects; first from %s telling %s to reach %s via %s", a.redirectFrames.Total(), r0.Router, r0.Target, r0.Dest, r0.Gateway),
		Src:     r0.Router, Dst: r0.Target, First: r0.Time, Last: a.redirects[len(a.redirects)-1].Time,
		Techniques: []attack.TechniqueRef{attack.Tech("T1557", 0.5)},
		Features:   []attack.Feature{{Name: "redirects", Value: float64(a.redirectFrames.Total())}, {Name: "gateway", Text: r0.Gateway.String()}},
		Evidence:   a.redirectFrames.Evidence("icmp.type#1==5 || icmpv6.type#1==137"), // #1: the outer ICMP header, not the quoted one
	}
}
