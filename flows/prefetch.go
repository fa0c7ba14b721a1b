package flows

import "unsafe"

// Prefetch readies the table for ps, packets the caller gives to Observe
// next, in order and unchanged (decoding into a Packet again clears what
// Prefetch left in it). It computes each packet's flow key and hash, which
// Observe then reuses, and reads the index slot and the flow record each
// packet will need, all packets' slots first and then all their flows.
//
// Those reads are the table's cost on a capture with many flows: a flow's
// slot and record are rarely still in the CPU cache when its next packet
// comes, and one packet's reads depend on each other (the slot names the
// flow). Issued for a batch at once they do not depend on each other, so
// the CPU waits for their memory together, about once per batch instead of
// twice per packet. Prefetch changes nothing a later Observe computes:
// skipping it, or calling it for packets never observed, gives the same
// flows.
func (t *Table) Prefetch(ps []Packet) {
	x := &t.idx
	for i := range ps {
		p := &ps[i]
		p.key, p.keyRev = p.Key()
		p.pre, p.hash = t, 0
		if !p.key.IsZero() {
			p.hash = x.hashOf(&p.key)
		}
	}
	if x.slots == nil {
		return // no packet has a flow key: nothing to read
	}
	// Each loop's reads are independent of each other: the CPU overlaps
	// them only if a loop does little else.
	var sink uintptr
	mask := uint64(len(x.slots) - 1)
	for i := range ps {
		sink += uintptr(unsafe.Pointer(x.slots[ps[i].hash&mask].f))
	}
	for i := range ps {
		p := &ps[i]
		s := &x.slots[p.hash&mask]
		if p.key.IsZero() || s.f == nil || s.hash != uint32(p.hash) {
			continue
		}
		sink += touch(unsafe.Pointer(s.f), unsafe.Sizeof(Flow{}))
		if tf := s.f.tcp; tf != nil {
			sink += touch(unsafe.Pointer(tf), unsafe.Sizeof(tcpState{})+unsafe.Sizeof(TCPStats{}))
		}
	}
	t.sink = sink
}

// touch reads one word in each 64-byte cache line of the n bytes at p and
// returns their sum, so that the compiler keeps the reads.
func touch(p unsafe.Pointer, n uintptr) uintptr {
	var s uintptr
	for off := uintptr(0); off < n; off += 64 {
		s += *(*uintptr)(unsafe.Add(p, off))
	}
	return s
}
