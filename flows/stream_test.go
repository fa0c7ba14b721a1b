package flows

import (
	"bytes"
	"testing"
)

func TestStreamReassembly(t *testing.T) {
	msg := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	tests := []struct {
		name   string
		isn    uint32
		order  [][2]int // [start, end) of msg, in arrival order
		max    int
		want   string
		reason string
	}{
		{"in order", 100, [][2]int{{0, 10}, {10, 20}, {20, 36}}, 0, string(msg), "plain"},
		{"reversed", 100, [][2]int{{20, 36}, {10, 20}, {0, 10}}, 0, string(msg), "later segments wait for the gap"},
		{"overlap and retransmission", 7, [][2]int{{0, 12}, {5, 20}, {0, 12}, {18, 36}}, 0, string(msg), "overlaps trimmed"},
		{"wraparound", 0xFFFFFFF0, [][2]int{{0, 8}, {16, 36}, {8, 16}}, 0, string(msg), "sequence numbers wrap past 2^32"},
		{"cap", 1, [][2]int{{0, 20}, {20, 36}}, 25, string(msg[:25]), "bytes past Max dropped"},
		{"gap never filled", 1, [][2]int{{0, 5}, {10, 36}}, 0, string(msg[:5]), "only contiguous bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Stream{Max: tc.max}
			s.Segment(tc.isn, true, nil)
			for _, r := range tc.order {
				s.Segment(tc.isn+1+uint32(r[0]), false, msg[r[0]:r[1]])
			}
			if got := string(s.Bytes()); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestStreamNoSYN(t *testing.T) {
	var s Stream
	s.Segment(5000, false, []byte("hello "))
	s.Segment(4998, false, []byte("xxhello ")) // retransmission reaching back before the origin
	s.Segment(5006, false, []byte("world"))
	if !bytes.Equal(s.Bytes(), []byte("hello world")) {
		t.Fatalf("got %q", s.Bytes())
	}
}
