package detect

import (
	"net/netip"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/internal/addrmap"
)

// The detector's maps pack their IPv4 keys: an address into its 32 bits
// (addrmap.V4), a pair into 64 (addrmap.Pair), an address and port into 48.
type (
	srcMap  = addrmap.Map[netip.Addr, uint32, *srcState]
	dstMap  = addrmap.Map[netip.AddrPort, uint64, *dstState]
	pairMap = addrmap.Map[[2]netip.Addr, uint64, *attack.FrameSet]
)

// packAddrPort packs an IPv4 address and port: the address above the port.
func packAddrPort(ap netip.AddrPort) (uint64, bool) {
	v, ok := addrmap.V4(ap.Addr())
	return uint64(v)<<16 | uint64(ap.Port()), ok
}

// srcTally returns the tally of source a, nil when there is none.
func (d *Detector) srcTally(a netip.Addr) *srcState {
	pk, ok := addrmap.V4(a)
	return d.srcs.Get(a, pk, ok)
}

// dstTally returns the SYN tally of destination ap, nil when there is none.
func (d *Detector) dstTally(ap netip.AddrPort) *dstState {
	pk, ok := packAddrPort(ap)
	return d.dsts.Get(ap, pk, ok)
}
