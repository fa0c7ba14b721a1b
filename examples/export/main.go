// Command export analyzes captures and writes their results as Zeek logs
// (TSV or JSON) and Parquet tables, one subdirectory of -out per capture.
//
//	go run ./examples/export -zeek tsv -parquet -out /tmp/out testdata/dns_dnsmasq.pcap
//	duckdb -c "select app, count(*) from '/tmp/out/*/flows.parquet' group by app"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/pcapai/pcapai"
)

func main() {
	zeek := flag.String("zeek", "", "write Zeek logs: tsv or json (empty: none)")
	pq := flag.Bool("parquet", false, "write Parquet tables")
	out := flag.String("out", "", "output directory (required)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: export [-zeek tsv|json] [-parquet] -out DIR FILE...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() == 0 || (*zeek == "" && !*pq) {
		flag.Usage()
		os.Exit(2)
	}
	var format pcapai.ZeekFormat
	switch *zeek {
	case "", "tsv":
		format = pcapai.ZeekTSV
	case "json":
		format = pcapai.ZeekJSON
	default:
		fmt.Fprintf(os.Stderr, "export: -zeek %q: want tsv or json\n", *zeek)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := pcapai.Options{}
	opts.DNS.Transactions = 1 << 20
	status := 0
	for _, res := range pcapai.AnalyzeFiles(ctx, flag.Args(), opts) {
		if res.Err != nil {
			fmt.Fprintf(os.Stderr, "export: %v\n", res.Err)
			status = 1
			if res.Report == nil {
				continue
			}
		}
		dir := filepath.Join(*out, strings.TrimSuffix(filepath.Base(res.Path), filepath.Ext(res.Path)))
		if flag.NArg() == 1 {
			dir = *out
		}
		if *zeek != "" {
			if err := pcapai.WriteZeekLogs(res.Report, dir, format); err != nil {
				fmt.Fprintf(os.Stderr, "export: %v\n", err)
				status = 1
			}
		}
		if *pq {
			if err := pcapai.WriteParquet(res.Report, dir); err != nil {
				fmt.Fprintf(os.Stderr, "export: %v\n", err)
				status = 1
			}
		}
		fmt.Fprintf(os.Stderr, "%s → %s (%d flows, %d findings)\n", res.Path, dir, len(res.Report.Flows), len(res.Report.Findings))
	}
	os.Exit(status)
}
