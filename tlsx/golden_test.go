package tlsx

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files")

// TestGolden locks the JSON shape of the result and the findings for the
// recorded captures (truth is checked elsewhere: review an -update diff
// like an API change).
func TestGolden(t *testing.T) {
	for _, name := range []string{"tls_expired_cert.pcap", "tls_13.pcap"} {
		a := New(Config{})
		pass(t, filepath.Join(pcaptest.TestdataDir(), name), a.Observe)
		r, fs := a.Finish()
		got, err := json.MarshalIndent(struct {
			TLS      *Result `json:"tls"`
			Findings any     `json:"findings"`
		}{r, fs}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", name+".json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if d := cmp.Diff(string(want), string(got)+"\n"); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
}
