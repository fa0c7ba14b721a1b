package flows

import (
	"sort"
	"time"
)

// FragStats counts IP reassembly.
type FragStats struct {
	Fragments   uint64 `json:"fragments"`   // fragment records seen
	Reassembled uint64 `json:"reassembled"` // datagrams completed
	Overlaps    uint64 `json:"overlaps"`    // fragments overlapping earlier data of their datagram
	TimedOut    uint64 `json:"timed_out"`   // incomplete datagrams dropped by age
	Dropped     uint64 `json:"dropped"`     // fragments dropped because a cap was hit
}

type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
}

type fragPiece struct {
	off  int
	data []byte
}

type fragDatagram struct {
	pieces  []fragPiece
	total   int // -1 until the last fragment is seen
	bytes   int
	first   time.Time
	overlap bool
}

// defragmenter reassembles IPv4 and IPv6 datagrams with bounded memory.
type defragmenter struct {
	maxBytes, maxDgrams int
	timeout             time.Duration
	m                   map[fragKey]*fragDatagram
	held                int
	lastSweep           time.Time
	stats               FragStats
}

func newDefragmenter(cfg DecoderConfig) *defragmenter {
	d := &defragmenter{maxBytes: cfg.MaxFragBytes, maxDgrams: cfg.MaxFragDatagrams, timeout: cfg.FragTimeout}
	if d.maxBytes == 0 {
		d.maxBytes = 4 << 20
	}
	if d.maxDgrams == 0 {
		d.maxDgrams = 4096
	}
	if d.timeout == 0 {
		d.timeout = 30 * time.Second
	}
	return d
}

// add stores one fragment. When it completes its datagram, add returns the
// reassembled transport payload and true.
func (d *defragmenter) add(p *Packet, proto uint8, id uint32, off int, more bool, data []byte) ([]byte, bool) {
	d.stats.Fragments++
	if d.m == nil {
		d.m = make(map[fragKey]*fragDatagram)
	}
	if p.Time.Sub(d.lastSweep) > d.timeout/2 || len(d.m) >= d.maxDgrams {
		d.sweep(p.Time)
	}
	k := fragKey{src: p.Src.As16(), dst: p.Dst.As16(), id: id, proto: proto}
	dg := d.m[k]
	if dg == nil {
		if len(d.m) >= d.maxDgrams || d.held+len(data) > d.maxBytes {
			d.stats.Dropped++
			return nil, false
		}
		dg = &fragDatagram{total: -1, first: p.Time}
		d.m[k] = dg
	}
	if d.held+len(data) > d.maxBytes || off+len(data) > 65535+8 {
		d.stats.Dropped++
		return nil, false
	}
	for _, pc := range dg.pieces {
		if off < pc.off+len(pc.data) && pc.off < off+len(data) {
			if !dg.overlap {
				d.stats.Overlaps++
			}
			dg.overlap = true
		}
	}
	dg.pieces = append(dg.pieces, fragPiece{off: off, data: append([]byte(nil), data...)})
	dg.bytes += len(data)
	d.held += len(data)
	if !more {
		dg.total = off + len(data)
	}
	if dg.total < 0 {
		return nil, false
	}
	// Complete when the pieces cover [0, total) without a hole.
	sort.Slice(dg.pieces, func(i, j int) bool { return dg.pieces[i].off < dg.pieces[j].off })
	end := 0
	for _, pc := range dg.pieces {
		if pc.off > end {
			return nil, false
		}
		end = max(end, pc.off+len(pc.data))
	}
	if end < dg.total {
		return nil, false
	}
	full := make([]byte, dg.total)
	for _, pc := range dg.pieces {
		// Where pieces overlap, the one at the higher offset is copied
		// last and wins; overlaps are counted for the detectors.
		copy(full[pc.off:min(pc.off+len(pc.data), dg.total)], pc.data)
	}
	d.held -= dg.bytes
	delete(d.m, k)
	d.stats.Reassembled++
	return full, true
}

func (d *defragmenter) sweep(now time.Time) {
	d.lastSweep = now
	for k, dg := range d.m {
		if now.Sub(dg.first) > d.timeout {
			d.held -= dg.bytes
			delete(d.m, k)
			d.stats.TimedOut++
		}
	}
}
