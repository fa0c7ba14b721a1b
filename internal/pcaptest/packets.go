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
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cf, err := capfile.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dec := flows.NewDecoder(flows.DecoderConfig{})
	tab := flows.NewTable(0)
	var p flows.Packet
	for n := uint64(1); ; n++ {
		rec, err := cf.Next()
		if err != nil {
			return
		}
		lt := flows.LinkEthernet
		if ifs := cf.Interfaces(); rec.Iface < len(ifs) {
			lt = flows.LinkType(ifs[rec.Iface].LinkType)
		}
		dec.Decode(rec.Data, lt, n, time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface, &p)
		tab.Observe(&p)
		fn(rec.Data, lt, &p)
	}
}
