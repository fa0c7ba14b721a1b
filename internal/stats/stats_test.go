package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSummarize(t *testing.T) {
	// numpy.percentile([1,2,3,4,100], [25,50,75]) = 2, 3, 4; MAD = median(|x-3|) = median(2,1,0,1,97) = 1.
	s := Summarize([]float64{100, 1, 2, 3, 4})
	if s.Q1 != 2 || s.Median != 3 || s.Q3 != 4 || s.MAD != 1 || s.Bowley != 0 {
		t.Fatalf("summary %+v", s)
	}
	// Right-skewed: Q1=1, median=2, Q3=5 → Bowley (1+5-4)/4 = 0.5.
	s = Summarize([]float64{1, 1, 2, 5, 5})
	if math.Abs(s.Bowley-0.5) > 1e-9 {
		t.Fatalf("bowley %v; want 0.5", s.Bowley)
	}
}

func TestEntropy(t *testing.T) {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	if e := Entropy(b); math.Abs(e-8) > 1e-9 {
		t.Fatalf("entropy of 0..255 = %v; want 8", e)
	}
	if e := Entropy([]byte("aaaa")); e != 0 {
		t.Fatalf("entropy of aaaa = %v; want 0", e)
	}
}

func TestMode(t *testing.T) {
	if m := Mode([]float64{3, 1, 3, 2, 1, 3}); m != 3 {
		t.Fatalf("mode %v", m)
	}
}

// TestEntropyDefinition: Entropy agrees with −Σ p·log2(p) computed
// directly, for skewed and uniform bytes and for counts past the table.
func TestEntropyDefinition(t *testing.T) {
	direct := func(b []byte) float64 {
		var cnt [256]int
		for _, c := range b {
			cnt[c]++
		}
		var h float64
		for _, c := range cnt {
			if c > 0 {
				p := float64(c) / float64(len(b))
				h -= p * math.Log2(p)
			}
		}
		return h
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 17, 100, 1460, 5000, 70000} {
		for _, spread := range []int{1, 2, 16, 256} {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.IntN(spread))
			}
			if got, want := Entropy(b), direct(b); math.Abs(got-want) > 1e-9 {
				t.Errorf("%d bytes of %d values: Entropy %v; want %v", n, spread, got, want)
			}
		}
	}
}

func BenchmarkEntropy(b *testing.B) {
	p := make([]byte, 1460)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range p {
		p[i] = byte(rng.IntN(256))
	}
	b.ReportAllocs()
	for b.Loop() {
		Entropy(p)
	}
}
