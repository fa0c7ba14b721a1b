package pcapai_test

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// typeNum maps the mnemonics dnsx reports back to the numbers truth.json
// is keyed by (IANA DNS parameters), for the types the corpus holds.
var typeNum = map[string]string{"A": "1", "NS": "2", "CNAME": "5", "SOA": "6", "NULL": "10", "PTR": "12", "MX": "15", "TXT": "16", "AAAA": "28", "SRV": "33", "DNSKEY": "48", "ANY": "255"}

var rcodeNum = map[string]string{"NOERROR": "0", "FORMERR": "1", "SERVFAIL": "2", "NXDOMAIN": "3", "NOTIMP": "4", "REFUSED": "5"}

func analyzeFile(t *testing.T, path string, opts pcapai.Options) *pcapai.Report {
	t.Helper()
	r, err := pcapai.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := pcapai.Analyze(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func numbered(m map[string]uint64, names map[string]string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		n, ok := names[k]
		if !ok {
			n = k
		}
		out[n] += float64(v)
	}
	return out
}

// quotedInICMP are DNS messages tshark counts inside ICMP errors (the
// quoted original datagram of a port unreachable): they are copies, not
// DNS messages on the wire, and dnsx does not count them. gre-sample.pcap
// frames 34 and 36 are ICMP port unreachables quoting the queries of
// frames 33 and 35 (tshark -r gre-sample.pcap -Y dns).
var quotedInICMP = map[string]struct {
	queries float64
	qtype   string
	name    string
}{
	"gre-sample.pcap": {2, "255", "www.gleeble.org"},
}

func compareCounts(t *testing.T, file, section string, truth map[string]any, got *dnsx.Counts) {
	t.Helper()
	if q, ok := quotedInICMP[file]; ok && section == "dns" {
		c := *got
		c.Messages += uint64(q.queries)
		c.Queries += uint64(q.queries)
		c.QTypes = map[string]uint64{}
		for k, v := range got.QTypes {
			c.QTypes[k] = v
		}
		for k, v := range typeNum {
			if v == q.qtype {
				c.QTypes[k] += uint64(q.queries)
			}
		}
		c.TopQNames = slices.Clone(got.TopQNames)
		for i := range c.TopQNames {
			if c.TopQNames[i].Name == q.name {
				c.TopQNames[i].Count += uint64(q.queries)
			}
		}
		got = &c
	}
	if got == nil {
		got = &dnsx.Counts{}
	}
	for _, c := range []struct {
		key string
		got float64
	}{
		{"messages", float64(got.Messages)},
		{"queries", float64(got.Queries)},
		{"responses", float64(got.Responses)},
		{"nxdomain", float64(got.NXDomain)},
		{"distinct_qnames", float64(got.DistinctQNames)},
	} {
		if want, ok := pcaptest.Num(truth, c.key); ok && want != c.got {
			t.Errorf("%s %s.%s = %v; tshark %v", file, section, c.key, c.got, want)
		}
	}
	for _, m := range []struct {
		key   string
		got   map[string]float64
		names map[string]string
	}{
		{"query_types", numbered(got.QTypes, typeNum), typeNum},
		{"rcodes", numbered(got.RCodes, rcodeNum), rcodeNum},
	} {
		want, _ := truth[m.key].(map[string]any)
		for k, v := range want {
			if m.got[k] != v.(float64) {
				t.Errorf("%s %s.%s[%s] = %v; tshark %v", file, section, m.key, k, m.got[k], v)
			}
		}
		if len(m.got) != len(want) {
			t.Errorf("%s %s.%s = %v; tshark %v", file, section, m.key, m.got, want)
		}
	}
	top, _ := truth["top_qnames"].([]any)
	for _, e := range top {
		pair := e.([]any)
		name, n := pair[0].(string), pair[1].(float64)
		if strings.ContainsRune(name, '\ufffd') {
			continue // tshark shows non-UTF-8 label bytes as U+FFFD; dnsx keeps them as \DDD escapes
		}
		i := slices.IndexFunc(got.TopQNames, func(c dnsx.NameCount) bool { return c.Name == name })
		if i < 0 {
			if len(got.TopQNames) < 20 {
				t.Errorf("%s %s top name %q missing from %v", file, section, name, got.TopQNames)
			}
			continue
		}
		if float64(got.TopQNames[i].Count) != n {
			t.Errorf("%s %s top name %q = %d; tshark %v", file, section, name, got.TopQNames[i].Count, n)
		}
	}
}

// TestDNSTruth compares the dns and mdns sections of the shared corpus's
// truth.json (tshark 4.0.17 field counts) with dnsx on every file that has
// one. dnsx counts DNS inside reassembled IP fragments and TCP streams as
// tshark does, so every figure matches.
func TestDNSTruth(t *testing.T) {
	dir, entries := pcaptest.SharedTruth(t)
	n := 0
	for _, e := range entries {
		dt, hasDNS := e.Truth["dns"].(map[string]any)
		mt, hasMDNS := e.Truth["mdns"].(map[string]any)
		if !hasDNS && !hasMDNS {
			continue
		}
		n++
		t.Run(e.Name, func(t *testing.T) {
			rep := analyzeFile(t, filepath.Join(dir, e.Name), pcapai.Options{Modules: []string{pcapai.ModDNS}})
			if rep.DNS == nil {
				t.Fatal("no DNS section")
			}
			if hasDNS {
				compareCounts(t, e.Name, "dns", dt, &rep.DNS.Counts)
			}
			if hasMDNS {
				compareCounts(t, e.Name, "mdns", mt, rep.DNS.MDNS)
			}
		})
	}
	if n < 10 {
		t.Errorf("only %d files with dns truth", n)
	}
}

func TestDNSFindingsShared(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	rep := analyzeFile(t, filepath.Join(dir, "dns-tunnel-iodine.pcap"), pcapai.Options{})
	var tunnel bool
	for _, f := range rep.Findings {
		if f.Kind == dnsx.FindingTunnel && strings.Contains(f.Summary, "pirate.sea") {
			tunnel = true
			checkFilter(t, filepath.Join(dir, "dns-tunnel-iodine.pcap"), f.Evidence.DisplayFilter, f.Evidence.Frames)
			if f.Evidence.FramesTotal < 400 || len(f.Evidence.Flows) == 0 {
				t.Errorf("tunnel evidence: %d frames total, flows %v; want ≥ 400 (434 DNS messages) and a flow", f.Evidence.FramesTotal, f.Evidence.Flows)
			}
		}
	}
	if !tunnel {
		t.Errorf("iodine: no dns_tunnel finding for pirate.sea: %+v", rep.Findings)
	}
	for _, file := range []string{"http-dns-wikipedia.pcap", "dns-edns-ecs.pcap", "scan-nmap-vsn.pcap"} {
		rep := analyzeFile(t, filepath.Join(dir, file), pcapai.Options{})
		for _, f := range rep.Findings {
			if f.Source == "dnsx" {
				t.Errorf("%s: unexpected %s finding: %s", file, f.Kind, f.Summary)
			}
		}
	}
}

// checkFilter compares the frames tshark selects with the finding's display
// filter with the evidence frames.
func checkFilter(t *testing.T, file, filter string, frames []uint64) {
	t.Helper()
	if !pcaptest.HaveTshark() {
		t.Log("tshark not installed; display filter not checked")
		return
	}
	if got := pcaptest.TsharkFrames(t, file, filter); !slices.Equal(got, frames) {
		t.Errorf("tshark -Y %q selects %v; evidence frames %v", filter, got, frames)
	}
}

// TestDNSRecordings checks the captures recorded by testdata/record/dns.sh
// (dnsmasq and dig in network namespaces) against their tshark truth in
// testdata/truth.json (testdata/record/dns_truth.py), and the detectors
// against what the script did.
func TestDNSRecordings(t *testing.T) {
	truth := pcaptest.LocalTruth(t)
	for _, c := range []struct {
		file string
		want []string // finding kinds from dnsx, sorted
		why  string
	}{
		{"dns_dnsmasq_mixed.pcap", nil, "ordinary resolver traffic"},
		{"dns_benign_cdn.pcap", nil, "60 CDN edge names under akamaiedge.net and long normal names are benign"},
		{"dns_tunnel_dig.pcap", []string{dnsx.FindingNXDomainBurst, dnsx.FindingTunnel}, "80 base32 TXT/NULL queries under tunnel.test, all NXDOMAIN from dnsmasq"},
		{"dns_dga_nxdomain.pcap", []string{dnsx.FindingDGA, dnsx.FindingNXDomainBurst}, "40 generated .com names, all NXDOMAIN"},
	} {
		t.Run(c.file, func(t *testing.T) {
			tr, ok := truth[c.file]["dns"].(map[string]any)
			if !ok {
				t.Fatalf("no truth for %s", c.file)
			}
			path := filepath.Join(pcaptest.TestdataDir(), c.file)
			rep := analyzeFile(t, path, pcapai.Options{})
			compareCounts(t, c.file, "dns", tr, &rep.DNS.Counts)
			if want, _ := pcaptest.Num(tr, "truncated"); float64(rep.DNS.Truncated) != want {
				t.Errorf("truncated = %d; tshark %v", rep.DNS.Truncated, want)
			}
			// tshark counts each unanswered query message; dnsx counts
			// transactions, a retry (same ID and question) being one.
			if want, _ := pcaptest.Num(tr, "unanswered_queries"); float64(rep.DNS.Unanswered+rep.DNS.Retries) != want {
				t.Errorf("unanswered %d + retries %d; tshark %v unanswered queries", rep.DNS.Unanswered, rep.DNS.Retries, want)
			}
			var kinds []string
			for _, f := range rep.Findings {
				if f.Source != "dnsx" {
					continue
				}
				kinds = append(kinds, f.Kind)
				checkFilter(t, path, f.Evidence.DisplayFilter, f.Evidence.Frames)
				if len(f.Features) == 0 || len(f.Techniques) == 0 || len(f.Evidence.Flows) == 0 {
					t.Errorf("%s: finding without features, techniques or flows: %+v", f.Kind, f)
				}
			}
			slices.Sort(kinds)
			if !slices.Equal(kinds, c.want) {
				t.Errorf("findings %v; want %v (%s)", kinds, c.want, c.why)
			}
		})
	}
}

// TestDNSMixedDetails checks what the recording script did in
// dns_dnsmasq_mixed.pcap: dig +noedns big.test gets 40 A records, TC set
// (tshark frame 23 dns.flags.truncated==1), and retries over TCP (frame 27);
// @10.53.0.9 never answers two tries with one ID; x.fail.test is dropped by
// dnsmasq; refused.org is REFUSED.
func TestDNSMixedDetails(t *testing.T) {
	rep := analyzeFile(t, filepath.Join(pcaptest.TestdataDir(), "dns_dnsmasq_mixed.pcap"), pcapai.Options{})
	s := rep.DNS
	if s.TCPRetries != 1 || s.Truncated != 1 {
		t.Errorf("truncated %d, TCP retries %d; want 1 and 1", s.Truncated, s.TCPRetries)
	}
	if s.Unanswered != 2 || s.Retries != 1 {
		t.Errorf("unanswered %d, retries %d; want 2 (x.fail.test, unreachable.example.test) and 1", s.Unanswered, s.Retries)
	}
	if s.OverTCP != 4 {
		t.Errorf("over TCP %d; want 4 (tshark frames 6, 8, 27, 29)", s.OverTCP)
	}
	client, srv := netip.MustParseAddr("10.53.0.2"), netip.MustParseAddr("10.53.0.80")
	if got := s.NamesFor(client, srv); !slices.Equal(got, []string{"www.example.test"}) {
		t.Errorf("NamesFor(%v, %v) = %v; want [www.example.test] (dnsmasq --address)", client, srv, got)
	}
	var big int
	for _, a := range s.Answers {
		if a.Name == "big.test" && a.Type == "A" {
			big++
		}
	}
	if big != 40 {
		t.Errorf("big.test A answers %d; want 40 (--host-record ×40)", big)
	}
	for _, f := range rep.Flows {
		if f.Dst.Port() == 53 && f.App != "dns" {
			t.Errorf("flow %v → %v App %q; want dns", f.Src, f.Dst, f.App)
		}
	}
}

func ExampleDNSStats() {
	r, err := pcapai.Open("testdata/dns_dnsmasq_mixed.pcap")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	s, err := pcapai.DNSStats(context.Background(), r, pcapai.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Queries, "queries,", s.Responses, "responses,", s.NXDomain, "NXDOMAIN,", s.Unanswered, "unanswered")
	fmt.Println("truncated:", s.Truncated, "retried over TCP:", s.TCPRetries)
	for _, n := range s.TopQNames[:3] {
		fmt.Println(n.Count, n.Name)
	}
	// Output:
	// 11 queries, 8 responses, 1 NXDOMAIN, 2 unanswered
	// truncated: 1 retried over TCP: 1
	// 4 big.test
	// 4 www.example.test
	// 2 nosuch.example.test
}

func BenchmarkIodine(b *testing.B) {
	dir := pcaptest.SharedDir(b)
	path := filepath.Join(dir, "dns-tunnel-iodine.pcap")
	for _, mods := range [][]string{{"flows"}, {pcapai.ModDNS}} {
		b.Run(mods[0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := pcapai.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := pcapai.Analyze(context.Background(), r, pcapai.Options{Modules: mods}); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
	}
}
