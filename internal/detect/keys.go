package detect

import (
	"net/netip"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/internal/addrmap"
)

// The detector's maps pack their IPv4 keys into a uint64.
type (
	srcMap  = addrmap.Map[netip.Addr, uint64, *srcState]
	dstMap  = addrmap.Map[netip.AddrPort, uint64, *dstState]
	pairMap = addrmap.Map[[2]netip.Addr, uint64, *attack.FrameSet]
)

// packAddr packs an IPv4 address: its 32 bits.
func packAddr(a netip.Addr) (uint64, bool) {
	v, ok := addrmap.V4(a)
	return uint64(v), ok
}

// packPair packs a pair of IPv4 addresses: a's bits above b's.
func packPair(a, b netip.Addr) (uint64, bool) {
	va, oka := addrmap.V4(a)
	vb, okb := addrmap.V4(b)
	return uint64(va)<<32 | uint64(vb), oka && okb
}

// packAddrPort packs an IPv4 address and port: the address above the port.
func packAddrPort(ap netip.AddrPort) (uint64, bool) {
	v, ok := addrmap.V4(ap.Addr())
	return uint64(v)<<16 | uint64(ap.Port()), ok
}

// srcTally returns the tally of source a, nil when there is none.
func (d *Detector) srcTally(a netip.Addr) *srcState {
	pk, ok := packAddr(a)
	return d.srcs.Get(a, pk, ok)
}

// dstTally returns the SYN tally of destination ap, nil when there is none.
func (d *Detector) dstTally(ap netip.AddrPort) *dstState {
	pk, ok := packAddrPort(ap)
	return d.dsts.Get(ap, pk, ok)
}
