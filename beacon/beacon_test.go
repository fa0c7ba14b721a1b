package beacon

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
)

// Synthetic timings: a 60 s beacon with ±30 % uniform jitter and 10 %
// missed beats scores high; memoryless (exponential) gaps score below the
// threshold even with constant sizes.
func TestScoreTimes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var beat, poisson []int64
	sizes := make([]float64, 60)
	for i := range sizes {
		sizes[i] = 300
	}
	for i := 0; len(beat) < 60; i++ {
		if rng.Float64() < 0.1 {
			continue
		}
		beat = append(beat, int64(float64(i)*60e9+(rng.Float64()*0.6-0.3)*60e9))
	}
	var t0 int64
	for range 60 {
		t0 += int64(rng.ExpFloat64() * 60e9)
		poisson = append(poisson, t0)
	}
	sortInts(beat)
	b := ScoreTimes(beat, sizes, beat[len(beat)-1]-beat[0])
	p := ScoreTimes(poisson, sizes, poisson[len(poisson)-1]-poisson[0])
	if b.Total < 0.85 {
		t.Errorf("jittered beacon scores %.3f (%+v); want ≥ 0.85", b.Total, b)
	}
	if p.Total >= 0.70 {
		t.Errorf("exponential gaps score %.3f (%+v); want < 0.70", p.Total, p)
	}
}

func sortInts(x []int64) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

func TestNoAllocs(t *testing.T) {
	a := New(Config{})
	f := &flows.Flow{ID: 1, Proto: flows.UDP, Src: netip.MustParseAddrPort("10.0.0.1:5000"), Dst: netip.MustParseAddrPort("192.0.2.1:53"), FirstFrame: 1}
	p := flows.Packet{Frame: 1, Time: time.Unix(100, 0), Net: flows.NetIPv4, Proto: flows.UDP, L4: true, Flow: f, OrigLen: 80}
	a.Observe(&p)
	p.Frame = 2
	if n := testing.AllocsPerRun(1000, func() { a.Observe(&p) }); n != 0 {
		t.Fatalf("Observe: %v allocs per packet; want 0", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	a := New(Config{})
	f := &flows.Flow{ID: 1, Proto: flows.UDP, Src: netip.MustParseAddrPort("10.0.0.1:5000"), Dst: netip.MustParseAddrPort("192.0.2.1:53"), FirstFrame: 1}
	p := flows.Packet{Frame: 2, Time: time.Unix(100, 0), Net: flows.NetIPv4, Proto: flows.UDP, L4: true, Flow: f, OrigLen: 80}
	b.ReportAllocs()
	for b.Loop() {
		a.Observe(&p)
	}
}

// Groups of two IPv4 addresses are keyed packed into integers, the others
// are not: the same 60 s beacon from an IPv4 address, between the same
// addresses IPv4-mapped in IPv6, and between IPv6 addresses makes three
// beacons with their own addresses, port and connections. The highest
// port and protocol numbers survive the packing.
func TestGroupsByFamily(t *testing.T) {
	a := New(Config{})
	groups := []struct {
		src, dst string
		port     uint16
		beats    int
	}{
		{"10.0.0.1", "192.0.2.1", 65535, 20},
		{"::ffff:10.0.0.1", "::ffff:192.0.2.1", 65535, 25},
		{"2001:db8::1", "2001:db8::2", 443, 30},
	}
	var id uint64
	for _, g := range groups {
		for i := range g.beats {
			id++
			ts := time.Unix(int64(1000+60*i), int64(id)).UTC()
			f := &flows.Flow{ID: id, Proto: flows.TCP, FirstFrame: id, First: ts, Last: ts.Add(time.Second),
				Src:     netip.AddrPortFrom(netip.MustParseAddr(g.src), uint16(40000+i)),
				Dst:     netip.AddrPortFrom(netip.MustParseAddr(g.dst), g.port),
				Packets: 10, Bytes: 1000, Fwd: flows.DirStats{Packets: 5, Bytes: 500}, Rev: flows.DirStats{Packets: 5, Bytes: 500}}
			p := flows.Packet{Frame: id, Time: ts, Proto: flows.TCP, L4: true, Flow: f, Dir: flows.FromInitiator, OrigLen: 60}
			a.Observe(&p)
		}
	}
	res, _ := a.Finish()
	if res.Groups != len(groups) {
		t.Errorf("Groups = %d; want %d", res.Groups, len(groups))
	}
	if len(res.Beacons) != len(groups) {
		t.Fatalf("%d beacons; want %d: %+v", len(res.Beacons), len(groups), res.Beacons)
	}
	for _, g := range groups {
		src, dst := netip.MustParseAddr(g.src), netip.AddrPortFrom(netip.MustParseAddr(g.dst), g.port)
		var got *Beacon
		for i := range res.Beacons {
			if b := &res.Beacons[i]; b.Src == src {
				got = b
			}
		}
		switch {
		case got == nil:
			t.Errorf("no beacon from %v", src)
		case got.Dst != dst || got.Proto != flows.TCP || got.Connections != g.beats:
			t.Errorf("beacon from %v: %v %v, %d connections; want tcp %v, %d", src, got.Proto, got.Dst, got.Connections, dst, g.beats)
		}
	}
}
