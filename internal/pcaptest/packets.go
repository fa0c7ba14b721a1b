package pcaptest

import (
	"os"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
)

// Packets decodes a capture file through a flows.Decoder and flows.Table,
// as the engine does, and calls fn for every packet (valid only during
// the call).
func Packets(t testing.TB, path string, fn func(p *flows.Packet)) {
	t.Helper()
	Records(t, path, func(_ []byte, _ flows.LinkType, p *flows.Packet) { fn(p) })
}

// Records is Packets with each packet's raw frame and link type.
func Records(t testing.TB, path string, fn func(data []byte, lt flows.LinkType, p *flows.Packet)) {
	t.Helper()
	dec := flows.NewDecoder(flows.DecoderConfig{})
	tab := flows.NewTable(0)
	var p flows.Packet
	EachRecord(t, path, func(rec *capfile.Record, lt flows.LinkType, frame uint64) {
		dec.Decode(rec.Data, lt, frame, time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface, &p)
		tab.Observe(&p)
		fn(rec.Data, lt, &p)
	})
}

// EachRecord calls fn for every record of a capture file, undecoded, with
// its interface's link type and its frame number; the record is valid
// only during the call. It stops at the first read error.
func EachRecord(t testing.TB, path string, fn func(rec *capfile.Record, lt flows.LinkType, frame uint64)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cf, err := capfile.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for n := uint64(1); ; n++ {
		rec, err := cf.Next()
		if err != nil {
			return
		}
		lt := flows.LinkEthernet
		if ifs := cf.Interfaces(); rec.Iface < len(ifs) {
			lt = flows.LinkType(ifs[rec.Iface].LinkType)
		}
		fn(&rec, lt, n)
	}
}
