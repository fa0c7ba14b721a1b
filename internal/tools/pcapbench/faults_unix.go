//go:build unix

package main

import "syscall"

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
