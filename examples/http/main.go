// Command http lists the HTTP/1.x requests of captures and the cleartext
// credentials found in them (masked unless -reveal).
//
//	go run ./examples/http testdata/logins_http_ftp_telnet.pcap
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/pcapai/pcapai"
)

func main() {
	reveal := flag.Bool("reveal", false, "show secrets unmasked")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: http [-reveal] FILE...")
		os.Exit(2)
	}
	status := 0
	for _, name := range flag.Args() {
		r, err := pcapai.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "http:", err)
			status = 1
			continue
		}
		opts := pcapai.Options{Modules: []string{pcapai.ModHTTP, pcapai.ModCreds}, RevealSecrets: *reveal}
		rep, err := pcapai.Analyze(context.Background(), r, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "http:", err)
			status = 1
		}
		if rep == nil || rep.HTTP == nil {
			continue
		}
		h := rep.HTTP
		fmt.Printf("%s: %d requests, %d responses\n", name, h.Totals.Requests, h.Totals.Responses)
		for _, q := range h.Requests {
			st := "-"
			if q.Response != nil {
				st = fmt.Sprintf("%d in %.1f ms", q.Response.Status, q.Response.ResponseTimeMS)
			}
			fmt.Printf("  #%d %s http://%s%s → %s\n", q.Frame, q.Method, q.Host, q.URI, st)
		}
		for _, f := range rep.Findings {
			fmt.Printf("  %s: %s (frames %v)\n", f.Kind, f.Summary, f.Evidence.Frames)
		}
	}
	os.Exit(status)
}
