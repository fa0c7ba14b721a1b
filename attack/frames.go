package attack

import (
	"slices"
	"strconv"
	"strings"
)

// DefaultMaxFrames is how many frame numbers a [FrameSet] keeps when its Max
// is zero.
const DefaultMaxFrames = 50

// FrameSet collects evidence frame numbers: the first Max frames are kept,
// every frame is counted. The zero value is ready to use.
type FrameSet struct {
	Max    int // frames kept; zero means DefaultMaxFrames
	frames []uint64
	total  int
}

// Add records frame n.
func (s *FrameSet) Add(n uint64) {
	s.total++
	max := s.Max
	if max == 0 {
		max = DefaultMaxFrames
	}
	if len(s.frames) < max {
		s.frames = append(s.frames, n)
	}
}

// Total returns how many frames were added.
func (s *FrameSet) Total() int { return s.total }

// Frames returns the kept frame numbers, sorted, without duplicates.
func (s *FrameSet) Frames() []uint64 {
	out := slices.Clone(s.frames)
	slices.Sort(out)
	return slices.Compact(out)
}

// Evidence returns an Evidence with the kept frames and the total count.
func (s *FrameSet) Evidence(filter string, flows ...FlowRef) Evidence {
	fr := s.Frames()
	if fr == nil {
		fr = []uint64{}
	}
	return Evidence{Frames: fr, FramesTotal: s.total, Flows: flows, DisplayFilter: filter}
}

// FrameFilter returns a display filter selecting exactly the given frames
// ("frame.number in {4,61,118}"); it is empty when frames is. Elements
// are comma-separated: tshark 4.0 rejects the space-separated form.
func FrameFilter(frames []uint64) string {
	if len(frames) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("frame.number in {")
	for i, f := range frames {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(f, 10))
	}
	b.WriteByte('}')
	return b.String()
}
