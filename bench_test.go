package pcapai

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// BenchmarkDecode decodes one Ethernet/IPv4/TCP frame.
func BenchmarkDecode(b *testing.B) {
	d := flows.NewDecoder(flows.DecoderConfig{})
	frame := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1000, Ack: 1, Flags: 0x18, Payload: make([]byte, 512)})
	ts := time.Unix(1700000000, 0).UTC()
	var p flows.Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		d.Decode(frame, flows.LinkEthernet, 1, ts, len(frame), 0, &p)
	}
}

// BenchmarkFlowUpdate updates the flow table (with TCP analysis) for a
// packet of an existing flow.
func BenchmarkFlowUpdate(b *testing.B) {
	d := flows.NewDecoder(flows.DecoderConfig{})
	tab := flows.NewTable(0)
	frame := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1000, Ack: 1, Flags: 0x10})
	var p flows.Packet
	d.Decode(frame, flows.LinkEthernet, 1, time.Unix(1700000000, 0).UTC(), len(frame), 0, &p)
	b.ReportAllocs()
	for b.Loop() {
		tab.Observe(&p)
	}
}

// BenchmarkAnalyzeFile runs the whole pass, every analyzer, on a web
// browsing capture (shared corpus) or a testdata capture. Large-capture
// rates come from internal/tools/pcapbench.
func BenchmarkAnalyzeFile(b *testing.B) {
	var path string
	for _, p := range []string{filepath.Join("..", "shared", "pcaps", "http-bro-org.pcap"), "testdata/http_curl_local.pcap"} {
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		b.Skip("no capture to benchmark")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	var pkts uint64
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(data))
		rep, err := Analyze(context.Background(), r, Options{})
		if err != nil {
			b.Fatal(err)
		}
		pkts = rep.Capture.Packets
	}
	b.ReportMetric(float64(pkts)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkAnalyzeSmall is the fixed cost of an Analyze: a 70 KB capture
// of 109 packets from testdata, as an MCP client sends many of.
func BenchmarkAnalyzeSmall(b *testing.B) {
	data, err := os.ReadFile("testdata/http_curl_local.pcap")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Analyze(context.Background(), r, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPacket is the whole per-packet path (decode, flow table, every
// module) for a packet of an existing flow.
func BenchmarkPacket(b *testing.B) {
	e, err := newEngine(Options{})
	if err != nil {
		b.Fatal(err)
	}
	frame := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1000, Ack: 1, Flags: 0x10, Payload: make([]byte, 512)})
	ts := time.Unix(1700000000, 0).UTC()
	var n uint64
	b.ReportAllocs()
	for b.Loop() {
		n++
		e.dec.Decode(frame, flows.LinkEthernet, n, ts, len(frame), 0, &e.pkts[0])
		e.observe(&e.pkts[0])
	}
}
