package attack

import (
	"os/exec"
	"testing"
)

// TestFrameFilterSyntax: tshark 4.0.17 answers `"29" was unexpected in
// this context` for "frame.number in {1 29 31}"; it accepts commas.
func TestFrameFilterSyntax(t *testing.T) {
	if got, want := FrameFilter([]uint64{1, 29, 31}), "frame.number in {1,29,31}"; got != want {
		t.Fatalf("FrameFilter = %q; want %q", got, want)
	}
	if FrameFilter(nil) != "" {
		t.Fatal("FrameFilter(nil) not empty")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		return
	}
	// -Y needs a file; check the filter compiles with dfilter test (-Y on an empty read is not possible)
	out, err := exec.Command("tshark", "-Y", FrameFilter([]uint64{1, 29, 31}), "-r", "/dev/null").CombinedOutput()
	if err != nil && len(out) > 0 && contains(string(out), "unexpected") {
		t.Fatalf("tshark rejects the filter: %s", out)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
