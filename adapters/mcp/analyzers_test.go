package mcp

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pcapai/pcapai"
)

// rootTestdata holds the library's recorded captures.
const rootTestdata = "../../testdata"

func rows(v map[string]any, key string) []map[string]any {
	var out []map[string]any
	a, _ := v[key].([]any)
	for _, x := range a {
		out = append(out, x.(map[string]any))
	}
	return out
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// TestEveryToolOnEveryCapture runs every read tool on the library's and the
// shared captures: no failure, every answer matches its output schema (the
// harness checks) and the size budget.
func TestEveryToolOnEveryCapture(t *testing.T) {
	var roots []string
	var files []string
	for _, r := range []string{rootTestdata, sharedPcaps} {
		fs, _ := filepath.Glob(filepath.Join(r, "*.pcap*"))
		if len(fs) > 0 {
			roots = append(roots, r)
			files = append(files, fs...)
		}
	}
	if len(files) == 0 {
		t.Skip("no captures")
	}
	out := t.TempDir()
	h := newHarness(t, Config{Roots: roots, OutDir: out})
	largest, largestTool := 0, ""
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			h.t = t
			p := map[string]any{"path": abs}
			call := func(tool string, args map[string]any) map[string]any {
				res, v := h.call(tool, args)
				if res.IsError {
					t.Errorf("%s: %s", tool, text(res))
					return nil
				}
				b, _ := json.Marshal(res.StructuredContent)
				if len(b) > largest {
					largest, largestTool = len(b), tool+" "+name
				}
				return v
			}
			for _, tool := range []string{"dns_stats", "dhcp_activity", "icmp_activity", "find_beacons", "tls_sessions", "http_requests", "sip_calls"} {
				call(tool, p)
				call(tool, map[string]any{"path": abs, "limit": 1000})
			}
			call("list_findings", map[string]any{"path": abs, "limit": 1000})
			fp := call("filter_packets", map[string]any{"path": abs, "limit": 1000})
			if cv := call("carve_pcap", map[string]any{"path": abs, "first_frame": 1, "last_frame": 50}); cv != nil && fp != nil {
				want := min(num(fp["total"]), 50)
				if num(cv["packets"]) != want {
					t.Errorf("carved %v packets; want %d", cv["packets"], want)
				}
				if want > 0 && countPackets(t, cv["output"].(string)) != uint64(want) {
					t.Errorf("carved file does not read back %d packets", want)
				}
			}
			tri := call("analyze", p)
			if tri == nil {
				return
			}
			if tt := rows(tri, "top_talkers"); len(tt) > 0 {
				call("host_timeline", map[string]any{"path": abs, "ip": tt[0]["addr"], "limit": 1000})
			}
			if hr := rows(tri, "hosts_at_risk"); len(hr) > 0 {
				call("host_timeline", map[string]any{"path": abs, "ip": hr[0]["addr"]})
			}
		})
	}
	h.t = t
	t.Logf("largest structured answer: %d bytes (%s); budget %d", largest, largestTool, h.s.cfg.MaxAnswerBytes)
}

func TestDNSStats(t *testing.T) {
	h := newHarness(t, Config{Roots: []string{rootTestdata}})
	p := "dns_benign_cdn.pcap"
	v := h.ok("dns_stats", map[string]any{"path": p})
	s := v["summary"].(map[string]any)
	// testdata/truth.json (tshark): 70 queries, 70 responses, 5 NXDOMAIN.
	if num(s["queries"]) != 70 || num(s["responses"]) != 70 || num(s["nxdomain"]) != 5 {
		t.Errorf("summary %v", s)
	}
	if n := rows(v, "top_names"); len(n) == 0 || num(n[0]["count"]) != 10 {
		t.Errorf("top_names %v", n)
	}
	v = h.ok("dns_stats", map[string]any{"path": p, "name": "AKAMAIEDGE"})
	for _, n := range rows(v, "top_names") {
		if !strings.Contains(n["name"].(string), "akamaiedge") {
			t.Errorf("name filter kept %v", n)
		}
	}
	v = h.ok("dns_stats", map[string]any{"path": p, "limit": 2})
	if len(rows(v, "top_names")) != 2 || v["cursor"] != "2" || v["truncated"] != true {
		t.Errorf("limit 2: %d names, cursor %v", len(rows(v, "top_names")), v["cursor"])
	}
	v2 := h.ok("dns_stats", map[string]any{"path": p, "limit": 2, "cursor": "2"})
	if rows(v2, "top_names")[0]["name"] == rows(v, "top_names")[0]["name"] {
		t.Error("cursor 2 repeats the first page")
	}
	c := rows(v, "clients")[0]["addr"].(string)
	v = h.ok("dns_stats", map[string]any{"path": p, "client": c})
	if num(v["clients_total"]) != 1 {
		t.Errorf("client filter: %v clients", v["clients_total"])
	}
	v = h.ok("dns_stats", map[string]any{"path": "dns_dga_nxdomain.pcap"})
	if num(v["findings_total"]) == 0 {
		t.Error("dns_dga_nxdomain.pcap: no DNS findings")
	}
	for _, f := range rows(v, "findings") {
		if len(f["evidence"].(map[string]any)["frames"].([]any)) == 0 {
			t.Errorf("finding without evidence frames: %v", f["summary"])
		}
	}
	h.fails("dns_stats", map[string]any{"path": p, "client": "not-an-ip"}, "not an IP")
	h.fails("dns_stats", map[string]any{"path": p, "cursor": "x"}, "bad cursor")
	h.fails("dns_stats", map[string]any{"path": p, "limit": -1}, "negative")
	h = newHarness(t, Config{Roots: []string{rootTestdata}, Modules: []string{"overview"}})
	h.fails("dns_stats", map[string]any{"path": p}, "did not run")
}

func TestDHCPActivity(t *testing.T) {
	h := newHarness(t, Config{Roots: []string{rootTestdata}})
	p := "dhcp_rogue_dnsmasq.pcap"
	v := h.ok("dhcp_activity", map[string]any{"path": p})
	if num(v["servers_total"]) < 2 || num(v["findings_total"]) == 0 || num(v["transactions_total"]) == 0 {
		t.Fatalf("rogue capture: %v servers, %v transactions, %v findings", v["servers_total"], v["transactions_total"], v["findings_total"])
	}
	tx := rows(v, "transactions")[0]
	mac := tx["client_mac"].(string)
	v = h.ok("dhcp_activity", map[string]any{"path": p, "mac": strings.ToUpper(strings.ReplaceAll(mac, ":", "-"))})
	for _, x := range rows(v, "transactions") {
		if x["client_mac"] != mac {
			t.Errorf("mac filter kept %v", x["client_mac"])
		}
	}
	srv := rows(h.ok("dhcp_activity", map[string]any{"path": p}), "servers")[0]["addr"].(string)
	v = h.ok("dhcp_activity", map[string]any{"path": p, "ip": srv})
	if num(v["servers_total"]) != 1 {
		t.Errorf("ip filter %s: %v servers", srv, v["servers_total"])
	}
	h.fails("dhcp_activity", map[string]any{"path": p, "mac": "zz:zz"}, "not a MAC")
	h.fails("dhcp_activity", map[string]any{"path": p, "ip": "10.0.0.300"}, "not an IP")
}

func TestICMPActivity(t *testing.T) {
	h := newHarness(t, Config{Roots: []string{rootTestdata}})
	v := h.ok("icmp_activity", map[string]any{"path": "icmp_traceroute_netns.pcap"})
	tr := rows(v, "traceroutes")
	if len(tr) == 0 || len(tr[0]["hops"].([]any)) == 0 {
		t.Fatalf("no traceroute with hops: %v", v["traceroutes"])
	}
	dst := tr[0]["dst"].(string)
	v = h.ok("icmp_activity", map[string]any{"path": "icmp_traceroute_netns.pcap", "host": dst})
	if num(v["traceroutes_total"]) == 0 {
		t.Error("host filter on the traceroute destination dropped it")
	}
	v = h.ok("icmp_activity", map[string]any{"path": "sweep_ping.pcap", "limit": 3})
	if num(v["echo_total"]) < 4 || len(rows(v, "echo")) != 3 || v["cursor"] != "3" {
		t.Errorf("sweep: %v echo pairs, %d shown, cursor %v", v["echo_total"], len(rows(v, "echo")), v["cursor"])
	}
	if num(v["findings_total"]) == 0 {
		t.Error("sweep_ping.pcap: no ICMP finding")
	}
	h.fails("icmp_activity", map[string]any{"path": "sweep_ping.pcap", "host": "::zz"}, "not an IP")
}

func TestFindBeacons(t *testing.T) {
	h := newHarness(t, Config{Roots: []string{rootTestdata}})
	p := "beacon_http_jitter.pcap"
	v := h.ok("find_beacons", map[string]any{"path": p})
	bs := rows(v, "beacons")
	if len(bs) == 0 || num(v["findings_total"]) == 0 {
		t.Fatalf("no beacon: %v", v)
	}
	if f := rows(v, "findings")[0]; len(f["evidence"].(map[string]any)["frames"].([]any)) == 0 {
		t.Error("beacon finding without evidence frames")
	}
	v = h.ok("find_beacons", map[string]any{"path": p, "host": "198.51.100.250"})
	if num(v["beacons_total"]) != 0 {
		t.Error("host filter kept a beacon of another host")
	}
	v = h.ok("find_beacons", map[string]any{"path": p, "min_score": 1})
	for _, b := range rows(v, "beacons") {
		if b["score"].(float64) < 1 {
			t.Errorf("min_score 1 kept %v", b["score"])
		}
	}
	h.fails("find_beacons", map[string]any{"path": p, "min_score": 2}, "outside 0–1")
	h.fails("find_beacons", map[string]any{"path": p, "min_score": "high"}, "bad arguments")
}

func TestTLSSessions(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedPcaps, "tls-expired-cert.pcap")); err != nil {
		t.Skip("no shared captures")
	}
	h := newHarness(t, Config{Roots: []string{sharedPcaps}})
	v := h.ok("tls_sessions", map[string]any{"path": "tls-expired-cert.pcap", "problem": "expired"})
	if num(v["sessions_total"]) == 0 {
		t.Fatalf("no expired session: %v", v)
	}
	s := rows(v, "sessions")[0]
	if s["leaf"] == nil || s["display_filter"] == "" {
		t.Errorf("session without leaf or display filter: %v", s)
	}
	v = h.ok("tls_sessions", map[string]any{"path": "tls12-certs.pcap", "detail": true, "limit": 1})
	if ss := rows(v, "sessions"); len(ss) != 1 || ss[0]["detail"] == nil {
		t.Errorf("detail: %v", v["sessions"])
	}
	v = h.ok("tls_sessions", map[string]any{"path": "tls12-certs.pcap", "sni": "no-such-name.invalid"})
	if num(v["sessions_total"]) != 0 {
		t.Error("sni filter kept sessions")
	}
	h.fails("tls_sessions", map[string]any{"path": "tls12-certs.pcap", "problem": "bogus"}, "unknown problem")
}

func TestHostTimeline(t *testing.T) {
	h := newHarness(t, Config{Roots: []string{rootTestdata}})
	p := "scan_nmap_syn.pcap"
	tri := h.ok("analyze", map[string]any{"path": p})
	var ip string
	for _, s := range rows(tri, "next_steps") {
		if s["tool"] == "host_timeline" {
			ip = s["arguments"].(map[string]any)["ip"].(string)
			// The suggested call works as given.
			h.ok("host_timeline", s["arguments"])
		}
	}
	if ip == "" {
		t.Fatal("analyze suggests no host_timeline")
	}
	v := h.ok("host_timeline", map[string]any{"path": p, "ip": ip, "kind": "finding"})
	ev := rows(v, "events")
	if len(ev) == 0 || v["host"] == nil {
		t.Fatalf("timeline of %s: %d finding events, host %v", ip, len(ev), v["host"])
	}
	for _, e := range ev {
		if e["kind"] != "finding" || len(e["evidence"].(map[string]any)["frames"].([]any)) == 0 {
			t.Errorf("event %v", e)
		}
	}
	v = h.ok("host_timeline", map[string]any{"path": p, "ip": ip, "limit": 1})
	if len(rows(v, "events")) != 1 || v["cursor"] != "1" {
		t.Errorf("limit 1: %v", v)
	}
	h.fails("host_timeline", map[string]any{"path": p}, "ip is required")
	h.fails("host_timeline", map[string]any{"path": p, "ip": "10.1.2"}, "not an IP")
	h.fails("host_timeline", map[string]any{"path": p, "ip": "203.0.113.254"}, "does not appear")
	h.fails("host_timeline", map[string]any{"path": p, "ip": ip, "kind": "bogus"}, "unknown kind")
}

func TestFilterPackets(t *testing.T) {
	h := newHarness(t, Config{})
	p := "http_curl_loopback.pcap"
	f := func(args map[string]any) map[string]any {
		args["path"] = p
		return h.ok("filter_packets", args)
	}
	// tshark -r testdata/http_curl_loopback.pcap -Y tcp.port==18081: 2 frames.
	v := f(map[string]any{"ports": []int{18081}})
	if num(v["total"]) != 2 || num(v["scanned"]) != 26 {
		t.Errorf("port 18081: %v of %v", v["total"], v["scanned"])
	}
	v = f(map[string]any{"tcp_flags_set": []string{"rst"}})
	if num(v["total"]) != 1 || !strings.Contains(rows(v, "packets")[0]["info"].(string), "RST") {
		t.Errorf("RST: %v", v["packets"])
	}
	v = f(map[string]any{"tcp_flags_set": []string{"SYN"}, "tcp_flags_clear": []string{"ACK"}})
	if num(v["total"]) != 3 {
		t.Errorf("SYN without ACK: %v; want 3 connection attempts", v["total"])
	}
	v = f(map[string]any{"contains": "GET /"})
	if num(v["total"]) != 2 {
		t.Errorf("contains GET: %v", v["total"])
	}
	if w := f(map[string]any{"contains_hex": "474554202f"}); num(w["total"]) != 2 {
		t.Errorf("contains_hex GET /: %v", w["total"])
	}
	if w := f(map[string]any{"regex": `HTTP/1\.[01] 404`}); num(w["total"]) != 1 {
		t.Errorf("regex 404: %v", w["total"])
	}
	if w := f(map[string]any{"frames": []int{1, 2, 26}}); num(w["total"]) != 3 {
		t.Errorf("frames: %v", w["total"])
	}
	if w := f(map[string]any{"first_frame": 10, "last_frame": 12, "protocols": []string{"tcp"}, "hosts": []string{"127.0.0.1"}}); num(w["total"]) != 3 {
		t.Errorf("frame range: %v", w["total"])
	}
	if w := f(map[string]any{"flow_ids": []int{3}}); num(w["total"]) != 2 {
		t.Errorf("flow 3: %v", w["total"])
	}
	if w := f(map[string]any{"protocols": []string{"udp"}}); num(w["total"]) != 0 || len(rows(w, "packets")) != 0 {
		t.Errorf("udp: %v", w["total"])
	}
	// Paging.
	a := f(map[string]any{"limit": 10})
	b := f(map[string]any{"limit": 10, "cursor": a["cursor"]})
	c := f(map[string]any{"limit": 10, "cursor": b["cursor"]})
	if a["cursor"] != "10" || b["cursor"] != "20" || c["cursor"] != nil || len(rows(c, "packets")) != 6 || c["truncated"] != false {
		t.Errorf("pages: %v %v %v (%d rows)", a["cursor"], b["cursor"], c["cursor"], len(rows(c, "packets")))
	}
	if num(rows(b, "packets")[0]["frame"]) != 11 {
		t.Errorf("page 2 starts at frame %v", rows(b, "packets")[0]["frame"])
	}
	// Time range: the capture's first and last packet.
	ci := h.ok("capture_info", map[string]any{"path": p})["capture"].(map[string]any)
	if w := f(map[string]any{"from": ci["first"], "to": ci["last"]}); num(w["total"]) != 25 {
		t.Errorf("from first to last (exclusive): %v", w["total"])
	}
	if _, err := exec.LookPath("tshark"); err == nil {
		df := v["display_filter"].(string)
		out, err := exec.Command("tshark", "-r", tinyCapture, "-Y", df).Output()
		if err != nil || strings.Count(string(out), "\n") != 2 {
			t.Errorf("tshark -Y %q: %d frames, %v", df, strings.Count(string(out), "\n"), err)
		}
	}
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"protocols": []string{"bogus"}}, "unknown protocol"},
		{map[string]any{"hosts": []string{"10.0.0.0/8"}}, "not an IP"},
		{map[string]any{"ports": []int{70000}}, "out of range"},
		{map[string]any{"from": "yesterday"}, "RFC 3339"},
		{map[string]any{"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "not before"},
		{map[string]any{"first_frame": 5, "last_frame": 2}, "after last_frame"},
		{map[string]any{"frames": []int{0}}, "start at 1"},
		{map[string]any{"tcp_flags_set": []string{"XYZ"}}, "unknown TCP flag"},
		{map[string]any{"tcp_flags_set": []string{"SYN"}, "tcp_flags_clear": []string{"syn"}}, "share a flag"},
		{map[string]any{"regex": "("}, "regex"},
		{map[string]any{"contains_hex": "xyz"}, "not hex"},
		{map[string]any{"contains": "a", "contains_hex": "61"}, "not both"},
		{map[string]any{"cursor": "-3"}, "bad cursor"},
		{map[string]any{"ports": "80"}, "bad arguments"},
		{map[string]any{"bogus": 1}, "bogus"},
	} {
		c.args["path"] = p
		h.fails("filter_packets", c.args, c.want)
	}
	h.fails("filter_packets", map[string]any{"path": "missing.pcap"}, "does not exist")
	h.fails("filter_packets", map[string]any{"path": "/etc/passwd"}, "outside the allowed roots")
	h.fails("filter_packets", map[string]any{"path": "record.sh"}, "not a capture")
}

// countPackets reads a capture back through the library.
func countPackets(t *testing.T, path string) uint64 {
	t.Helper()
	r, err := pcapai.Open(path)
	if err != nil {
		t.Fatalf("carved file %s does not open: %v", path, err)
	}
	defer r.Close()
	res, err := pcapai.FilterPackets(t.Context(), r, pcapai.Filter{}, pcapai.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Matched
}

func TestCarvePcap(t *testing.T) {
	out := t.TempDir()
	h := newHarness(t, Config{Roots: []string{"testdata", rootTestdata}, OutDir: out})
	p := "http_curl_loopback.pcap"
	v := h.ok("carve_pcap", map[string]any{"path": p, "ports": []int{18081}, "name": "refused"})
	dst := v["output"].(string)
	if dst != filepath.Join(out, "refused.pcapng") || num(v["packets"]) != 2 {
		t.Fatalf("carve: %v", v)
	}
	if n := countPackets(t, dst); n != 2 {
		t.Errorf("carved file has %d packets; want 2", n)
	}
	if _, err := exec.LookPath("tshark"); err == nil {
		o, err := exec.Command("tshark", "-r", dst).Output()
		if err != nil || strings.Count(string(o), "\n") != 2 {
			t.Errorf("tshark reads %d frames from the carved file: %v", strings.Count(string(o), "\n"), err)
		}
	}
	before, _ := os.ReadFile(dst)
	h.fails("carve_pcap", map[string]any{"path": p, "ports": []int{18080}, "name": "refused.pcapng"}, "never overwritten")
	if after, _ := os.ReadFile(dst); string(after) != string(before) {
		t.Error("an existing file changed")
	}
	// Default names never collide.
	v1 := h.ok("carve_pcap", map[string]any{"path": p, "flow_ids": []int{1}})
	v2 := h.ok("carve_pcap", map[string]any{"path": p, "flow_ids": []int{1}})
	if v1["output"] == v2["output"] || num(v1["packets"]) != 12 {
		t.Errorf("default names %v %v, %v packets", v1["output"], v2["output"], v1["packets"])
	}
	// From a finding: its evidence frames.
	s := "scan_nmap_syn.pcap"
	fl := h.ok("list_findings", map[string]any{"path": s, "limit": 1})
	f0 := rows(fl, "findings")[0]
	frames := f0["evidence"].(map[string]any)["frames"].([]any)
	v = h.ok("carve_pcap", map[string]any{"path": s, "finding": 0})
	if num(v["packets"]) != len(frames) || num(v["findings_total"]) != 1 || !strings.Contains(filepath.Base(v["output"].(string)), f0["kind"].(string)) {
		t.Errorf("finding 0 (%d frames): %v", len(frames), v)
	}
	if n := countPackets(t, v["output"].(string)); n != uint64(len(frames)) {
		t.Errorf("carved %d; want %d", n, len(frames))
	}
	v = h.ok("carve_pcap", map[string]any{"path": s, "kind": f0["kind"]})
	if num(v["packets"]) < len(frames) {
		t.Errorf("kind %v: %v packets", f0["kind"], v["packets"])
	}
	// A finding narrowed by a filter.
	v = h.ok("carve_pcap", map[string]any{"path": s, "finding": 0, "last_frame": frames[0]})
	if num(v["packets"]) != 1 {
		t.Errorf("finding 0 up to its first frame: %v", v["packets"])
	}
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"path": p}, "say what to carve"},
		{map[string]any{"path": p, "finding": 99}, "does not exist"},
		{map[string]any{"path": p, "finding": -1}, "does not exist"},
		{map[string]any{"path": s, "kind": "no_such_kind"}, "no finding of kind"},
		{map[string]any{"path": s, "finding": 0, "kind": "no_such_kind"}, "not a no_such_kind"},
		{map[string]any{"path": s, "finding": 0, "frames": []int{1}}, "give one of them"},
		{map[string]any{"path": p, "ports": []int{80}, "name": "../escape"}, "plain file name"},
		{map[string]any{"path": p, "ports": []int{80}, "name": "/tmp/x"}, "plain file name"},
		{map[string]any{"path": "/etc/passwd", "ports": []int{80}}, "outside the allowed roots"},
		{map[string]any{"path": p, "protocols": []string{"bogus"}}, "unknown protocol"},
	} {
		h.fails("carve_pcap", c.args, c.want)
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.Contains(e.Name(), "escape") {
			t.Errorf("file %s written", e.Name())
		}
	}
}

func TestCarveDefaultOutDir(t *testing.T) {
	root := t.TempDir()
	data, _ := os.ReadFile(tinyCapture)
	os.WriteFile(filepath.Join(root, "c.pcap"), data, 0o644)
	h := newHarness(t, Config{Roots: []string{root}})
	v := h.ok("carve_pcap", map[string]any{"path": "c.pcap", "ports": []int{18081}})
	real, _ := filepath.EvalSymlinks(root)
	if want := filepath.Join(real, "pcapai-carved", "c-filtered.pcapng"); v["output"] != want {
		t.Errorf("output %v; want %s", v["output"], want)
	}
	// The carved file is itself a capture under the root.
	ci := h.ok("capture_info", map[string]any{"path": "pcapai-carved/c-filtered.pcapng"})
	if num(ci["capture"].(map[string]any)["packets"]) != 2 {
		t.Errorf("carved capture: %v", ci["capture"])
	}
	// A symlink in the output folder is never followed: the target is
	// not created.
	target := filepath.Join(t.TempDir(), "elsewhere.pcapng")
	if err := os.Symlink(target, filepath.Join(real, "pcapai-carved", "link.pcapng")); err != nil {
		t.Fatal(err)
	}
	h.fails("carve_pcap", map[string]any{"path": "c.pcap", "ports": []int{1}, "name": "link"}, "never overwritten")
	if _, err := os.Lstat(target); err == nil {
		t.Error("carve wrote through a symlink")
	}
}

// TestFindingEvidenceTshark checks with tshark that the display filter of
// every finding's evidence selects its evidence frames.
func TestFindingEvidenceTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	files, _ := filepath.Glob(filepath.Join(rootTestdata, "*.pcap"))
	h := newHarness(t, Config{Roots: []string{rootTestdata}})
	checked := 0
	for _, f := range files {
		name := filepath.Base(f)
		v := h.ok("list_findings", map[string]any{"path": name, "limit": 1000})
		for _, fd := range rows(v, "findings") {
			ev := fd["evidence"].(map[string]any)
			df, _ := ev["display_filter"].(string)
			var want []int
			for _, x := range ev["frames"].([]any) {
				want = append(want, num(x))
			}
			if len(want) == 0 {
				t.Errorf("%s: %s has no evidence frames", name, fd["kind"])
				continue
			}
			if df == "" {
				t.Errorf("%s: %s has no display filter", name, fd["kind"])
				continue
			}
			out, err := exec.Command("tshark", "-r", f, "-Y", df, "-T", "fields", "-e", "frame.number").Output()
			if err != nil {
				t.Errorf("%s: tshark -Y %q: %v", name, df, err)
				continue
			}
			var got []int
			for _, l := range strings.Fields(string(out)) {
				n, _ := strconv.Atoi(l)
				got = append(got, n)
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: %s: display filter %q misses evidence frame %d", name, fd["kind"], df, w)
					break
				}
			}
			if num(ev["frames_total"]) == len(want) && strings.HasPrefix(df, "frame.number in") && len(got) != len(want) {
				t.Errorf("%s: %s: %q selects %d frames; evidence lists %d", name, fd["kind"], df, len(got), len(want))
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no finding checked")
	}
	t.Logf("%d findings' display filters checked with tshark", checked)
}

func TestHTTPRequests(t *testing.T) {
	h := newHarness(t, Config{})
	p := "http_curl_loopback.pcap"
	v := h.ok("http_requests", map[string]any{"path": p})
	// testdata/record.sh: curl GET / (200) and GET /missing (404).
	if num(v["requests_total"]) != 2 {
		t.Fatalf("requests %v", v["requests"])
	}
	v = h.ok("http_requests", map[string]any{"path": p, "status": "4xx"})
	rq := rows(v, "requests")
	if len(rq) != 1 || rq[0]["uri"] != "/missing" || num(rq[0]["response"].(map[string]any)["status"]) != 404 {
		t.Errorf("4xx: %v", rq)
	}
	if _, err := exec.LookPath("tshark"); err == nil {
		df := rq[0]["display_filter"].(string)
		out, _ := exec.Command("tshark", "-r", tinyCapture, "-Y", df+" && tcp.len > 0").Output()
		if strings.Count(string(out), "\n") != 2 {
			t.Errorf("%s selects %q", df, out)
		}
	}
	for args, want := range map[string]int{"GET": 2, "post": 0} {
		if v := h.ok("http_requests", map[string]any{"path": p, "method": args}); num(v["requests_total"]) != want {
			t.Errorf("method %s: %v", args, v["requests_total"])
		}
	}
	if v := h.ok("http_requests", map[string]any{"path": p, "uri": "MISS", "host": "127.0.0.1"}); num(v["requests_total"]) != 1 {
		t.Errorf("uri MISS: %v", v["requests_total"])
	}
	if v := h.ok("http_requests", map[string]any{"path": p, "host": "example.invalid"}); num(v["requests_total"]) != 0 {
		t.Errorf("Host header filter: %v", v["requests_total"])
	}
	h.fails("http_requests", map[string]any{"path": p, "status": "teapot"}, "use a code")
	h.fails("http_requests", map[string]any{"path": p, "status": "99"}, "use a code")
}

func TestSIPCalls(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedPcaps, "sip-wireshark.pcap")); err != nil {
		t.Skip("no shared captures")
	}
	h := newHarness(t, Config{Roots: []string{sharedPcaps}})
	p := "sip-wireshark.pcap"
	v := h.ok("sip_calls", map[string]any{"path": p})
	if num(v["messages"].(map[string]any)["count"]) == 0 {
		t.Fatalf("no SIP messages: %v", v)
	}
	if cs := rows(v, "calls"); len(cs) > 0 {
		id := cs[0]["call_id"].(string)
		w := h.ok("sip_calls", map[string]any{"path": p, "call_id": id})
		if num(w["calls_total"]) != 1 {
			t.Errorf("call_id filter: %v", w["calls_total"])
		}
	}
	if w := h.ok("sip_calls", map[string]any{"path": p, "user": "no-such-user-xyz"}); num(w["calls_total"]) != 0 || num(w["rtp_streams_total"]) != 0 {
		t.Errorf("user filter: %v calls", w["calls_total"])
	}
	h.fails("sip_calls", map[string]any{"path": p, "state": "ringing"}, "unknown state")
	h.fails("sip_calls", map[string]any{"path": p, "host": "x"}, "not an IP")
}
