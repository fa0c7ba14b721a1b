package flows

import (
	"syscall"
	"unsafe"
)

// adviseHugePages asks the kernel to back the memory of a large, long-lived
// allocation (a flow slab, the index's slots) with transparent huge pages
// when the system allows them only on request (THP "madvise" mode, the
// common default). The table writes every byte of that memory soon after
// allocating it, so one 2 MiB fault replaces 512 faults of 4 KiB; on a
// virtual machine a 4 KiB first-touch fault costs 10 µs or more, which made
// those faults a quarter of the flow pass. The range is widened to whole
// huge pages: the advice changes only how memory is backed, never what it
// holds, so covering the neighbouring heap is harmless. Errors (no THP in
// the kernel) are ignored: the memory is then backed as before.
func adviseHugePages(p unsafe.Pointer, n uintptr) {
	const huge = 2 << 20
	start := uintptr(p) &^ (huge - 1)
	end := (uintptr(p) + n + huge - 1) &^ (huge - 1)
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, syscall.MADV_HUGEPAGE)
}
