package pcapai

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// shardCaptures lists the captures the sharded pass is checked on: every
// capture in testdata/ and, when present, every shared one.
func shardCaptures(t *testing.T) []string {
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz"} {
		m, _ := filepath.Glob(filepath.Join(pcaptest.TestdataDir(), pat))
		files = append(files, m...)
	}
	d := filepath.Join(pcaptest.Root(), "..", "shared", "pcaps")
	if _, err := os.Stat(d); err == nil {
		for _, pat := range []string{"*.pcap", "*.pcapng", "*.cap", "*.pcap.gz"} {
			m, _ := filepath.Glob(filepath.Join(d, pat))
			files = append(files, m...)
		}
	}
	slices.Sort(files)
	return files
}

func analyzeJSON(t *testing.T, path string, opts Options) []byte {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	opts.noRecover = true
	rep, err := Analyze(context.Background(), r, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWorkersSameReport checks that the Report of every capture is byte for
// byte the same whatever the number of workers.
func TestWorkersSameReport(t *testing.T) {
	files := shardCaptures(t)
	if len(files) < 30 {
		t.Fatalf("only %d captures found", len(files))
	}
	workers := []int{2, 3, 5}
	if testing.Short() {
		workers = []int{3}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			mods := shardTestModules()
			one := analyzeJSON(t, f, Options{Workers: 1, Modules: mods})
			for _, w := range workers {
				got := analyzeJSON(t, f, Options{Workers: w, Modules: mods})
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

func shardTestModules() []string {
	var m []string
	for _, n := range ModuleNames() {
		if !strings.Contains(os.Getenv("SHARD_SKIP"), n) {
			m = append(m, n)
		}
	}
	return m
}
