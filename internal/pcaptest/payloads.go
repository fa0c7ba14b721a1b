package pcaptest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
)

// Payloads returns copies of the transport payloads in a testdata capture
// for which keep returns true (at most max), to seed fuzz targets. A
// missing file yields none.
func Payloads(t testing.TB, name string, max int, keep func(p *flows.Packet) bool) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(TestdataDir(), name))
	if err != nil {
		return nil
	}
	cf, err := capfile.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	dec := flows.NewDecoder(flows.DecoderConfig{})
	var p flows.Packet
	var out [][]byte
	for n := uint64(1); len(out) < max; n++ {
		rec, err := cf.Next()
		if err != nil {
			break
		}
		lt := flows.LinkEthernet
		if ifs := cf.Interfaces(); rec.Iface < len(ifs) {
			lt = flows.LinkType(ifs[rec.Iface].LinkType)
		}
		dec.Decode(rec.Data, lt, n, time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface, &p)
		if len(p.Payload) > 0 && keep(&p) {
			out = append(out, slices.Clone(p.Payload))
		}
	}
	return out
}
