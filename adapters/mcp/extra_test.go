package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

func TestDownload(t *testing.T) {
	data, err := os.ReadFile(tinyCapture)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.pcap":
			w.Write(data)
		case "/big.pcap":
			w.Write(bytes.Repeat(data, 100))
		case "/page.html":
			w.Write([]byte("<html>not a capture</html>"))
		case "/redirect":
			http.Redirect(w, r, "/ok.pcap", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	// The test server is on loopback: refused unless private addresses are
	// allowed.
	h := newHarness(t, Config{AllowURL: true})
	h.fails("capture_info", map[string]any{"path": srv.URL + "/ok.pcap"}, "private or loopback")

	h = newHarness(t, Config{AllowURL: true, AllowPrivateURL: true, MaxURLBytes: 10 << 10})
	v := h.ok("capture_info", map[string]any{"path": srv.URL + "/ok.pcap"})
	if v["capture"].(map[string]any)["packets"].(float64) != 26 {
		t.Errorf("downloaded capture: %v", v["capture"])
	}
	h.ok("analyze", map[string]any{"path": srv.URL + "/redirect"})
	h.fails("capture_info", map[string]any{"path": srv.URL + "/big.pcap"}, "over the download cap")
	h.fails("capture_info", map[string]any{"path": srv.URL + "/page.html"}, "not a pcap")
	h.fails("capture_info", map[string]any{"path": srv.URL + "/missing.pcap"}, "404")
}

// TestDisplayFilters checks with tshark that each flow's display filter
// selects exactly its packets.
func TestDisplayFilters(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	h := newHarness(t, Config{})
	v := h.ok("list_flows", map[string]any{"path": "http_curl_loopback.pcap"})
	for _, r := range v["flows"].([]any) {
		row := r.(map[string]any)
		df := row["display_filter"].(string)
		out, err := exec.Command("tshark", "-r", tinyCapture, "-Y", df).Output()
		if err != nil {
			t.Fatalf("tshark -Y %q: %v", df, err)
		}
		n := strings.Count(string(out), "\n")
		if want := int(row["flow"].(map[string]any)["packets"].(float64)); n != want {
			t.Errorf("%s selects %d frames; the flow has %d", df, n, want)
		}
	}
}

func TestLargeFileTinyLimit(t *testing.T) {
	big := filepath.Join(sharedPcaps, "scan-nmap-vsn.pcap")
	if _, err := os.Stat(big); err != nil {
		t.Skip("no shared capture sll2-medium.pcap")
	}
	h := newHarness(t, Config{Roots: []string{sharedPcaps}})
	v := h.ok("list_flows", map[string]any{"path": "scan-nmap-vsn.pcap", "limit": 1})
	if len(v["flows"].([]any)) != 1 || v["truncated"] != true || v["cursor"] != "1" {
		t.Errorf("limit 1: %d rows, truncated %v, cursor %v", len(v["flows"].([]any)), v["truncated"], v["cursor"])
	}
	total := int(v["total"].(float64))
	v = h.ok("list_flows", map[string]any{"path": "scan-nmap-vsn.pcap", "limit": 1, "cursor": strconv.Itoa(total - 1)})
	if len(v["flows"].([]any)) != 1 || v["truncated"] != false {
		t.Errorf("last page: %v", v)
	}
	// A cursor past the end is an empty page, not an error.
	v = h.ok("list_flows", map[string]any{"path": "scan-nmap-vsn.pcap", "cursor": strconv.Itoa(total + 10)})
	if len(v["flows"].([]any)) != 0 {
		t.Errorf("page past the end has rows")
	}
	// Max packets: a partial analysis says so.
	h = newHarness(t, Config{Roots: []string{sharedPcaps}, MaxPackets: 100})
	ci := h.ok("capture_info", map[string]any{"path": "sll2-medium.pcap"})
	if ci["stopped_early"] != true || ci["capture"].(map[string]any)["packets"].(float64) != 100 {
		t.Errorf("max packets 100: stopped_early %v packets %v", ci["stopped_early"], ci["capture"].(map[string]any)["packets"])
	}
}

func TestCompletion(t *testing.T) {
	h := newHarness(t, Config{})
	req := mcpgo.CompleteRequest{}
	req.Params.Ref = mcpgo.PromptReference{Type: "ref/prompt", Name: "triage_capture"}
	req.Params.Argument.Name = "path"
	req.Params.Argument.Value = "http"
	res, err := h.c.Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Completion.Values) != 1 || res.Completion.Values[0] != "http_curl_loopback.pcap" {
		t.Errorf("completion %v", res.Completion.Values)
	}
}

func TestFitBound(t *testing.T) {
	type row struct {
		A string `json:"a"`
		B []int  `json:"b"`
	}
	type res struct {
		Rows   []row  `json:"rows"`
		Offset int    `json:"offset"`
		Cursor string `json:"cursor,omitempty"`
		Bounds
	}
	var r res
	for i := range 5000 {
		r.Rows = append(r.Rows, row{A: strings.Repeat("x", i%700), B: make([]int, i%50)})
	}
	for _, budget := range []int{1000, 4096, 48 << 10} {
		v, notes, err := fit(r, budget, "rows")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		if len(b) > budget || len(notes) == 0 {
			t.Errorf("budget %d: %d bytes, notes %v", budget, len(b), notes)
		}
		m := v.(map[string]any)
		if m["truncated"] != true || m["cursor"] != strconv.Itoa(len(m["rows"].([]any))) {
			t.Errorf("budget %d: truncated %v cursor %v rows %d", budget, m["truncated"], m["cursor"], len(m["rows"].([]any)))
		}
	}
}
