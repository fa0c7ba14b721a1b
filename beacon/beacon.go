package beacon

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/addrmap"
	"github.com/pcapai/pcapai/internal/stats"
)

// Config tunes the beacon detector. The zero value is the default.
type Config struct {
	// MinConnections is the fewest connections a group needs to be scored.
	// Zero means 6.
	MinConnections int
	// MinMedianGap is the smallest median inter-arrival time scored. Zero
	// means 1 s.
	MinMedianGap time.Duration
	// MinScore is the lowest score reported. Zero means 0.70.
	MinScore float64
	// HighScore and HighConnections make a finding high severity. Zero
	// means 0.85 and 20.
	HighScore       float64
	HighConnections int
	// BurstGap merges datagrams (UDP, ICMP) of a group closer than this to
	// the previous one into one connection. Zero means 500 ms.
	BurstGap time.Duration
	// MaxGroups bounds the (source, destination, port) groups kept. Zero
	// means 20000.
	MaxGroups int
	// MaxEvents bounds the connections kept per group. Zero means 4096.
	MaxEvents int
	// Resolve, when set, names a destination address (for example from the
	// capture's DNS answers); the name goes into the summary and features.
	Resolve func(netip.Addr) string
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MinConnections, 6)
	def(&c.HighConnections, 20)
	def(&c.MaxGroups, 20000)
	def(&c.MaxEvents, 4096)
	if c.MinMedianGap <= 0 {
		c.MinMedianGap = time.Second
	}
	if c.MinScore <= 0 {
		c.MinScore = 0.70
	}
	if c.HighScore <= 0 {
		c.HighScore = 0.85
	}
	if c.BurstGap <= 0 {
		c.BurstGap = 500 * time.Millisecond
	}
	return c
}

var broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

type groupKey struct {
	src, dst netip.Addr
	port     uint16
	proto    flows.Proto
}

// pack packs a key of two IPv4 addresses into the addresses (source
// above destination) and the port above the protocol.
func (k groupKey) pack() ([2]uint64, bool) {
	sd, ok := addrmap.Pair(k.src, k.dst)
	return [2]uint64{sd, uint64(k.port)<<8 | uint64(k.proto)}, ok
}

func unpackGroupKey(p [2]uint64) groupKey {
	return groupKey{src: addrmap.FromV4(uint32(p[0] >> 32)), dst: addrmap.FromV4(uint32(p[0])), port: uint16(p[1] >> 8), proto: flows.Proto(p[1])}
}

type event struct {
	t     int64 // unix ns
	frame uint64
	bytes uint64 // datagram bursts: bytes so far; TCP: filled from the flow at Finish
	flow  *flows.Flow
	next  int32 // the group's next event in the log; -1 at the end
}

// eventLog holds every group's events in fixed chunks, each group's linked
// in order, so that recording a connection never copies a growing slice.
type eventLog struct {
	chunks [][]event
	n      int32
}

const chunkEvents = 128

func (l *eventLog) add(e event) int32 {
	if int(l.n)%chunkEvents == 0 {
		l.chunks = append(l.chunks, make([]event, chunkEvents))
	}
	i := l.n
	l.chunks[i/chunkEvents][i%chunkEvents] = e
	l.n++
	return i
}

func (l *eventLog) at(i int32) *event { return &l.chunks[i/chunkEvents][i%chunkEvents] }

type group struct {
	head, tail int32 // first and last event kept in the log
	events     int   // events kept (at most MaxEvents)
	total      int   // connections, including those past MaxEvents
	last       int64
	dropped    bool
}

// each calls fn with the group's kept events in order.
func (a *Analyzer) each(g *group, fn func(*event)) {
	for i := g.head; g.events > 0 && i >= 0; {
		e := a.log.at(i)
		fn(e)
		i = e.next
	}
}

// Analyzer is the beacon detector. It is not safe for concurrent use.
type Analyzer struct {
	cfg           Config
	groups        addrmap.Map[groupKey, [2]uint64, *group] // IPv4 keys packed by groupKey.pack
	log           eventLog
	groupsDropped uint64
	first, last   int64
	times         []int64   // Finish's scratch
	sizes         []float64 // Finish's scratch
}

// New returns an Analyzer with cfg (zero fields take their defaults).
func New(cfg Config) *Analyzer {
	return &Analyzer{cfg: cfg.withDefaults(), groups: addrmap.New[groupKey, [2]uint64, *group]()}
}

// Observe records p when it starts a connection of its group. It does not
// allocate for packets of known groups.
func (a *Analyzer) Observe(p *flows.Packet) {
	t := p.Time.UnixNano()
	if a.first == 0 || t < a.first {
		a.first = t
	}
	if t > a.last {
		a.last = t
	}
	f := p.Flow
	if f == nil || p.Dir != flows.FromInitiator {
		return
	}
	var start bool
	switch f.Proto {
	case flows.TCP:
		// The flow's first packet from the initiator (normally its SYN).
		if p.Frame != f.FirstFrame {
			return
		}
		start = true
	case flows.UDP, flows.ICMP, flows.ICMPv6:
	default:
		return
	}
	if d := f.Dst.Addr(); d.IsMulticast() || d == broadcast || !f.Src.Addr().IsValid() || f.Src.Addr().IsUnspecified() {
		return // broadcast and multicast announcements are periodic by design
	}
	k := groupKey{src: f.Src.Addr(), dst: f.Dst.Addr(), port: f.Dst.Port(), proto: f.Proto}
	pk, ok := k.pack()
	g := a.groups.Get(k, pk, ok)
	if g == nil {
		if a.groups.Len() >= a.cfg.MaxGroups {
			a.groupsDropped++
			return
		}
		g = &group{}
		a.groups.Set(k, pk, ok, g)
	}
	if !start {
		// A datagram: a new connection after BurstGap of silence.
		if g.total > 0 && t-g.last < int64(a.cfg.BurstGap) {
			g.last = t
			if g.events > 0 {
				if e := a.log.at(g.tail); e.flow == f {
					e.bytes += uint64(p.OrigLen)
				}
			}
			return
		}
	}
	g.last = t
	g.total++
	if g.events < a.cfg.MaxEvents {
		i := a.log.add(event{t: t, frame: p.Frame, bytes: uint64(p.OrigLen), flow: f, next: -1})
		if g.events == 0 {
			g.head = i
		} else {
			a.log.at(g.tail).next = i
		}
		g.tail = i
		g.events++
	} else {
		g.dropped = true
	}
}

// Result summarises the detector's work.
type Result struct {
	Groups        int      `json:"groups"`         // (source, destination, port) groups seen
	Scored        int      `json:"scored"`         // groups with enough connections to score
	GroupsDropped uint64   `json:"groups_dropped"` // connections of groups past MaxGroups
	Truncated     int      `json:"truncated"`      // groups with more connections than MaxEvents
	Beacons       []Beacon `json:"beacons"`        // scored groups at or above MinScore, best first
}

// Beacon is one scored group.
type Beacon struct {
	Proto       flows.Proto      `json:"proto"`
	Src         netip.Addr       `json:"src"`
	Dst         netip.AddrPort   `json:"dst"`
	Name        string           `json:"name,omitempty"`
	Connections int              `json:"connections"`
	PeriodS     float64          `json:"period_s"` // median gap
	JitterS     float64          `json:"jitter_s"` // MAD of the gaps
	Bytes       uint64           `json:"bytes"`    // both directions, all kept connections
	Score       float64          `json:"score"`
	First       time.Time        `json:"first"`
	Last        time.Time        `json:"last"`
	Features    []attack.Feature `json:"features"`
}

// Score is the breakdown of a group's score.
type Score struct {
	IntervalSkew, IntervalDispersion, Coverage float64
	SizeSkew, SizeDispersion, Smallness        float64
	Interval, Size, Total                      float64
	Gate                                       float64 // min(1, IntervalDispersion/0.3)
	Median, MAD                                float64 // seconds
	SizeMode                                   float64
}

// ScoreTimes scores connection start times (unix ns, sorted) and sizes
// (bytes) seen over a capture spanning spanNS nanoseconds.
func ScoreTimes(times []int64, sizes []float64, spanNS int64) Score {
	var s Score
	if len(times) < 3 {
		return s
	}
	gaps := make([]float64, 0, len(times)-1)
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, float64(times[i]-times[i-1])/1e9)
	}
	g := stats.Summarize(gaps)
	s.Median, s.MAD = g.Median, g.MAD
	s.IntervalSkew = stats.Clamp01(1 - math.Abs(g.Bowley))
	if g.Median > 0 {
		s.IntervalDispersion = stats.Clamp01(1 - 2*g.MAD/g.Median)
		span := float64(spanNS) / 1e9
		if span <= 0 {
			span = float64(times[len(times)-1]-times[0]) / 1e9
		}
		if span > 0 {
			s.Coverage = stats.Clamp01(float64(len(times)-1) * g.Median / span)
		}
	}
	sz := stats.Summarize(append([]float64(nil), sizes...))
	s.SizeMode = stats.Mode(sizes)
	s.SizeSkew = stats.Clamp01(1 - math.Abs(sz.Bowley))
	s.SizeDispersion = stats.Clamp01(1 - sz.MAD/32)
	s.Smallness = stats.Clamp01(1 - s.SizeMode/65535)
	s.Interval = (s.IntervalSkew + s.IntervalDispersion + s.Coverage) / 3
	s.Size = (s.SizeSkew + s.SizeDispersion + s.Smallness) / 3
	s.Gate = stats.Clamp01(s.IntervalDispersion / 0.3)
	s.Total = (2*s.Interval + s.Size) / 3 * s.Gate
	return s
}

// Finish scores every group and returns the result and one finding per
// beacon, sorted best first.
func (a *Analyzer) Finish() (Result, []attack.Finding) {
	res := Result{Groups: a.groups.Len(), GroupsDropped: a.groupsDropped, Beacons: []Beacon{}}
	var out []attack.Finding
	type keyed struct {
		k groupKey
		g *group
	}
	groups := make([]keyed, 0, a.groups.Len())
	for pk, g := range a.groups.Packed {
		groups = append(groups, keyed{unpackGroupKey(pk), g})
	}
	for k, g := range a.groups.Other {
		groups = append(groups, keyed{k, g})
	}
	sort.Slice(groups, func(i, j int) bool {
		x, y := groups[i].k, groups[j].k
		if c := x.src.Compare(y.src); c != 0 {
			return c < 0
		}
		if c := x.dst.Compare(y.dst); c != 0 {
			return c < 0
		}
		if x.proto != y.proto {
			return x.proto < y.proto
		}
		return x.port < y.port
	})
	for _, kg := range groups {
		k, g := kg.k, kg.g
		if g.dropped {
			res.Truncated++
		}
		if g.events < a.cfg.MinConnections {
			continue
		}
		times, sizes := a.times[:0], a.sizes[:0]
		var bytes uint64
		a.each(g, func(e *event) {
			b := e.bytes
			if k.proto == flows.TCP && e.flow != nil {
				b = e.flow.Bytes
			}
			times = append(times, e.t)
			sizes = append(sizes, float64(b))
			bytes += b
		})
		a.times, a.sizes = times, sizes
		s := ScoreTimes(times, sizes, a.last-a.first)
		if s.Median < a.cfg.MinMedianGap.Seconds() {
			continue
		}
		res.Scored++
		if s.Total < a.cfg.MinScore {
			continue
		}
		b := Beacon{
			Proto: k.proto, Src: k.src, Dst: netip.AddrPortFrom(k.dst, k.port),
			Connections: g.total, PeriodS: attack.Round(s.Median), JitterS: attack.Round(s.MAD),
			Bytes: bytes, Score: attack.Round(s.Total),
			First: time.Unix(0, times[0]).UTC(), Last: time.Unix(0, times[len(times)-1]).UTC(),
		}
		if a.cfg.Resolve != nil {
			b.Name = a.cfg.Resolve(k.dst)
		}
		b.Features = []attack.Feature{
			{Name: "connections", Value: float64(g.total)},
			{Name: "period_s", Value: attack.Round(s.Median)},
			{Name: "jitter_mad_s", Value: attack.Round(s.MAD)},
			{Name: "interval_skew_score", Value: attack.Round(s.IntervalSkew)},
			{Name: "interval_dispersion_score", Value: attack.Round(s.IntervalDispersion)},
			{Name: "coverage_score", Value: attack.Round(s.Coverage)},
			{Name: "regularity_gate", Value: attack.Round(s.Gate)},
			{Name: "size_skew_score", Value: attack.Round(s.SizeSkew)},
			{Name: "size_dispersion_score", Value: attack.Round(s.SizeDispersion)},
			{Name: "smallness_score", Value: attack.Round(s.Smallness)},
			{Name: "size_mode_bytes", Value: s.SizeMode},
			{Name: "bytes", Value: float64(bytes)},
		}
		if b.Name != "" {
			b.Features = append(b.Features, attack.Feature{Name: "destination_name", Text: b.Name})
		}
		res.Beacons = append(res.Beacons, b)
		out = append(out, a.finding(k, g, b))
	}
	sort.SliceStable(res.Beacons, func(i, j int) bool { return res.Beacons[i].Score > res.Beacons[j].Score })
	attack.Sort(out)
	return res, out
}

func (a *Analyzer) finding(k groupKey, g *group, b Beacon) attack.Finding {
	sev := attack.Medium
	if b.Score >= a.cfg.HighScore && b.Connections >= a.cfg.HighConnections {
		sev = attack.High
	}
	var fs attack.FrameSet
	a.each(g, func(e *event) { fs.Add(e.frame) })
	// The filter names the connection-start frames exactly (the frame set
	// is kept whole when it fits the cap).
	filter := attack.FrameFilter(fs.Frames())
	if fs.Total() > len(fs.Frames()) || g.dropped {
		filter = beaconFilter(k)
	}
	refs := []attack.FlowRef{}
	seen := map[*flows.Flow]bool{}
	a.each(g, func(e *event) {
		if e.flow == nil || seen[e.flow] || len(refs) >= 10 {
			return
		}
		seen[e.flow] = true
		refs = append(refs, attack.FlowRef{Proto: e.flow.Proto.String(), Src: e.flow.Src, Dst: e.flow.Dst})
	})
	dst := b.Dst.String()
	if b.Name != "" {
		dst = b.Name + " (" + dst + ")"
	}
	return attack.Finding{
		Kind: "beacon", Severity: sev, Score: b.Score, Source: "beacon",
		Summary: fmt.Sprintf("%s → %s/%s every %.1f s (±%.1f s), %d connections", b.Src, dst, k.proto, b.PeriodS, b.JitterS, b.Connections),
		Src:     b.Src, Dst: k.dst, First: b.First, Last: b.Last,
		Techniques: techniques(k, b.Score),
		Features:   b.Features,
		Evidence:   fs.Evidence(filter, refs...),
	}
}

// beaconFilter selects every connection start of the group: TCP SYNs, or
// every datagram of the group.
func beaconFilter(k groupKey) string {
	ip := "ip"
	if k.src.Is6() && !k.src.Is4In6() {
		ip = "ipv6"
	}
	f := fmt.Sprintf("%s.src==%s && %s.dst==%s", ip, k.src, ip, k.dst)
	switch k.proto {
	case flows.TCP:
		return f + fmt.Sprintf(" && tcp.dstport==%d && tcp.flags.syn==1 && tcp.flags.ack==0", k.port)
	case flows.UDP:
		return f + fmt.Sprintf(" && udp.dstport==%d", k.port)
	}
	return f + " && " + k.proto.String()
}

func techniques(k groupKey, score float64) []attack.TechniqueRef {
	switch {
	case k.proto == flows.TCP && (k.port == 443 || k.port == 8443):
		return []attack.TechniqueRef{attack.Tech("T1071.001", score), attack.Tech("T1573", score*0.8)}
	case k.proto == flows.UDP && k.port == 443:
		return []attack.TechniqueRef{attack.Tech("T1071.001", score*0.9), attack.Tech("T1573", score*0.8)}
	case k.port == 80 || k.port == 8080 || k.port == 8000:
		return []attack.TechniqueRef{attack.Tech("T1071.001", score)}
	case k.port == 53:
		return []attack.TechniqueRef{attack.Tech("T1071.004", score)}
	}
	return []attack.TechniqueRef{attack.Tech("T1071", score)}
}
