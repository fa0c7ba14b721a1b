// Command analyze runs pcapai on capture files and prints a short summary
// (capture, top talkers, top flows, TCP issues, findings) or, with -json,
// the full Report. A directory argument analyzes every capture below it as
// one corpus (pcapai.AnalyzeCorpus), with a progress line on stderr when
// stderr is a terminal.
//
//	go run ./examples/analyze testdata/http_curl_local.pcap
//	go run ./examples/analyze -json capture.pcapng > report.json
//	go run ./examples/analyze ../shared/pcaps
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"time"

	"github.com/pcapai/pcapai/attack"

	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/flows"
)

func main() {
	asJSON := flag.Bool("json", false, "print the full Report as JSON")
	maxPackets := flag.Uint64("max-packets", 0, "stop after this many packets (0: all)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: analyze [-json] [-max-packets N] FILE...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	opts := pcapai.Options{MaxPackets: *maxPackets}
	for _, a := range flag.Args() {
		if st, err := os.Stat(a); err == nil && st.IsDir() {
			os.Exit(corpus(ctx, flag.Args(), opts, *asJSON))
		}
	}
	results := pcapai.AnalyzeFiles(ctx, flag.Args(), opts)
	status := 0
	for _, res := range results {
		if res.Err != nil {
			fmt.Fprintf(os.Stderr, "analyze: %v\n", res.Err)
			status = 1
			if res.Report == nil {
				continue
			}
		}
		if *asJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res.Report); err != nil {
				fmt.Fprintf(os.Stderr, "analyze: %v\n", err)
				status = 1
			}
			continue
		}
		summary(res.Report)
	}
	os.Exit(status)
}

func summary(r *pcapai.Report) {
	c := r.Capture
	fmt.Printf("== %s\n", r.File)
	fmt.Printf("format %s, link types %v, %d packets, %d bytes", c.Format, c.LinkTypes, c.Packets, c.Bytes)
	if c.Packets > 0 {
		fmt.Printf(", %s → %s (%.3f s)", c.First.Format(time.RFC3339Nano), c.Last.Format(time.RFC3339Nano), c.DurationS)
	}
	fmt.Println()
	d := r.Decode
	fmt.Printf("decode: %d ok, %d truncated, %d malformed, %d unsupported; %d flows\n", d.OK, d.Truncated, d.Malformed, d.Unsupported, len(r.Flows))
	for _, w := range r.Warnings {
		fmt.Printf("warning: %s\n", w)
	}
	if ov := r.Overview; ov != nil {
		fmt.Println("top talkers:")
		for i, e := range ov.Endpoints {
			if i == 5 {
				break
			}
			fmt.Printf("  %-40s tx %8d B  rx %8d B  %d flows\n", e.Addr, e.TxBytes, e.RxBytes, e.Flows)
		}
		fmt.Println("top flows:")
		for i, f := range ov.TopFlows {
			if i == 5 {
				break
			}
			fmt.Printf("  #%-4d %-6s %s → %s  %d pkts %d B  %.1f ms\n", f.ID, f.Proto, f.Src, f.Dst, f.Packets, f.Bytes, f.DurationMS)
		}
	}
	var protos []string
	if r.DNS != nil && r.DNS.Messages > 0 {
		protos = append(protos, fmt.Sprintf("DNS %d queries, %d responses, %d NXDOMAIN, %d unanswered", r.DNS.Queries, r.DNS.Responses, r.DNS.NXDomain, r.DNS.Unanswered))
	}
	if r.TLS != nil && r.TLS.ClientHellos > 0 {
		protos = append(protos, fmt.Sprintf("TLS/QUIC %d sessions, %d chains", len(r.TLS.Sessions), len(r.TLS.Chains)))
	}
	if r.HTTP != nil && r.HTTP.Totals.Requests > 0 {
		protos = append(protos, fmt.Sprintf("HTTP %d requests, %d responses", r.HTTP.Totals.Requests, r.HTTP.Totals.Responses))
	}
	if r.SIP != nil && r.SIP.Messages.Count > 0 {
		protos = append(protos, fmt.Sprintf("SIP %d messages, %d calls, %d RTP streams", r.SIP.Messages.Count, len(r.SIP.Calls), len(r.SIP.RTPStreams)))
	}
	if r.DHCP != nil {
		protos = append(protos, fmt.Sprintf("DHCP %d servers, %d leases", len(r.DHCP.Servers), len(r.DHCP.Leases)))
	}
	if r.ICMP != nil {
		protos = append(protos, fmt.Sprintf("ICMP %d echo pairs, %d unreachables", len(r.ICMP.Echo), len(r.ICMP.Unreachable)))
	}
	for _, p := range protos {
		fmt.Printf("protocols: %s\n", p)
	}
	issues := 0
	fl := append(r.Flows[:0:0], r.Flows...)
	sort.SliceStable(fl, func(i, j int) bool { return tcpIssues(fl[i]) > tcpIssues(fl[j]) })
	for _, f := range fl {
		if tcpIssues(f) == 0 {
			break
		}
		if issues == 0 {
			fmt.Println("TCP issues:")
		}
		if issues++; issues > 5 {
			break
		}
		t := f.TCPStats
		fmt.Printf("  #%-4d %s → %s  %s  retrans %d, dup acks %d, zero windows %d, out of order %d, lost %d\n",
			f.ID, f.Src, f.Dst, t.State, t.Retransmissions, t.DupAcks, t.ZeroWindows, t.OutOfOrder, t.LostSegments)
	}
	if len(r.Findings) > 0 {
		fmt.Printf("findings (%d):\n", len(r.Findings))
		for i, f := range r.Findings {
			if i == 10 {
				break
			}
			fmt.Printf("  [%s] %s  (%s)\n", f.Severity, f.Summary, f.Evidence.DisplayFilter)
		}
	}
	fmt.Println()
}

func tcpIssues(f *flows.Flow) int {
	t := f.TCPStats
	if t == nil {
		return 0
	}
	return t.Retransmissions + t.DupAcks + t.ZeroWindows + t.OutOfOrder + t.LostSegments
}

func corpus(ctx context.Context, paths []string, opts pcapai.Options, asJSON bool) int {
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		start := time.Now()
		var last time.Time
		opts.Progress = func(done, total int64) {
			if now := time.Now(); now.Sub(last) >= 200*time.Millisecond || done == total {
				last = now
				pct := 100.0
				if total > 0 {
					pct = 100 * float64(done) / float64(total)
				}
				fmt.Fprintf(os.Stderr, "\r%5.1f%%  %d / %d MB  %.0f MB/s ", pct, done>>20, total>>20, float64(done)/(1<<20)/max(now.Sub(start).Seconds(), 1e-3))
			}
		}
		defer fmt.Fprintln(os.Stderr)
	}
	cr, err := pcapai.AnalyzeCorpus(ctx, paths, opts)
	if cr == nil {
		fmt.Fprintf(os.Stderr, "analyze: %v\n", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(cr)
	} else {
		t := cr.Totals
		fmt.Printf("== corpus: %d files (%d failed), %d MB, %d packets, %d flows, %d findings, %d hosts, %.2f s\n",
			t.Files, t.Failed, t.FileSize>>20, t.Packets, t.Flows, t.Findings, cr.HostsTotal, t.ElapsedS)
		for _, f := range cr.Files {
			e := ""
			if f.Error != "" {
				e = "  error: " + f.Error
			}
			fmt.Printf("  %-50s %8d pkts %6d flows %4d findings%s\n", f.Path, f.Packets, f.Flows, f.Findings, e)
		}
		fmt.Println("findings by severity:")
		bySev := map[attack.Severity]int{}
		for _, f := range cr.Findings {
			bySev[f.Severity]++
		}
		for s := attack.Critical; ; s-- {
			if bySev[s] > 0 {
				fmt.Printf("  %-8s %d\n", s, bySev[s])
			}
			if s == 0 {
				break
			}
		}
		for i, f := range cr.Findings {
			if i == 10 {
				break
			}
			fmt.Printf("  [%s] %s  (%s)\n", f.Severity, f.Summary, f.Evidence.File)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "analyze: %v\n", err)
		return 1
	}
	return 0
}
