package attack

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFrameFilterTshark: tshark 4.0.17 rejects "frame.number in {14 15}"
// ("15" was unexpected) and accepts the comma-separated set.
func TestFrameFilterTshark(t *testing.T) {
	if got := FrameFilter([]uint64{14, 15}); got != "frame.number in {14,15}" {
		t.Fatalf("FrameFilter = %q", got)
	}
	path := filepath.Join("..", "..", "shared", "pcaps", "smtp.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("shared captures not present")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	out, err := exec.Command("tshark", "-r", path, "-Y", FrameFilter([]uint64{14, 15}), "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(out)); strings.Join(f, " ") != "14 15" {
		t.Errorf("tshark selected %v, want [14 15]", f)
	}
}
