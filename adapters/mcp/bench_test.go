package mcp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// benchCaptures are the largest shared captures.
var benchCaptures = []string{"sll2-medium.pcap", "http-206-ranges.pcap"}

func forCaptures(b *testing.B, f func(b *testing.B, name string)) {
	for _, n := range benchCaptures {
		b.Run(n, func(b *testing.B) {
			if _, err := os.Stat(filepath.Join(sharedPcaps, n)); err != nil {
				b.Skip("no shared capture " + n)
			}
			f(b, n)
		})
	}
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
	forCaptures(b, func(b *testing.B, name string) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			h := newHarness(b, Config{Roots: []string{sharedPcaps}})
			b.StartTimer()
			benchCall(b, h, name)
		}
	})
}

// BenchmarkCachedCall is analyze answered from the cache.
func BenchmarkCachedCall(b *testing.B) {
	forCaptures(b, func(b *testing.B, name string) {
		h := newHarness(b, Config{Roots: []string{sharedPcaps}})
		benchCall(b, h, name)
		b.ReportAllocs()
		for b.Loop() {
			benchCall(b, h, name)
		}
	})
}
