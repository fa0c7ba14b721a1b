package pcapai

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestGzipReadAhead: a gzip-compressed capture, read ahead on a second
// goroutine, gives the Report of the same capture uncompressed (but for
// capture.compressed), on one worker and on two; cut short, it gives the
// same Report, warning included, with and without read-ahead.
func TestGzipReadAhead(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(n int64) { readAheadMin = n }(readAheadMin)
	readAheadMin = 0 // the captures here are small
	report := func(b []byte, workers int) []byte {
		rep := analyzeBytes(t, b, Options{Workers: workers})
		rep.Capture.Compressed = false
		j, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	for _, name := range []string{"http_curl_local.pcap", "scan_nmap_syn.pcap", "tcp_netem_loss.pcap", "dns_dnsmasq.pcap"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(raw)
		w.Close()
		for _, workers := range []int{1, 2} {
			if want, got := report(raw, workers), report(gz.Bytes(), workers); !bytes.Equal(got, want) {
				t.Errorf("%s, %d workers: the gzip capture's Report differs", name, workers)
			}
		}
		// From a file, chunks are filled whole.
		path := filepath.Join(t.TempDir(), name+".gz")
		if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Analyze(context.Background(), r, Options{Workers: 1, noRecover: true})
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		rep.Capture.Compressed, rep.Capture.FileSize, rep.File = false, 0, ""
		if j, _ := json.Marshal(rep); !bytes.Equal(j, report(raw, 1)) {
			t.Errorf("%s: the gzip file's Report differs", name)
		}
		// Cut inside a record, and cut where the flushed data ends at a
		// record boundary (the gzip stream, not the capture, is short).
		var flushed bytes.Buffer
		w = gzip.NewWriter(&flushed)
		w.Write(raw[:recordEnd(t, raw, 5)])
		w.Flush()
		for what, cut := range map[string][]byte{"inside a record": gz.Bytes()[:gz.Len()*2/3], "at a record boundary": bytes.Clone(flushed.Bytes())} {
			ahead := report(cut, 1)
			runtime.GOMAXPROCS(1)
			plain := report(cut, 1)
			runtime.GOMAXPROCS(2)
			if !bytes.Equal(ahead, plain) {
				t.Errorf("%s cut %s: the Report read ahead differs:\n%s\nwithout:\n%s", name, what, ahead, plain)
			}
			if !bytes.Contains(plain, []byte("unexpected EOF")) {
				t.Errorf("%s cut %s: no warning of the cut", name, what)
			}
		}
	}
}

// recordEnd returns the offset just past record n of a little-endian pcap.
func recordEnd(t *testing.T, raw []byte, n int) int {
	off := 24
	for range n {
		if off+16 > len(raw) {
			t.Fatalf("fewer than %d records", n)
		}
		off += 16 + int(binary.LittleEndian.Uint32(raw[off+8:]))
	}
	return off
}
