package pcapai

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/pcapai/pcapai/internal/pcaptest"
)

// TestPassAllocsPerPacket checks the whole pass, record loop included:
// the allocations of Analyze do not grow with the packets of flows already
// in the table. It analyzes one TCP connection of n and of 2n segments and
// compares the allocation counts.
func TestPassAllocsPerPacket(t *testing.T) {
	capture := func(n int) []byte {
		frames := [][]byte{
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 100, Flags: 0x02}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: srv, Dst: cli, Seq: 5000, Ack: 101, Flags: 0x12}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 101, Ack: 5001, Flags: 0x10}),
		}
		seq := uint32(101)
		payload := bytes.Repeat([]byte{0x17}, 200) // not a protocol any analyzer follows
		for i := 0; i < n; i++ {
			frames = append(frames, pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: seq, Ack: 5001, Flags: 0x18, Payload: payload}))
			seq += uint32(len(payload))
		}
		return pcaptest.PCAP(1700000000, frames...)
	}
	allocs := func(b []byte, opts Options) uint64 {
		r, err := NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Analyze(context.Background(), r, opts); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	const n = 20000
	small, large := capture(n), capture(2*n)
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"flows", Options{Modules: []string{"flows"}, Workers: 1}},
		{"all", Options{Workers: 1}},
		{"all-2-workers", Options{Workers: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := allocs(small, tc.opts), allocs(large, tc.opts)
			// n more packets may cost a few allocations (a slice that
			// doubles, a batch buffer), never one per packet.
			if extra := int64(b) - int64(a); extra > n/100 {
				t.Errorf("%d more packets cost %d more allocations (%d → %d); want none per packet", n, extra, a, b)
			}
		})
	}
}
