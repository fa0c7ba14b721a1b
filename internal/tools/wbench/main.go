package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/pcapai/pcapai"
)

func main() {
	var mods []string
	if s := os.Getenv("MODS"); s != "" {
		mods = strings.Split(s, ",")
	}
	if p := os.Getenv("PROF"); p != "" {
		f, _ := os.Create(p)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	for _, a := range os.Args[2:] {
		w, _ := strconv.Atoi(a)
		r, _ := pcapai.Open(os.Args[1])
		t0 := time.Now()
		rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Workers: w, Modules: mods})
		if err != nil {
			panic(err)
		}
		d := time.Since(t0)
		fmt.Printf("workers=%d %v %.0f pps\n", w, d.Round(time.Millisecond), float64(rep.Capture.Packets)/d.Seconds())
	}
}
