package pcapai

import (
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/pcapai/pcapai/flows"
)

// Overview is the traffic summary of a capture: protocol hierarchy, top
// talkers, the IO graph and the largest flows.
type Overview struct {
	// Protocols is the protocol hierarchy (like tshark -z io,phs): one row
	// per distinct layer path, sorted by path.
	Protocols []ProtocolRow `json:"protocols"`
	// Endpoints are the top hosts by bytes (sent + received).
	Endpoints      []Endpoint `json:"endpoints"`
	EndpointsTotal int        `json:"endpoints_total"`
	// IO is packets and bytes per interval, from the first packet.
	IO IOGraph `json:"io"`
	// TopFlows are the largest flows by bytes (flow IDs; see Report.Flows).
	TopFlows []FlowRate `json:"top_flows"`
}

// ProtocolRow counts the frames whose decoded layers start with Path.
type ProtocolRow struct {
	Path   string `json:"path"` // "eth:ip:tcp"
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes"`
}

// Endpoint is one IP address with its traffic.
type Endpoint struct {
	Addr      netip.Addr `json:"addr"`
	TxPackets uint64     `json:"tx_packets"`
	TxBytes   uint64     `json:"tx_bytes"`
	RxPackets uint64     `json:"rx_packets"`
	RxBytes   uint64     `json:"rx_bytes"`
	Flows     int        `json:"flows"`
}

// IOGraph is a histogram over capture time.
type IOGraph struct {
	Start      time.Time  `json:"start,omitzero"`
	IntervalMS int64      `json:"interval_ms"`
	Buckets    []IOBucket `json:"buckets"`
}

// IOBucket is one interval of the IO graph.
type IOBucket struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// FlowRate is a flow with its throughput.
type FlowRate struct {
	ID         uint64         `json:"id"`
	Proto      flows.Proto    `json:"proto"`
	Src        netip.AddrPort `json:"src"`
	Dst        netip.AddrPort `json:"dst"`
	Bytes      uint64         `json:"bytes"`
	Packets    uint64         `json:"packets"`
	DurationMS float64        `json:"duration_ms"`
	BitsPerSec float64        `json:"bits_per_sec"`
}

const maxIOBuckets = 1000

type phsKey struct {
	l [flows.MaxLayers]flows.Layer
}

type overview struct {
	ov       *Overview // the section, once computed
	opts     *Options
	phs      map[phsKey]*IOBucket
	lastKey  phsKey
	lastPHS  *IOBucket
	start    int64
	interval int64 // ns
	fixed    bool
	buckets  []IOBucket
	started  bool
}

func newOverview(o *Options) *overview {
	ov := &overview{opts: o, phs: map[phsKey]*IOBucket{}}
	if o.IOInterval > 0 {
		ov.interval, ov.fixed = int64(o.IOInterval), true
	} else {
		ov.interval = int64(10 * time.Millisecond)
	}
	return ov
}

func (o *overview) observe(p *flows.Packet) {
	var k phsKey
	copy(k.l[:], p.Layers[:p.NLayers])
	c := o.lastPHS
	if c == nil || k != o.lastKey {
		c = o.phs[k]
		if c == nil {
			c = &IOBucket{}
			o.phs[k] = c
		}
		o.lastKey, o.lastPHS = k, c
	}
	c.Packets++
	c.Bytes += uint64(p.OrigLen)

	t := p.Time.UnixNano()
	if !o.started {
		o.started, o.start = true, t
	}
	if t < o.start {
		t = o.start // out-of-order timestamps go to the first bucket
	}
	i := (t - o.start) / o.interval
	for !o.fixed && i >= maxIOBuckets {
		o.coarsen()
		i = (t - o.start) / o.interval
	}
	if i >= maxIOBuckets*100 {
		return // fixed interval far too small: bounded memory wins
	}
	for int64(len(o.buckets)) <= i {
		o.buckets = append(o.buckets, IOBucket{})
	}
	o.buckets[i].Packets++
	o.buckets[i].Bytes += uint64(p.OrigLen)
}

// coarsen doubles the IO interval, merging bucket pairs.
func (o *overview) coarsen() {
	n := (len(o.buckets) + 1) / 2
	for i := 0; i < n; i++ {
		b := o.buckets[2*i]
		if 2*i+1 < len(o.buckets) {
			b.Packets += o.buckets[2*i+1].Packets
			b.Bytes += o.buckets[2*i+1].Bytes
		}
		o.buckets[i] = b
	}
	o.buckets = o.buckets[:n]
	o.interval *= 2
}

func (o *overview) precompute(e *engine, r *Report) {
	ov := &Overview{Protocols: []ProtocolRow{}, Endpoints: []Endpoint{}, TopFlows: []FlowRate{}}
	// Protocol hierarchy: every prefix of every layer path.
	rows := map[string]*ProtocolRow{}
	for k, c := range o.phs {
		var path []string
		for _, l := range k.l {
			if l == 0 {
				break
			}
			path = append(path, l.String())
			s := strings.Join(path, ":")
			row := rows[s]
			if row == nil {
				row = &ProtocolRow{Path: s}
				rows[s] = row
			}
			row.Frames += c.Packets
			row.Bytes += c.Bytes
		}
	}
	for _, row := range rows {
		ov.Protocols = append(ov.Protocols, *row)
	}
	sort.Slice(ov.Protocols, func(i, j int) bool { return ov.Protocols[i].Path < ov.Protocols[j].Path })

	// Endpoints from the flow table: each flow's directions are the hosts'
	// sent and received traffic, so no per-packet work is needed.
	eps := map[netip.Addr]*Endpoint{}
	ep := func(a netip.Addr) *Endpoint {
		e := eps[a]
		if e == nil {
			e = &Endpoint{Addr: a}
			eps[a] = e
		}
		return e
	}
	for _, f := range r.Flows {
		s, d := ep(f.Src.Addr()), ep(f.Dst.Addr())
		s.TxPackets += f.Fwd.Packets
		s.TxBytes += f.Fwd.Bytes
		s.RxPackets += f.Rev.Packets
		s.RxBytes += f.Rev.Bytes
		d.TxPackets += f.Rev.Packets
		d.TxBytes += f.Rev.Bytes
		d.RxPackets += f.Fwd.Packets
		d.RxBytes += f.Fwd.Bytes
		s.Flows++
		if d != s {
			d.Flows++
		}
	}
	for _, e := range eps {
		ov.Endpoints = append(ov.Endpoints, *e)
	}
	ov.EndpointsTotal = len(ov.Endpoints)
	sort.Slice(ov.Endpoints, func(i, j int) bool {
		a, b := &ov.Endpoints[i], &ov.Endpoints[j]
		if x, y := a.TxBytes+a.RxBytes, b.TxBytes+b.RxBytes; x != y {
			return x > y
		}
		return a.Addr.Less(b.Addr)
	})
	if n := o.opts.topN(); len(ov.Endpoints) > n {
		ov.Endpoints = ov.Endpoints[:n]
	}

	ov.IO = IOGraph{IntervalMS: o.interval / int64(time.Millisecond), Buckets: o.buckets}
	if o.started {
		ov.IO.Start = time.Unix(0, o.start).UTC()
	}
	if ov.IO.Buckets == nil {
		ov.IO.Buckets = []IOBucket{}
	}

	top := make([]*flows.Flow, len(r.Flows))
	copy(top, r.Flows)
	sort.SliceStable(top, func(i, j int) bool { return top[i].Bytes > top[j].Bytes })
	if n := o.opts.topN(); len(top) > n {
		top = top[:n]
	}
	for _, f := range top {
		d := f.Duration()
		fr := FlowRate{ID: f.ID, Proto: f.Proto, Src: f.Src, Dst: f.Dst, Bytes: f.Bytes, Packets: f.Packets, DurationMS: round3(float64(d) / 1e6)}
		if d > 0 {
			fr.BitsPerSec = round3(float64(f.Bytes*8) / d.Seconds())
		}
		ov.TopFlows = append(ov.TopFlows, fr)
	}
	o.ov = ov
}

func (o *overview) finish(e *engine, r *Report) {
	if o.ov == nil {
		o.precompute(e, r)
	}
	r.Overview = o.ov
}
