package sip

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func seedSIP(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range []string{"sip_call_sipp.pcap", "sip_auth_fail_sipp.pcap", "sip_scan_nmap.pcap", "sip_call_tcp_sipp.pcap"} {
		out = append(out, pcaptest.Payloads(f, name, 20, func(p *flows.Packet) bool { return looksSIP(p.Payload) })...)
	}
	return out
}

const register = "REGISTER sip:sip.example.org SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\n" +
	"From: \"Alice\" <sip:alice@example.org>;tag=1\r\n" +
	"To: <sip:alice@example.org>\r\n" +
	"Call-ID: abc@192.0.2.10\r\n" +
	"CSeq: 2 REGISTER\r\n" +
	"User-Agent: friendly-scanner\r\n" +
	"Authorization: Digest username=\"alice\", realm=\"x\", response=\"00\"\r\n" +
	"Content-Length: 0\r\n\r\n"

const sdpBody = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 96\r\na=rtpmap:96 opus/48000/2\r\n"

var invite = "INVITE sip:bob@example.org SIP/2.0\r\n" +
	"f: <sip:alice@example.org>;tag=9\r\n" +
	"t: <sip:bob@example.org>\r\n" +
	"i: call-1\r\n" +
	"CSeq: 1 INVITE\r\n" +
	"c: application/sdp\r\n" +
	fmt.Sprintf("l: %d\r\n\r\n", len(sdpBody)) + sdpBody

func TestLooksSIP(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
		why  string
	}{
		{register, true, "request line"},
		{"SIP/2.0 401 Unauthorized\r\n", true, "status line"},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false, "HTTP request"},
		{"OPTIONS sip:100@192.0.2.1 SIP/2.0\r\n", true, "OPTIONS probe"},
		{"SIP/2.0 999 x\r\n", false, "status out of range"},
		{"hello sip:x SIP/2.0\r\n", false, "lower-case method"},
	} {
		if got := looksSIP([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: looksSIP = %v, want %v", tc.why, got, tc.want)
		}
	}
}

func TestParseCompactAndSDP(t *testing.T) {
	var m message
	if !parseMessage([]byte(invite), true, &m) {
		t.Fatal("parse failed")
	}
	if string(m.callID) != "call-1" || string(uriOf(m.to)) != "sip:bob@example.org" || m.clen != len(sdpBody) || len(m.body) != len(sdpBody) {
		t.Fatalf("compact headers: call-id %q to %q clen %d body %d", m.callID, m.to, m.clen, len(m.body))
	}
	md := parseSDP(m.body)
	if len(md) != 1 || md[0].port != 4000 || md[0].addr != netip.MustParseAddr("192.0.2.10") {
		t.Fatalf("sdp %+v", md)
	}
	if c := md[0].codec(96); c.name != "opus" || c.clock != 48000 {
		t.Errorf("rtpmap 96 = %+v", c)
	}
	if c := md[0].codec(0); c.name != "PCMU" || c.clock != 8000 {
		t.Errorf("static 0 = %+v", c)
	}
}

func udp(frame uint64, src, dst string, payload string, fl *flows.Flow) *flows.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return &flows.Packet{Frame: frame, Time: time.Unix(1700000000, int64(frame)*1e6).UTC(), Net: flows.NetIPv4, Proto: flows.UDP, L4: true,
		Src: s.Addr(), Dst: d.Addr(), SrcPort: s.Port(), DstPort: d.Port(), Payload: []byte(payload), Flow: fl}
}

// TestScannerAndSweep: SIPVicious' user agent and an OPTIONS sweep over 12
// hosts each make a sip_scan finding (T1595).
func TestScannerAndSweep(t *testing.T) {
	a := New(Config{})
	fl := &flows.Flow{}
	a.Observe(udp(1, "192.0.2.66:5060", "198.51.100.1:5060", register, fl))
	for i := range 12 {
		opt := fmt.Sprintf("OPTIONS sip:100@198.51.100.%d SIP/2.0\r\nCall-ID: s%d\r\nCSeq: 1 OPTIONS\r\nTo: <sip:100@x>\r\nContent-Length: 0\r\n\r\n", i+1, i)
		a.Observe(udp(uint64(i+2), "192.0.2.77:5070", fmt.Sprintf("198.51.100.%d:5060", i+1), opt, fl))
	}
	rep, fs := a.Finish()
	if rep.Messages.Count != 13 {
		t.Errorf("messages %d, want 13", rep.Messages.Count)
	}
	n := 0
	for _, f := range fs {
		if f.Kind == "sip_scan" && f.Techniques[0].ID == "T1595" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("scan findings %d, want 2: %+v", n, fs)
	}
	if fl.App != "sip" {
		t.Errorf("App %q", fl.App)
	}
}

// TestTCPSegments: a SIP message split over two TCP segments, then a
// retransmission, is counted once.
func TestTCPSegments(t *testing.T) {
	a := New(Config{})
	fl := &flows.Flow{}
	mk := func(frame uint64, seq uint32, b string) *flows.Packet {
		p := udp(frame, "192.0.2.10:40000", "192.0.2.20:5060", b, fl)
		p.Proto, p.Seq, p.Flags = flows.TCP, seq, flows.ACK|flows.PSH
		return p
	}
	a.Observe(mk(1, 1000, invite[:50]))
	a.Observe(mk(2, 1050, invite[50:]))
	a.Observe(mk(3, 1050, invite[50:]))
	rep, _ := a.Finish()
	if rep.Messages.Count != 1 || rep.Messages.OverTCP != 1 || len(rep.Calls) != 1 || len(rep.Calls[0].Media) != 1 {
		t.Fatalf("messages %+v calls %+v", rep.Messages, rep.Calls)
	}
}

func TestNoAllocs(t *testing.T) {
	a := New(Config{})
	fl := &flows.Flow{}
	a.Observe(udp(1, "192.0.2.10:5060", "192.0.2.20:5060", invite, fl)) // media announced
	other := udp(2, "192.0.2.30:1234", "192.0.2.40:53", strings.Repeat("x", 100), &flows.Flow{})
	tcp := udp(3, "192.0.2.30:1234", "192.0.2.40:443", "\x16\x03\x01", &flows.Flow{})
	tcp.Proto = flows.TCP
	rtp := udp(4, "192.0.2.20:4000", "192.0.2.10:4000", "\x80\x00\x00\x01\x00\x00\x00\xa0\x00\x00\x00\x01"+strings.Repeat("\xff", 160), &flows.Flow{})
	a.Observe(rtp)
	for name, p := range map[string]*flows.Packet{"udp": other, "tcp": tcp, "rtp": rtp} {
		if n := testing.AllocsPerRun(1000, func() { p.Seq++; a.Observe(p) }); n != 0 {
			t.Errorf("%s: %v allocs per packet; want 0", name, n)
		}
	}
}

func BenchmarkObserveSIP(b *testing.B) {
	a := New(Config{})
	p := udp(1, "192.0.2.10:5060", "192.0.2.20:5060", register, &flows.Flow{})
	b.ReportAllocs()
	for b.Loop() {
		a.Observe(p)
	}
}

func BenchmarkObserveRTP(b *testing.B) {
	a := New(Config{})
	a.Observe(udp(1, "192.0.2.10:5060", "192.0.2.20:5060", invite, &flows.Flow{}))
	p := udp(2, "192.0.2.20:4000", "192.0.2.10:4000", "\x80\x00\x00\x01\x00\x00\x00\xa0\x00\x00\x00\x01"+strings.Repeat("\xff", 160), &flows.Flow{})
	b.ReportAllocs()
	for b.Loop() {
		p.Payload[3]++
		a.Observe(p)
	}
}

func FuzzMessage(f *testing.F) {
	for _, b := range seedSIP(f) {
		f.Add(b)
	}
	f.Add([]byte(register))
	f.Add([]byte(invite))
	f.Add([]byte("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nl: 5\r\n\r\nv=0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m message
		for _, stream := range []bool{false, true} {
			if parseMessage(b, stream, &m) && (m.size > len(b) || m.size < 0) {
				t.Fatalf("size %d of %d", m.size, len(b))
			}
		}
		looksSIP(b)
		_ = digestParam(b, "username")
		_ = userOf(uriOf(b))
	})
}

func FuzzSDP(f *testing.F) {
	for _, b := range seedSIP(f) {
		if _, body, ok := strings.Cut(string(b), "\r\n\r\n"); ok && body != "" {
			f.Add([]byte(body))
		}
	}
	_, body, _ := strings.Cut(invite, "\r\n\r\n")
	f.Add([]byte(body))
	f.Add([]byte("c=IN IP6 2001:db8::1\nm=video 5000/2 RTP/SAVP 96 97\na=rtpmap:97 H264/90000\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, m := range parseSDP(b) {
			for _, pt := range m.pts {
				m.codec(pt)
			}
		}
	})
}

func FuzzRTP(f *testing.F) {
	for _, b := range pcaptest.Payloads(f, "sip_call_sipp.pcap", 300, func(p *flows.Packet) bool { return p.DstPort == 6000 }) {
		if b[1]&0x7f != 8 || b[3]%50 == 0 { // every telephone-event, a few PCMA
			f.Add(b)
		}
	}
	f.Add([]byte("\x80\x08\x00\x01\x00\x00\x00\xa0\x00\x00\x00\x01payload"))
	f.Add([]byte("\x90\x08\x00\x01\x00\x00\x00\xa0\x00\x00\x00\x01\xbe\xde\x00\x01abcd"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h rtpHeader
		parseRTP(b, &h)
	})
}
