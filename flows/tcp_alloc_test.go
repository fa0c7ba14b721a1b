package flows

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// TestTCPNoAllocs: a segment of a known TCP flow (here a repeated ACK,
// counted as a duplicate ACK) goes through the table without allocating,
// prefetched or not;
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
	batch := []Packet{*p, *p}
	if n := testing.AllocsPerRun(1000, func() {
		tb.Prefetch(batch)
		tb.Observe(&batch[0])
		tb.Observe(&batch[1])
	}); n != 0 {
		t.Fatalf("%v allocs per prefetched batch; want 0", n)
	}
	if f := p.Flow; f.History != "ShA" {
		t.Errorf("history %q, want ShA", f.History)
	}
}

// TestHistoryStrings: a flow's History is Zeek's letters so far at every
// segment, a history string read earlier keeps its value as letters are
// added, and the letters cost no allocation (the strings share the flow's
// append-only history bytes; a copy per letter was seven allocations for
// each of these flows).
func TestHistoryStrings(t *testing.T) {
	c, s := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	pkt := func(cport uint16, fromClient bool, seq, ack uint32, fl TCPFlags, payload int) *Packet {
		p := &Packet{Time: time.Unix(1, 0), Net: NetIPv4, Proto: TCP, L4: true, Src: c, Dst: s,
			SrcPort: cport, DstPort: 80, Seq: seq, Ack: ack, Flags: fl, Window: 100, WScale: -1, tcpPayloadLen: payload}
		if !fromClient {
			p.Src, p.Dst, p.SrcPort, p.DstPort = s, c, 80, cport
		}
		return p
	}
	steps := []struct {
		fromClient bool
		seq, ack   uint32
		fl         TCPFlags
		payload    int
		want       string // Zeek's history after the segment
	}{
		{true, 1, 0, SYN, 0, "S"},
		{false, 1000, 2, SYN | ACK, 0, "Sh"},
		{true, 2, 1001, ACK, 0, "ShA"},
		{true, 2, 1001, ACK | PSH, 10, "ShAD"},
		{false, 1001, 12, ACK | PSH, 20, "ShADd"}, // no pure ACK from the responder: no "a"
		{true, 12, 1021, ACK | FIN, 0, "ShADdF"},
		{false, 1021, 13, ACK | FIN, 0, "ShADdFf"},
	}
	tb := NewTable(0)
	var seen []string
	for i, st := range steps {
		p := pkt(40000, st.fromClient, st.seq, st.ack, st.fl, st.payload)
		tb.Observe(p)
		if p.Flow.History != st.want {
			t.Fatalf("segment %d: history %q, want %q", i+1, p.Flow.History, st.want)
		}
		seen = append(seen, p.Flow.History)
	}
	for i, h := range seen {
		if h != steps[i].want {
			t.Errorf("history read after segment %d is now %q, want %q", i+1, h, steps[i].want)
		}
	}
	const n = 2000
	tb = NewTable(0)
	pkts := make([]*Packet, 0, n*len(steps))
	for port := range uint16(n) {
		for _, st := range steps {
			pkts = append(pkts, pkt(1024+port, st.fromClient, st.seq, st.ack, st.fl, st.payload))
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, p := range pkts {
		tb.Observe(p)
	}
	runtime.ReadMemStats(&after)
	if per := float64(after.Mallocs-before.Mallocs) / n; per > 0.5 {
		t.Errorf("%.2f allocations per flow of %d segments; want the flow slabs alone (under 0.5)", per, len(steps))
	}
}
