package pcapai

import (
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pcapai/pcapai/internal/pcaptest"
)

// TestAnalyzeCorpus: the corpus of testdata/ adds up to the files'
// own Reports, names each finding's file, reports progress up to the total
// and does not depend on the number of workers.
func TestAnalyzeCorpus(t *testing.T) {
	dir := pcaptest.TestdataDir()
	// The recorded captures at the top of testdata/ (not testdata/bench/,
	// where pcapbench leaves its large synthetic capture).
	var top []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.gz"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		top = append(top, m...)
	}
	files, err := CaptureFiles(top)
	if err != nil || len(files) < 10 {
		t.Fatalf("CaptureFiles: %d files, %v", len(files), err)
	}
	var last, total int64
	calls := 0
	opts := Options{Progress: func(d, tt int64) { last, total = d, tt; calls++ }}
	cr, err := AnalyzeCorpus(context.Background(), top, opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != total || total != cr.Totals.FileSize {
		t.Errorf("progress: %d calls, last %d of %d; file bytes %d", calls, last, total, cr.Totals.FileSize)
	}
	var pkts uint64
	var flows, findings int
	for _, p := range files {
		rep := runFile(t, p, Options{})
		pkts += rep.Capture.Packets
		flows += len(rep.Flows)
		findings += len(rep.Findings)
	}
	if cr.Totals.Files != len(files) || cr.Totals.Packets != pkts || cr.Totals.Flows != flows || cr.Totals.Findings != findings {
		t.Errorf("totals %+v; files' own Reports: %d files, %d packets, %d flows, %d findings", cr.Totals, len(files), pkts, flows, findings)
	}
	for _, f := range cr.Findings {
		if filepath.Dir(f.Evidence.File) != filepath.Clean(dir) {
			t.Errorf("finding %q: Evidence.File %q", f.Kind, f.Evidence.File)
		}
	}
	prev := runtime.GOMAXPROCS(1)
	one, err := AnalyzeCorpus(context.Background(), top, Options{})
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	one.Totals.ElapsedS, cr.Totals.ElapsedS = 0, 0
	a, _ := json.Marshal(one)
	b, _ := json.Marshal(cr)
	if string(a) != string(b) {
		t.Errorf("corpus differs between 1 and %d workers", prev)
	}
}
