package mcp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// benchCapture is the largest shared capture.
func benchCapture(b *testing.B) string {
	for _, n := range []string{"sll2-medium.pcap", "http-206-ranges.pcap"} {
		if _, err := os.Stat(filepath.Join(sharedPcaps, n)); err == nil {
			return n
		}
	}
	b.Skip("no shared capture")
	return ""
}

func benchCall(b *testing.B, h *harness, name string) {
	req := mcpgo.CallToolRequest{}
	req.Params.Name = "analyze"
	req.Params.Arguments = map[string]any{"path": name}
	res, err := h.c.CallTool(context.Background(), req)
	if err != nil || res.IsError {
		b.Fatalf("analyze: %v %v", err, res)
	}
}

// BenchmarkFirstCall is analyze on a capture not in the cache: the whole
// pass plus the answer.
func BenchmarkFirstCall(b *testing.B) {
	name := benchCapture(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, Config{Roots: []string{sharedPcaps}})
		b.StartTimer()
		benchCall(b, h, name)
	}
}

// BenchmarkCachedCall is analyze answered from the cache.
func BenchmarkCachedCall(b *testing.B) {
	name := benchCapture(b)
	h := newHarness(b, Config{Roots: []string{sharedPcaps}})
	benchCall(b, h, name)
	b.ReportAllocs()
	for b.Loop() {
		benchCall(b, h, name)
	}
}
