package pcapai_test

import (
	"context"
	"fmt"
	"log"

	"github.com/pcapai/pcapai"
)

// Analyze a capture recorded from curl fetching pages from a local web
// server, and print its flows.
func ExampleAnalyze() {
	r, err := pcapai.Open("testdata/http_curl_local.pcap")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{"overview"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Capture.Format, rep.Capture.Packets, "packets")
	for _, f := range rep.Flows {
		fmt.Println(f.Proto, f.Src, "->", f.Dst, f.Packets, "packets", f.TCPStats.State)
	}
	// Output:
	// pcap 109 packets
	// tcp 10.99.1.1:40086 -> 10.99.1.2:8080 64 packets SF
	// tcp 10.99.1.1:40090 -> 10.99.1.2:8080 43 packets SF
}

// Flows returns the flow table alone. The capture reuses one client port
// for four connections; like tshark, pcapai counts four conversations.
func ExampleFlows() {
	r, err := pcapai.Open("testdata/tcp_port_reuse.pcap")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fl, err := pcapai.Flows(context.Background(), r, pcapai.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fl {
		fmt.Println(f.ID, f.Src, "->", f.Dst, f.TCPStats.State, f.TCPStats.History)
	}
	// Output:
	// 1 10.99.4.1:40000 -> 10.99.4.2:8000 SF ShADadfF
	// 2 10.99.4.1:40000 -> 10.99.4.2:8000 SF ShADadfF
	// 3 10.99.4.1:40000 -> 10.99.4.2:8000 SF ShADadfF
	// 4 10.99.4.1:40000 -> 10.99.4.2:8000 RSTO ShADaR
}
