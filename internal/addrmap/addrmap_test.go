package addrmap

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

func TestV4(t *testing.T) {
	for _, tc := range []struct {
		addr string
		v    uint32
		ok   bool
	}{
		{"0.0.0.0", 0, true},
		{"10.1.2.3", 0x0a010203, true},
		{"255.255.255.255", 0xffffffff, true},
		{"::ffff:10.1.2.3", 0, false}, // IPv4-mapped IPv6 is IPv6 to netip
		{"2001:db8::1", 0, false},
	} {
		a := netip.MustParseAddr(tc.addr)
		v, ok := V4(a)
		if v != tc.v || ok != tc.ok {
			t.Errorf("V4(%s) = %#x, %v; want %#x, %v", a, v, ok, tc.v, tc.ok)
		}
		if ok && FromV4(v) != a {
			t.Errorf("FromV4(V4(%s)) = %s", a, FromV4(v))
		}
	}
	if _, ok := V4(netip.Addr{}); ok {
		t.Error("V4 packs the zero Addr")
	}
	a, b := netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.0.2.1")
	if v, ok := Pair(a, b); v != 0x0a010203_c0000201 || !ok {
		t.Errorf("Pair(%s, %s) = %#x, %v", a, b, v, ok)
	}
	if _, ok := Pair(a, netip.MustParseAddr("::ffff:192.0.2.1")); ok {
		t.Error("Pair packs an IPv4-mapped address")
	}
}

func TestMap(t *testing.T) {
	m := New[netip.Addr, uint64, string]()
	put := func(s string) {
		a := netip.MustParseAddr(s)
		v, ok := V4(a)
		m.Set(a, uint64(v), ok, s)
	}
	get := func(s string) string {
		a := netip.MustParseAddr(s)
		v, ok := V4(a)
		return m.Get(a, uint64(v), ok)
	}
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3", "2001:db8::1"} {
		put(s)
	}
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3", "2001:db8::1"} {
		if got := get(s); got != s {
			t.Errorf("Get(%s) = %q", s, got)
		}
	}
	if got := get("10.1.2.4"); got != "" {
		t.Errorf("Get of a missing key = %q", got)
	}
	if m.Len() != 3 || len(m.Packed) != 1 || len(m.Other) != 2 {
		t.Errorf("Len %d, packed %d, other %d; want 3, 1, 2", m.Len(), len(m.Packed), len(m.Other))
	}
	var vals []string
	for v := range m.Values() {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	if want := []string{"10.1.2.3", "2001:db8::1", "::ffff:10.1.2.3"}; !slices.Equal(vals, want) {
		t.Errorf("Values = %q; want %q", vals, want)
	}
	n := 0
	for range m.Values() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("Values went on after break: %d", n)
	}
}

// BenchmarkLookup compares a map keyed by pairs of netip.Addr with a Map
// packing them into a uint64, over 113,000 IPv4 pairs (the synthetic
// benchmark capture's flow count) looked up in a scattered order.
func BenchmarkLookup(b *testing.B) {
	const n = 113000
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([][2]netip.Addr, n)
	for i := range keys {
		x, y := r.Uint32(), r.Uint32()
		keys[i] = [2]netip.Addr{FromV4(x), FromV4(y)}
	}
	pack := func(k [2]netip.Addr) (uint64, bool) {
		a, oka := V4(k[0])
		c, okc := V4(k[1])
		return uint64(a)<<32 | uint64(c), oka && okc
	}
	b.Run("netip", func(b *testing.B) {
		m := map[[2]netip.Addr]int{}
		for i, k := range keys {
			m[k] = i + 1
		}
		i := 0
		for b.Loop() {
			if m[keys[i]] == 0 {
				b.Fatal("missing key")
			}
			i = (i + 7919) % n
		}
	})
	b.Run("packed", func(b *testing.B) {
		m := New[[2]netip.Addr, uint64, int]()
		for i, k := range keys {
			p, ok := pack(k)
			m.Set(k, p, ok, i+1)
		}
		i := 0
		for b.Loop() {
			k := keys[i]
			p, ok := pack(k)
			if m.Get(k, p, ok) == 0 {
				b.Fatal("missing key")
			}
			i = (i + 7919) % n
		}
	})
}
