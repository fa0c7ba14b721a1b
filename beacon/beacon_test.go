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
