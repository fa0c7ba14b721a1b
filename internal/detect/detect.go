package detect

import (
	"net/netip"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/addrmap"
	"github.com/pcapai/pcapai/internal/stats"
)

// Config holds every threshold of the detectors. The zero value is the
// default; each field says its default.
type Config struct {
	// ScanPorts is the distinct ports of one host one source must try,
	// mostly without success, within ScanWindow to be a port scan. Zero
	// means 15 (Zeek's default).
	ScanPorts int
	// SweepHosts is the distinct hosts one source must try on one port (or
	// with ICMP echo) within ScanWindow to be a host sweep. Zero means 25
	// (Zeek's default).
	SweepHosts int
	// ScanWindow is the scan and sweep window. Zero means 5 minutes.
	ScanWindow time.Duration
	// ScanFailRatio is the least share of failed attempts (no payload
	// either way) of a port scan. Zero means 0.6.
	ScanFailRatio float64

	// SYNFlood is the SYNs to one destination address and port within
	// FloodWindow that make a SYN flood, when at most FloodEstablished of
	// the connections to it carried data. Zero means 500, 10 s and 0.2.
	SYNFlood         int
	FloodWindow      time.Duration
	FloodEstablished float64
	// RSTStorm is the RSTs sent by one host within FloodWindow that make a
	// RST storm. Zero means 1000.
	RSTStorm int

	// LongConnection is the shortest flow duration reported. Zero means 1 h.
	LongConnection time.Duration
	// MinBytesOut is the least bytes (on the wire) an internal initiator
	// must send to an external responder for a large outbound transfer,
	// and OutInRatio how many times the bytes received that must be. Zero
	// means 1 000 000 bytes and 10.
	MinBytesOut uint64
	OutInRatio  float64
	// FanOut is the distinct external hosts one internal source must
	// contact to be reported. Zero means 100.
	FanOut int
	// EntropyMin is the Shannon entropy (bits per byte) above which an
	// unidentified first payload of at least EntropyBytes bytes on a
	// well-known cleartext port is reported. Zero means 7.2 and 128.
	EntropyMin   float64
	EntropyBytes int

	// MaxSources bounds the per-address tallies kept (sources and flood
	// destinations). Zero means 65536; hits are counted in Stats.
	MaxSources int
	// MaxNotes bounds the flows with a payload note. Zero means 65536.
	MaxNotes int
	// MaxFrames is the evidence frames kept per finding. Zero means
	// attack.DefaultMaxFrames.
	MaxFrames int
	// Internal reports whether an address is internal. Nil means RFC 1918,
	// RFC 6598 shared space, loopback, link-local and IPv6 ULA.
	Internal func(netip.Addr) bool
}

func (c Config) withDefaults() Config {
	di := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	df := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	dd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	di(&c.ScanPorts, 15)
	di(&c.SweepHosts, 25)
	dd(&c.ScanWindow, 5*time.Minute)
	df(&c.ScanFailRatio, 0.6)
	di(&c.SYNFlood, 500)
	dd(&c.FloodWindow, 10*time.Second)
	df(&c.FloodEstablished, 0.2)
	di(&c.RSTStorm, 1000)
	dd(&c.LongConnection, time.Hour)
	if c.MinBytesOut == 0 {
		c.MinBytesOut = 1_000_000
	}
	df(&c.OutInRatio, 10)
	di(&c.FanOut, 100)
	df(&c.EntropyMin, 7.2)
	di(&c.EntropyBytes, 128)
	di(&c.MaxSources, 65536)
	di(&c.MaxNotes, 65536)
	if c.Internal == nil {
		c.Internal = IsInternal
	}
	return c
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// IsInternal reports whether a is a private (RFC 1918), shared (RFC 6598),
// loopback, link-local or unique-local (fc00::/7) address.
func IsInternal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || cgnat.Contains(a)
}

// Stats counts the detectors' work and the caps they hit.
type Stats struct {
	Sources        int    `json:"sources"`
	SourcesDropped uint64 `json:"sources_dropped"` // tallies not kept: MaxSources hit
	Notes          int    `json:"payload_notes"`
	NotesDropped   uint64 `json:"payload_notes_dropped"`
}

// bucket counts events in fixed windows and keeps the peak.
type bucket struct {
	start int64
	n     int
	peak  int
	peakT int64
}

func (b *bucket) add(t, width int64) {
	if t-b.start >= width {
		b.start, b.n = t, 0
	}
	b.n++
	if b.n > b.peak {
		b.peak, b.peakT = b.n, b.start
	}
}

// srcState is the tally of one source address.
type srcState struct {
	syn    attack.FrameSet // SYN-only segments sent (tcp.flags==0x002)
	echo   attack.FrameSet // ICMP echo requests sent
	rst    attack.FrameSet // RSTs sent
	rstB   bucket
	null   attack.FrameSet
	xmas   attack.FrameSet
	synfin attack.FrameSet
	badsum attack.FrameSet
	arp    attack.FrameSet         // ARP requests sent (arp.opcode==1)
	arpTo  map[netip.Addr]struct{} // distinct ARP targets, at most maxARPTargets
	first  int64
	last   int64
}

type dstState struct {
	syn  attack.FrameSet
	synB bucket
}

// note is what the first payload bytes of a flow said.
type note struct {
	app      string // protocol sniffed from the payload
	frame    uint64
	entropy  float64
	length   int
	fromResp bool
}

// Detector runs the cross-flow detectors. It is not safe for concurrent
// use.
type Detector struct {
	cfg      Config
	srcs     srcMap
	dsts     dstMap
	notes    map[*flows.Flow]*note
	pairs    pairMap // SYN-only segments per (source, destination)
	dropped  uint64
	notesDrp uint64
	first    int64
	last     int64
}

// New returns a Detector with cfg (zero fields take their defaults).
func New(cfg Config) *Detector {
	cfg = cfg.withDefaults()
	return &Detector{
		cfg:   cfg,
		srcs:  addrmap.New[netip.Addr, uint32, *srcState](),
		dsts:  addrmap.New[netip.AddrPort, uint64, *dstState](),
		notes: map[*flows.Flow]*note{},
		pairs: addrmap.New[[2]netip.Addr, uint64, *attack.FrameSet](),
	}
}

func (d *Detector) src(a netip.Addr, t int64) *srcState {
	pk, ok := addrmap.V4(a)
	s := d.srcs.Get(a, pk, ok)
	if s == nil {
		if d.srcs.Len() >= d.cfg.MaxSources {
			d.dropped++
			return nil
		}
		m := d.cfg.MaxFrames
		s = &srcState{first: t}
		for _, fs := range []*attack.FrameSet{&s.syn, &s.echo, &s.rst, &s.null, &s.xmas, &s.synfin, &s.badsum, &s.arp} {
			fs.Max = m
		}
		d.srcs.Set(a, pk, ok, s)
	}
	s.last = t
	return s
}

// maxARPTargets bounds the distinct ARP targets counted per source.
const maxARPTargets = 4096

const tcpFlagMask = flows.FIN | flows.SYN | flows.RST | flows.PSH | flows.ACK | flows.URG | flows.ECE | flows.CWR | flows.NS

// Observe tallies p. It allocates only for a new source or destination
// tally or a flow note.
func (d *Detector) Observe(p *flows.Packet) {
	t := p.Time.UnixNano()
	if d.first == 0 || t < d.first {
		d.first = t
	}
	if t > d.last {
		d.last = t
	}
	if p.Net == flows.NetARP {
		if p.ARPOp == 1 && p.ARPSenderIP.IsValid() {
			if s := d.src(p.ARPSenderIP, t); s != nil {
				s.arp.Add(p.Frame)
				if p.ARPTargetIP != p.ARPSenderIP && len(s.arpTo) < maxARPTargets {
					if s.arpTo == nil {
						s.arpTo = map[netip.Addr]struct{}{}
					}
					s.arpTo[p.ARPTargetIP] = struct{}{}
				}
			}
		}
		return
	}
	if p.Net != flows.NetIPv4 && p.Net != flows.NetIPv6 {
		return
	}
	if p.IPChecksumBad && !p.Fragment {
		if s := d.src(p.Src, t); s != nil {
			s.badsum.Add(p.Frame)
		}
	}
	if !p.L4 {
		return
	}
	switch p.Proto {
	case flows.TCP:
		fl := p.Flags & tcpFlagMask
		if fl == flows.SYN {
			if s := d.src(p.Src, t); s != nil {
				s.syn.Add(p.Frame)
			}
			d.synTo(p, t)
			k := [2]netip.Addr{p.Src, p.Dst}
			pk, ok := addrmap.Pair(p.Src, p.Dst)
			fs := d.pairs.Get(k, pk, ok)
			if fs == nil && d.pairs.Len() < d.cfg.MaxSources {
				fs = &attack.FrameSet{Max: d.cfg.MaxFrames}
				d.pairs.Set(k, pk, ok, fs)
			}
			if fs != nil {
				fs.Add(p.Frame)
			}
		}
		if fl&flows.RST != 0 {
			if s := d.src(p.Src, t); s != nil {
				s.rst.Add(p.Frame)
				s.rstB.add(t, int64(d.cfg.FloodWindow))
			}
		}
		if fl == 0 {
			if s := d.src(p.Src, t); s != nil {
				s.null.Add(p.Frame)
			}
		}
		if fl.Has(flows.FIN | flows.PSH | flows.URG) {
			if s := d.src(p.Src, t); s != nil {
				s.xmas.Add(p.Frame)
			}
		}
		if fl.Has(flows.SYN | flows.FIN) {
			if s := d.src(p.Src, t); s != nil {
				s.synfin.Add(p.Frame)
			}
		}
	case flows.ICMP:
		if p.ICMPType == 8 {
			if s := d.src(p.Src, t); s != nil {
				s.echo.Add(p.Frame)
			}
		}
	case flows.ICMPv6:
		if p.ICMPType == 128 {
			if s := d.src(p.Src, t); s != nil {
				s.echo.Add(p.Frame)
			}
		}
	}
	if len(p.Payload) > 0 && p.Flow != nil && (p.Proto == flows.TCP || p.Proto == flows.UDP) {
		d.sniffFirst(p)
	}
}

func (d *Detector) synTo(p *flows.Packet, t int64) {
	k := p.DstAddrPort()
	pk, ok := packAddrPort(k)
	s := d.dsts.Get(k, pk, ok)
	if s == nil {
		if d.dsts.Len() >= d.cfg.MaxSources {
			d.dropped++
			return
		}
		s = &dstState{}
		s.syn.Max = d.cfg.MaxFrames
		d.dsts.Set(k, pk, ok, s)
	}
	s.syn.Add(p.Frame)
	s.synB.add(t, int64(d.cfg.FloodWindow))
}

// sniffFirst looks at the first payload of each direction of a flow.
func (d *Detector) sniffFirst(p *flows.Packet) {
	f := p.Flow
	if !p.FirstPayload {
		return
	}
	if _, ok := d.notes[f]; ok && p.Dir == flows.FromResponder {
		return
	}
	app := Sniff(f.Proto, p.Payload)
	port := f.Dst.Port()
	var ent float64
	if app == "" {
		if p.Dir != flows.FromInitiator || len(p.Payload) < d.cfg.EntropyBytes || !cleartextPort(f.Proto, port) {
			return
		}
		ent = stats.Entropy(p.Payload)
		if ent < d.cfg.EntropyMin {
			return
		}
	} else if OwnPort(app, f.Proto, port) {
		return
	}
	if len(d.notes) >= d.cfg.MaxNotes {
		d.notesDrp++
		return
	}
	d.notes[f] = &note{app: app, frame: p.Frame, entropy: ent, length: len(p.Payload), fromResp: p.Dir == flows.FromResponder}
}
