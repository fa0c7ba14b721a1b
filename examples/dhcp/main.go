// Command dhcp prints the DHCP servers, leases and findings of a capture.
//
//	go run ./examples/dhcp testdata/dhcp_rogue_dnsmasq.pcap
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pcapai/pcapai"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dhcp FILE")
		os.Exit(2)
	}
	r, err := pcapai.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModDHCP}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if rep.DHCP == nil {
		fmt.Println("no DHCP")
		return
	}
	fmt.Println("messages:", rep.DHCP.Messages)
	for _, s := range rep.DHCP.Servers {
		fmt.Printf("server %s (%s): %d offers, %d acks, %d naks, router %v, dns %v\n", s.Addr, s.MAC, s.Offers, s.Acks, s.Naks, s.Routers, s.DNS)
	}
	for _, l := range rep.DHCP.Leases {
		fmt.Printf("lease %s → %s %q from %s at %s\n", l.MAC, l.Addr, l.Hostname, l.Server, l.First.Format("15:04:05.000"))
	}
	for _, f := range rep.Findings {
		fmt.Printf("[%s] %s: %s\n", f.Severity, f.Kind, f.Summary)
	}
}
