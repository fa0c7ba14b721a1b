package flows_test

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"net/netip"
	"testing"

	"github.com/pcapai/pcapai/flows"
)

// TestKeyCanonical checks keys against the address bytes netip gives: both
// directions make one key, its first endpoint is the smaller address (as
// 16 big-endian bytes, then port), A and B give the endpoints back, and
// Hash is FNV-1a over those bytes, ports and protocol.
func TestKeyCanonical(t *testing.T) {
	addrs := []string{"192.0.2.1", "192.0.2.200", "10.0.0.1", "255.255.255.255", "0.0.0.1",
		"2001:db8::1", "2001:db8::1:0", "fe80::1%eth0", "::ffff:192.0.2.1", "::1", "ffff::"}
	for _, sa := range addrs {
		for _, da := range addrs {
			s, d := netip.MustParseAddr(sa), netip.MustParseAddr(da)
			if s.Is4() != d.Is4() {
				continue // a packet's addresses are of one family
			}
			for _, ports := range [][2]uint16{{40000, 80}, {80, 40000}, {53, 53}} {
				src, dst := netip.AddrPortFrom(s, ports[0]), netip.AddrPortFrom(d, ports[1])
				k, rev := flows.MakeKey(flows.TCP, src, dst)
				k2, rev2 := flows.MakeKey(flows.TCP, dst, src)
				if k != k2 {
					t.Fatalf("%v → %v: the two directions make keys %v and %v", src, dst, k, k2)
				}
				s16, d16 := s.As16(), d.As16()
				c := bytes.Compare(s16[:], d16[:])
				wantRev := c > 0 || c == 0 && ports[0] > ports[1]
				if rev != wantRev || (c != 0 || ports[0] != ports[1]) && rev2 == rev {
					t.Fatalf("%v → %v: reversed %v, other way %v; want %v", src, dst, rev, rev2, wantRev)
				}
				a, b := src, dst
				if wantRev {
					a, b = dst, src
				}
				// Keys drop zones, as flows do.
				a, b = netip.AddrPortFrom(a.Addr().WithZone(""), a.Port()), netip.AddrPortFrom(b.Addr().WithZone(""), b.Port())
				if k.A() != a || k.B() != b {
					t.Fatalf("%v → %v: endpoints %v, %v; want %v, %v", src, dst, k.A(), k.B(), a, b)
				}
				h := fnv.New64a()
				a16, b16 := a.Addr().As16(), b.Addr().As16()
				h.Write(a16[:])
				h.Write(b16[:])
				h.Write(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, a.Port()), b.Port()))
				h.Write([]byte{byte(flows.TCP)})
				if k.Hash() != h.Sum64() {
					t.Fatalf("%v: Hash %x; want FNV-1a %x", k, k.Hash(), h.Sum64())
				}
			}
		}
	}
}
