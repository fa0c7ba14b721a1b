package creds

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"password": "p******d (8)", "ab": "** (2)", "x": "* (1)", "": "", "Secr3t!": "S*****! (7)"} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsers(t *testing.T) {
	if u, p, ok := ParseBasic([]byte("Basic YW5hbHlzdDpTZWNyM3Qh")); !ok || u != "analyst" || p != "Secr3t!" {
		t.Errorf("basic: %q %q %v", u, p, ok)
	}
	if u, ok := ParseDigestUser([]byte(`Digest realm="x", username="bob", nonce="1"`)); !ok || u != "bob" {
		t.Errorf("digest: %q %v", u, ok)
	}
	if u, p, f, ok := ParseForm([]byte("login=al%40x.org&passwd=p%26ss&go=1")); !ok || u != "al@x.org" || p != "p&ss" || f != "passwd" {
		t.Errorf("form: %q %q %q %v", u, p, f, ok)
	}
	// RFC 4616 example: "\0tim\0tanstaaftanstaaf".
	if u, p, ok := ParseAuthPlain([]byte("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")); !ok || u != "tim" || p != "tanstaaftanstaaf" {
		t.Errorf("plain: %q %q %v", u, p, ok)
	}
	// SNMPv2c GetRequest, community "public".
	snmp := []byte{0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c', 0xa0, 0x19}
	if v, c, ok := ParseSNMPCommunity(snmp); !ok || v != 1 || c != "public" {
		t.Errorf("snmp: %d %q %v", v, c, ok)
	}
	if a := imapArgs([]byte(`"jo \"x\"" secret`)); len(a) != 2 || a[0] != `jo "x"` || a[1] != "secret" {
		t.Errorf("imap args %q", a)
	}
}

type conv struct {
	fl  *flows.Flow
	seq [2]uint32
	n   uint64
}

func (c *conv) seg(d flows.Dir, payload string) *flows.Packet {
	c.n++
	src, dst := c.fl.Src, c.fl.Dst
	if d == flows.FromResponder {
		src, dst = dst, src
	}
	p := &flows.Packet{Frame: c.n, Time: time.Unix(1700000000, int64(c.n)).UTC(), Net: flows.NetIPv4, Proto: flows.TCP, L4: true,
		Src: src.Addr(), Dst: dst.Addr(), SrcPort: src.Port(), DstPort: dst.Port(), Seq: c.seq[d], Flags: flows.ACK,
		Payload: []byte(payload), Flow: c.fl, Dir: d}
	c.seq[d] += uint32(len(payload))
	return p
}

func newConv(port uint16) *conv {
	return &conv{fl: &flows.Flow{Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.1:40000"), Dst: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), port)}}
}

// TestMailLogins: IMAP LOGIN, POP3 USER/PASS and SMTP AUTH PLAIN with the
// server's verdicts.
func TestMailLogins(t *testing.T) {
	d := New(Config{RevealSecrets: true})
	imap := newConv(143)
	d.Observe(imap.seg(0, "a1 LOGIN joe \"s3cret pw\"\r\n"))
	d.Observe(imap.seg(1, "a1 NO [AUTHENTICATIONFAILED] bad\r\n"))
	pop := newConv(110)
	d.Observe(pop.seg(0, "USER ann\r\nPA"))
	d.Observe(pop.seg(0, "SS pop!\r\n"))
	d.Observe(pop.seg(1, "+OK logged in\r\n"))
	smtp := newConv(587)
	d.Observe(smtp.seg(0, "AUTH PLAIN\r\n"))
	d.Observe(smtp.seg(1, "334 \r\n"))
	d.Observe(smtp.seg(0, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"))
	d.Observe(smtp.seg(1, "235 ok\r\n"))
	fs, _ := d.Findings()
	want := []string{`imap user "joe"`, `pop3 user "ann"`, `smtp user "tim"`}
	if len(fs) != len(want) {
		t.Fatalf("%d findings: %+v", len(fs), fs)
	}
	for i, w := range want {
		if !strings.HasPrefix(fs[i].Summary, w) {
			t.Errorf("finding %d: %q, want prefix %q", i, fs[i].Summary, w)
		}
	}
	if !strings.HasSuffix(fs[0].Summary, "rejected") || !strings.HasSuffix(fs[1].Summary, "accepted") || !strings.Contains(fs[2].Summary, "tanstaaftanstaaf") {
		t.Errorf("verdicts/secrets: %q | %q | %q", fs[0].Summary, fs[1].Summary, fs[2].Summary)
	}
}

func TestNoAllocs(t *testing.T) {
	d := New(Config{})
	c := newConv(443)
	p := c.seg(0, "\x16\x03\x01 hello")
	u := &flows.Packet{Net: flows.NetIPv4, Proto: flows.UDP, L4: true, DstPort: 53, Payload: []byte("\x12\x34\x01\x00"), Flow: &flows.Flow{}}
	for name, p := range map[string]*flows.Packet{"tcp": p, "udp": u} {
		if n := testing.AllocsPerRun(1000, func() { d.Observe(p) }); n != 0 {
			t.Errorf("%s: %v allocs per packet; want 0", name, n)
		}
	}
}

func BenchmarkObserveOther(b *testing.B) {
	d := New(Config{})
	p := newConv(443).seg(0, strings.Repeat("x", 1400))
	b.ReportAllocs()
	for b.Loop() {
		d.Observe(p)
	}
}

func FuzzParsers(f *testing.F) {
	f.Add([]byte("Basic YW5hbHlzdDpTZWNyM3Qh"))
	f.Add([]byte(`Digest username="bob"`))
	f.Add([]byte("username=a&password=b"))
	f.Add([]byte{0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c'})
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseBasic(b)
		ParseDigestUser(b)
		ParseForm(b)
		ParseAuthPlain(b)
		ParseSNMPCommunity(b)
		imapArgs(b)
		Mask(string(b))
	})
}

// FuzzLogin feeds arbitrary client and server bytes to each login service.
func FuzzLogin(f *testing.F) {
	// The recorded FTP and Telnet conversations, client and server side.
	for _, port := range []uint16{21, 23} {
		cl := pcaptest.Payloads(f, "logins_http_ftp_telnet.pcap", 20, func(p *flows.Packet) bool { return p.DstPort == port })
		sv := pcaptest.Payloads(f, "logins_http_ftp_telnet.pcap", 20, func(p *flows.Packet) bool { return p.SrcPort == port })
		f.Add(bytes.Join(cl, nil), bytes.Join(sv, nil))
	}
	f.Add([]byte("USER a\r\nPASS b\r\n"), []byte("230 ok\r\n"))
	f.Add([]byte("\xff\xfb\x01analyst\r\n"), []byte("login: \xff\xfa\x18\x01\xff\xf0Password: "))
	f.Add([]byte("AUTH LOGIN\r\nYQ==\r\nYg==\r\n"), []byte("334 x\r\n235 ok\r\n"))
	f.Fuzz(func(t *testing.T, cl, sv []byte) {
		d := New(Config{})
		for _, port := range []uint16{21, 23, 25, 110, 143} {
			c := newConv(port)
			d.Observe(c.seg(1, string(sv)))
			d.Observe(c.seg(0, string(cl)))
			d.Observe(c.seg(1, string(sv)))
			d.Observe(c.seg(0, string(cl)))
		}
		d.Findings()
	})
}
