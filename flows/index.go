package flows

import (
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"unsafe"
)

// index maps flow keys to the current flow of each key: an open-addressed
// hash table with linear probing. A slot is 16 bytes (the flow and 32 bits
// of its hash), about a third of a map[Key]*Flow entry, so the index of a
// hundred thousand flows stays in cache far better, and a hit reads the
// flow the packet needs anyway. Flows are never removed; a key's new flow
// (TCP port reuse) replaces the old one in its slot.
type index struct {
	slots []islot // power-of-two length, at most half full
	n     int
	seed  uint64 // random per table: a crafted capture cannot aim collisions
}

type islot struct {
	f    *Flow
	hash uint32 // low half of the key's hash: the slot's home in any index
	// of up to 2³² slots (so growing never reads the flows) and a filter
	// before the flow is read
	echo uint16 // ICMP echo identifier: in the key, not in the flow's endpoints
}

// key returns the key of the slot's flow.
func (s *islot) key() Key {
	k := s.f.Key()
	if k.proto == ICMP || k.proto == ICMPv6 {
		k.pa, k.pb = s.echo, s.echo
	}
	return k
}

const minIndexSlots = 64

// hash mixes the key's fields with the table's seed (wyhash's multiply-fold).
func (x *index) hash(k *Key) uint64 {
	const (
		p0 = 0xa0761d6478bd642f
		p1 = 0xe7037ed1a0b428db
		p2 = 0x8ebc6af09c88c6e3
		p3 = 0x589965cc75374cc3
	)
	a0, a1, b0, b1 := k.a.hi, k.a.lo, k.b.hi, k.b.lo
	rest := uint64(k.pa) | uint64(k.pb)<<16 | uint64(k.proto)<<32
	if k.v4 {
		rest |= 1 << 40
	}
	h := mum(a0^x.seed^p0, a1^p1)
	h = mum(h^b0^p2, b1^p3)
	return mum(h^rest^p1, x.seed^p0)
}

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// find returns the slot of key k (hash h), whose flows run between src and
// dst: the occupied slot, or the empty one where the key would go.
func (x *index) find(h uint64, k *Key, src, dst netip.AddrPort) *islot {
	mask := uint64(len(x.slots) - 1)
	lo := uint32(h)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.f == nil {
			return s
		}
		if s.hash == lo && s.f.Proto == k.proto &&
			(s.f.Src == src && s.f.Dst == dst || s.f.Src == dst && s.f.Dst == src) &&
			(k.proto != ICMP && k.proto != ICMPv6 || s.echo == k.pa) {
			// ICMP echo keys carry the identifier in both ports; the
			// flow's endpoints do not.
			return s
		}
	}
}

// hashOf returns the hash of k, making the index's first slots and seed on
// first use.
func (x *index) hashOf(k *Key) uint64 {
	if x.slots == nil {
		x.slots = make([]islot, minIndexSlots)
		x.seed = rand.Uint64()
	}
	return x.hash(k)
}

// set makes f the current flow of key k in slot s, which lookup returned
// for k and h with no change to the index since.
func (x *index) set(s *islot, h uint64, k *Key, f *Flow) {
	if s.f == nil {
		if 2*(x.n+1) > len(x.slots) {
			x.grow()
			s = x.find(h, k, f.Src, f.Dst)
		}
		x.n++
	}
	s.f, s.hash = f, uint32(h)
	if k.proto == ICMP || k.proto == ICMPv6 {
		s.echo = k.pa
	}
}

func (x *index) grow() {
	old := x.slots
	x.slots = make([]islot, 2*len(old))
	if n := uintptr(len(x.slots)) * unsafe.Sizeof(x.slots[0]); n >= bigSlabBytes/2 {
		adviseHugePages(unsafe.Pointer(&x.slots[0]), n)
	}
	mask := uint64(len(x.slots) - 1)
	for _, o := range old {
		if o.f == nil {
			continue
		}
		h := uint64(o.hash)
		if mask>>32 != 0 { // beyond the stored half: hash the key again
			k := o.key()
			h = x.hash(&k)
		}
		i := h & mask
		for x.slots[i].f != nil {
			i = (i + 1) & mask
		}
		x.slots[i] = o
	}
}
