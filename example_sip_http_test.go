package pcapai_test

import (
	"context"
	"fmt"

	"github.com/pcapai/pcapai"
)

// A SIP call recorded between two SIPp user agents: its dialog and the RTP
// stream its SDP announced.
func ExampleAnalyze_sip() {
	r, err := pcapai.Open("testdata/sip_call_sipp.pcap")
	if err != nil {
		panic(err)
	}
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModSIP}})
	if err != nil {
		panic(err)
	}
	c := rep.SIP.Calls[0]
	fmt.Println(c.State, c.FinalStatus, c.Media[0].Codecs)
	st := rep.SIP.RTPStreams[0]
	fmt.Println(st.Codec, st.Packets, st.Lost, st.MaxJitterMS)
	// Output:
	// completed 200 [PCMA/8000 telephone-event/8000]
	// PCMA 236 0 4.981
}

// Cleartext logins recorded with curl, pyftpdlib and a telnet-like server;
// secrets are masked unless Options.RevealSecrets is set.
func ExampleAnalyze_credentials() {
	r, err := pcapai.Open("testdata/logins_http_ftp_telnet.pcap")
	if err != nil {
		panic(err)
	}
	rep, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: []string{pcapai.ModCreds, pcapai.ModHTTP}})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.HTTP.Totals.Requests, "HTTP requests")
	for _, f := range rep.Findings {
		fmt.Println(f.Kind, f.Features[0].Text, f.Features[2].Text, f.Evidence.Frames)
	}
	// Output:
	// 2 HTTP requests
	// cleartext_credentials http-basic S*****! (7) [4]
	// cleartext_credentials http-form S*****! (7) [16]
	// cleartext_credentials ftp S*****! (7) [31 32]
	// cleartext_credentials telnet S*****! (7) [64]
}
