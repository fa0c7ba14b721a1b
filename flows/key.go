package flows

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
)

// Proto is an IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, …).
type Proto uint8

const (
	ICMP   Proto = 1
	TCP    Proto = 6
	UDP    Proto = 17
	GRE    Proto = 47
	ICMPv6 Proto = 58
	SCTP   Proto = 132
)

// String returns the lower-case name Wireshark uses ("tcp", "icmpv6") or
// "ip-proto-N".
func (p Proto) String() string {
	switch p {
	case ICMP:
		return "icmp"
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case GRE:
		return "gre"
	case ICMPv6:
		return "icmpv6"
	case SCTP:
		return "sctp"
	case 2:
		return "igmp"
	case 50:
		return "esp"
	case 51:
		return "ah"
	case 89:
		return "ospf"
	case 112:
		return "vrrp"
	}
	return "ip-proto-" + strconv.Itoa(int(p))
}

// MarshalText writes the protocol's name.
func (p Proto) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a protocol name as String writes it.
func (p *Proto) UnmarshalText(b []byte) error {
	s := string(b)
	for i := 0; i < 256; i++ {
		if Proto(i).String() == s {
			*p = Proto(i)
			return nil
		}
	}
	return fmt.Errorf("flows: unknown protocol %q", s)
}

// Key identifies a bidirectional flow: two endpoints and a protocol, stored
// canonically (the smaller endpoint first) so both directions of a
// conversation have the same key. Key is comparable and allocation-free; use
// it as a map key. For ICMP echo flows the ports hold the echo identifier on
// both sides; for other ICMP messages they are zero.
type Key struct {
	a, b   addr128 // IPv4 addresses as IPv4-mapped IPv6
	pa, pb uint16
	proto  Proto
	v4     bool
}

// addr128 is a 16-byte address as two big-endian halves, as netip keeps
// it: compared and hashed as two integers, without the byte-array round
// trips (stores of halves, loads of the whole) that stall the CPU.
type addr128 struct{ hi, lo uint64 }

func addrOf(a netip.Addr) addr128 {
	if a.Is4() {
		// As4 is one 4-byte store and load; As16's array is copied with
		// a 16-byte load of two 8-byte stores, which the CPU cannot
		// forward (it waits for the stores to complete).
		b := a.As4()
		return addr128{0, 0xffff<<32 | uint64(binary.BigEndian.Uint32(b[:]))}
	}
	return addrOf16(a)
}

// addrOf16 is addrOf for IPv6, kept out of line so that addrOf inlines.
//
//go:noinline
func addrOf16(a netip.Addr) addr128 {
	b := a.As16()
	return addr128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (a addr128) bytes() (b [16]byte) {
	binary.BigEndian.PutUint64(b[:8], a.hi)
	binary.BigEndian.PutUint64(b[8:], a.lo)
	return b
}

// less reports whether a sorts before b as a 128-bit big-endian integer.
func (a addr128) less(b addr128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

// MakeKey returns the canonical key of a packet from src to dst, and whether
// src is the key's second endpoint (the packet runs B → A).
func MakeKey(proto Proto, src, dst netip.AddrPort) (k Key, reversed bool) {
	return makeKey(proto, src.Addr(), src.Port(), dst.Addr(), dst.Port())
}

func makeKey(proto Proto, s netip.Addr, sp uint16, d netip.Addr, dp uint16) (k Key, reversed bool) {
	sa, da := addrOf(s), addrOf(d)
	k.proto = proto
	k.v4 = s.Is4()
	if sa.less(da) || sa == da && sp <= dp {
		k.a, k.b, k.pa, k.pb = sa, da, sp, dp
		return k, false
	}
	k.a, k.b, k.pa, k.pb = da, sa, dp, sp
	return k, true
}

func (k Key) addr(x addr128) netip.Addr {
	a := netip.AddrFrom16(x.bytes())
	if k.v4 {
		return a.Unmap()
	}
	return a
}

// A returns the key's first endpoint.
func (k Key) A() netip.AddrPort { return netip.AddrPortFrom(k.addr(k.a), k.pa) }

// B returns the key's second endpoint.
func (k Key) B() netip.AddrPort { return netip.AddrPortFrom(k.addr(k.b), k.pb) }

// Proto returns the key's protocol.
func (k Key) Proto() Proto { return k.proto }

// IsZero reports whether k is the zero Key (no flow).
func (k Key) IsZero() bool { return k == Key{} }

// Hash returns a direction-independent hash of the key (FNV-1a), for
// sharding flows across workers.
func (k Key) Hash() uint64 {
	h := uint64(14695981039346656037)
	mix := func(b byte) { h ^= uint64(b); h *= 1099511628211 }
	for _, b := range k.a.bytes() {
		mix(b)
	}
	for _, b := range k.b.bytes() {
		mix(b)
	}
	mix(byte(k.pa >> 8))
	mix(byte(k.pa))
	mix(byte(k.pb >> 8))
	mix(byte(k.pb))
	mix(byte(k.proto))
	return h
}

// String formats the key as "tcp 192.0.2.1:1234 <-> 198.51.100.2:80".
func (k Key) String() string {
	return k.proto.String() + " " + k.A().String() + " <-> " + k.B().String()
}

// DisplayFilter returns a Wireshark display filter selecting the packets of
// the conversation between src and dst (either direction).
func DisplayFilter(proto Proto, src, dst netip.AddrPort) string {
	ipf := "ip"
	if !src.Addr().Is4() {
		ipf = "ipv6"
	}
	f := fmt.Sprintf("%s.addr==%s && %s.addr==%s", ipf, src.Addr(), ipf, dst.Addr())
	switch proto {
	case TCP, UDP:
		p := proto.String()
		if src.Port() == dst.Port() {
			return f + fmt.Sprintf(" && %s.port==%d", p, src.Port())
		}
		return f + fmt.Sprintf(" && %s.port==%d && %s.port==%d", p, src.Port(), p, dst.Port())
	case ICMP:
		return f + " && icmp"
	case ICMPv6:
		return f + " && icmpv6"
	}
	if ipf == "ip" {
		return f + fmt.Sprintf(" && ip.proto==%d", proto)
	}
	return f + fmt.Sprintf(" && ipv6.nxt==%d", proto)
}
