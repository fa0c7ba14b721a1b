package flows

import (
	"net/netip"
	"testing"
	"time"
)

// TestTCPNoAllocs: a segment of a known TCP flow (here a repeated ACK,
// counted as a duplicate ACK) goes through the table without allocating;
// the history string was rebuilt on every segment before.
func TestTCPNoAllocs(t *testing.T) {
	tb := NewTable(0)
	c, s := netip.MustParseAddrPort("192.0.2.1:40000"), netip.MustParseAddrPort("192.0.2.2:80")
	pkt := func(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags) *Packet {
		return &Packet{Time: time.Unix(1, 0), Net: NetIPv4, Proto: TCP, L4: true, Src: src.Addr(), Dst: dst.Addr(),
			SrcPort: src.Port(), DstPort: dst.Port(), Seq: seq, Ack: ack, Flags: fl, Window: 100, WScale: -1}
	}
	tb.Observe(pkt(c, s, 1, 0, SYN))
	tb.Observe(pkt(s, c, 1000, 2, SYN|ACK))
	tb.Observe(pkt(c, s, 2, 1001, ACK))
	p := pkt(c, s, 2, 1001, ACK)
	if n := testing.AllocsPerRun(1000, func() { tb.Observe(p) }); n != 0 {
		t.Fatalf("%v allocs per segment; want 0", n)
	}
	if f := p.Flow; f.History != "ShA" {
		t.Errorf("history %q, want ShA", f.History)
	}
}
