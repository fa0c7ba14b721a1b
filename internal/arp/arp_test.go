package arp

import (
	"net/netip"
	"path/filepath"

	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// TestSLLARP: sll-arp.pcap (shared): tshark shows 12 requests, two of them
// "ARP Announcement for 192.168.22.81" (sender IP == target IP).
func TestSLLARP(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	a := New(Config{})
	pcaptest.Packets(t, filepath.Join(dir, "sll-arp.pcap"), a.Observe)
	r, fs := a.Finish()
	if r.Packets != 12 || r.Requests != 12 || r.Gratuitous != 2 || len(r.Bindings) != 3 || len(fs) != 0 {
		t.Fatalf("result %+v findings %+v", r, fs)
	}
}

func TestManyIPs(t *testing.T) {
	a := New(Config{ManyIPs: 4})
	mac := [6]byte{2, 0, 0, 0, 0, 7}
	for i := range 5 {
		ip := netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})
		a.Observe(&flows.Packet{Frame: uint64(i + 1), Time: time.Unix(int64(i), 0), Net: flows.NetARP, ARPOp: 2, ARPSenderMAC: mac, ARPSenderIP: ip, ARPTargetIP: netip.MustParseAddr("10.0.0.99")})
	}
	_, fs := a.Finish()
	if len(fs) != 1 || fs[0].Kind != "arp_mac_many_ips" || fs[0].Evidence.FramesTotal != 5 {
		t.Fatalf("findings %+v", fs)
	}
}

func TestNoAllocsIgnored(t *testing.T) {
	a := New(Config{})
	p := &flows.Packet{Net: flows.NetIPv4, Proto: flows.TCP, L4: true}
	if n := testing.AllocsPerRun(1000, func() { a.Observe(p) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

// FuzzARP decodes arbitrary Ethernet frames and feeds the ARP view to the
// analyzer.
func FuzzARP(f *testing.F) {
	// frames 13 (spoofed gratuitous reply) and 11 (request) of testdata/dhcp_rogue_dnsmasq.pcap
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x02\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02\x02\x00\x00\x00\x00\x02\x0a\x32\x00\x01\xff\xff\xff\xff\xff\xff\x0a\x32\x00\x01"))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x00\x00\x00\x01\x0a\x32\x00\x01\x00\x00\x00\x00\x00\x00\x0a\x32\x00\x42"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := flows.NewDecoder(flows.DecoderConfig{})
		var p flows.Packet
		a := New(Config{ManyIPs: 1})
		dec.Decode(b, flows.LinkEthernet, 1, time.Unix(0, 0), len(b), 0, &p)
		a.Observe(&p)
		a.Observe(&p)
		r, _ := a.Finish()
		if p.Net == flows.NetARP && (r == nil || r.Packets != 2) {
			t.Fatalf("ARP packet not counted: %+v", r)
		}
	})
}
