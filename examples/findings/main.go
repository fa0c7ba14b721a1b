// Command findings prints a capture's findings, best first, with their
// ATT&CK techniques and evidence, then the ATT&CK matrix and the riskiest
// hosts.
//
//	go run ./examples/findings testdata/scan_nmap_syn.pcap
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/pcapai/pcapai"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: findings FILE")
		os.Exit(2)
	}
	r, err := pcapai.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "findings:", err)
		os.Exit(1)
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "findings:", err)
		if rep == nil {
			os.Exit(1)
		}
	}
	fmt.Printf("%d findings\n", len(rep.Findings))
	for i, f := range rep.Findings {
		var techs []string
		for _, t := range f.Techniques {
			techs = append(techs, fmt.Sprintf("%s %s (%.2f)", t.ID, t.Name, t.Confidence))
		}
		fmt.Printf("%3d %-8s %.3f %-24s %s\n", i, f.Severity, f.Score, f.Kind, f.Summary)
		fmt.Printf("      techniques: %s\n", strings.Join(techs, "; "))
		fmt.Printf("      evidence: %d frames %v\n      filter: %s\n", f.Evidence.FramesTotal, head(f.Evidence.Frames, 10), f.Evidence.DisplayFilter)
	}
	fmt.Printf("\nATT&CK %s matrix\n", rep.Attack.Version)
	for _, c := range rep.Attack.Tactics {
		fmt.Printf("  %s\n", c.Tactic)
		for _, t := range c.Techniques {
			fmt.Printf("    %-10s %-40s findings=%d max_confidence=%.2f max_severity=%s\n", t.ID, t.Name, t.Findings, t.MaxConfidence, t.MaxSeverity)
		}
	}
	fmt.Printf("\nhosts (%d, riskiest first)\n", rep.HostsTotal)
	for i, h := range rep.Hosts {
		if i == 10 {
			break
		}
		fmt.Printf("  %-39s risk=%.3f roles=%v out=%d in=%d peers=%d\n", h.Addr, h.Risk, h.Roles, h.BytesOut, h.BytesIn, h.Peers)
	}
}

func head(s []uint64, n int) []uint64 {
	if len(s) > n {
		return s[:n]
	}
	return s
}
