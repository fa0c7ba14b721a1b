package mcp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

const tinyCapture = "testdata/http_curl_loopback.pcap"

// sharedPcaps is the folder of public captures beside the worktree.
const sharedPcaps = "../../../shared/pcaps"

type harness struct {
	t       *testing.T
	s       *Server
	c       *client.Client
	schemas map[string]*jsonschema.Resolved
	tools   map[string]mcpgo.Tool
}

func newHarness(t testing.TB, cfg Config) *harness {
	t.Helper()
	if cfg.Roots == nil {
		cfg.Roots = []string{"testdata"}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := client.NewInProcessClient(s.MCP())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = mcpgo.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcpgo.Implementation{Name: "pcapai-test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	lt, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{s: s, c: c, schemas: map[string]*jsonschema.Resolved{}, tools: map[string]mcpgo.Tool{}}
	if tt, ok := t.(*testing.T); ok {
		h.t = tt
	}
	for _, tool := range lt.Tools {
		h.tools[tool.Name] = tool
		b, _ := json.Marshal(tool)
		var m map[string]json.RawMessage
		json.Unmarshal(b, &m)
		var sch jsonschema.Schema
		if err := json.Unmarshal(m["outputSchema"], &sch); err != nil {
			t.Fatalf("%s: output schema: %v", tool.Name, err)
		}
		r, err := sch.Resolve(nil)
		if err != nil {
			t.Fatalf("%s: output schema does not resolve: %v", tool.Name, err)
		}
		h.schemas[tool.Name] = r
	}
	return h
}

// call calls a tool and, for a success, checks the answer against the
// tool's output schema and the size budget. It returns the structured
// content as plain JSON values.
func (h *harness) call(name string, args any) (*mcpgo.CallToolResult, map[string]any) {
	h.t.Helper()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := h.c.CallTool(context.Background(), req)
	if err != nil {
		h.t.Fatalf("%s: JSON-RPC error %v; want a tool result", name, err)
	}
	if res.IsError {
		return res, nil
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		h.t.Fatal(err)
	}
	if max := h.s.cfg.MaxAnswerBytes; len(b) > max {
		h.t.Errorf("%s: answer is %d bytes, over the budget %d", name, len(b), max)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		h.t.Fatalf("%s: structured content is not an object: %v", name, err)
	}
	if r := h.schemas[name]; r != nil {
		if err := r.Validate(v); err != nil {
			h.t.Errorf("%s: answer does not match its output schema: %v\n%.2000s", name, err, b)
		}
	}
	if len(res.Content) == 0 {
		h.t.Errorf("%s: no text content", name)
	}
	return res, v
}

func (h *harness) ok(name string, args any) map[string]any {
	h.t.Helper()
	res, v := h.call(name, args)
	if res.IsError {
		h.t.Fatalf("%s(%v): isError: %s", name, args, text(res))
	}
	return v
}

func (h *harness) fails(name string, args any, want string) {
	h.t.Helper()
	res, _ := h.call(name, args)
	if !res.IsError {
		h.t.Fatalf("%s(%v): success; want an isError result mentioning %q", name, args, want)
	}
	if msg := text(res); !strings.Contains(strings.ToLower(msg), strings.ToLower(want)) {
		h.t.Errorf("%s(%v): error %q; want it to mention %q", name, args, msg, want)
	}
}

func text(res *mcpgo.CallToolResult) string {
	var sb strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcpgo.TextContent); ok {
			sb.WriteString(t.Text)
		}
	}
	return sb.String()
}

func TestToolList(t *testing.T) {
	h := newHarness(t, Config{})
	want := []string{"capabilities", "capture_info", "analyze", "list_flows", "tcp_issues", "list_findings", "attack_matrix", "analyze_corpus"}
	for _, w := range want {
		if _, ok := h.tools[w]; !ok {
			t.Errorf("tool %s is not advertised", w)
		}
	}
	// Tools whose library call does not exist yet are not advertised.
	for _, p := range h.s.planned {
		if _, ok := h.tools[p.Name]; ok {
			t.Errorf("planned tool %s is advertised", p.Name)
		}
		if p.Needs == "" {
			t.Errorf("planned tool %s does not say what it needs", p.Name)
		}
	}
	if got := len(h.tools) + len(h.s.planned); got != len(toolTable) {
		t.Errorf("%d advertised + planned; want the %d of the table", got, len(toolTable))
	}
	for name, tool := range h.tools {
		a := tool.Annotations
		if a.ReadOnlyHint == nil || a.IdempotentHint == nil || a.DestructiveHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: annotations not all set: %+v", name, a)
			continue
		}
		if name == "carve_pcap" {
			if *a.ReadOnlyHint || *a.IdempotentHint || *a.DestructiveHint || *a.OpenWorldHint {
				t.Errorf("%s: annotations %+v; want not read-only, not idempotent, not destructive, closed world", name, a)
			}
			continue
		}
		if !*a.ReadOnlyHint || !*a.IdempotentHint || *a.DestructiveHint || *a.OpenWorldHint {
			t.Errorf("%s: annotations %+v; want read-only, idempotent, not destructive, closed world", name, a)
		}
		if tool.Description == "" {
			t.Errorf("%s: no description", name)
		}
	}
}

func TestToolsOnTinyCapture(t *testing.T) {
	h := newHarness(t, Config{})
	p := map[string]any{"path": "http_curl_loopback.pcap"}

	caps := h.ok("capabilities", map[string]any{})
	if got := caps["roots"].([]any); len(got) != 1 || !strings.HasSuffix(got[0].(string), "testdata") {
		t.Errorf("roots %v", got)
	}

	ci := h.ok("capture_info", p)
	c := ci["capture"].(map[string]any)
	// tshark -r testdata/http_curl_loopback.pcap | wc -l: 26 frames.
	if c["packets"].(float64) != 26 || c["format"] != "pcap" {
		t.Errorf("capture_info: %v packets, format %v; want 26, pcap", c["packets"], c["format"])
	}

	tri := h.ok("analyze", p)
	fl := tri["flows"].(map[string]any)
	// Two HTTP fetches (SF) and one refused connection (REJ) to port 18081.
	if fl["total"].(float64) != 3 || fl["tcp"].(float64) != 3 || fl["tcp_rejected"].(float64) != 1 {
		t.Errorf("analyze flows %v; want 3 TCP, 1 rejected", fl)
	}
	if len(tri["top_talkers"].([]any)) == 0 || len(tri["next_steps"].([]any)) == 0 {
		t.Errorf("analyze: no talkers or next steps: %v", tri)
	}

	lf := h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap", "port": 18081})
	rows := lf["flows"].([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["flow"].(map[string]any)["state"] != "REJ" {
		t.Errorf("list_flows port 18081: %v; want the REJ flow", rows)
	}
	if df := rows[0].(map[string]any)["display_filter"].(string); !strings.Contains(df, "tcp.port==18081") {
		t.Errorf("display filter %q", df)
	}
	lf = h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap", "sort": "bytes", "limit": 1})
	if lf["truncated"] != true || lf["cursor"] != "1" || lf["total"].(float64) != 3 {
		t.Errorf("list_flows limit 1: truncated %v cursor %v total %v", lf["truncated"], lf["cursor"], lf["total"])
	}
	lf2 := h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap", "sort": "bytes", "limit": 5, "cursor": "1"})
	if n := len(lf2["flows"].([]any)); n != 2 || lf2["truncated"] != false {
		t.Errorf("second page: %d rows, truncated %v; want 2, false", n, lf2["truncated"])
	}
	lf = h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap", "proto": "udp"})
	if len(lf["flows"].([]any)) != 0 {
		t.Errorf("udp flows in a TCP-only capture")
	}
	lf = h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap", "host": "127.0.0.0/8", "state": "SF"})
	if len(lf["flows"].([]any)) != 2 {
		t.Errorf("SF flows: %d; want 2", len(lf["flows"].([]any)))
	}

	ti := h.ok("tcp_issues", p)
	if ti["tcp_flows"].(float64) != 3 || ti["totals"].(map[string]any)["resets"].(float64) != 1 {
		t.Errorf("tcp_issues: %v", ti)
	}

	fd := h.ok("list_findings", map[string]any{"path": "http_curl_loopback.pcap", "min_severity": "low"})
	if fd["total"].(float64) != 0 {
		t.Errorf("findings on a clean capture: %v", fd)
	}
	h.ok("attack_matrix", p)

	co := h.ok("analyze_corpus", map[string]any{"dir": "."})
	if co["files_total"].(float64) != 1 || co["packets"].(float64) != 26 {
		t.Errorf("analyze_corpus: %v", co)
	}
	co = h.ok("analyze_corpus", map[string]any{"paths": []string{"http_curl_loopback.pcap", "http_curl_loopback.pcap"}})
	if co["packets"].(float64) != 52 {
		t.Errorf("analyze_corpus of two: %v packets", co["packets"])
	}

	// Parse once: one miss, the rest from the cache.
	if m := h.s.cache.misses.Load(); m != 1 {
		t.Errorf("cache misses %d; want 1", m)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(tinyCapture)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ok.pcap"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("this is not a capture\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "header-cut.pcap"), data[:10], 0o644)
	os.WriteFile(filepath.Join(dir, "cut.pcap"), data[:len(data)-40], 0o644)
	os.WriteFile(filepath.Join(dir, "empty.pcap"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "sub.pcap"), 0o755)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.pcap"), data, 0o644)
	os.Symlink(filepath.Join(outside, "secret.pcap"), filepath.Join(dir, "escape.pcap"))

	h := newHarness(t, Config{Roots: []string{dir}})
	cases := []struct {
		name, tool string
		args       any
		want       string
	}{
		{"missing file", "capture_info", map[string]any{"path": "nope.pcap"}, "does not exist"},
		{"directory", "analyze", map[string]any{"path": "sub.pcap"}, "is a directory"},
		{"not a capture", "analyze", map[string]any{"path": "notes.txt"}, "not a capture"},
		{"header cut", "capture_info", map[string]any{"path": "header-cut.pcap"}, "header-cut.pcap"},
		{"empty file", "capture_info", map[string]any{"path": "empty.pcap"}, "empty.pcap"},
		{"dot-dot", "capture_info", map[string]any{"path": "../" + filepath.Base(outside) + "/secret.pcap"}, "outside the allowed roots"},
		{"absolute outside", "capture_info", map[string]any{"path": filepath.Join(outside, "secret.pcap")}, "outside the allowed roots"},
		{"absolute outside missing", "capture_info", map[string]any{"path": "/etc/nonexistent.pcap"}, "outside the allowed roots"},
		{"system file", "capture_info", map[string]any{"path": "/etc/passwd"}, "outside the allowed roots"},
		{"symlink escape", "capture_info", map[string]any{"path": "escape.pcap"}, "outside the allowed roots"},
		{"empty path", "capture_info", map[string]any{"path": ""}, "path is empty"},
		{"no path", "capture_info", map[string]any{}, "path"},
		{"wrong type", "list_flows", map[string]any{"path": "ok.pcap", "limit": "ten"}, "limit"},
		{"wrong type path", "analyze", map[string]any{"path": 42}, "path"},
		{"unknown argument", "list_flows", map[string]any{"path": "ok.pcap", "colour": "red"}, "colour"},
		{"bad proto", "list_flows", map[string]any{"path": "ok.pcap", "proto": "carrier-pigeon"}, "unknown proto"},
		{"bad host", "list_flows", map[string]any{"path": "ok.pcap", "host": "example.com"}, "not an IP address"},
		{"bad sort", "list_flows", map[string]any{"path": "ok.pcap", "sort": "colour"}, "unknown sort"},
		{"bad cursor", "list_flows", map[string]any{"path": "ok.pcap", "cursor": "xyz"}, "bad cursor"},
		{"bad port", "list_flows", map[string]any{"path": "ok.pcap", "port": 70000}, "port"},
		{"bad severity", "list_findings", map[string]any{"path": "ok.pcap", "min_severity": "apocalyptic"}, "min_severity"},
		{"url disabled", "analyze", map[string]any{"path": "https://example.com/x.pcap"}, "URLs are not enabled"},
		{"corpus nothing", "analyze_corpus", map[string]any{}, "no captures"},
		{"corpus outside", "analyze_corpus", map[string]any{"dir": outside}, "outside the allowed roots"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			h.fails(c.tool, c.args, c.want)
		})
	}
	h.t = t
	// A file cut inside a record is read up to the cut: an answer, with
	// the truncation said.
	v := h.ok("capture_info", map[string]any{"path": "cut.pcap"})
	if v["capture"].(map[string]any)["truncated"] != true || len(v["warnings"].([]any)) == 0 {
		t.Errorf("cut capture: %v; want truncated with a warning", v)
	}
	// Corpus with a bad file: one row with an error, the rest analyzed.
	co := h.ok("analyze_corpus", map[string]any{"dir": ".", "pattern": "*"})
	if co["failed"].(float64) < 2 {
		t.Errorf("corpus: failed %v; want the text and the empty file", co["failed"])
	}
	// The server keeps answering.
	h.ok("capture_info", map[string]any{"path": "ok.pcap"})
}

func TestSeveralRoots(t *testing.T) {
	other := t.TempDir()
	data, _ := os.ReadFile(tinyCapture)
	os.WriteFile(filepath.Join(other, "second.pcap"), data, 0o644)
	h := newHarness(t, Config{Roots: []string{"testdata", other}})
	h.ok("capture_info", map[string]any{"path": "http_curl_loopback.pcap"})
	h.ok("capture_info", map[string]any{"path": "second.pcap"})
	h.ok("capture_info", map[string]any{"path": filepath.Join(other, "second.pcap")})
}

func TestConcurrentFirstCalls(t *testing.T) {
	h := newHarness(t, Config{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := mcpgo.CallToolRequest{}
			req.Params.Name = "analyze"
			req.Params.Arguments = map[string]any{"path": "http_curl_loopback.pcap"}
			res, err := h.c.CallTool(context.Background(), req)
			if err != nil || res.IsError {
				t.Errorf("analyze: %v %v", err, res)
			}
		}()
	}
	wg.Wait()
	if m := h.s.cache.misses.Load(); m != 1 {
		t.Errorf("%d analyses for 8 concurrent first calls; want 1", m)
	}
}

func TestCacheInvalidatesOnChange(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(tinyCapture)
	p := filepath.Join(dir, "c.pcap")
	os.WriteFile(p, data, 0o644)
	h := newHarness(t, Config{Roots: []string{dir}})
	h.ok("capture_info", map[string]any{"path": "c.pcap"})
	os.WriteFile(p, data[:len(data)/2], 0o644)
	os.Chtimes(p, time.Now().Add(time.Hour), time.Now().Add(time.Hour))
	v := h.ok("capture_info", map[string]any{"path": "c.pcap"})
	if v["capture"].(map[string]any)["packets"].(float64) >= 26 {
		t.Errorf("changed file answered from the cache")
	}
}

func TestBudget(t *testing.T) {
	// A tiny budget: answers still fit, and say they were trimmed.
	h := newHarness(t, Config{MaxAnswerBytes: 1600})
	v := h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap", "limit": 1000})
	if v["truncated"] != true || v["cursor"] == nil || len(v["notes"].([]any)) == 0 {
		t.Errorf("trimmed answer: truncated %v cursor %v notes %v", v["truncated"], v["cursor"], v["notes"])
	}
	next := h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap", "limit": 1000, "cursor": v["cursor"]})
	if got := len(v["flows"].([]any)) + len(next["flows"].([]any)); got < 2 {
		t.Errorf("paging after a trim lost rows: %d", got)
	}
	h.ok("analyze", map[string]any{"path": "http_curl_loopback.pcap"})
}

func TestPromptsAndResources(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	lp, err := h.c.ListPrompts(ctx, mcpgo.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range lp.Prompts {
		names = append(names, p.Name)
	}
	for _, w := range []string{"triage_capture", "investigate_host", "dns_investigation", "tls_audit", "incident_report"} {
		if !slices.Contains(names, w) {
			t.Errorf("prompt %s missing", w)
		}
	}
	gp := mcpgo.GetPromptRequest{}
	gp.Params.Name = "investigate_host"
	gp.Params.Arguments = map[string]string{"path": "x.pcap", "host": "192.0.2.1"}
	pr, err := h.c.GetPrompt(ctx, gp)
	if err != nil || len(pr.Messages) == 0 {
		t.Fatalf("get prompt: %v", err)
	}
	lr, err := h.c.ListResources(ctx, mcpgo.ListResourcesRequest{})
	if err != nil || len(lr.Resources) != 1 {
		t.Fatalf("resources: %v %v; want the one capture", lr, err)
	}
	rr := mcpgo.ReadResourceRequest{}
	rr.Params.URI = lr.Resources[0].URI
	got, err := h.c.ReadResource(ctx, rr)
	if err != nil {
		t.Fatal(err)
	}
	tc := got.Contents[0].(mcpgo.TextResourceContents)
	var rep map[string]any
	if err := json.Unmarshal([]byte(tc.Text), &rep); err != nil || rep["capture"] == nil {
		t.Errorf("report resource: %v %.200s", err, tc.Text)
	}
}

func TestHTTPGuard(t *testing.T) {
	s, err := New(Config{Roots: []string{"testdata"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.HTTPHandler(HTTPConfig{Token: "s3cret"}))
	defer srv.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	for _, c := range []struct {
		name, origin, token string
		want                int
	}{
		{"foreign origin", "https://evil.example", "s3cret", http.StatusForbidden},
		{"no token", "", "", http.StatusUnauthorized},
		{"wrong token", "", "nope", http.StatusUnauthorized},
		{"loopback origin", "http://localhost:5173", "s3cret", http.StatusOK},
		{"no origin", "", "s3cret", http.StatusOK},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: HTTP %d; want %d", c.name, resp.StatusCode, c.want)
		}
	}
}

func TestSharedCaptures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedPcaps, "*.pcap*"))
	if len(files) == 0 {
		t.Skip("no shared captures in " + sharedPcaps)
	}
	h := newHarness(t, Config{Roots: []string{sharedPcaps}})
	largest, largestJSON, largestTool := 0, 0, ""
	measure := func(tool string, res *mcpgo.CallToolResult) {
		largest = max(largest, len(text(res)))
		if b, _ := json.Marshal(res.StructuredContent); len(b) > largestJSON {
			largestJSON, largestTool = len(b), tool
		}
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			h.t = t
			p := map[string]any{"path": name}
			for _, tool := range []string{"capture_info", "analyze", "tcp_issues", "list_findings", "attack_matrix"} {
				res, _ := h.call(tool, p)
				if res.IsError {
					t.Errorf("%s: %s", tool, text(res))
				}
				measure(tool+" "+name, res)
			}
			res, _ := h.call("list_flows", map[string]any{"path": name, "limit": 1000, "sort": "bytes"})
			if res.IsError {
				t.Errorf("list_flows: %s", text(res))
			}
			measure("list_flows "+name, res)
		})
	}
	h.t = t
	co := h.ok("analyze_corpus", map[string]any{"dir": "."})
	if co["files_total"].(float64) != float64(len(files)) {
		t.Errorf("corpus files %v; want %d", co["files_total"], len(files))
	}
	t.Logf("largest text answer: %d bytes; largest structured answer: %d bytes (%s)", largest, largestJSON, largestTool)
}

func TestProgressAndCancel(t *testing.T) {
	big := filepath.Join(sharedPcaps, "sll2-medium.pcap")
	if _, err := os.Stat(big); err != nil {
		t.Skip("no shared capture sll2-medium.pcap")
	}
	h := newHarness(t, Config{Roots: []string{sharedPcaps}})
	// Cancelled before it starts: a tool result or context error, never a
	// hang, and nothing cached.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := mcpgo.CallToolRequest{}
	req.Params.Name = "analyze"
	req.Params.Arguments = map[string]any{"path": "sll2-medium.pcap"}
	_, _ = h.c.CallTool(ctx, req)
	if n := h.s.cache.len(); n != 0 {
		t.Errorf("a cancelled analysis was cached (%d entries)", n)
	}
	// With a progress token the first call sends progress notifications.
	var mu sync.Mutex
	var got []mcpgo.JSONRPCNotification
	h.c.OnNotification(func(n mcpgo.JSONRPCNotification) {
		mu.Lock()
		defer mu.Unlock()
		if n.Method == "notifications/progress" {
			got = append(got, n)
		}
	})
	req.Params.Meta = &mcpgo.Meta{ProgressToken: "p1"}
	res, err := h.c.CallTool(context.Background(), req)
	if err != nil || res.IsError {
		t.Fatalf("analyze with progress token: %v %v", err, res)
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 {
		t.Fatalf("%d progress notifications; want at least start and end", len(got))
	}
	last := got[len(got)-1].Params.AdditionalFields
	if last["progressToken"] != "p1" || last["progress"] != last["total"] {
		t.Errorf("last progress %v; want progress == total for token p1", last)
	}
}
