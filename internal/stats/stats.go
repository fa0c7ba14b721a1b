// Package stats holds the small robust statistics the detectors share:
// quantiles, median absolute deviation, Bowley skewness and Shannon
// entropy. Functions take float64 samples and never modify their input
// unless they say so.
package stats

import (
	"math"
	"slices"
)

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of sorted by linear
// interpolation between closest ranks (R type 7, numpy's default). It returns
// 0 for an empty slice.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if q <= 0 {
		return sorted[0]
	}
	if q >= 1 {
		return sorted[n-1]
	}
	h := q * float64(n-1)
	lo := int(math.Floor(h))
	hi := lo + 1
	if hi >= n {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[hi]-sorted[lo])
}

// Summary is the robust summary of a sample.
type Summary struct {
	N          int
	Min, Max   float64
	Q1, Median float64
	Q3         float64
	MAD        float64 // median absolute deviation from the median
	Bowley     float64 // (Q1 + Q3 − 2·median) / (Q3 − Q1); 0 when Q3 = Q1
	Mean       float64
}

// Summarize returns the summary of xs, sorting xs in place.
func Summarize(xs []float64) Summary {
	var s Summary
	s.N = len(xs)
	if s.N == 0 {
		return s
	}
	slices.Sort(xs)
	s.Min, s.Max = xs[0], xs[s.N-1]
	s.Q1, s.Median, s.Q3 = Quantile(xs, 0.25), Quantile(xs, 0.5), Quantile(xs, 0.75)
	if d := s.Q3 - s.Q1; d > 0 && s.Median != s.Q1 && s.Median != s.Q3 {
		s.Bowley = (s.Q1 + s.Q3 - 2*s.Median) / d
	}
	dev := make([]float64, s.N)
	var sum float64
	for i, x := range xs {
		dev[i] = math.Abs(x - s.Median)
		sum += x
	}
	s.Mean = sum / float64(s.N)
	slices.Sort(dev)
	s.MAD = Quantile(dev, 0.5)
	return s
}

// Mode returns the most frequent value of xs (the smallest on ties); 0 for
// an empty slice.
func Mode(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	c := slices.Clone(xs)
	slices.Sort(c)
	best, bestN := c[0], 0
	for i := 0; i < len(c); {
		j := i
		for j < len(c) && c[j] == c[i] {
			j++
		}
		if j-i > bestN {
			best, bestN = c[i], j-i
		}
		i = j
	}
	return best
}

// Entropy returns the Shannon entropy of b in bits per byte (0–8).
//
// It computes log2(n) − Σ c·log2(c) / n over the byte counts c, with
// c·log2(c) from a table for the counts of ordinary payloads: one Log2 per
// call instead of one per distinct byte value.
func Entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var cnt [256]uint32
	for _, c := range b {
		cnt[c]++
	}
	var s float64
	for _, c := range cnt {
		if c < uint32(len(cLog2c)) {
			s += cLog2c[c]
		} else {
			s += float64(c) * math.Log2(float64(c))
		}
	}
	n := float64(len(b))
	return min(max(math.Log2(n)-s/n, 0), 8)
}

// cLog2c[c] is c·log2(c) (0 for c = 0).
var cLog2c = func() (t [2048]float64) {
	for c := 1; c < len(t); c++ {
		t[c] = float64(c) * math.Log2(float64(c))
	}
	return t
}()

// Clamp01 limits x to [0, 1]; NaN becomes 0.
func Clamp01(x float64) float64 {
	if math.IsNaN(x) || x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}
