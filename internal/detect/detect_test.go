package detect

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
)

func synPacket(f *flows.Flow, frame uint64) flows.Packet {
	return flows.Packet{Frame: frame, Time: time.Unix(1, int64(frame)).UTC(), Net: flows.NetIPv4, Proto: flows.TCP, L4: true,
		Src: f.Src.Addr(), Dst: f.Dst.Addr(), SrcPort: f.Src.Port(), DstPort: f.Dst.Port(), Flags: flows.SYN, Flow: f}
}

// A packet of a known flow from a known source costs no allocation once
// the evidence frame sets are full.
func TestNoAllocs(t *testing.T) {
	d := New(Config{})
	f := &flows.Flow{ID: 1, Proto: flows.TCP, Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("10.0.0.2:80"), FirstFrame: 1}
	for i := uint64(1); i <= 200; i++ {
		p := synPacket(f, i)
		d.Observe(&p)
	}
	p := synPacket(f, 201)
	p.Flags = flows.ACK | flows.PSH
	p.Payload = []byte("GET / HTTP/1.1\r\n")
	f.Fwd.PayloadBytes = 100 // not the first payload
	q := synPacket(f, 202)
	if n := testing.AllocsPerRun(1000, func() { d.Observe(&p); d.Observe(&q) }); n != 0 {
		t.Fatalf("Observe: %v allocs per packet; want 0", n)
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name  string
		proto flows.Proto
		b     string
		want  string
	}{
		{"TLS ClientHello record", flows.TCP, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "tls"},
		{"HTTP request line", flows.TCP, "GET /x HTTP/1.1\r\nHost: a\r\n", "http"},
		{"GET without HTTP version is not HTTP", flows.TCP, "GET something\r\n", ""},
		{"SSH banner", flows.TCP, "SSH-2.0-OpenSSH_9.2\r\n", "ssh"},
		{"SIP INVITE", flows.UDP, "INVITE sip:bob@example.com SIP/2.0\r\n", "sip"},
		{"DNS query for example.com A", flows.UDP, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", "dns"},
		{"DNS-looking bytes over TCP are not sniffed", flows.TCP, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", ""},
		{"random", flows.UDP, "\x8f\x11\x22\x33", ""},
	} {
		if got := Sniff(tc.proto, []byte(tc.b)); got != tc.want {
			t.Errorf("%s: Sniff = %q; want %q", tc.name, got, tc.want)
		}
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("\x16\x03\x01\x02\x00\x01"))
	f.Add([]byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Sniff(flows.UDP, b)
		Sniff(flows.TCP, b)
	})
}

func BenchmarkObserve(b *testing.B) {
	d := New(Config{})
	f := &flows.Flow{ID: 1, Proto: flows.TCP, Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("10.0.0.2:80"), FirstFrame: 1}
	p := synPacket(f, 1)
	b.ReportAllocs()
	for b.Loop() {
		d.Observe(&p)
	}
}
