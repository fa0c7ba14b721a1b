package flows

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkTableManyFlows updates a table of 100,000 TCP flows, about 60
// MB of flow records, far more than the CPU caches hold, with packets in
// random flow order, sixteen at a time as the engine does: observed one by
// one, and prefetched first (Table.Prefetch). ns/op is per packet.
func BenchmarkTableManyFlows(b *testing.B) {
	const nflows = 100_000
	srv := netip.MustParseAddr("192.0.2.2")
	ps := make([]Packet, nflows)
	for i := range ps {
		cli := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		ps[i] = Packet{Time: time.Unix(1, 0), Net: NetIPv4, Proto: TCP, L4: true, Src: cli, Dst: srv,
			SrcPort: 40000, DstPort: 443, Seq: 1, Ack: 1, Flags: ACK, Window: 1000, WScale: -1}
	}
	order := rand.New(rand.NewPCG(1, 2)).Perm(nflows)
	for _, prefetch := range []bool{false, true} {
		b.Run(fmt.Sprintf("prefetch=%v", prefetch), func(b *testing.B) {
			tb := NewTable(0)
			for i := range ps {
				tb.Observe(&ps[i])
			}
			batch := make([]Packet, 16)
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch {
					batch[i] = ps[order[(n+i)%nflows]]
					batch[i].pre = nil
				}
				n += len(batch)
				if prefetch {
					tb.Prefetch(batch)
				}
				for i := range batch {
					tb.Observe(&batch[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/packet")
			if tb.Len() != nflows {
				b.Fatalf("%d flows; want %d", tb.Len(), nflows)
			}
		})
	}
}
