package flows

import "slices"

// DefaultStreamMax is the byte cap of a [Stream] whose Max is zero.
const DefaultStreamMax = 64 << 10

// maxPending bounds the out-of-order segments a Stream holds.
const maxPending = 64

// Stream is a bounded in-order reassembler for one direction of a byte
// stream: TCP segments by sequence number ([Stream.Segment]) or data at
// absolute offsets ([Stream.Write], for QUIC CRYPTO frames). It keeps the
// first Max bytes of the stream: data arriving out of order waits (copied)
// until the gap before it is filled; retransmissions and overlaps are
// trimmed to the bytes not seen yet (the first copy wins, as most stacks
// do); sequence numbers wrap around modulo 2³². The zero value is ready to
// use. Data beyond Max is counted in Dropped and otherwise ignored.
type Stream struct {
	Max int // bytes kept; zero means DefaultStreamMax

	buf     []byte
	pend    []pendSeg
	pendLen int
	base    uint32 // sequence number of stream offset 0
	started bool

	// Dropped counts bytes that did not fit under Max (or the pending list).
	Dropped uint64
}

type pendSeg struct {
	off  uint64
	data []byte
}

func (s *Stream) max() int {
	if s.Max <= 0 {
		return DefaultStreamMax
	}
	return s.Max
}

// Segment adds a TCP segment with sequence number seq. A SYN sets the
// initial sequence number (its payload, if any, starts at offset 0);
// without one, the first segment with data starts the stream.
func (s *Stream) Segment(seq uint32, syn bool, payload []byte) {
	if syn {
		if !s.started {
			s.base = seq + 1
			s.started = true
		}
		seq++
	}
	if len(payload) == 0 {
		return
	}
	if !s.started {
		s.base = seq
		s.started = true
	}
	d := int32(seq - s.base) // wraparound-safe distance
	if d < 0 {
		// Starts before offset 0 (a retransmission of older data): keep the tail.
		skip := -int64(d)
		if skip >= int64(len(payload)) {
			return
		}
		payload = payload[skip:]
		d = 0
	}
	s.Write(uint64(d), payload)
}

// Started reports whether the stream has an origin (a SYN or data seen).
func (s *Stream) Started() bool { return s.started }

// Write adds data at stream offset off.
func (s *Stream) Write(off uint64, data []byte) {
	max := uint64(s.max())
	if len(data) == 0 {
		return
	}
	if off >= max {
		s.Dropped += uint64(len(data))
		return
	}
	if end := off + uint64(len(data)); end > max {
		s.Dropped += end - max
		data = data[:max-off]
	}
	have := uint64(len(s.buf))
	if off+uint64(len(data)) <= have {
		return // all seen
	}
	if off > have {
		s.hold(off, data)
		return
	}
	s.buf = append(s.buf, data[have-off:]...)
	s.drain()
}

func (s *Stream) hold(off uint64, data []byte) {
	if len(s.pend) >= maxPending || s.pendLen+len(data) > s.max() {
		s.Dropped += uint64(len(data))
		return
	}
	i, _ := slices.BinarySearchFunc(s.pend, off, func(p pendSeg, o uint64) int {
		switch {
		case p.off < o:
			return -1
		case p.off > o:
			return 1
		}
		return 0
	})
	s.pend = slices.Insert(s.pend, i, pendSeg{off, slices.Clone(data)})
	s.pendLen += len(data)
}

func (s *Stream) drain() {
	for len(s.pend) > 0 {
		p := s.pend[0]
		have := uint64(len(s.buf))
		if p.off > have {
			return
		}
		s.pend = s.pend[1:]
		s.pendLen -= len(p.data)
		if end := p.off + uint64(len(p.data)); end > have {
			s.buf = append(s.buf, p.data[have-p.off:]...)
		}
	}
	s.pend = nil
}

// Bytes returns the contiguous bytes from offset 0 received so far. The
// slice is valid until the next Segment or Write.
func (s *Stream) Bytes() []byte { return s.buf }

// Len returns how many contiguous bytes are available.
func (s *Stream) Len() int { return len(s.buf) }

// Held returns the bytes the stream holds (contiguous and pending).
func (s *Stream) Held() int { return len(s.buf) + s.pendLen }

// Pending returns how many bytes wait behind a gap.
func (s *Stream) Pending() int { return s.pendLen }

// Full reports whether Max contiguous bytes were collected.
func (s *Stream) Full() bool { return len(s.buf) >= s.max() }

// Release frees the stream's buffers. Add no data afterwards: offsets
// would be read against an empty buffer.
func (s *Stream) Release() {
	s.buf, s.pend, s.pendLen = nil, nil, 0
}
