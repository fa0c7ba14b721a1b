package pcapai

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// Known, explained differences from tshark 4.0.17 (truth.json), per file and
// field. Every entry says why pcapai differs on purpose.
var truthDiffs = map[string]map[string]string{
	"truncated-file-tls.pcap": {
		"packets":   "capinfos refuses the damaged file and reports 0; tshark and pcapai read its 6 good records (packets_readable_before_error) and warn",
		"first":     "capinfos gives no times for the damaged file",
		"last":      "capinfos gives no times for the damaged file",
		"format":    "capinfos calls the damaged file 'pcap (damaged)'",
		"linktypes": "capinfos lists no interfaces for the damaged file",
	},
}

func analyzeShared(t *testing.T, path string) *Report {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := Analyze(context.Background(), r, Options{noRecover: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestSharedTruth compares the capture info, flow counts and TCP analysis
// with tshark/capinfos figures for every shared capture.
func TestSharedTruth(t *testing.T) {
	dir, entries := pcaptest.SharedTruth(t)
	exact := 0
	for _, e := range entries {
		t.Run(e.Name, func(t *testing.T) {
			rep := analyzeShared(t, filepath.Join(dir, e.Name))
			tr := e.Truth
			diffs := truthDiffs[e.Name]
			ok := true
			check := func(field string, got, want any) {
				t.Helper()
				if fmt.Sprint(got) == fmt.Sprint(want) {
					return
				}
				if why, known := diffs[field]; known {
					t.Logf("%s: got %v, tshark %v — known difference: %s", field, got, want, why)
					return
				}
				ok = false
				t.Errorf("%s: got %v, tshark/capinfos %v", field, got, want)
			}
			want, _ := pcaptest.Num(tr, "packets")
			if n, ok := pcaptest.Num(tr, "packets_readable_before_error"); ok {
				want = n
			}
			check("packets", rep.Capture.Packets, uint64(want))
			if s, ok := tr["first_time_epoch"].(string); ok {
				check("first", epoch(rep.Capture.First, s), s)
			}
			if s, ok := tr["last_time_epoch"].(string); ok {
				check("last", epoch(rep.Capture.Last, s), s)
			}
			if ft, ok := tr["file_type"].(string); ok {
				check("format", rep.Capture.Format, ft)
			}
			if encs, ok := tr["interface_encapsulations"].([]any); ok {
				var wantLT []string
				for _, x := range encs {
					s := x.(string) // "Ethernet (1 - ether)"
					s = s[strings.LastIndex(s, " - ")+3 : len(s)-1]
					if !contains(wantLT, s) {
						wantLT = append(wantLT, s)
					}
				}
				check("linktypes", strings.Join(rep.Capture.LinkTypes, ","), strings.Join(wantLT, ","))
			}
			tcpConv, udpConv := 0, 0
			for _, f := range rep.Flows {
				switch f.Proto {
				case flows.TCP:
					tcpConv++
				case flows.UDP:
					udpConv++
				}
			}
			if n, ok := pcaptest.Num(tr, "conv_tcp"); ok {
				check("conv_tcp", tcpConv, int(n))
			}
			if n, ok := pcaptest.Num(tr, "conv_udp"); ok {
				check("conv_udp", udpConv, int(n))
			}
			if n, ok := pcaptest.Num(tr, "tcp", "retransmissions"); ok {
				got := 0
				for _, f := range rep.Flows {
					if f.TCPStats != nil {
						got += f.TCPStats.Retransmissions
					}
				}
				check("tcp.retransmissions", got, int(n))
			}
			if ok {
				exact++
			}
		})
	}
	t.Logf("%d of %d shared captures match tshark/capinfos exactly on every compared field", exact, len(entries))
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// epoch formats t as capinfos -S does: seconds with as many decimals as
// the truth string has (six for microsecond captures, nine for nanosecond).
func epoch(t time.Time, like string) string {
	if t.IsZero() {
		return "<none>"
	}
	digits := len(like) - strings.IndexByte(like, '.') - 1
	ns := t.UnixNano()
	sec, frac := ns/1e9, ns%1e9
	if digits >= 9 {
		return fmt.Sprintf("%d.%09d", sec, frac)
	}
	scale := int64(math.Pow10(9 - digits))
	f := int64(math.Round(float64(frac) / float64(scale)))
	if f == int64(math.Pow10(digits)) {
		sec, f = sec+1, 0
	}
	return fmt.Sprintf("%d.%0*d", sec, digits, f)
}
