package attack

import "testing"

// Wireshark 4.0 rejects space-separated set elements ("\"2\" was unexpected
// in this context"); tshark 4.0.17 accepts the comma form.
func TestFrameFilter(t *testing.T) {
	if got, want := FrameFilter([]uint64{4, 61, 118}), "frame.number in {4,61,118}"; got != want {
		t.Errorf("FrameFilter = %q; want %q", got, want)
	}
	if got := FrameFilter(nil); got != "" {
		t.Errorf("FrameFilter(nil) = %q; want empty", got)
	}
}
