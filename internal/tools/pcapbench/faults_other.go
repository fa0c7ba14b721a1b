//go:build !unix

package main

import "os"

func minorFaults() int64 { return 0 }

func maxRSSMiB(*os.ProcessState) float64 { return 0 }
