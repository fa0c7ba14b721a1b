package pcapai_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
		if f.Kind == dnsx.KindTunnel && strings.Contains(f.Summary, "pirate.sea") {
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

// checkFilter runs tshark with the finding's display filter and compares
// the frames it selects with the evidence frames.
func checkFilter(t *testing.T, file, filter string, frames []uint64) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Log("tshark not installed; display filter not checked")
		return
	}
	out, err := exec.Command("tshark", "-r", file, "-Y", filter, "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark -Y %q: %v", filter, err)
	}
	var got []uint64
	for _, l := range strings.Fields(string(out)) {
		n, _ := strconv.ParseUint(l, 10, 64)
		got = append(got, n)
	}
	if !slices.Equal(got, frames) {
		t.Errorf("tshark -Y %q selects %v; evidence frames %v", filter, got, frames)
	}
}
