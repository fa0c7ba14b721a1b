package pcapai

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/internal/pcaptest"
	"github.com/pcapai/pcapai/tlsx"
)

// tlsTsharkFrames returns the frames tshark selects, with out-of-order
// TCP reassembly on (the reordered recording needs it to see the
// handshake).
func tlsTsharkFrames(t *testing.T, file, filter string) []uint64 {
	t.Helper()
	return pcaptest.TsharkFrames(t, file, filter, "tcp.reassemble_out_of_order:TRUE")
}

// TestTLSEvidenceTshark checks that every tlsx finding's display filter
// selects exactly its evidence frames in tshark.
func TestTLSEvidenceTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	if testing.Short() {
		t.Skip("runs tshark on every TLS capture")
	}
	dir, entries := pcaptest.SharedTruth(t)
	files := []string{}
	for _, e := range entries {
		if _, ok := e.Truth["tls"]; ok {
			files = append(files, filepath.Join(dir, e.Name))
		}
	}
	local, _ := filepath.Glob(filepath.Join(pcaptest.TestdataDir(), "tls_*.pcap"))
	files = append(files, local...)
	n := 0
	for _, file := range files {
		rep := analyzeTLS(t, file, tlsx.Config{BadJA3: map[string]string{"49ed2ef3f1321e5f044f1e71b0e6fdd5": "test entry", "f75253b5e2b4dcb3fdae9b78ce8c6e49": "test entry (QUIC)"}})
		for _, f := range rep.Findings {
			if f.Source != "tlsx" {
				continue
			}
			n++
			checkTLSEvidence(t, file, f)
		}
	}
	if n == 0 {
		t.Fatal("no findings checked")
	}
}

func checkTLSEvidence(t *testing.T, file string, f attack.Finding) {
	t.Helper()
	got := tlsTsharkFrames(t, file, f.Evidence.DisplayFilter)
	if f.Evidence.FramesTotal > len(f.Evidence.Frames) {
		for _, fr := range f.Evidence.Frames {
			if !slices.Contains(got, fr) {
				t.Errorf("%s %s: frame %d not selected by %q", filepath.Base(file), f.Kind, fr, f.Evidence.DisplayFilter)
			}
		}
		return
	}
	if !slices.Equal(got, f.Evidence.Frames) {
		t.Errorf("%s %s: tshark selects %v, evidence %v (filter %q)", filepath.Base(file), f.Kind, got, f.Evidence.Frames, f.Evidence.DisplayFilter)
	}
}
