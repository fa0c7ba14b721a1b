package flows

import (
	"cmp"
	"iter"
	"net/netip"
	"slices"
	"sync/atomic"
	"unsafe"
)

// DefaultMaxFlows is the flow cap of a Table whose MaxFlows is zero.
const DefaultMaxFlows = 1 << 20

// Table is the flow table of one pass: it maps each packet to its flow,
// creating flows as they start and keeping Wireshark's TCP sequence analysis
// per flow. A Table is not safe for concurrent use.
type Table struct {
	// MaxFlows caps how many flows are kept; packets of new flows beyond it
	// are counted in Dropped and not tracked. Zero means DefaultMaxFlows.
	MaxFlows int

	idx     index
	all     []*Flow
	dropped uint64
	nextID  uint64
	shared  *atomic.Int64   // flows of all tables sharing MaxFlows (NewTables)
	byKey   map[Key][]*Flow // FlowAt's index, built on first use
	slab    []tcpFlow       // preallocated TCP flow records
	fslab   []Flow          // preallocated other flow records
	sink    uintptr         // what Prefetch read, kept so its reads are kept
}

// NewTables returns n tables for workers that split one capture between
// them (see [Shard]): they share one flow cap, so the flows kept together
// stay within maxFlows. Join them with [JoinTables] after the pass.
func NewTables(n, maxFlows int) []*Table {
	c := new(atomic.Int64)
	ts := make([]*Table, n)
	for i := range ts {
		ts[i] = NewTable(maxFlows)
		ts[i].shared = c
	}
	return ts
}

// JoinTables returns one table holding the flows of ts, which split one
// capture between them: the flows are in order of first packet and
// renumbered 1…n, as one table that saw every packet would have numbered
// them. Use it once the tables have seen their last packet; only Flows,
// All, Len, Dropped and FlowAt are meaningful on the result.
func JoinTables(ts ...*Table) *Table {
	j := &Table{}
	for _, t := range ts {
		j.MaxFlows = t.MaxFlows
		j.all = append(j.all, t.all...)
		j.dropped += t.dropped
	}
	// Within one table flows are in creation order, which is frame order
	// (a frame's outer tunnel flows before its inner one); a frame's flows
	// are all in one table.
	slices.SortStableFunc(j.all, func(a, b *Flow) int {
		if c := cmp.Compare(a.FirstFrame, b.FirstFrame); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for i, f := range j.all {
		f.ID = uint64(i + 1)
	}
	j.nextID = uint64(len(j.all))
	return j
}

// FlowAt returns the flow key k belonged to when frame was read: the last
// flow with that key whose first frame is not after frame (what Lookup
// returned at the time), or nil.
func (t *Table) FlowAt(k Key, frame uint64) *Flow {
	if t.byKey == nil {
		t.byKey = make(map[Key][]*Flow, len(t.all))
		for _, f := range t.all {
			fk := f.Key()
			t.byKey[fk] = append(t.byKey[fk], f)
		}
	}
	var found *Flow
	for _, f := range t.byKey[k] { // in order of first frame
		if f.FirstFrame > frame {
			break
		}
		found = f
	}
	return found
}

// NewTable returns an empty table with the given flow cap (0: the default).
func NewTable(maxFlows int) *Table {
	return &Table{MaxFlows: maxFlows}
}

// Len returns the number of flows.
func (t *Table) Len() int { return len(t.all) }

// Dropped returns how many packets were not tracked because the table was
// full.
func (t *Table) Dropped() uint64 { return t.dropped }

// All yields every flow in order of first packet.
func (t *Table) All() iter.Seq[*Flow] {
	return func(yield func(*Flow) bool) {
		for _, f := range t.all {
			if !yield(f) {
				return
			}
		}
	}
}

// Flows returns the flows in order of first packet. The slice is the
// table's own: do not modify it.
func (t *Table) Flows() []*Flow { return t.all }

// Lookup returns the current flow for k, or nil.
func (t *Table) Lookup(k Key) *Flow {
	if t.idx.slots == nil {
		return nil
	}
	x := &t.idx
	mask := uint64(len(x.slots) - 1)
	for i := x.hash(&k) & mask; x.slots[i].f != nil; i = (i + 1) & mask {
		if s := &x.slots[i]; s.key() == k {
			return s.f
		}
	}
	return nil
}

// Observe finds or creates the flow of p, updates it and sets p.Flow, p.Dir
// and p.TCP. Packets without a transport flow (ARP, non-IP) are left with a
// nil Flow. Tunnelled packets also count toward their outer UDP flows.
func (t *Table) Observe(p *Packet) {
	p.Flow = nil
	for i := range p.Tunnels {
		tn := &p.Tunnels[i]
		if tn.Outer.IsZero() {
			continue
		}
		_, rev := MakeKey(UDP, tn.OuterSrc, tn.OuterDst)
		if f, d := t.flowFor(tn.Outer, rev, t.idx.hashOf(&tn.Outer), UDP, tn.OuterSrc, tn.OuterDst, p, false); f != nil {
			f.count(p, d, 0)
		}
	}
	k, rev, h := p.key, p.keyRev, p.hash // as Prefetch left them
	if p.pre != t {
		k, rev = p.Key()
		if !k.IsZero() {
			h = t.idx.hashOf(&k)
		}
	}
	if k.IsZero() {
		return
	}
	f, d := t.flowFor(k, rev, h, p.Proto, p.SrcAddrPort(), p.DstAddrPort(), p, true)
	if f == nil {
		return
	}
	if f.Tunnel == 0 && len(p.Tunnels) > 0 {
		f.Tunnel = p.Tunnels[len(p.Tunnels)-1].Kind
	}
	if f.VLAN == 0 && p.NVLAN > 0 {
		f.VLAN = p.VLANs[p.NVLAN-1]
	}
	p.Flow, p.Dir = f, d
	f.count(p, d, len(p.Payload))
	if p.Proto == TCP && p.L4 {
		f.updateTCP(p, d)
	}
}

func (f *Flow) count(p *Packet, d Dir, payload int) {
	f.Packets++
	f.Bytes += uint64(p.OrigLen)
	f.Last = p.Time
	f.LastFrame = p.Frame
	ds := &f.Fwd
	if d == FromResponder {
		ds = &f.Rev
	}
	ds.Packets++
	ds.Bytes += uint64(p.OrigLen)
	ds.PayloadBytes += uint64(payload)
	p.FirstPayload = payload > 0 && ds.PayloadBytes == uint64(payload)
}

// flowFor returns the flow of a packet src → dst with key k (hash h),
// creating it when needed, and the packet's direction in it.
func (t *Table) flowFor(k Key, rev bool, h uint64, proto Proto, src, dst netip.AddrPort, p *Packet, inner bool) (*Flow, Dir) {
	s := t.idx.find(h, &k, src, dst)
	f := s.f
	if f != nil {
		d := FromInitiator
		if rev != f.keyRev {
			d = FromResponder
		}
		if !(inner && proto == TCP && p.L4 && t.reused(f, d, p)) {
			return f, d
		}
	}
	max := t.MaxFlows
	if max == 0 {
		max = DefaultMaxFlows
	}
	if len(t.all) >= max || t.shared != nil && t.shared.Add(1) > int64(max) {
		t.dropped++
		return nil, 0
	}
	t.nextID++
	if inner && proto == TCP && p.L4 {
		// Flows come from slabs (see slabLen): one allocation per many.
		if len(t.slab) == 0 {
			t.slab = newSlab[tcpFlow](len(t.all))
		}
		tf := &t.slab[0]
		t.slab = t.slab[1:]
		tf.st.dir[0].winScale, tf.st.dir[1].winScale = -1, -1
		f = &tf.f
		f.tcp, f.TCPStats = &tf.st, &tf.stats
	} else {
		if len(t.fslab) == 0 {
			t.fslab = newSlab[Flow](len(t.all))
		}
		f = &t.fslab[0]
		t.fslab = t.fslab[1:]
	}
	f.ID, f.Proto, f.Src, f.Dst, f.First, f.FirstFrame, f.keyRev = t.nextID, proto, src, dst, p.Time, p.Frame, rev
	d := FromInitiator
	if inner && proto == TCP && p.L4 && p.Flags&(SYN|ACK) == SYN|ACK {
		// The first packet seen is the responder's SYN+ACK.
		f.Src, f.Dst, f.keyRev, d = dst, src, !rev, FromResponder
	}
	t.idx.set(s, h, &k, f)
	t.all = append(t.all, f)
	return f, d
}

// Flow records are allocated in slabs: 16 for a table's first flows, 64
// at a time while it is small, then slabs of about 4 MiB, advised onto
// huge pages, once it holds bigSlabAfter flows. A capture with few flows stays small; one with a
// hundred thousand makes a few dozen slab allocations, each faulted in a
// few 2 MiB pages rather than a thousand 4 KiB ones.
const (
	smallSlab    = 64
	bigSlabBytes = 4 << 20
	bigSlabAfter = 4096
)

func newSlab[T any](flows int) []T {
	if flows < smallSlab {
		return make([]T, 16)
	}
	if flows < bigSlabAfter {
		return make([]T, smallSlab)
	}
	var zero T
	s := make([]T, bigSlabBytes/unsafe.Sizeof(zero))
	adviseHugePages(unsafe.Pointer(&s[0]), uintptr(len(s))*unsafe.Sizeof(zero))
	return s
}

type tcpFlow struct {
	f     Flow
	st    tcpState
	stats TCPStats
}

// reused reports whether a SYN (or SYN+ACK) from direction d starts a new
// connection on f's addresses and ports: its sequence number differs from
// the initial sequence number seen in that direction (as Wireshark decides
// port reuse, so flow counts match tshark's conversations).
func (t *Table) reused(f *Flow, d Dir, p *Packet) bool {
	if p.Flags&SYN == 0 || f.tcp == nil {
		return false
	}
	s := &f.tcp.dir[d]
	return s.baseSet && p.Seq != s.baseSeq
}
