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

// IPv4 keys are packed into integers, the others are not: a port scan
// from an IPv4 address, one between the same addresses IPv4-mapped in
// IPv6 packets, and one from an IPv6 address stay three scans by three
// sources, each with its own SYN frames as evidence.
func TestScanKeysByFamily(t *testing.T) {
	d := New(Config{})
	type scan struct {
		src, dst    string
		ports       int
		net         flows.Net
		first, last uint64 // frames
	}
	scans := []*scan{
		{src: "10.0.0.1", dst: "10.0.0.2", ports: 20, net: flows.NetIPv4},
		{src: "::ffff:10.0.0.1", dst: "::ffff:10.0.0.2", ports: 30, net: flows.NetIPv6},
		{src: "2001:db8::1", dst: "2001:db8::2", ports: 40, net: flows.NetIPv6},
	}
	var all []*flows.Flow
	var frame uint64
	for _, sc := range scans {
		sc.first = frame + 1
		for i := range sc.ports {
			frame++
			ts := time.Unix(1, int64(frame)).UTC()
			f := &flows.Flow{ID: frame, Proto: flows.TCP, FirstFrame: frame, LastFrame: frame, First: ts, Last: ts,
				Src: netip.AddrPortFrom(netip.MustParseAddr(sc.src), 40000),
				Dst: netip.AddrPortFrom(netip.MustParseAddr(sc.dst), uint16(1000+i)),
				Fwd: flows.DirStats{Packets: 1, Bytes: 60}, Packets: 1, Bytes: 60}
			p := synPacket(f, frame)
			p.Net = sc.net
			d.Observe(&p)
			all = append(all, f)
		}
		sc.last = frame
	}
	out, st := d.Finish(all, flows.FragStats{})
	if st.Sources != len(scans) {
		t.Errorf("Sources = %d; want %d", st.Sources, len(scans))
	}
	found := 0
	for _, f := range out {
		if f.Kind != "port_scan" {
			continue
		}
		found++
		var sc *scan
		for _, s := range scans {
			if f.Src == netip.MustParseAddr(s.src) {
				sc = s
			}
		}
		if sc == nil {
			t.Errorf("port scan from unexpected source %v", f.Src)
			continue
		}
		if f.Dst != netip.MustParseAddr(sc.dst) {
			t.Errorf("scan from %v: Dst = %v; want %v", f.Src, f.Dst, sc.dst)
		}
		if f.Evidence.FramesTotal != sc.ports {
			t.Errorf("scan from %v: FramesTotal = %d; want %d", f.Src, f.Evidence.FramesTotal, sc.ports)
		}
		for _, n := range f.Evidence.Frames {
			if n < sc.first || n > sc.last {
				t.Errorf("scan from %v: evidence frame %d is another scan's (want %d–%d)", f.Src, n, sc.first, sc.last)
				break
			}
		}
	}
	if found != len(scans) {
		t.Errorf("%d port scans; want %d", found, len(scans))
	}
}

// The source cap counts IPv4 and IPv6 sources together: with room for 4,
// SYNs from 3 IPv4 and 3 IPv6 sources keep 4 and count the rest dropped.
func TestSourcesCapAcrossFamilies(t *testing.T) {
	d := New(Config{MaxSources: 4})
	var all []*flows.Flow
	for i, src := range []string{"10.0.0.1", "2001:db8::1", "10.0.0.2", "2001:db8::2", "10.0.0.3", "2001:db8::3"} {
		a := netip.MustParseAddr(src)
		dst := netip.MustParseAddr("192.0.2.1")
		net := flows.NetIPv4
		if a.Is6() {
			dst, net = netip.MustParseAddr("2001:db8::99"), flows.NetIPv6
		}
		f := &flows.Flow{ID: uint64(i + 1), Proto: flows.TCP, Src: netip.AddrPortFrom(a, 40000), Dst: netip.AddrPortFrom(dst, 80), FirstFrame: uint64(i + 1)}
		p := synPacket(f, uint64(i+1))
		p.Net = net
		d.Observe(&p)
		all = append(all, f)
	}
	_, st := d.Finish(all, flows.FragStats{})
	if st.Sources != 4 || st.SourcesDropped == 0 {
		t.Errorf("Sources %d, dropped %d; want 4 kept and some dropped", st.Sources, st.SourcesDropped)
	}
}
