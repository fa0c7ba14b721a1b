package pcapai

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func runFile(t *testing.T, path string, opts Options) *Report {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	opts.noRecover = true
	rep, err := Analyze(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func truthMap(m map[string]any, keys ...string) map[string]float64 {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	mm, ok := cur.(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]float64{}
	for k, v := range mm {
		f, _ := v.(float64)
		out[k] = f
	}
	return out
}

// TestSIPTruth compares the sip section with tshark's sip.Method and
// sip.Status-Code counts (truth.json) for every shared file that has them.
func TestSIPTruth(t *testing.T) {
	t.Parallel()
	dir, entries := pcaptest.SharedTruth(t)
	n := 0
	for _, e := range entries {
		if _, ok := e.Truth["sip"]; !ok {
			continue
		}
		n++
		t.Run(e.Name, func(t *testing.T) {
			rep := runFile(t, filepath.Join(dir, e.Name), Options{Modules: []string{ModSIP}})
			s := rep.SIP
			if want, _ := pcaptest.Num(e.Truth, "sip", "messages"); s.Messages.Count != uint64(want) {
				t.Errorf("messages = %d, tshark %v", s.Messages.Count, want)
			}
			if want, _ := pcaptest.Num(e.Truth, "sip", "distinct_call_ids"); s.Messages.DistinctCallIDs != int(want) {
				t.Errorf("distinct call ids = %d, tshark %v", s.Messages.DistinctCallIDs, want)
			}
			got := map[string]float64{}
			for _, m := range s.Messages.ByMethod {
				got[m.Method] = float64(m.Count)
			}
			if want := truthMap(e.Truth, "sip", "requests_by_method"); !mapsEqual(got, want) {
				t.Errorf("requests by method = %v, tshark %v", got, want)
			}
			got = map[string]float64{}
			for _, m := range s.Messages.ByStatus {
				got[strconv.Itoa(m.Status)] = float64(m.Count)
			}
			if want := truthMap(e.Truth, "sip", "responses_by_status"); !mapsEqual(got, want) {
				t.Errorf("responses by status = %v, tshark %v", got, want)
			}
		})
	}
	if n == 0 {
		t.Fatal("no shared file has a sip section")
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// httpResponseDiff holds the explained differences from tshark's response
// count: tshark (http.desegment_body on, its default) counts a response
// only once its body is fully reassembled, and we count it when its header
// block is complete.
var httpResponseDiff = map[string]int{
	// Frame 97 (tcp.stream 2) answers /js/jquery.cycle.all.min.js, but
	// frame 179 is marked tcp.analysis.lost_segment inside its body, so
	// tshark never completes it: 30 vs our 31.
	"http-bro-org.pcap": 1,
	// Frame 957's 206 body is cut by the snap length; with
	// -o http.desegment_body:FALSE tshark shows 3 responses (5, 957, 1307).
	"http-206-ranges.pcap": 1,
}

// TestHTTPTruth compares the http totals with tshark's (truth.json).
func TestHTTPTruth(t *testing.T) {
	t.Parallel()
	dir, entries := pcaptest.SharedTruth(t)
	n := 0
	for _, e := range entries {
		if _, ok := e.Truth["http"]; !ok {
			continue
		}
		n++
		t.Run(e.Name, func(t *testing.T) {
			rep := runFile(t, filepath.Join(dir, e.Name), Options{Modules: []string{ModHTTP}})
			h := rep.HTTP
			if want, _ := pcaptest.Num(e.Truth, "http", "requests"); h.Totals.Requests != uint64(want) {
				t.Errorf("requests = %d, tshark %v", h.Totals.Requests, want)
			}
			if want, _ := pcaptest.Num(e.Truth, "http", "responses"); int(h.Totals.Responses) != int(want)+httpResponseDiff[e.Name] {
				t.Errorf("responses = %d, tshark %v (+%d explained)", h.Totals.Responses, want, httpResponseDiff[e.Name])
			}
			got := map[string]float64{}
			for _, m := range h.Totals.Methods {
				got[m.Name] = float64(m.Count)
			}
			if want := truthMap(e.Truth, "http", "methods"); !mapsEqual(got, want) {
				t.Errorf("methods = %v, tshark %v", got, want)
			}
			got = map[string]float64{}
			for _, m := range h.Totals.Hosts {
				got[m.Name] = float64(m.Count)
			}
			if want := truthMap(e.Truth, "http", "hosts"); !mapsEqual(got, want) {
				t.Errorf("hosts = %v, tshark %v", got, want)
			}
			if len(h.Requests) != int(h.Totals.Requests) {
				t.Errorf("listed %d requests of %d", len(h.Requests), h.Totals.Requests)
			}
		})
	}
	if n == 0 {
		t.Fatal("no shared file has an http section")
	}
}

// TestSMTPAuthLogin: smtp.pcap carries AUTH LOGIN (tshark: frame 10 "AUTH
// LOGIN", smtp.auth.username Z3VycGFydGFwQHBhdHJpb3RzLmlu in frame 12,
// smtp.auth.password cHVuamFiQDEyMw== in frame 14, "235 Authentication
// succeeded" in frame 15).
func TestSMTPAuthLogin(t *testing.T) {
	t.Parallel()
	dir := pcaptest.SharedDir(t)
	path := filepath.Join(dir, "smtp.pcap")
	for _, reveal := range []bool{false, true} {
		rep := runFile(t, path, Options{Modules: []string{ModCreds}, RevealSecrets: reveal})
		fs := findingsOf(rep, "cleartext_credentials")
		if len(fs) != 1 {
			t.Fatalf("reveal=%v: %d credential findings, want 1: %+v", reveal, len(fs), fs)
		}
		f := fs[0]
		secret := "p********3 (10)"
		if reveal {
			secret = "punjab@123"
		}
		if !strings.Contains(f.Summary, `"gurpartap@patriots.in"`) || !strings.Contains(f.Summary, secret) || !strings.Contains(f.Summary, "accepted") {
			t.Errorf("summary %q; want user, secret %q, accepted", f.Summary, secret)
		}
		if !slices.Equal(f.Evidence.Frames, []uint64{14, 15}) {
			t.Errorf("frames %v, want [14 15]", f.Evidence.Frames)
		}
		checkFilter(t, path, f.Evidence)
	}
}

// checkFilter checks that the evidence's display filter selects the
// evidence frames in tshark (skipped without tshark).
func checkFilter(t *testing.T, path string, ev attack.Evidence) {
	t.Helper()
	if !pcaptest.HaveTshark() {
		return
	}
	got := pcaptest.TsharkFrames(t, path, ev.DisplayFilter)
	for _, f := range ev.Frames {
		if !slices.Contains(got, f) {
			t.Errorf("filter %q does not select frame %d (tshark: %v)", ev.DisplayFilter, f, got)
		}
	}
}

// TestSIPFindingsWireshark: sip-wireshark.pcap has 14 401s, 3 403s and 3
// 407s; the 403s and the challenges answering requests that carried
// credentials are failures of 192.168.1.2, below the brute-force
// threshold. The INVITEs dial 0097239287044, an international number.
func TestSIPFindingsWireshark(t *testing.T) {
	t.Parallel()
	dir := pcaptest.SharedDir(t)
	path := filepath.Join(dir, "sip-wireshark.pcap")
	rep := runFile(t, path, Options{})
	for _, kind := range []string{"sip_auth_failure", "sip_unusual_destination", "cleartext_credentials"} {
		fs := findingsOf(rep, kind)
		if len(fs) == 0 {
			t.Errorf("no %s finding", kind)
		}
		for _, f := range fs {
			checkFilter(t, path, f.Evidence)
		}
	}
	if fs := findingsOf(rep, "sip_brute_force"); len(fs) != 0 {
		t.Errorf("unexpected brute force: %v", fs[0].Summary)
	}
	for _, f := range rep.Flows {
		if f.Dst.Port() == 5060 && f.App != "sip" {
			t.Errorf("flow %v App %q, want sip", f.Key(), f.App)
		}
	}
}

// TestHTTPResponseTimesTshark compares request/response pairing and
// response times with tshark's http.request_in and http.time, taken with
// -o http.desegment_body:FALSE so that tshark's response frame is the one
// completing the headers, as ours is. Every response tshark pairs must
// match ours exactly; we may see more (in http-bro-org.pcap, frames 218,
// 236 and 243 start mid-segment after the previous body, where tshark
// without body reassembly does not look).
func TestHTTPResponseTimesTshark(t *testing.T) {
	t.Parallel()
	dir := pcaptest.SharedDir(t)
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for _, name := range []string{"http-dns-wikipedia.pcap", "http-bro-org.pcap", "http-web.pcap", "vlan-http.pcap"} {
		path := filepath.Join(dir, name)
		rep := runFile(t, path, Options{Modules: []string{ModHTTP}})
		ours := map[string]string{}
		for _, q := range rep.HTTP.Requests {
			if r := q.Response; r != nil {
				ours[strconv.FormatUint(r.Frame, 10)] = fmt.Sprintf("%d %.3f", q.Frame, r.ResponseTimeMS)
			}
		}
		out, err := exec.Command("tshark", "-r", path, "-o", "http.desegment_body:FALSE", "-Y", "http.response",
			"-T", "fields", "-e", "frame.number", "-e", "http.request_in", "-e", "http.time").Output()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 {
				continue
			}
			n++
			sec, _ := strconv.ParseFloat(f[2], 64)
			want := fmt.Sprintf("%s %.3f", f[1], sec*1000)
			if ours[f[0]] != want {
				t.Errorf("%s: response frame %s: ours %q, tshark %q", name, f[0], ours[f[0]], want)
			}
		}
		if n == 0 || len(ours) < n {
			t.Errorf("%s: tshark %d responses, ours %d", name, n, len(ours))
		}
	}
}

// TestHTTPDownloadsTshark: the downloads are the responses tshark shows
// (-o http.desegment_body:FALSE) with http.content_type
// application/octet-stream: sll2-medium.pcap frame 6 (2598670 bytes),
// http-206-ranges.pcap frames 5, 957 and 1307 (206 partial content).
func TestHTTPDownloadsTshark(t *testing.T) {
	t.Parallel()
	dir := pcaptest.SharedDir(t)
	for name, want := range map[string][]string{
		"sll2-medium.pcap":     {"6 application/octet-stream 2598670"},
		"http-206-ranges.pcap": {"5 application/octet-stream 816896", "957 application/octet-stream 206024", "1307 application/octet-stream 206024"},
	} {
		rep := runFile(t, filepath.Join(dir, name), Options{Modules: []string{ModHTTP}})
		var got []string
		for _, d := range rep.HTTP.Downloads {
			got = append(got, fmt.Sprintf("%d %s %d", d.Frame, d.ContentType, d.ContentLength))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: downloads %q, tshark %q", name, got, want)
		}
	}
}

func BenchmarkAnalyzeSIPCall(b *testing.B) {
	path := filepath.Join(pcaptest.TestdataDir(), "sip_call_sipp.pcap")
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Analyze(context.Background(), r, Options{Modules: []string{ModSIP, ModCreds, ModHTTP}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyzeHTTPBroOrg(b *testing.B) {
	path := filepath.Join(pcaptest.SharedDir(b), "http-bro-org.pcap")
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Analyze(context.Background(), r, Options{Modules: []string{ModSIP, ModCreds, ModHTTP}}); err != nil {
			b.Fatal(err)
		}
	}
}
