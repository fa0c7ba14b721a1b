// Command pcapbench measures pcapai's speed and memory on one large capture:
// the bare record read, a bare gopacket DecodingLayerParser loop, Analyze
// with the flow table only, and the full Analyze, each in its own process so peak memory (VmHWM) is its own.
// It ends with the full Analyze at Options.Workers = 1, 2, 4 … up to the
// CPUs (or -workers 1,2,3), each in its own process: packets/s, speed-up
// and peak memory. With tshark on PATH it also times
// `tshark -q -z conv,tcp` on the file and compares it with the flow pass
// (the same conversations) and with the full Analyze. Every measurement is
// the median of -runs runs (3 by default), each in its own process.
//
//	go run ./internal/tools/pcapbench -gen 1GiB            # synthesize testdata/bench/synthetic.pcap, then measure
//	go run ./internal/tools/pcapbench -file big.pcap       # measure an existing capture
//
// The synthetic capture is deterministic (fixed seed, no download): about
// 100k TCP and UDP flows between 2000 clients and 4000 servers, with
// handshakes, data, retransmissions and closes.
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/internal/capfile"
)

func main() {
	gen := flag.String("gen", "", "synthesize a capture of about this size (e.g. 200MiB, 1GiB) before measuring")
	file := flag.String("file", "testdata/bench/synthetic.pcap", "capture to measure")
	flowsN := flag.Int("flows", 100000, "flows in the synthetic capture")
	mode := flag.String("mode", "", "internal: run one measurement (read, decode, analyze)")
	noTshark := flag.Bool("no-tshark", false, "skip the tshark comparison")
	tsharkRuns := flag.Int("tshark-runs", 3, "tshark runs; the median is compared")
	runs := flag.Int("runs", 3, "runs of each measurement; the median is shown")
	workersList := flag.String("workers", "", "comma-separated Options.Workers values for the scaling table (default 1, 2, 4, … up to the number of CPUs)")
	cpuProfile := flag.String("cpuprofile", "", "with -mode: write a CPU profile")
	memProfile := flag.String("memprofile", "", "with -mode: write a heap profile at the end")
	flag.Parse()

	if *mode != "" {
		workers := 0
		if *workersList != "" {
			w, err := strconv.Atoi(*workersList)
			if err != nil {
				fatal(err)
			}
			workers = w
		}
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				fatal(err)
			}
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		if *memProfile != "" {
			runtime.MemProfileRate = 4096 // finer than the default 512 KiB, so small sites are not sampled away
		}
		measure(*mode, *file, workers)
		if *memProfile != "" {
			f, err := os.Create(*memProfile)
			if err != nil {
				fatal(err)
			}
			runtime.GC() // the profile shows the heap as of the last collection
			pprof.Lookup("heap").WriteTo(f, 0)
			runtime.KeepAlive(keep)
			f.Close()
		}
		return
	}
	if *gen != "" {
		size, err := parseSize(*gen)
		if err != nil {
			fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(*file), 0o755); err != nil {
			fatal(err)
		}
		t0 := time.Now()
		n, err := synthesize(*file, size, *flowsN)
		if err != nil {
			fatal(err)
		}
		fmt.Printf("generated %s: %d packets, %d flows, %.1f MiB in %v\n", *file, n, *flowsN, float64(size)/(1<<20), time.Since(t0).Round(time.Millisecond))
	}
	st, err := os.Stat(*file)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("capture %s (%.1f MiB)\n", *file, float64(st.Size())/(1<<20))
	fmt.Printf("%-10s %12s %12s %10s %12s %12s\n", "mode", "packets", "packets/s", "MiB/s", "peak MiB", "page faults")
	rates := map[string]float64{}
	var analyzeSecs, flowsSecs float64
	for _, m := range []string{"read", "decode", "flows", "analyze"} {
		r := median(*runs, m, *file, 1)
		rates[m] = r.packets / r.secs
		switch m {
		case "analyze":
			analyzeSecs = r.secs
		case "flows":
			flowsSecs = r.secs
		}
		fmt.Printf("%-10s %12.0f %12.0f %10.1f %12.1f %12.0f\n", m, r.packets, r.packets/r.secs, float64(st.Size())/(1<<20)/r.secs, r.peakKiB/1024, r.faults)
	}
	fmt.Printf("flows/decode rate: %.0f%%, analyze/decode rate: %.0f%%\n", 100*rates["flows"]/rates["decode"], 100*rates["analyze"]/rates["decode"])
	fmt.Printf("first touch of fresh memory on this machine: %.1f µs per 4 KiB page\n", touchCost())

	// Scaling: the full Analyze with Options.Workers = w.
	var ws []int
	if *workersList != "" {
		for _, f := range strings.Split(*workersList, ",") {
			w, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || w < 1 {
				fatal(fmt.Errorf("bad -workers value %q", f))
			}
			ws = append(ws, w)
		}
	} else {
		for w := 1; w < runtime.NumCPU(); w *= 2 {
			ws = append(ws, w)
		}
		ws = append(ws, runtime.NumCPU())
	}
	fmt.Printf("\n%-8s %12s %9s %10s %12s   (Analyze, every analyzer; %d CPUs)\n", "workers", "packets/s", "speed-up", "seconds", "peak MiB", runtime.NumCPU())
	var base, bestSecs float64
	var bestW int
	for _, w := range ws {
		r := median(*runs, "analyze", *file, w)
		pk, secs, peak := r.packets, r.secs, r.peakKiB
		if base == 0 {
			base = pk / secs
		}
		if w == 1 {
			analyzeSecs = secs
		}
		if bestSecs == 0 || secs < bestSecs {
			bestSecs, bestW = secs, w
		}
		fmt.Printf("%-8d %12.0f %8.2f× %10.2f %12.1f\n", w, pk/secs, pk/secs/base, secs, peak/1024)
	}
	if _, err := exec.LookPath("tshark"); err == nil && !*noTshark {
		type run struct{ secs, peakMiB float64 }
		var tr []run
		for range max(*tsharkRuns, 1) {
			t0 := time.Now()
			cmd := exec.Command("tshark", "-n", "-r", *file, "-q", "-z", "conv,tcp")
			if err := cmd.Run(); err != nil {
				fmt.Printf("tshark: %v\n", err)
				return
			}
			tr = append(tr, run{time.Since(t0).Seconds(), maxRSSMiB(cmd.ProcessState)})
		}
		slices.SortFunc(tr, func(a, b run) int { return cmp.Compare(a.secs, b.secs) })
		ts := tr[(len(tr)-1)/2].secs
		fmt.Printf("\ntshark -q -z conv,tcp: %.2f s (median of %d runs: %.2f–%.2f s), peak %.0f MiB\n", ts, len(tr), tr[0].secs, tr[len(tr)-1].secs, tr[(len(tr)-1)/2].peakMiB)
		fmt.Printf("pcapai flows (the same conversations): %.2f s, %.1f× faster\n", flowsSecs, ts/flowsSecs)
		fmt.Printf("pcapai analyze (every analyzer): %.2f s on 1 worker, %.1f× faster; %.2f s on %d workers, %.1f× faster\n", analyzeSecs, ts/analyzeSecs, bestSecs, bestW, ts/bestSecs)
	}
}

// result is one measurement of a mode.
type result struct {
	packets, secs, peakKiB, faults float64
}

// median runs mode n times, each in its own process, and returns the run
// with the median time.
func median(n int, mode, file string, workers int) result {
	var rs []result
	for range max(n, 1) {
		out, err := exec.Command(os.Args[0], "-mode", mode, "-file", file, "-workers", strconv.Itoa(workers)).Output()
		if err != nil {
			fatal(fmt.Errorf("%s -workers %d: %v", mode, workers, err))
		}
		f := strings.Fields(string(out)) // packets seconds peakKiB minorFaults
		if len(f) < 4 {
			fatal(fmt.Errorf("%s: unexpected output %q", mode, out))
		}
		var r result
		for i, p := range []*float64{&r.packets, &r.secs, &r.peakKiB, &r.faults} {
			*p, _ = strconv.ParseFloat(f[i], 64)
		}
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.secs, b.secs) })
	return rs[len(rs)/2]
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "pcapbench:", err)
	os.Exit(1)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	return int64(n * float64(mult)), err
}

// keep holds the last Report so a heap profile shows what it retains.
var keep *pcapai.Report

// measure runs one mode (the Analyze ones with Options.Workers = workers) and prints "packets seconds peakKiB".
func measure(mode, file string, workers int) {
	t0 := time.Now()
	var n uint64
	switch mode {
	case "read", "decode":
		f, err := os.Open(file)
		if err != nil {
			fatal(err)
		}
		r, err := capfile.NewReader(f)
		if err != nil {
			fatal(err)
		}
		if runtime.GOMAXPROCS(0) > 1 && r.Compressed() {
			defer r.ReadAhead(true)() // as pcapai's passes read
		}
		var eth layers.Ethernet
		var ip4 layers.IPv4
		var ip6 layers.IPv6
		var tcp layers.TCP
		var udp layers.UDP
		p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &tcp, &udp)
		p.IgnoreUnsupported = true
		decoded := make([]gopacket.LayerType, 0, 8)
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			n++
			if mode == "decode" {
				_ = p.DecodeLayers(rec.Data, &decoded)
			}
		}
	case "analyze", "flows":
		r, err := pcapai.Open(file)
		if err != nil {
			fatal(err)
		}
		opts := pcapai.Options{Workers: workers}
		if mode == "flows" {
			opts.Modules = []string{"flows"}
		}
		rep, err := pcapai.Analyze(context.Background(), r, opts)
		if err != nil {
			fatal(err)
		}
		n = rep.Capture.Packets
		keep = rep
	}
	secs := time.Since(t0).Seconds()
	fmt.Printf("%d %f %d %d\n", n, secs, peakKiB(), minorFaults())
	if os.Getenv("PCAPBENCH_MEMSTATS") != "" {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "sys %d heapsys %d heapinuse %d heapidle %d released %d stacks %d other %d gcsys %d totalalloc %d\n", ms.Sys>>20, ms.HeapSys>>20, ms.HeapInuse>>20, ms.HeapIdle>>20, ms.HeapReleased>>20, ms.StackSys>>20, ms.OtherSys>>20, ms.GCSys>>20, ms.TotalAlloc>>20)
	}
}

// touchCost returns the microseconds a first write to a fresh 4 KiB page
// of heap costs (the page fault and the zeroing behind it): every page of
// a flow table is touched once, so this bounds what memory costs in time.
func touchCost() float64 {
	const n = 64 << 20
	b := make([]byte, n) // large: straight from the OS, not yet touched
	t := time.Now()
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	us := float64(time.Since(t).Microseconds()) / (n / 4096)
	runtime.KeepAlive(b)
	return us
}

func peakKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}

// synthesize writes a deterministic Ethernet pcap of about size bytes:
// 4096 connections live at a time, interleaved at random, each replaced by
// a new one (new source port) when it closes, so the capture holds many
// more flows than are live at once, as real traffic does. The number of
// rounds per connection is chosen so that the file holds about nflows
// flows: TCP connections (handshake, data both ways, an occasional
// retransmission, FIN) and UDP request/response exchanges.
func synthesize(path string, size int64, nflows int) (uint64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.Write(capfile.PCAPHeader(1)) // Ethernet
	rng := rand.New(rand.NewPCG(1, 2))
	type conn struct {
		cip, sip   [4]byte
		cp, sp     uint16
		cseq, sseq uint32
		udp        bool
		stage      int
		left       int
	}
	const live = 4096
	// A TCP round moves about 4.9 KB; spread size over nflows flows.
	rounds := max(1, int(size/int64(nflows)/4900))
	newLeft := func() int { return 1 + rng.IntN(2*rounds) }
	conns := make([]conn, live)
	for i := range conns {
		c := &conns[i]
		h := i % 2000 // 2000 client hosts, as in an enterprise capture
		c.cip = [4]byte{10, 1, byte(h >> 8), byte(h)}
		c.sip = [4]byte{172, 16, byte(rng.IntN(16)), byte(1 + rng.IntN(250))}
		c.cp = uint16(1024 + rng.IntN(60000))
		c.sp = []uint16{80, 443, 53, 22, 8080, 25}[rng.IntN(6)]
		c.udp = c.sp == 53
		c.cseq, c.sseq = rng.Uint32(), rng.Uint32()
		c.left = newLeft()
	}
	payload := make([]byte, 1460)
	for i := range payload {
		payload[i] = byte(rng.IntN(256))
	}
	frame := make([]byte, 14+20+20+1460)
	rh := make([]byte, 16)
	ts := int64(1700000000) * 1e6
	var written int64 = 24
	var n uint64
	emit := func(src, dst [4]byte, sp, dp uint16, udp bool, seq, ack uint32, flags byte, plen int) {
		copy(frame[0:6], []byte{2, 0, 0, 0, 0, 2})
		copy(frame[6:12], []byte{2, 0, 0, 0, 0, 1})
		frame[12], frame[13] = 0x08, 0x00
		ip := frame[14:34]
		l4 := 20
		if udp {
			l4 = 8
		}
		tot := 20 + l4 + plen
		ip[0], ip[1] = 0x45, 0
		binary.BigEndian.PutUint16(ip[2:], uint16(tot))
		binary.BigEndian.PutUint32(ip[4:], 0)
		ip[8], ip[10], ip[11] = 64, 0, 0
		copy(ip[12:16], src[:])
		copy(ip[16:20], dst[:])
		t := frame[34:]
		binary.BigEndian.PutUint16(t[0:], sp)
		binary.BigEndian.PutUint16(t[2:], dp)
		if udp {
			ip[9] = 17
			binary.BigEndian.PutUint16(t[4:], uint16(8+plen))
			binary.BigEndian.PutUint16(t[6:], 0)
		} else {
			ip[9] = 6
			binary.BigEndian.PutUint32(t[4:], seq)
			binary.BigEndian.PutUint32(t[8:], ack)
			t[12], t[13] = 5<<4, flags
			binary.BigEndian.PutUint16(t[14:], 64240)
			binary.BigEndian.PutUint32(t[16:], 0)
		}
		copy(t[l4:l4+plen], payload[:plen])
		fl := 14 + tot
		ts += int64(1 + rng.IntN(40))
		binary.LittleEndian.PutUint32(rh[0:], uint32(ts/1e6))
		binary.LittleEndian.PutUint32(rh[4:], uint32(ts%1e6))
		binary.LittleEndian.PutUint32(rh[8:], uint32(fl))
		binary.LittleEndian.PutUint32(rh[12:], uint32(fl))
		w.Write(rh)
		w.Write(frame[:fl])
		written += int64(16 + fl)
		n++
	}
	for written < size {
		i := rng.IntN(live)
		c := &conns[i]
		if c.udp {
			emit(c.cip, c.sip, c.cp, c.sp, true, 0, 0, 0, 40)
			emit(c.sip, c.cip, c.sp, c.cp, true, 0, 0, 0, 120)
			if c.left--; c.left <= 0 {
				c.cp, c.left = uint16(1024+rng.IntN(60000)), newLeft()
			}
			continue
		}
		switch c.stage {
		case 0:
			emit(c.cip, c.sip, c.cp, c.sp, false, c.cseq, 0, 0x02, 0)
			emit(c.sip, c.cip, c.sp, c.cp, false, c.sseq, c.cseq+1, 0x12, 0)
			c.cseq++
			c.sseq++
			emit(c.cip, c.sip, c.cp, c.sp, false, c.cseq, c.sseq, 0x10, 0)
			c.stage = 1
		case 1:
			emit(c.cip, c.sip, c.cp, c.sp, false, c.cseq, c.sseq, 0x18, 200)
			c.cseq += 200
			for k := 0; k < 3; k++ {
				emit(c.sip, c.cip, c.sp, c.cp, false, c.sseq, c.cseq, 0x10, 1460)
				if rng.IntN(200) == 0 {
					emit(c.sip, c.cip, c.sp, c.cp, false, c.sseq, c.cseq, 0x10, 1460) // retransmission
				}
				c.sseq += 1460
			}
			emit(c.cip, c.sip, c.cp, c.sp, false, c.cseq, c.sseq, 0x10, 0)
			if c.left--; c.left <= 0 {
				c.stage = 2
			}
		case 2:
			emit(c.cip, c.sip, c.cp, c.sp, false, c.cseq, c.sseq, 0x11, 0)
			emit(c.sip, c.cip, c.sp, c.cp, false, c.sseq, c.cseq+1, 0x11, 0)
			emit(c.cip, c.sip, c.cp, c.sp, false, c.cseq+1, c.sseq+1, 0x10, 0)
			// Next connection on a new source port.
			c.cp = uint16(1024 + rng.IntN(60000))
			c.cseq, c.sseq = rng.Uint32(), rng.Uint32()
			c.stage, c.left = 0, newLeft()
		}
	}
	return n, w.Flush()
}
