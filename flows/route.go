package flows

import "encoding/binary"

// Shard reads just enough of a raw frame to place it on one of several
// workers that split a capture between them, without decoding it.
//
// It returns a hash of the frame's IP address pair that does not depend on
// the direction, and ok = true, for plain TCP: every packet (and every IP
// fragment) of a TCP connection gets the same hash, so the connection, its
// reassembly and its analysis stay on one worker. For everything else it
// returns ok = false, meaning "the worker that sees all such frames
// together": UDP, ICMP, ARP and tunnels, whose analyzers pair messages
// across addresses (DNS, DHCP, SIP with its RTP, ICMP errors); TCP to or
// from a port in shared (the DNS, mDNS, LLMNR and SIP ports), so those
// analyzers see their TCP side too; and frames it cannot read. Two cases
// split a TCP connection: one seen both inside a tunnel and bare, and a
// fragmented one to a shared port (later fragments carry no ports).
func Shard(data []byte, lt LinkType, shared *PortSet) (hash uint64, ok bool) {
	switch lt {
	case LinkEthernet:
		return shardEther(data, shared)
	case LinkSLL:
		if len(data) < 16 {
			return 0, false
		}
		return shardEtherType(binary.BigEndian.Uint16(data[14:16]), data[16:], shared)
	case LinkSLL2:
		if len(data) < 20 {
			return 0, false
		}
		return shardEtherType(binary.BigEndian.Uint16(data[0:2]), data[20:], shared)
	case LinkNull, LinkLoop:
		if len(data) < 4 {
			return 0, false
		}
		switch nullFamily(lt, data) {
		case 2:
			return shardIPv4(data[4:], shared)
		case 10, 24, 28, 30:
			return shardIPv6(data[4:], shared)
		}
		return 0, false
	case LinkRaw, LinkRawAlt12, LinkRawAlt14, LinkIPv4, LinkIPv6:
		return shardIP(data, shared)
	}
	return 0, false
}

func shardEther(data []byte, shared *PortSet) (uint64, bool) {
	if len(data) < 14 {
		return 0, false
	}
	et := binary.BigEndian.Uint16(data[12:14])
	if et < 0x0600 {
		return 0, false // 802.3 length field: LLC, not IP
	}
	return shardEtherType(et, data[14:], shared)
}

func shardEtherType(et uint16, data []byte, shared *PortSet) (uint64, bool) {
	for range 8 { // VLAN tags, MPLS labels and PPPoE, bounded
		switch et {
		case 0x0800:
			return shardIPv4(data, shared)
		case 0x86dd:
			return shardIPv6(data, shared)
		case 0x8100, 0x88a8, 0x9100:
			if len(data) < 4 {
				return 0, false
			}
			et, data = binary.BigEndian.Uint16(data[2:4]), data[4:]
		case 0x8847, 0x8848:
			for {
				if len(data) < 4 {
					return 0, false
				}
				bottom := data[2]&1 != 0
				data = data[4:]
				if bottom {
					break
				}
			}
			if len(data) == 0 {
				return 0, false
			}
			switch data[0] >> 4 {
			case 4, 6:
				return shardIP(data, shared)
			case 0: // pseudowire control word, then Ethernet
				if len(data) < 4 {
					return 0, false
				}
				return shardEther(data[4:], shared)
			}
			return 0, false
		case 0x8864:
			if len(data) < 8 {
				return 0, false
			}
			switch binary.BigEndian.Uint16(data[6:8]) {
			case 0x0021:
				return shardIPv4(data[8:], shared)
			case 0x0057:
				return shardIPv6(data[8:], shared)
			}
			return 0, false
		default:
			return 0, false
		}
	}
	return 0, false
}

func shardIP(data []byte, shared *PortSet) (uint64, bool) {
	if len(data) == 0 {
		return 0, false
	}
	switch data[0] >> 4 {
	case 4:
		return shardIPv4(data, shared)
	case 6:
		return shardIPv6(data, shared)
	}
	return 0, false
}

func shardIPv4(b []byte, shared *PortSet) (uint64, bool) {
	if len(b) < 20 || b[0]>>4 != 4 || b[9] != 6 {
		return 0, false
	}
	ihl := int(b[0]&0x0f) * 4
	off := binary.BigEndian.Uint16(b[6:8]) & 0x1fff
	if off == 0 && ihl >= 20 && len(b) >= ihl+4 {
		if shared.Has(binary.BigEndian.Uint16(b[ihl:])) || shared.Has(binary.BigEndian.Uint16(b[ihl+2:])) {
			return 0, false
		}
	}
	a, c := uint64(binary.BigEndian.Uint32(b[12:16])), uint64(binary.BigEndian.Uint32(b[16:20]))
	if a > c {
		a, c = c, a
	}
	return mix64(a<<32 | c), true
}

func shardIPv6(b []byte, shared *PortSet) (uint64, bool) {
	if len(b) < 40 || b[0]>>4 != 6 {
		return 0, false
	}
	// Follow extension headers to the transport header.
	nh, rest, frag := b[6], b[40:], false
	for range 8 {
		switch nh {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(rest) < 8 {
				return 0, false
			}
			n := (int(rest[1]) + 1) * 8
			if len(rest) < n {
				return 0, false
			}
			nh, rest = rest[0], rest[n:]
			continue
		case 44: // fragment
			if len(rest) < 8 {
				return 0, false
			}
			frag = frag || binary.BigEndian.Uint16(rest[2:4])&0xfff8 != 0
			nh, rest = rest[0], rest[8:]
			continue
		}
		break
	}
	if nh != 6 {
		return 0, false
	}
	if !frag && len(rest) >= 4 && (shared.Has(binary.BigEndian.Uint16(rest)) || shared.Has(binary.BigEndian.Uint16(rest[2:]))) {
		return 0, false
	}
	s0, s1 := binary.BigEndian.Uint64(b[8:16]), binary.BigEndian.Uint64(b[16:24])
	d0, d1 := binary.BigEndian.Uint64(b[24:32]), binary.BigEndian.Uint64(b[32:40])
	if s0 > d0 || (s0 == d0 && s1 > d1) {
		s0, s1, d0, d1 = d0, d1, s0, s1
	}
	return mix64(s0 ^ mix64(s1^mix64(d0^mix64(d1)))), true
}

// mix64 is the SplitMix64 finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// PortSet is a set of TCP ports; the zero value is empty.
type PortSet [1024]uint64

// Add adds ports to the set.
func (s *PortSet) Add(ports ...uint16) {
	for _, p := range ports {
		s[p>>6] |= 1 << (p & 63)
	}
}

// Has reports whether p is in the set.
func (s *PortSet) Has(p uint16) bool { return s != nil && s[p>>6]&(1<<(p&63)) != 0 }
