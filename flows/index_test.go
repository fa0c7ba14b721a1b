package flows

import (
	"net/netip"
	"testing"
	"time"
)

// TestIndexManyFlows fills a table past several index growths with TCP,
// UDP and ICMP echo flows between the same hosts and checks that every
// packet finds its own flow and Lookup finds every key.
func TestIndexManyFlows(t *testing.T) {
	tb := NewTable(0)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::2")
	b4 := netip.MustParseAddr("198.51.100.2")
	type pk struct {
		proto    Proto
		src, dst netip.Addr
		sp, dp   uint16
		echo     uint16
	}
	var pkts []pk
	for i := 0; i < 5000; i++ {
		pkts = append(pkts,
			pk{TCP, a, b4, uint16(1024 + i), 443, 0},
			pk{UDP, a, b4, uint16(1024 + i), 53, 0},
			pk{ICMP, a, b4, 0, 0, uint16(i)}, // echo flows differ only by identifier
		)
	}
	pkts = append(pkts, pk{TCP, netip.MustParseAddr("2001:db8::1"), b, 5000, 80, 0})
	for round := 0; round < 2; round++ {
		for i, q := range pkts {
			p := &Packet{Frame: uint64(round*len(pkts) + i + 1), Time: time.Unix(1700000000, 0), Net: NetIPv4, Proto: q.proto, Src: q.src, Dst: q.dst, SrcPort: q.sp, DstPort: q.dp, L4: true, Flags: ACK}
			if q.dst.Is6() {
				p.Net = NetIPv6
			}
			if round == 1 { // replies
				p.Src, p.Dst, p.SrcPort, p.DstPort = q.dst, q.src, q.dp, q.sp
			}
			if q.proto == ICMP {
				p.ICMPType, p.ICMPID = 8-8*uint8(round), q.echo // request, then reply
			}
			tb.Observe(p)
			if p.Flow == nil {
				t.Fatalf("packet %d: no flow", i)
			}
			if want := uint64(i + 1); p.Flow.ID != want {
				t.Fatalf("round %d packet %d (%v): flow %d, want %d", round, i, q, p.Flow.ID, want)
			}
			k, _ := p.Key()
			if got := tb.Lookup(k); got != p.Flow {
				t.Fatalf("Lookup(%v) = %v, want flow %d", k, got, p.Flow.ID)
			}
		}
	}
	if tb.Len() != len(pkts) {
		t.Fatalf("%d flows, want %d", tb.Len(), len(pkts))
	}
	if tb.Lookup(Key{proto: TCP, pa: 9}) != nil {
		t.Fatal("Lookup of an unknown key found a flow")
	}
}
