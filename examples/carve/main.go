// Command carve writes the evidence of a capture's findings as a small
// pcapng to open in Wireshark: the frames of finding N (default: the top
// finding), or with -host/-port the packets of a host or port.
//
//	go run ./examples/carve -o scan.pcapng testdata/scan_nmap_syn.pcap
//	go run ./examples/carve -host 10.0.3.1 -port 445 -o smb.pcapng testdata/upload_lateral.pcap
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"

	"github.com/pcapai/pcapai"
)

func main() {
	out := flag.String("o", "evidence.pcapng", "output pcapng")
	n := flag.Int("finding", 0, "index of the finding whose evidence to carve")
	host := flag.String("host", "", "carve packets of this address instead of a finding")
	port := flag.Uint("port", 0, "with -host: only this TCP/UDP port")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: carve [-o out.pcapng] [-finding N | -host ADDR [-port P]] FILE")
		os.Exit(2)
	}
	file := flag.Arg(0)
	ctx := context.Background()
	var flt pcapai.Filter
	if *host != "" {
		a, err := netip.ParseAddr(*host)
		if err != nil {
			fail(err)
		}
		flt.Hosts = []netip.Addr{a}
		if *port != 0 {
			flt.Ports = []uint16{uint16(*port)}
		}
	} else {
		r, err := pcapai.Open(file)
		if err != nil {
			fail(err)
		}
		rep, err := pcapai.Analyze(ctx, r, pcapai.Options{})
		r.Close()
		if err != nil {
			fail(err)
		}
		if *n < 0 || *n >= len(rep.Findings) {
			fail(fmt.Errorf("no finding %d (%d findings)", *n, len(rep.Findings)))
		}
		f := rep.Findings[*n]
		fmt.Printf("finding %d: %s %s\n  display filter: %s\n", *n, f.Severity, f.Summary, f.Evidence.DisplayFilter)
		flt = pcapai.FilterForFinding(f)
	}
	r, err := pcapai.Open(file)
	if err != nil {
		fail(err)
	}
	defer r.Close()
	w, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	k, err := pcapai.Carve(ctx, r, flt, w, pcapai.Options{})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fail(err)
	}
	fmt.Printf("wrote %d packets to %s\n", k, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "carve:", err)
	os.Exit(1)
}
