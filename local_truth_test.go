package pcapai

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// TestRecordedTruth compares pcapai with tshark 4.0.17 on the captures
// recorded from real programs in testdata/ (see testdata/record/README.md):
// packet and conversation counts and every tcp.analysis.* count.
func TestRecordedTruth(t *testing.T) {
	truth := pcaptest.LocalTruth(t)
	var names []string
	for n := range truth {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		tr := truth[name]
		t.Run(name, func(t *testing.T) {
			rep := analyzeShared(t, filepath.Join(pcaptest.TestdataDir(), name))
			var conv = map[flows.Proto]int{}
			var sum flows.TCPStats
			for _, f := range rep.Flows {
				conv[f.Proto]++
				if s := f.TCPStats; s != nil {
					sum.Retransmissions += s.Retransmissions
					sum.FastRetransmissions += s.FastRetransmissions
					sum.SpuriousRetransmissions += s.SpuriousRetransmissions
					sum.DupAcks += s.DupAcks
					sum.ZeroWindows += s.ZeroWindows
					sum.OutOfOrder += s.OutOfOrder
					sum.LostSegments += s.LostSegments
					sum.AckedUnseen += s.AckedUnseen
					sum.KeepAlives += s.KeepAlives
					sum.WindowFull += s.WindowFull
					sum.WindowUpdates += s.WindowUpdates
				}
			}
			for _, c := range []struct {
				field string
				got   int
				want  []string
			}{
				{"packets", int(rep.Capture.Packets), []string{"packets"}},
				{"conv_tcp", conv[flows.TCP], []string{"conv_tcp"}},
				{"conv_udp", conv[flows.UDP], []string{"conv_udp"}},
				{"tcp.analysis.retransmission", sum.Retransmissions, []string{"tcp", "retransmission"}},
				{"tcp.analysis.fast_retransmission", sum.FastRetransmissions, []string{"tcp", "fast_retransmission"}},
				{"tcp.analysis.spurious_retransmission", sum.SpuriousRetransmissions, []string{"tcp", "spurious_retransmission"}},
				{"tcp.analysis.duplicate_ack", sum.DupAcks, []string{"tcp", "duplicate_ack"}},
				{"tcp.analysis.zero_window", sum.ZeroWindows, []string{"tcp", "zero_window"}},
				{"tcp.analysis.out_of_order", sum.OutOfOrder, []string{"tcp", "out_of_order"}},
				{"tcp.analysis.lost_segment", sum.LostSegments, []string{"tcp", "lost_segment"}},
				{"tcp.analysis.ack_lost_segment", sum.AckedUnseen, []string{"tcp", "ack_lost_segment"}},
				{"tcp.analysis.keep_alive", sum.KeepAlives, []string{"tcp", "keep_alive"}},
				{"tcp.analysis.window_update", sum.WindowUpdates, []string{"tcp", "window_update"}},
				{"tcp.analysis.window_full", sum.WindowFull, []string{"tcp", "window_full"}},
			} {
				want, ok := pcaptest.Num(tr, c.want...)
				if !ok {
					continue
				}
				if fmt.Sprint(c.got) != fmt.Sprint(int(want)) {
					t.Errorf("%s: got %d, tshark %d", c.field, c.got, int(want))
				}
			}
			// Per conversation: tshark's TCP streams in order, endpoints and
			// frames and bytes per direction (A is the first sender).
			streams, _ := tr["tcp_streams"].([]any)
			var tcpFlows []*flows.Flow
			for _, f := range rep.Flows {
				if f.Proto == flows.TCP {
					tcpFlows = append(tcpFlows, f)
				}
			}
			if len(streams) > 0 && len(streams) != len(tcpFlows) {
				t.Fatalf("tcp flows %d, tshark streams %d", len(tcpFlows), len(streams))
			}
			for i, s := range streams {
				st := s.(map[string]any)
				f := tcpFlows[i]
				got := fmt.Sprintf("%s %s %d/%d frames %d/%d bytes", f.Src, f.Dst, f.Fwd.Packets, f.Rev.Packets, f.Fwd.Bytes, f.Rev.Bytes)
				want := fmt.Sprintf("%v %v %v/%v frames %v/%v bytes", st["address_a"], st["address_b"], st["frames_a_to_b"], st["frames_b_to_a"], st["bytes_a_to_b"], st["bytes_b_to_a"])
				if got != want {
					t.Errorf("stream %d: got %s, tshark %s", i, got, want)
				}
			}
		})
	}
}
