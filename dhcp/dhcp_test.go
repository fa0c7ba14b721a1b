package dhcp

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// build makes a DHCPv4 message with the given options (code, value pairs).
func build(op uint8, typ MsgType, xid uint32, mac [6]byte, yiaddr netip.Addr, opts ...[]byte) []byte {
	b := make([]byte, fixedLen, 300)
	b[0], b[1], b[2] = op, 1, 6
	binary.BigEndian.PutUint32(b[4:], xid)
	if yiaddr.IsValid() {
		copy(b[16:20], yiaddr.AsSlice())
	}
	copy(b[28:34], mac[:])
	b = append(b, magicCookie[:]...)
	b = append(b, 53, 1, byte(typ))
	for _, o := range opts {
		b = append(b, o...)
	}
	return append(b, 255)
}

func opt(code byte, v ...byte) []byte { return append([]byte{code, byte(len(v))}, v...) }

func pkt(frame uint64, t time.Time, src netip.Addr, sp, dp uint16, srcMAC [6]byte, payload []byte) *flows.Packet {
	return &flows.Packet{Frame: frame, Time: t, Net: flows.NetIPv4, Src: src, Dst: netip.MustParseAddr("255.255.255.255"),
		Proto: flows.UDP, L4: true, SrcPort: sp, DstPort: dp, HasMAC: true, SrcMAC: srcMAC, Payload: payload}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestParseV4Options(t *testing.T) {
	mac := [6]byte{2, 0, 0, 0, 0, 9}
	b := build(1, Request, 0x1234, mac, netip.Addr{},
		opt(50, 10, 0, 0, 5), opt(54, 10, 0, 0, 1), opt(12, 'h', 'o', 's', 't'),
		opt(60, 'M', 'S', 'F', 'T', ' ', '5', '.', '0'), opt(55, 1, 3, 6, 15), opt(82, 1, 2, 0, 1))
	var m msg
	if err := parseV4(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.typ != Request || m.xid != 0x1234 || m.chaddr != mac || m.requested != netip.MustParseAddr("10.0.0.5") ||
		m.serverID != netip.MustParseAddr("10.0.0.1") || string(m.hostname) != "host" || string(m.vendor) != "MSFT 5.0" ||
		prlString(m.prl) != "1,3,6,15" || len(m.relayInfo) != 4 || m.optErr {
		t.Fatalf("parsed %+v", m)
	}
	// cut inside an option: the options before it are kept
	if err := parseV4(b[:fixedLen+4+3+6+3], &m); err != nil || !m.optErr || m.requested.IsValid() == false {
		t.Fatalf("cut: err %v, %+v", err, m)
	}
}

// TestStarvation: 60 DISCOVERs from 60 MACs within 6 s is starvation; 60
// INFORMs from one MAC (like dhcp-flood.pcap) is not.
func TestStarvation(t *testing.T) {
	a := New(Config{})
	for i := range 60 {
		mac := [6]byte{2, 0, 0, 0, byte(i >> 8), byte(i)}
		a.Observe(pkt(uint64(i+1), t0.Add(time.Duration(i)*100*time.Millisecond), netip.IPv4Unspecified(), 68, 67, mac,
			build(1, Discover, uint32(i), mac, netip.Addr{})))
	}
	_, fs := a.Finish()
	if len(fs) != 1 || fs[0].Kind != "dhcp_starvation" || fs[0].Evidence.FramesTotal != 60 {
		t.Fatalf("findings = %+v", fs)
	}
	b := New(Config{})
	mac := [6]byte{2, 0, 0, 0, 0, 1}
	for i := range 60 {
		b.Observe(pkt(uint64(i+1), t0.Add(time.Duration(i)*100*time.Millisecond), netip.MustParseAddr("10.0.0.7"), 68, 67, mac,
			build(1, Inform, 7, mac, netip.Addr{})))
	}
	if _, fs := b.Finish(); len(fs) != 0 {
		t.Fatalf("INFORMs from one client: %+v", fs)
	}
}

// TestKnownServers reads the dnsmasq recording: with KnownServers the rogue
// 10.50.0.66 is named whichever server answered first.
func TestKnownServers(t *testing.T) {
	a := New(Config{KnownServers: []netip.Addr{netip.MustParseAddr("10.50.0.1")}})
	pcaptest.Packets(t, filepath.Join(pcaptest.TestdataDir(), "dhcp_rogue_dnsmasq.pcap"), a.Observe)
	res, fs := a.Finish()
	if res == nil || len(fs) != 1 {
		t.Fatalf("findings = %+v", fs)
	}
	f := fs[0]
	if f.Kind != "dhcp_rogue_server" || f.Src != netip.MustParseAddr("10.50.0.66") {
		t.Fatalf("finding = %+v", f)
	}
	// tshark (testdata/proto_truth.json): the OFFERs and ACKs with server
	// id 10.50.0.66
	raw, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), "proto_truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth map[string]struct {
		DHCP struct {
			Answers map[string][]uint64 `json:"answers_by_server"`
		} `json:"dhcp"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	if want := truth["dhcp_rogue_dnsmasq.pcap"].DHCP.Answers["10.50.0.66"]; !slices.Equal(f.Evidence.Frames, want) {
		t.Errorf("evidence frames = %v; tshark %v", f.Evidence.Frames, want)
	}
	if !slices.ContainsFunc(f.Features, func(x attack.Feature) bool { return x.Name == "server_mac" && x.Text == "02:00:00:00:00:02" }) {
		t.Errorf("features = %+v", f.Features)
	}
}

func TestNAKStorm(t *testing.T) {
	a := New(Config{NAKStorm: 5})
	srv := netip.MustParseAddr("10.0.0.1")
	for i := range 6 {
		mac := [6]byte{2, 0, 0, 0, 0, byte(i)}
		a.Observe(pkt(uint64(i+1), t0.Add(time.Duration(i)*time.Second), srv, 67, 68, [6]byte{2, 1, 1, 1, 1, 1},
			build(2, Nak, uint32(i), mac, netip.Addr{}, opt(54, 10, 0, 0, 1))))
	}
	_, fs := a.Finish()
	if len(fs) != 1 || fs[0].Kind != "dhcp_nak_storm" || fs[0].Evidence.FramesTotal != 6 {
		t.Fatalf("findings = %+v", fs)
	}
}

func TestNoAllocsIgnored(t *testing.T) {
	a := New(Config{})
	p := pkt(1, t0, netip.MustParseAddr("10.0.0.2"), 40000, 443, [6]byte{}, []byte("not dhcp"))
	p.Proto = flows.TCP
	if n := testing.AllocsPerRun(1000, func() { a.Observe(p) }); n != 0 {
		t.Fatalf("%v allocs per ignored packet", n)
	}
}

func BenchmarkObserveDHCP(b *testing.B) {
	mac := [6]byte{2, 0, 0, 0, 0, 1}
	p := pkt(1, t0, netip.MustParseAddr("10.0.0.7"), 68, 67, mac, build(1, Inform, 7, mac, netip.Addr{}, opt(55, 1, 3, 6)))
	a := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		a.Observe(p)
	}
}

func FuzzParseV4(f *testing.F) {
	pcaptest.Packets(f, filepath.Join(pcaptest.TestdataDir(), "dhcp_rogue_dnsmasq.pcap"), func(p *flows.Packet) {
		if p.Proto == flows.UDP {
			f.Add(append([]byte(nil), p.Payload...))
		}
	})
	f.Add(build(1, Discover, 1, [6]byte{1}, netip.Addr{}, opt(3, 1, 2, 3), opt(6, 1, 2, 3, 4, 5)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m msg
		// a message parses only when it is long enough and has the cookie
		if err := parseV4(b, &m); err == nil && (len(b) < fixedLen+4 || [4]byte(b[fixedLen:fixedLen+4]) != magicCookie) {
			t.Fatalf("parsed without cookie")
		}
		var m6 msg6
		_ = parseV6(b, &m6)
		a := New(Config{})
		a.Observe(pkt(1, t0, netip.MustParseAddr("10.0.0.1"), 67, 68, [6]byte{}, b))
		a.Observe(pkt(2, t0, netip.MustParseAddr("10.0.0.1"), 547, 546, [6]byte{}, b))
		a.Finish()
	})
}

// TestPoolExhausted: a server answers one client, then 25 DISCOVERs from
// other clients get no OFFER.
func TestPoolExhausted(t *testing.T) {
	a := New(Config{StarvationClients: 1000})
	srv := netip.MustParseAddr("10.0.0.1")
	mac0 := [6]byte{2, 0, 0, 0, 0, 1}
	a.Observe(pkt(1, t0, netip.IPv4Unspecified(), 68, 67, mac0, build(1, Discover, 1, mac0, netip.Addr{})))
	a.Observe(pkt(2, t0, srv, 67, 68, [6]byte{2, 1, 1, 1, 1, 1}, build(2, Offer, 1, mac0, netip.MustParseAddr("10.0.0.50"), opt(54, 10, 0, 0, 1))))
	for i := range 25 {
		mac := [6]byte{2, 0, 0, 0, 1, byte(i)}
		a.Observe(pkt(uint64(i+3), t0.Add(time.Second), netip.IPv4Unspecified(), 68, 67, mac, build(1, Discover, uint32(100+i), mac, netip.Addr{})))
	}
	_, fs := a.Finish()
	if len(fs) != 1 || fs[0].Kind != "dhcp_pool_exhausted" || fs[0].Evidence.FramesTotal != 25 {
		t.Fatalf("findings = %+v", fs)
	}
}
