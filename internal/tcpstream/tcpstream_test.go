package tcpstream

import (
	"testing"

	"github.com/pcapai/pcapai/flows"
)

func TestAccept(t *testing.T) {
	var h Half
	seg := func(seq uint32, fl flows.TCPFlags, b string) (string, int) {
		d, g := h.Accept(&flows.Packet{Seq: seq, Flags: fl, Payload: []byte(b)})
		return string(d), g
	}
	for _, tc := range []struct {
		seq     uint32
		flags   flows.TCPFlags
		in      string
		want    string
		wantGap int
		why     string
	}{
		{0xfffffffe, flows.SYN, "", "", 0, "SYN sets the next sequence number (ISN+1 wraps to 0xffffffff)"},
		{0xffffffff, flows.ACK, "abc", "abc", 0, "in order, across the wrap"},
		{2, flows.ACK, "def", "def", 0, "in order after the wrap"},
		{2, flows.ACK, "def", "", 0, "retransmission"},
		{4, flows.ACK, "fgh", "gh", 0, "overlap trimmed"},
		{10, flows.ACK, "xyz", "xyz", 3, "gap of 3 bytes (7, 8, 9 missing)"},
		{7, flows.ACK, "123", "", 0, "late segment of the gap: dropped"},
	} {
		got, gap := seg(tc.seq, tc.flags, tc.in)
		if got != tc.want || gap != tc.wantGap {
			t.Errorf("%s: got %q gap %d, want %q gap %d", tc.why, got, gap, tc.want, tc.wantGap)
		}
	}
	if h.Gaps != 1 || h.GapBytes != 3 {
		t.Errorf("gaps %d bytes %d", h.Gaps, h.GapBytes)
	}
}
