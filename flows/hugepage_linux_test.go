package flows

import (
	"bufio"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestHugePageAdvice checks, in the kernel's own view of the process
// (/proc/self/smaps), that a large table's flow slab and index lie in
// memory advised for huge pages (VmFlags "hg").
func TestHugePageAdvice(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage"); err != nil {
		t.Skip("kernel without transparent huge pages")
	}
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.2")
	fill := func(n int) *Table {
		tb := NewTable(0)
		for i := 0; i < n; i++ {
			p := &Packet{Frame: uint64(i + 1), Time: time.Unix(1700000000, 0), Net: NetIPv4, Proto: TCP,
				Src: a, Dst: b, SrcPort: uint16(1024 + i%60000), DstPort: uint16(443 + i/60000), L4: true, Flags: SYN}
			tb.Observe(p)
		}
		return tb
	}
	big := fill(3 * bigSlabAfter)
	advised := func(p unsafe.Pointer) bool {
		t.Helper()
		flags, ok := vmFlags(t, uintptr(p))
		if !ok {
			t.Fatalf("address %#x not in /proc/self/smaps", uintptr(p))
		}
		return strings.Contains(" "+flags+" ", " hg ")
	}
	if f := big.all[len(big.all)-1]; !advised(unsafe.Pointer(f)) {
		t.Error("the last flow of a big table is not in memory advised for huge pages")
	}
	if !advised(unsafe.Pointer(&big.idx.slots[0])) {
		t.Errorf("the index of %d flows (%d slots) is not advised for huge pages", big.Len(), len(big.idx.slots))
	}
}

// vmFlags returns the VmFlags line of the mapping holding addr.
func vmFlags(t *testing.T, addr uintptr) (string, bool) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		// a mapping starts with its range, "lo-hi" in hex; its fields follow
		if fs := strings.Fields(line); len(fs) > 0 {
			if lo, hi, ok := strings.Cut(fs[0], "-"); ok {
				l, err1 := strconv.ParseUint(lo, 16, 64)
				h, err2 := strconv.ParseUint(hi, 16, 64)
				if err1 == nil && err2 == nil {
					in = uintptr(l) <= addr && addr < uintptr(h)
					continue
				}
			}
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimPrefix(line, "VmFlags:"), true
		}
	}
	return "", false
}
