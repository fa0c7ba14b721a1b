// Package tcpstream follows one direction of a TCP connection in sequence
// order, without copying: it returns the new bytes of each segment and how
// many bytes were skipped before them. It is the bounded, allocation-free
// reassembly the text-protocol analyzers (HTTP, SIP over TCP, credential
// detectors) need to read headers and skip bodies.
//
// Limits: segments are taken in capture order. A segment that starts past
// the expected sequence number is a gap (lost or reordered data): its bytes
// are returned with the gap size, and a late segment that would have filled
// the gap is then treated as a retransmission and dropped. Overlaps are
// trimmed. Input is hostile: sequence numbers are compared with wraparound.
package tcpstream

import "github.com/pcapai/pcapai/flows"

// Half is the reassembly state of one direction. The zero value starts at
// the first segment seen (or the SYN).
type Half struct {
	next    uint32
	started bool
	// Gaps counts gaps; GapBytes the bytes they skipped.
	Gaps     uint64
	GapBytes uint64
}

func lt(a, b uint32) bool { return int32(a-b) < 0 }

// Accept takes one TCP segment of this direction and returns its new
// in-order bytes (a subslice of p.Payload) and the number of bytes missing
// before them (0 when the segment follows the previous one).
func (h *Half) Accept(p *flows.Packet) (data []byte, gap int) {
	seq := p.Seq
	if p.Flags.Has(flows.SYN) {
		h.next = seq + 1
		h.started = true
		return nil, 0
	}
	pl := p.Payload
	if len(pl) == 0 {
		return nil, 0
	}
	if !h.started {
		h.started = true
		h.next = seq
	}
	end := seq + uint32(len(pl))
	switch {
	case seq == h.next:
		h.next = end
		return pl, 0
	case lt(seq, h.next):
		if !lt(h.next, end) {
			return nil, 0 // retransmission
		}
		off := h.next - seq
		h.next = end
		return pl[off:], 0
	default:
		g := seq - h.next
		if g > 1<<30 {
			// Absurd jump: resynchronise without reporting a huge gap.
			g = 1 << 30
		}
		h.Gaps++
		h.GapBytes += uint64(g)
		h.next = end
		return pl, int(g)
	}
}
