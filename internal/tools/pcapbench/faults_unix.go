//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
)

// minorFaults returns the process's minor page faults so far: first
// touches of new memory, which cost far more on some virtual machines
// than on bare metal.
func minorFaults() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Minflt)
}

// maxRSSMiB returns the peak resident memory of an exited child process.
func maxRSSMiB(ps *os.ProcessState) float64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	kib := float64(ru.Maxrss)
	if runtime.GOOS == "darwin" { // bytes there, KiB on Linux and the BSDs
		kib /= 1024
	}
	return kib / 1024
}
