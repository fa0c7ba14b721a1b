package addrmap

import (
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
