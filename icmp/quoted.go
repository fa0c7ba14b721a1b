package icmp

import (
	"encoding/binary"
	"net/netip"

	"github.com/pcapai/pcapai/flows"
)

// Quoted is the start of the packet an ICMP error message quotes: the IP
// header and the first transport bytes of the datagram that caused it.
type Quoted struct {
	Proto    flows.Proto
	Src, Dst netip.Addr
	SrcPort  uint16 // UDP/TCP; for ICMP echo the identifier
	DstPort  uint16 // UDP/TCP; for ICMP echo the identifier too
	ICMPType uint8  // when Proto is ICMP or ICMPv6
	ICMPSeq  uint16 // echo sequence when Proto is ICMP or ICMPv6
	TTL      uint8  // TTL / hop limit left in the quoted header
	IPID     uint16 // IPv4 identification
	HasL4    bool   // the transport bytes were quoted
}

// ParseQuoted reads the quoted IP header and transport bytes from b (the
// body of an ICMP error after its 8-byte header). It reports false when b
// does not start with an IPv4 or IPv6 header; it never reads past b.
func ParseQuoted(b []byte) (Quoted, bool) {
	var q Quoted
	if len(b) < 1 {
		return q, false
	}
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || len(b) < 20 {
			return q, false
		}
		q.Proto = flows.Proto(b[9])
		q.TTL = b[8]
		q.IPID = binary.BigEndian.Uint16(b[4:6])
		q.Src = netip.AddrFrom4([4]byte(b[12:16]))
		q.Dst = netip.AddrFrom4([4]byte(b[16:20]))
		// only the first fragment carries the transport header
		if binary.BigEndian.Uint16(b[6:8])&0x1fff == 0 && len(b) >= ihl {
			l4 = b[ihl:]
		}
	case 6:
		if len(b) < 40 {
			return q, false
		}
		q.TTL = b[7]
		q.Src = netip.AddrFrom16([16]byte(b[8:24]))
		q.Dst = netip.AddrFrom16([16]byte(b[24:40]))
		nh := b[6]
		rest := b[40:]
		for i := 0; i < 8; i++ { // bounded walk over extension headers
			switch nh {
			case 0, 43, 60: // hop-by-hop, routing, destination options
				if len(rest) < 8 {
					rest = nil
					break
				}
				n := (int(rest[1]) + 1) * 8
				if n > len(rest) {
					rest = nil
					break
				}
				nh, rest = rest[0], rest[n:]
				continue
			case 44: // fragment
				if len(rest) < 8 {
					rest = nil
					break
				}
				off := binary.BigEndian.Uint16(rest[2:4]) &^ 7
				nh, rest = rest[0], rest[8:]
				if off != 0 {
					rest = nil
				}
				continue
			}
			break
		}
		q.Proto = flows.Proto(nh)
		l4 = rest
	default:
		return q, false
	}
	switch q.Proto {
	case flows.TCP, flows.UDP:
		if len(l4) >= 4 {
			q.SrcPort = binary.BigEndian.Uint16(l4[0:2])
			q.DstPort = binary.BigEndian.Uint16(l4[2:4])
			q.HasL4 = true
		}
	case flows.ICMP, flows.ICMPv6:
		if len(l4) >= 8 {
			q.ICMPType = l4[0]
			q.SrcPort = binary.BigEndian.Uint16(l4[4:6])
			q.DstPort = q.SrcPort
			q.ICMPSeq = binary.BigEndian.Uint16(l4[6:8])
			q.HasL4 = true
		}
	}
	return q, true
}

// Key returns the flow key of the quoted datagram as the flow table would
// build it (for ICMP, only echo messages carry their identifier).
func (q Quoted) Key() flows.Key {
	sp, dp := q.SrcPort, q.DstPort
	if (q.Proto == flows.ICMP || q.Proto == flows.ICMPv6) && !isEchoType(q.Proto == flows.ICMPv6, q.ICMPType) {
		sp, dp = 0, 0
	}
	k, _ := flows.MakeKey(q.Proto, netip.AddrPortFrom(q.Src, sp), netip.AddrPortFrom(q.Dst, dp))
	return k
}

func isEchoType(v6 bool, t uint8) bool {
	if v6 {
		return t == 128 || t == 129
	}
	return t == 8 || t == 0
}
