//go:build !linux

package flows

import "unsafe"

// adviseHugePages does nothing outside Linux.
func adviseHugePages(unsafe.Pointer, uintptr) {}
