// Command icmp prints the echo pairs, unreachables, traceroutes and
// findings of a capture.
//
//	go run ./examples/icmp testdata/icmp_traceroute_netns.pcap
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pcapai/pcapai"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: icmp FILE")
		os.Exit(2)
	}
	r, err := pcapai.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModICMP}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if rep.ICMP == nil {
		fmt.Println("no ICMP")
		return
	}
	for _, e := range rep.ICMP.Echo {
		fmt.Printf("echo %s → %s: sent %d, answered %d, loss %.1f%%, rtt %.3f/%.3f/%.3f ms\n",
			e.Src, e.Dst, e.Sent, e.Answered, e.LossPct, e.RTTMinMS, e.RTTAvgMS, e.RTTMaxMS)
	}
	for _, u := range rep.ICMP.Unreachable {
		fmt.Printf("unreachable from %s: %s for %s %s → %s (flow %d)\n", u.Reporter, u.CodeName, u.Original.Proto, u.Original.Src, u.Original.Dst, u.FlowID)
	}
	for _, t := range rep.ICMP.Traceroutes {
		fmt.Printf("traceroute %s → %s (%s), reached %v\n", t.Src, t.Dst, t.Proto, t.Reached)
		for _, h := range t.Hops {
			fmt.Printf("  %2d  %s  %.3f ms\n", h.TTL, h.Router, h.RTTMS)
		}
	}
	for _, f := range rep.Findings {
		fmt.Printf("[%s] %s: %s\n", f.Severity, f.Kind, f.Summary)
	}
}
