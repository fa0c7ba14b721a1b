package dnsx

//go:generate go run ../internal/genbigram -words /usr/share/dict/american-english -o bigrams_gen.go

import (
	"math"
	"strings"

	"github.com/pcapai/pcapai/attack"
)

// rareBigram is the log10 share below which a letter bigram counts as rare
// in English (about 1 in 30000 bigrams: "qx", "zj", "vk"…).
const rareBigram = -4.5

// nameFeatures are the measurements behind a name score.
type nameFeatures struct {
	Length       int     // label length
	Entropy      float64 // Shannon entropy, bits per character
	RareBigrams  float64 // share of letter bigrams rarer than rareBigram
	BigramLogP   float64 // mean −log10 share of the letter bigrams
	ConsonantRun int     // longest run of consonants
	DigitMix     int     // switches between letters and digits
	Digits       int
}

// NameScore scores how machine-generated a domain label looks, 0–1, and
// returns the features it rests on. dnsx applies it to the label left of
// the public suffix ("xjwq3kd" of "xjwq3kd.example.co.uk"): CDN and cloud
// host names keep their randomness below the registered domain, so they
// are not scored as generated. The score weighs bigram rarity against an
// English word list (0.35), mean bigram improbability (0.2), character
// entropy (0.15), the longest consonant run (0.15) and letter/digit
// mixing (0.15), then scales by length (short labels score little, from 10
// characters fully). Punycode (xn--) labels score 0.
func NameScore(label string) (float64, nameFeatures) {
	var f nameFeatures
	f.Length = len(label)
	if f.Length == 0 || strings.HasPrefix(label, "xn--") {
		return 0, f // IDN labels (punycode) are not judged by English bigrams
	}
	var freq [256]int
	var bigrams, rare int
	var logSum float64
	run := 0
	prevLetter, prevDigit := false, false
	for i := 0; i < len(label); i++ {
		c := label[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		freq[c]++
		letter := c >= 'a' && c <= 'z'
		digit := c >= '0' && c <= '9'
		if digit {
			f.Digits++
		}
		if (letter && prevDigit) || (digit && prevLetter) {
			f.DigitMix++
		}
		if letter && !isVowel(c) {
			run++
			f.ConsonantRun = max(f.ConsonantRun, run)
		} else {
			run = 0
		}
		if letter && i > 0 {
			p := label[i-1]
			if p >= 'A' && p <= 'Z' {
				p += 'a' - 'A'
			}
			if p >= 'a' && p <= 'z' {
				lp := float64(bigramLog10[p-'a'][c-'a'])
				bigrams++
				logSum += -lp
				if lp < rareBigram {
					rare++
				}
			}
		}
		prevLetter, prevDigit = letter, digit
	}
	for _, n := range freq {
		if n > 0 {
			p := float64(n) / float64(f.Length)
			f.Entropy -= p * math.Log2(p)
		}
	}
	if bigrams > 0 {
		f.RareBigrams = float64(rare) / float64(bigrams)
		f.BigramLogP = logSum / float64(bigrams)
	}
	rar := clamp01(f.RareBigrams / 0.3)
	lp := clamp01((f.BigramLogP - 2.6) / 0.9)
	if bigrams == 0 {
		lp = 1 // no letter pairs at all: nothing English about it
	}
	ent := clamp01((f.Entropy - 2.5) / 1.2)
	cons := clamp01(float64(f.ConsonantRun-3) / 3)
	dig := clamp01(float64(f.DigitMix) / 3)
	s := 0.35*rar + 0.2*lp + 0.15*ent + 0.15*cons + 0.15*dig
	lf := clamp01(float64(f.Length-4) / 6)
	return attack.Round(s * (0.3 + 0.7*lf)), f
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

func clamp01(x float64) float64 {
	if x < 0 || math.IsNaN(x) {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

// subEntropy returns the character entropy (bits per character) of a
// subdomain, dots excluded.
func subEntropy(s string) float64 {
	var freq [256]int
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			freq[s[i]]++
			n++
		}
	}
	var h float64
	for _, c := range freq {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}
