package zeeklog

import (
	"net/netip"
	"testing"
	"time"
)

// TestTSVValues: values as Zeek's ASCII writer prints them (time with six
// decimals, T/F, "-" unset, "(empty)" for empty strings and containers,
// separators and non-printing bytes as \xNN, a literal "-" as \x2d).
func TestTSVValues(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, "-"},
		{time.Unix(1300475167, 96535000), "1300475167.096535"},
		{1.5, "1.500000"},
		{true, "T"},
		{uint64(443), "443"},
		{netip.MustParseAddr("2001:db8::1"), "2001:db8::1"},
		{"", "(empty)"},
		{"-", `\x2d`},
		{"a\tb\\c\xff", `a\x09b\x5cc\xff`},
		{[]string{}, "(empty)"},
		{[]string{"a,b", "c"}, `a\x2cb,c`},
		{[]float64{60, 0.5}, "60.000000,0.500000"},
	} {
		if got := tsvValue(c.v); got != c.want {
			t.Errorf("tsvValue(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}
