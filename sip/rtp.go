package sip

import "encoding/binary"

// rtpHeader is the fixed RTP header (RFC 3550 §5.1).
type rtpHeader struct {
	marker bool
	pt     uint8
	seq    uint16
	ts     uint32
	ssrc   uint32
}

// parseRTP reads an RTP header; it rejects versions other than 2, RTCP
// packet types (RFC 5761 §4: PT 64–95 with the marker bit) and headers
// longer than the packet.
func parseRTP(b []byte, h *rtpHeader) bool {
	if len(b) < 12 || b[0]>>6 != 2 {
		return false
	}
	cc := int(b[0] & 0x0f)
	n := 12 + 4*cc
	if b[0]&0x10 != 0 { // extension
		if len(b) < n+4 {
			return false
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
	}
	if len(b) < n {
		return false
	}
	h.marker = b[1]&0x80 != 0
	h.pt = b[1] & 0x7f
	if b[1] >= 200 && b[1] <= 204 { // RTCP SR/RR/SDES/BYE/APP
		return false
	}
	h.seq = binary.BigEndian.Uint16(b[2:])
	h.ts = binary.BigEndian.Uint32(b[4:])
	h.ssrc = binary.BigEndian.Uint32(b[8:])
	return true
}
