// Command sip prints the SIP calls and RTP streams of captures.
//
//	go run ./examples/sip testdata/sip_call_sipp.pcap
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pcapai/pcapai"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sip FILE...")
		os.Exit(2)
	}
	status := 0
	for _, name := range os.Args[1:] {
		r, err := pcapai.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sip:", err)
			status = 1
			continue
		}
		rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModSIP}})
		if err != nil {
			fmt.Fprintln(os.Stderr, "sip:", err)
			status = 1
		}
		if rep == nil || rep.SIP == nil {
			continue
		}
		s := rep.SIP
		fmt.Printf("%s: %d SIP messages (%d requests, %d responses), %d Call-IDs\n", name, s.Messages.Count, s.Messages.Requests, s.Messages.Responses, s.Messages.DistinctCallIDs)
		for _, c := range s.Calls {
			fmt.Printf("  call %s %s → %s: %s (status %d), setup %.0f ms, duration %.1f s\n", c.CallID, c.From, c.To, c.State, c.FinalStatus, c.SetupMS, c.DurationMS/1000)
		}
		for _, st := range s.RTPStreams {
			fmt.Printf("  rtp %s %v → %v %s: %d packets, %d lost, jitter max %.2f ms\n", st.SSRC, st.Src, st.Dst, st.Codec, st.Packets, st.Lost, st.MaxJitterMS)
		}
		for _, f := range rep.Findings {
			fmt.Printf("  finding %s [%s]: %s\n", f.Kind, f.Severity, f.Summary)
		}
	}
	os.Exit(status)
}
