package pcapai

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func analyzeJSON(t *testing.T, path string, opts Options) []byte {
	t.Helper()
	b, err := json.Marshal(analyzeDet(t, path, opts))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWorkersSameReport checks that the Report of every capture is byte for
// byte the same whatever the number of workers.
func TestWorkersSameReport(t *testing.T) {
	files := pcaptest.Captures()
	if len(files) < 30 {
		t.Fatalf("only %d captures found", len(files))
	}
	workers := []int{2, 3, 5}
	if testing.Short() {
		workers = []int{3}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			one := analyzeJSON(t, f, Options{Workers: 1})
			for _, w := range workers {
				got := analyzeJSON(t, f, Options{Workers: w})
				if !bytes.Equal(one, got) {
					var a, b any
					json.Unmarshal(one, &a)
					json.Unmarshal(got, &b)
					t.Fatalf("Workers=%d differs from Workers=1 (-1 +%d):\n%s", w, w, firstLines(cmp.Diff(a, b), 60))
				}
			}
		})
	}
}

// TestWorkersDamagedCapture: a capture cut inside a record, and one whose
// frames are garbage after the headers, give the same Report (results so
// far plus the warning) with one worker and with several.
func TestWorkersDamagedCapture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), "tcp_port_reuse.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	garbled := bytes.Clone(b)
	for i := 24 + 16 + 14; i < len(garbled); i += 7 {
		garbled[i] ^= 0x5a // flip bytes inside frames, past the first Ethernet header
	}
	for name, data := range map[string][]byte{"cut": b[:len(b)*2/3], "garbled": garbled} {
		t.Run(name, func(t *testing.T) {
			run := func(w int) ([]byte, *Report) {
				r, err := NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				rep, err := Analyze(context.Background(), r, Options{Workers: w})
				if err != nil {
					t.Fatal(err)
				}
				j, _ := json.Marshal(rep)
				return j, rep
			}
			one, rep := run(1)
			if name == "cut" && (!rep.Capture.Truncated || len(rep.Warnings) == 0 || rep.Capture.Packets == 0) {
				t.Fatalf("cut capture: truncated %v, warnings %q, packets %d; want the packets so far and a warning", rep.Capture.Truncated, rep.Warnings, rep.Capture.Packets)
			}
			for _, w := range []int{2, 4} {
				if got, _ := run(w); !bytes.Equal(one, got) {
					var a, b any
					json.Unmarshal(one, &a)
					json.Unmarshal(got, &b)
					t.Fatalf("Workers=%d differs:\n%s", w, firstLines(cmp.Diff(a, b), 40))
				}
			}
		})
	}
}

// TestDefaultWorkers: Workers = 0 splits a capture over the cores only
// when it is known to be big enough to gain from it; a set Workers is
// kept.
func TestDefaultWorkers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	small, err := NewReader(bytes.NewReader(pcaptest.PCAP(1700000000, pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1, Flags: 0x02}))))
	if err != nil {
		t.Fatal(err)
	}
	if small.sizeHint == 0 {
		t.Fatal("NewReader of a bytes.Reader: no size hint")
	}
	f, err := os.Open("testdata/http_curl_local.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.sizeHint != st.Size() || !r.regular {
		t.Fatalf("NewReader of a file: hint %d, regular %v; want %d, true", r.sizeHint, r.regular, st.Size())
	}
	for _, tc := range []struct {
		workers int
		hint    int64
		want    int
	}{
		{0, small.sizeHint, 1},
		{0, shardMinBytes - 1, 1},
		{0, shardMinBytes, 4},
		{0, 0, 4}, // unknown size: a stream
		{3, small.sizeHint, 3},
		{1, 1 << 30, 1},
	} {
		o := Options{Workers: tc.workers}
		if got := o.workersFor(&Reader{sizeHint: tc.hint}); got != tc.want {
			t.Errorf("Workers %d, %d bytes: %d workers; want %d", tc.workers, tc.hint, got, tc.want)
		}
	}
}
