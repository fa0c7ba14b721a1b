// Command dns prints a DNS summary of a capture file.
//
//	go run ./examples/dns capture.pcap
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pcapai/pcapai"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dns FILE")
		os.Exit(2)
	}
	r, err := pcapai.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModDNS}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := rep.DNS
	fmt.Printf("DNS: %d messages, %d queries, %d responses, %d NXDOMAIN, %d unanswered, %d distinct names, %d malformed\n",
		s.Messages, s.Queries, s.Responses, s.NXDomain, s.Unanswered, s.DistinctQNames, s.Malformed)
	fmt.Printf("query types %v, rcodes %v\n", s.QTypes, s.RCodes)
	if s.ResponseTime.Count > 0 {
		fmt.Printf("response time: p50 %.1f ms, p90 %.1f ms, max %.1f ms\n", s.ResponseTime.P50MS, s.ResponseTime.P90MS, s.ResponseTime.MaxMS)
	}
	fmt.Println("top names:")
	for _, n := range s.TopQNames {
		fmt.Printf("  %6d  %s\n", n.Count, n.Name)
	}
	fmt.Println("top registered domains:")
	for _, n := range s.TopDomains {
		fmt.Printf("  %6d  %s\n", n.Count, n.Name)
	}
	if s.MDNS != nil {
		fmt.Printf("mDNS: %d messages, %d queries, %d responses\n", s.MDNS.Messages, s.MDNS.Queries, s.MDNS.Responses)
	}
	if s.LLMNR != nil {
		fmt.Printf("LLMNR: %d messages, %d queries, %d responses\n", s.LLMNR.Messages, s.LLMNR.Queries, s.LLMNR.Responses)
	}
	for _, f := range rep.Findings {
		fmt.Printf("finding %s (%s, %.2f): %s\n", f.Kind, f.Severity, f.Score, f.Summary)
	}
}
