package dnsx

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// replay feeds a capture through the decoder, the flow table and a.
func replay(tb testing.TB, path string, a *Analyzer) {
	tb.Helper()
	pcaptest.Packets(tb, path, a.Observe)
}

func msg(tb testing.TB, id uint16, name string, qtype uint16, resp bool, rcode int) []byte {
	tb.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.Id = id
	if resp {
		m.Response = true
		m.Rcode = rcode
		if rcode == dns.RcodeSuccess && qtype == dns.TypeA {
			rr, _ := dns.NewRR(dns.Fqdn(name) + " 300 IN A 192.0.2.7")
			m.Answer = append(m.Answer, rr)
		}
	}
	b, err := m.Pack()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var (
	cli = netip.MustParseAddr("198.51.100.2")
	srv = netip.MustParseAddr("198.51.100.53")
	t0  = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
)

func udpPacket(frame uint64, fromClient bool, payload []byte) *flows.Packet {
	p := &flows.Packet{Frame: frame, Time: t0.Add(time.Duration(frame) * time.Millisecond), Net: flows.NetIPv4,
		Proto: flows.UDP, L4: true, Payload: payload, Src: cli, Dst: srv, SrcPort: 40000, DstPort: 53}
	if !fromClient {
		p.Src, p.Dst, p.SrcPort, p.DstPort = srv, cli, 53, 40000
	}
	return p
}

func frame(b []byte) []byte {
	out := binary.BigEndian.AppendUint16(nil, uint16(len(b)))
	return append(out, b...)
}

// TestTCPFraming feeds a TCP stream with two queries in one segment, a
// response split over three segments (one of them retransmitted), and a
// second response in the last segment.
func TestTCPFraming(t *testing.T) {
	a := New(Config{})
	f := &flows.Flow{Proto: flows.TCP}
	q := append(frame(msg(t, 1, "a.example.org", dns.TypeA, false, 0)), frame(msg(t, 2, "b.example.org", dns.TypeTXT, false, 0))...)
	r := append(frame(msg(t, 1, "a.example.org", dns.TypeA, true, 0)), frame(msg(t, 2, "b.example.org", dns.TypeTXT, true, dns.RcodeNameError))...)
	seg := func(n uint64, fromClient bool, seq uint32, flags flows.TCPFlags, b []byte) {
		p := udpPacket(n, fromClient, b)
		p.Proto, p.Flow, p.Seq, p.Flags = flows.TCP, f, seq, flags
		if !fromClient {
			p.Dir = flows.FromResponder
		}
		a.Observe(p)
	}
	seg(1, true, 1000, flows.SYN, nil)
	seg(2, false, 5000, flows.SYN|flows.ACK, nil)
	seg(3, true, 1001, flows.ACK|flows.PSH, q)
	seg(4, false, 5001, flows.ACK, r[:1])
	seg(5, false, 5002, flows.ACK, r[1:20])
	seg(6, false, 5002, flows.ACK, r[1:20]) // retransmission
	seg(7, false, 5021, flows.ACK|flows.PSH, r[20:])
	s, _ := a.Finish()
	if s.Queries != 2 || s.Responses != 2 || s.OverTCP != 4 || s.NXDomain != 1 || s.Unanswered != 0 {
		t.Errorf("queries %d responses %d over TCP %d nxdomain %d unanswered %d; want 2 2 4 1 0", s.Queries, s.Responses, s.OverTCP, s.NXDomain, s.Unanswered)
	}
	if f.App != "dns" {
		t.Errorf("flow App %q; want dns", f.App)
	}
	if got := s.NamesFor(cli, netip.MustParseAddr("192.0.2.7")); len(got) != 1 || got[0] != "a.example.org" {
		t.Errorf("NamesFor = %v; want [a.example.org]", got)
	}
}

func TestPairing(t *testing.T) {
	a := New(Config{})
	a.Observe(udpPacket(1, true, msg(t, 7, "x.example.org", dns.TypeA, false, 0)))
	a.Observe(udpPacket(2, true, msg(t, 7, "x.example.org", dns.TypeA, false, 0))) // retry
	a.Observe(udpPacket(12, false, msg(t, 7, "x.example.org", dns.TypeA, true, 0)))
	a.Observe(udpPacket(13, true, msg(t, 8, "y.example.org", dns.TypeA, false, 0))) // never answered
	a.Observe(udpPacket(20, true, msg(t, 9, "z.example.org", dns.TypeAAAA, false, 0)))
	a.Observe(udpPacket(25, false, msg(t, 9, "z.example.org", dns.TypeAAAA, true, dns.RcodeServerFailure)))
	s, _ := a.Finish()
	if s.RCodes["SERVFAIL"] != 1 || s.Clients[0].ServFail != 1 || s.Servers[0].ServFail != 1 {
		t.Errorf("SERVFAIL: rcodes %v, clients %+v, servers %+v", s.RCodes, s.Clients, s.Servers)
	}
	if s.Retries != 1 || s.Unanswered != 1 || s.ResponseTime.Count != 2 || s.ResponseTime.MaxMS != 10 || s.ResponseTime.MinMS != 5 {
		t.Errorf("retries %d unanswered %d rtt %+v; want 1, 1, 10 ms (from the retry) and 5 ms", s.Retries, s.Unanswered, s.ResponseTime)
	}
	if s.QTypes["A"] != 3 || s.QTypes["AAAA"] != 1 || s.RCodes["NOERROR"] != 1 {
		t.Errorf("qtypes %v rcodes %v", s.QTypes, s.RCodes)
	}
}

func TestNameScore(t *testing.T) {
	for _, c := range []struct {
		label string
		dga   bool
		why   string
	}{
		{"wikimedia", false, "English-like"},
		{"akamaiedge", false, "CDN"},
		{"googleusercontent", false, "long but English"},
		{"xn--80ak6aa92e", false, "punycode IDN"},
		{"awsdns-56", false, "digits in a word"},
		{"kdbapxfmxqyo", true, "CryptoLocker-style"},
		{"xzvqbnrtplkm", true, "consonant run"},
		{"cvyh1po636avyrsxebwbkn7", true, "letters and digits mixed"},
	} {
		s, _ := NameScore(c.label)
		if (s >= 0.65) != c.dga {
			t.Errorf("NameScore(%q) = %v; generated %v (%s)", c.label, s, c.dga, c.why)
		}
	}
}

// TestNoAllocs: a packet the analyzer ignores (a known TCP flow on 443, a
// UDP packet on another port) costs no allocation.
func TestNoAllocs(t *testing.T) {
	a := New(Config{})
	p := udpPacket(1, true, []byte("hello, not dns"))
	p.DstPort = 443
	tp := udpPacket(2, true, []byte("GET / HTTP/1.1\r\n"))
	tp.Proto, tp.DstPort, tp.Flow = flows.TCP, 443, &flows.Flow{}
	if n := testing.AllocsPerRun(1000, func() { a.Observe(p); a.Observe(tp) }); n != 0 {
		t.Fatalf("Observe: %v allocs per ignored packet; want 0", n)
	}
}

// FuzzDNS runs hostile bytes through the UDP path and through the TCP
// framing, split at a fuzzer-chosen point. Property: when miekg/dns
// unpacks the bytes, the UDP path counts exactly one message with the QR
// bit's direction.
func FuzzDNS(f *testing.F) {
	f.Add(msg(f, 1, "www.example.org", dns.TypeA, false, 0), uint8(3))
	f.Add(msg(f, 1, "www.example.org", dns.TypeA, true, 0), uint8(40))
	f.Add(msg(f, 9, "zz.pirate.sea", dns.TypeNULL, true, 3), uint8(0))
	for _, name := range []string{"dns_dnsmasq_mixed.pcap", "dns_tunnel_dig.pcap"} {
		seeds := 0
		raw, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), name))
		if err != nil {
			continue
		}
		// seed with the UDP payloads of the capture: Ethernet+IPv4+UDP
		// frames with 42-byte headers, found by their DNS port.
		for i := 0; i+58 < len(raw) && seeds < 8; i++ {
			if raw[i] == 0x08 && raw[i+1] == 0x00 && raw[i+2] == 0x45 && raw[i+11] == 17 && (raw[i+22] == 0 && raw[i+23] == 53 || raw[i+24] == 0 && raw[i+25] == 53) {
				n := int(binary.BigEndian.Uint16(raw[i+26:])) - 8
				if n > 12 && i+30+n <= len(raw) {
					f.Add(raw[i+30:i+30+n], uint8(seeds*7))
					seeds++
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, split uint8) {
		a := New(Config{})
		a.Observe(udpPacket(1, true, b))
		var m dns.Msg
		if len(b) >= 12 && m.Unpack(b) == nil {
			s, _ := a.Finish()
			if s.Messages != 1 || (m.Response && s.Responses != 1) || (!m.Response && s.Queries != 1) {
				t.Fatalf("messages %d queries %d responses %d for a valid message (response %v)", s.Messages, s.Queries, s.Responses, m.Response)
			}
		}
		tb := New(Config{})
		fl := &flows.Flow{Proto: flows.TCP}
		stream := frame(b)
		k := min(int(split), len(stream))
		for i, part := range [][]byte{stream[:k], stream[k:]} {
			p := udpPacket(uint64(i+2), true, part)
			p.Proto, p.Flow, p.Seq, p.Flags = flows.TCP, fl, uint32(100+len(stream[:k])*i), flows.ACK
			tb.Observe(p)
		}
		tb.Finish()
	})
}

func BenchmarkObserveIodine(b *testing.B) {
	dir := pcaptest.SharedDir(b)
	b.ReportAllocs()
	for b.Loop() {
		a := New(Config{})
		replay(b, filepath.Join(dir, "dns-tunnel-iodine.pcap"), a)
		a.Finish()
	}
}

// TestMalformedAfterValid: a message whose question section does not parse
// has no answers and no EDNS record of its own, whatever the message before
// it held (the analyzer reuses one dns.Msg; a failed unpack must not leave
// the previous message's sections in it).
func TestMalformedAfterValid(t *testing.T) {
	a := New(Config{Transactions: 10})
	m := new(dns.Msg)
	m.SetQuestion("a.example.org.", dns.TypeA)
	m.Id, m.Response = 1, true
	rr, _ := dns.NewRR("a.example.org. 300 IN A 192.0.2.7")
	m.Answer = append(m.Answer, rr)
	m.SetEdns0(1232, true)
	valid, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	// A response header (ID 2, QR, one question) whose question name
	// starts with a reserved label type (0x40): miekg/dns rejects it.
	bad := []byte{0, 2, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0x41, 'x', 0, 0, 1, 0, 1}
	if err := new(dns.Msg).Unpack(bad); err == nil {
		t.Fatal("the malformed message unpacks")
	}
	a.Observe(udpPacket(1, false, valid))
	a.Observe(udpPacket(2, false, bad))
	s, _ := a.Finish()
	if s.Malformed != 1 || s.Responses != 2 {
		t.Errorf("malformed %d responses %d; want 1 and 2", s.Malformed, s.Responses)
	}
	if s.EDNS.Messages != 1 {
		t.Errorf("EDNS messages %d; want 1 (the valid response's)", s.EDNS.Messages)
	}
	if len(s.Transactions) != 2 {
		t.Fatalf("%d transactions; want 2", len(s.Transactions))
	}
	if tx := s.Transactions[0]; len(tx.Answers) != 1 || tx.Answers[0] != "192.0.2.7" {
		t.Errorf("valid response: answers %v; want [192.0.2.7]", tx.Answers)
	}
	if tx := s.Transactions[1]; tx.ID != 2 || len(tx.Answers) != 0 || tx.Query != "" {
		t.Errorf("malformed response: id %d query %q answers %v; want id 2 and neither", tx.ID, tx.Query, tx.Answers)
	}
}

// FuzzUnpack holds unpack (with its fast rejection of a bad first question
// name) to miekg/dns's own Unpack: the same success or failure and the same
// sections, whatever message the reused dns.Msg held before.
func FuzzUnpack(f *testing.F) {
	f.Add(msg(f, 1, "www.example.org", dns.TypeA, true, 0))
	f.Add([]byte{0, 2, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0x41, 'x', 0, 0, 1, 0, 1})
	f.Add([]byte{0, 2, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12})
	f.Add([]byte{0, 2, 0x81, 0x80, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1, 0xC0})
	// names at miekg/dns's 255-octet budget: labels of 63, 63, 63 and
	// last (254 octets with their length bytes parse, 255 do not)
	for _, last := range []int{61, 62} {
		long := []byte{0, 2, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}
		for _, n := range []int{63, 63, 63, last} {
			long = append(long, byte(n))
			long = append(long, bytes.Repeat([]byte{'a'}, n)...)
		}
		f.Add(append(long, 0, 0, 1, 0, 1))
	}
	prev := new(dns.Msg)
	prev.SetQuestion("a.example.org.", dns.TypeA)
	rr, _ := dns.NewRR("a.example.org. 300 IN A 192.0.2.7")
	prev.Answer, prev.Ns, prev.Extra = []dns.RR{rr}, []dns.RR{rr}, []dns.RR{rr}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 12 {
			return // the analyzer never passes a shorter message
		}
		got := prev.Copy()
		gotErr := unpack(got, b)
		want := new(dns.Msg)
		wantErr := want.Unpack(b)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("unpack error %v, miekg/dns %v", gotErr, wantErr)
		}
		sections := func(m *dns.Msg) string {
			var s strings.Builder
			for _, q := range m.Question {
				s.WriteString(q.String() + "\n")
			}
			for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
				s.WriteString("--\n")
				for _, r := range sec {
					s.WriteString(r.String() + "\n")
				}
			}
			return s.String()
		}
		if g, w := sections(got), sections(want); g != w {
			t.Fatalf("sections differ:\nunpack:\n%s\nmiekg/dns:\n%s", g, w)
		}
	})
}
