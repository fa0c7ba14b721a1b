package pcaptest

import (
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	tsharkMu   sync.Mutex
	tsharkMemo = map[string][]uint64{}
)

// HaveTshark reports whether tshark is on PATH.
func HaveTshark() bool {
	_, err := exec.LookPath("tshark")
	return err == nil
}

// TsharkFrames returns the frame numbers tshark selects in file with a
// display filter, with optional "-o" preferences ("tcp.reassemble_out_of_order:TRUE").
// It skips the test when tshark is not installed and memoizes answers, so
// tests that check many findings on one file run tshark once per filter.
func TsharkFrames(t testing.TB, file, filter string, prefs ...string) []uint64 {
	t.Helper()
	if !HaveTshark() {
		t.Skip("tshark not installed")
	}
	key := file + "\x00" + filter + "\x00" + strings.Join(prefs, "\x00")
	tsharkMu.Lock()
	fr, ok := tsharkMemo[key]
	tsharkMu.Unlock()
	if ok {
		return fr
	}
	args := []string{}
	for _, p := range prefs {
		args = append(args, "-o", p)
	}
	args = append(args, "-r", file, "-Y", filter, "-T", "fields", "-e", "frame.number")
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark -Y %q: %v", filter, err)
	}
	for _, l := range strings.Fields(string(out)) {
		n, err := strconv.ParseUint(l, 10, 64)
		if err != nil {
			t.Fatalf("tshark output %q: %v", l, err)
		}
		fr = append(fr, n)
	}
	tsharkMu.Lock()
	tsharkMemo[key] = fr
	tsharkMu.Unlock()
	return fr
}
