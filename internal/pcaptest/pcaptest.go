// Package pcaptest finds the test captures and their truth files for tests:
// the shared corpus (../shared/pcaps beside the repository, skipped when
// absent) and the project's own recordings in testdata/.
package pcaptest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"testing"
)

// Root returns the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SharedDir returns ../shared/pcaps, or skips the test when it is absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(Root(), "..", "shared", "pcaps")
	if _, err := os.Stat(filepath.Join(d, "truth.json")); err != nil {
		t.Skip("shared captures not present (../shared/pcaps)")
	}
	return d
}

// TestdataDir returns the repository's testdata directory.
func TestdataDir() string { return filepath.Join(Root(), "testdata") }

// SharedEntry is one file of ../shared/pcaps/truth.json.
type SharedEntry struct {
	Name        string
	Description string         `json:"description"`
	Truth       map[string]any `json:"truth"`
}

// SharedTruth loads ../shared/pcaps/truth.json (skipping when absent),
// sorted by file name.
func SharedTruth(t testing.TB) (dir string, entries []SharedEntry) {
	t.Helper()
	dir = SharedDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]SharedEntry{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for name, e := range m {
		e.Name = name
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	return dir, entries
}

// LocalTruth loads testdata/truth.json (the recordings' tshark figures),
// keyed by file name; it skips when the file is absent.
func LocalTruth(t testing.TB) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(TestdataDir(), "truth.json"))
	if err != nil {
		t.Skip("testdata/truth.json not present")
	}
	m := map[string]map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Num reads a JSON number at a path of keys, reporting whether it exists.
func Num(m map[string]any, keys ...string) (float64, bool) {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return 0, false
		}
		cur, ok = mm[k]
		if !ok {
			return 0, false
		}
	}
	f, ok := cur.(float64)
	return f, ok
}

// Captures returns every capture in testdata/ and, when ../shared/pcaps is
// present, every shared capture, sorted.
func Captures() []string {
	var files []string
	for _, d := range []string{TestdataDir(), filepath.Join(Root(), "..", "shared", "pcaps")} {
		for _, pat := range []string{"*.pcap", "*.pcapng", "*.cap", "*.pcap.gz"} {
			m, _ := filepath.Glob(filepath.Join(d, pat))
			files = append(files, m...)
		}
	}
	slices.Sort(files)
	return files
}
