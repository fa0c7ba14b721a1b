package icmp

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func TestParseQuoted(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want Quoted
		ok   bool
	}{
		{"ipv4+udp", []byte{0x45, 0, 0, 28, 0x12, 0x34, 0, 0, 1, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0xb8, 0x0f, 0x82, 0x9a, 0, 8, 0, 0},
			Quoted{Proto: flows.UDP, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), SrcPort: 47119, DstPort: 33434, TTL: 1, IPID: 0x1234, HasL4: true}, true},
		{"ipv4 header only", []byte{0x45, 0, 0, 28, 0, 0, 0, 0, 1, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2},
			Quoted{Proto: flows.TCP, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), TTL: 1}, true},
		{"not ip", []byte{0x00, 1, 2}, Quoted{}, false},
		{"short ipv6", make([]byte, 39), Quoted{}, false},
	}
	for _, tc := range tests {
		got, ok := ParseQuoted(tc.b)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s: got %+v %v; want %+v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestRecordedPing: icmp-5-pings.pcap in the shared corpus: tshark shows 5
// requests each answered ("request in N"), so 0 % loss.
func TestRecordedPing(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	a := New(Config{})
	pcaptest.Packets(t, filepath.Join(dir, "icmp-5-pings.pcap"), a.Observe)
	res, fs := a.Finish()
	if len(res.Echo) != 1 || res.Echo[0].Sent != 5 || res.Echo[0].Answered != 5 || res.Echo[0].Lost != 0 || res.Echo[0].RTTMinMS <= 0 {
		t.Fatalf("echo = %+v", res.Echo)
	}
	if len(fs) != 0 {
		t.Errorf("findings on plain pings: %+v", fs)
	}
}

func TestNoAllocsIgnored(t *testing.T) {
	a := New(Config{})
	fl := &flows.Flow{ID: 1, FirstFrame: 1}
	p := &flows.Packet{Frame: 2, Time: time.Unix(0, 0), Net: flows.NetIPv4, Src: netip.MustParseAddr("10.0.0.1"),
		Dst: netip.MustParseAddr("10.0.0.2"), TTL: 64, Proto: flows.TCP, L4: true, SrcPort: 4000, DstPort: 443, Flags: flows.ACK, Flow: fl}
	if n := testing.AllocsPerRun(1000, func() { a.Observe(p) }); n != 0 {
		t.Fatalf("%v allocs per ignored packet", n)
	}
}

func BenchmarkObserveEcho(b *testing.B) {
	a := New(Config{})
	req := &flows.Packet{Time: time.Unix(0, 0), Net: flows.NetIPv4, Src: netip.MustParseAddr("10.0.0.1"),
		Dst: netip.MustParseAddr("10.0.0.2"), TTL: 64, Proto: flows.ICMP, L4: true, ICMPType: 8, ICMPID: 1, Payload: make([]byte, 56)}
	rep := *req
	rep.Src, rep.Dst, rep.ICMPType = req.Dst, req.Src, 0
	b.ReportAllocs()
	for b.Loop() {
		req.ICMPSeq++
		rep.ICMPSeq = req.ICMPSeq
		a.Observe(req)
		a.Observe(&rep)
	}
}

func FuzzParseQuoted(f *testing.F) {
	pcaptest.Packets(f, filepath.Join(pcaptest.TestdataDir(), "icmp_traceroute_netns.pcap"), func(p *flows.Packet) {
		if p.Proto == flows.ICMP && p.ICMPType != 0 && p.ICMPType != 8 {
			f.Add(append([]byte(nil), p.Payload...))
		}
	})
	f.Add(append([]byte{0x60, 0, 0, 0, 0, 8, 0, 1}, make([]byte, 48)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, ok := ParseQuoted(b)
		if ok && q.Src.Is4() != (b[0]>>4 == 4) {
			t.Fatalf("family mismatch: %+v", q)
		}
		a := New(Config{})
		for _, typ := range []uint8{3, 11, 5} {
			a.Observe(&flows.Packet{Net: flows.NetIPv4, Proto: flows.ICMP, L4: true, ICMPType: typ, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), Payload: b})
		}
		for _, typ := range []uint8{1, 2, 3, 137, 134} {
			a.Observe(&flows.Packet{Net: flows.NetIPv6, Proto: flows.ICMPv6, L4: true, ICMPType: typ, Src: netip.IPv6Loopback(), Dst: netip.IPv6Loopback(), Payload: b})
		}
		a.Finish()
	})
}

func echo(frame uint64, t time.Time, src, dst string, typ uint8, seq uint16, payload []byte) *flows.Packet {
	return &flows.Packet{Frame: frame, Time: t, Net: flows.NetIPv4, Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst),
		TTL: 64, Proto: flows.ICMP, L4: true, ICMPType: typ, ICMPID: 7, ICMPSeq: seq, Payload: payload}
}

// TestFlood: 2000 requests in 2 s (1000/s) is a flood; the default needs
// 1000 requests at 100/s.
func TestFlood(t *testing.T) {
	a := New(Config{})
	t0 := time.Unix(1000, 0)
	for i := range 2000 {
		a.Observe(echo(uint64(i+1), t0.Add(time.Duration(i)*time.Millisecond), "10.0.0.1", "10.0.0.2", 8, uint16(i), make([]byte, 56)))
	}
	_, fs := a.Finish()
	if len(fs) != 1 || fs[0].Kind != "icmp_flood" || fs[0].Evidence.FramesTotal != 2000 {
		t.Fatalf("findings = %+v", fs)
	}
}

// TestNotMirrored: replies that carry other data than their requests (an
// ICMP tunnel server answering) are counted and make a finding together
// with varying sizes.
func TestNotMirrored(t *testing.T) {
	a := New(Config{})
	t0 := time.Unix(1000, 0)
	n := uint64(0)
	for i := range 10 {
		n++
		a.Observe(echo(n, t0.Add(time.Duration(i)*time.Second), "10.0.0.1", "10.0.0.2", 8, uint16(i), make([]byte, 20+10*i)))
		n++
		a.Observe(echo(n, t0.Add(time.Duration(i)*time.Second+time.Millisecond), "10.0.0.2", "10.0.0.1", 0, uint16(i), []byte("other data")))
	}
	res, fs := a.Finish()
	if res.Echo[0].NotMirrored != 10 || res.Echo[0].Answered != 10 || res.Echo[0].RTTAvgMS != 1 {
		t.Fatalf("echo = %+v", res.Echo[0])
	}
	if len(fs) != 1 || fs[0].Kind != "icmp_tunnel" || fs[0].Evidence.FramesTotal != 20 {
		t.Fatalf("findings = %+v", fs)
	}
}

// TestOutstandingBounded: 300 lost requests then 10 answered ones with
// MaxOutstanding 256: the later pairs still match.
func TestOutstandingBounded(t *testing.T) {
	a := New(Config{})
	t0 := time.Unix(1000, 0)
	n := uint64(0)
	for i := range 300 {
		n++
		a.Observe(echo(n, t0.Add(time.Duration(i)*time.Second), "10.0.0.1", "10.0.0.2", 8, uint16(i), nil))
	}
	for i := 300; i < 310; i++ {
		n++
		a.Observe(echo(n, t0.Add(time.Duration(i)*time.Second), "10.0.0.1", "10.0.0.2", 8, uint16(i), nil))
		n++
		a.Observe(echo(n, t0.Add(time.Duration(i)*time.Second+time.Millisecond), "10.0.0.2", "10.0.0.1", 0, uint16(i), nil))
	}
	res, _ := a.Finish()
	if e := res.Echo[0]; e.Sent != 310 || e.Answered != 10 || e.Lost != 300 {
		t.Fatalf("echo = %+v", e)
	}
}
