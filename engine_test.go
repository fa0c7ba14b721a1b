package pcapai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

var (
	cli = netip.MustParseAddrPort("192.0.2.10:40000")
	srv = netip.MustParseAddrPort("198.51.100.7:443")
)

func analyzeBytes(t testing.TB, b []byte, opts Options) *Report {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b))
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

// TestNoAllocs checks the hot-path budget: decoding and dispatching a
// packet of a flow already in the table allocates nothing.
func TestNoAllocs(t *testing.T) {
	e, err := newEngine(Options{noRecover: true})
	if err != nil {
		t.Fatal(err)
	}
	frame := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1000, Ack: 1, Flags: 0x18, Payload: []byte("hello")})
	ts := time.Unix(1700000000, 0).UTC()
	var n uint64
	step := func() {
		n++
		e.dec.Decode(frame, flows.LinkEthernet, n, ts, len(frame), 0, &e.pkts[0])
		e.observe(&e.pkts[0])
	}
	step() // creates the flow
	if allocs := testing.AllocsPerRun(1000, step); allocs != 0 {
		t.Fatalf("decode+observe: %v allocs per packet; want 0", allocs)
	}
}

// TestSeqWraparound: a transfer whose sequence numbers wrap past 2^32 has no
// retransmissions or lost segments (Wireshark compares sequence numbers
// modulo 2^32).
func TestSeqWraparound(t *testing.T) {
	isn := uint32(0xffffff00)
	var frames [][]byte
	frames = append(frames,
		pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn, Flags: 0x02}),
		pcaptest.EthTCP(pcaptest.TCPSeg{Src: srv, Dst: cli, Seq: 5000, Ack: isn + 1, Flags: 0x12}),
		pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn + 1, Ack: 5001, Flags: 0x10}),
	)
	seq := isn + 1
	payload := bytes.Repeat([]byte("x"), 100)
	for i := 0; i < 6; i++ { // crosses 0xffffffff after the third segment
		frames = append(frames, pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: seq, Ack: 5001, Flags: 0x18, Payload: payload}))
		seq += 100
		frames = append(frames, pcaptest.EthTCP(pcaptest.TCPSeg{Src: srv, Dst: cli, Seq: 5001, Ack: seq, Flags: 0x10}))
	}
	// One real retransmission after the wrap.
	frames = append(frames, pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: seq - 100, Ack: 5001, Flags: 0x18, Payload: payload}))
	rep := analyzeBytes(t, pcaptest.PCAP(1700000000, frames...), Options{})
	if len(rep.Flows) != 1 {
		t.Fatalf("flows = %d, want 1", len(rep.Flows))
	}
	s := rep.Flows[0].TCPStats
	if s.Retransmissions != 1 || s.LostSegments != 0 || s.OutOfOrder != 0 {
		t.Errorf("retransmissions %d lost %d ooo %d; want 1 0 0 (the last segment repeats already-acked data: spurious %d)",
			s.Retransmissions, s.LostSegments, s.OutOfOrder, s.SpuriousRetransmissions)
	}
	if s.State != "S1" {
		t.Errorf("state = %s, want S1 (established, not closed)", s.State)
	}
}

// TestPortReuse: a new SYN with another initial sequence number on the same
// addresses and ports starts a new flow, as tshark starts a new conversation.
func TestPortReuse(t *testing.T) {
	var frames [][]byte
	for _, isn := range []uint32{100, 900000} {
		frames = append(frames,
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn, Flags: 0x02}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: srv, Dst: cli, Seq: 7, Ack: isn + 1, Flags: 0x12}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn + 1, Ack: 8, Flags: 0x10}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn + 1, Ack: 8, Flags: 0x11}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: srv, Dst: cli, Seq: 8, Ack: isn + 2, Flags: 0x11}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn + 2, Ack: 9, Flags: 0x10}),
		)
	}
	rep := analyzeBytes(t, pcaptest.PCAP(1700000000, frames...), Options{})
	if len(rep.Flows) != 2 {
		t.Fatalf("flows = %d, want 2", len(rep.Flows))
	}
	for _, f := range rep.Flows {
		if f.TCPStats.State != "SF" || f.Packets != 6 || f.Src != cli {
			t.Errorf("flow %d: state %s packets %d src %v; want SF 6 %v", f.ID, f.TCPStats.State, f.Packets, f.Src, cli)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(p, []byte("this is not a capture file at all"), 0o644)
	_, err := Open(p)
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Open(text file) = %v; want ErrUnknownFormat naming the file", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("Open(dir) = %v; want a directory error", err)
	}
	if _, err := NewReader(bytes.NewReader(nil)); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("NewReader(empty) = %v; want ErrUnknownFormat", err)
	}
}

// TestTruncatedFile: a file cut inside a record gives the records before it
// and a warning naming the record and byte offset.
func TestTruncatedFile(t *testing.T) {
	f1 := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1, Flags: 0x02})
	b := pcaptest.PCAP(1700000000, f1, f1, f1)
	cut := b[:len(b)-10]
	rep := analyzeBytes(t, cut, Options{})
	if rep.Capture.Packets != 2 || !rep.Capture.Truncated {
		t.Fatalf("packets %d truncated %v; want 2 true", rep.Capture.Packets, rep.Capture.Truncated)
	}
	off := 24 + 2*(16+len(f1))
	want := "record 3 at byte offset " + strconv.Itoa(off)
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], want) {
		t.Fatalf("warnings = %q; want one naming %q", rep.Warnings, want)
	}
}

func TestMaxPacketsAndCancel(t *testing.T) {
	f1 := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1, Flags: 0x02})
	b := pcaptest.PCAP(1700000000, f1, f1, f1, f1)
	rep := analyzeBytes(t, b, Options{MaxPackets: 2})
	if rep.Capture.Packets != 2 || !rep.StoppedEarly {
		t.Fatalf("packets %d stopped %v; want 2 true", rep.Capture.Packets, rep.StoppedEarly)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	many := make([][]byte, 10000)
	for i := range many {
		many[i] = f1
	}
	r, _ := NewReader(bytes.NewReader(pcaptest.PCAP(1700000000, many...)))
	rep, err := Analyze(ctx, r, Options{})
	if !errors.Is(err, context.Canceled) || rep == nil || rep.Capture.Packets >= 10000 {
		t.Fatalf("cancelled Analyze: err %v, packets %v; want context.Canceled and a partial report", err, rep.Capture.Packets)
	}
}

// TestPassBatchEdges: the pass reads records in batches of batchLen, but
// MaxPackets, the end of the capture and a scan that stops early all land
// on the exact record, wherever it falls in a batch: the packets counted,
// the flows' packets and the frames scanned match, and a capture of
// exactly MaxPackets records is not cut short.
func TestPassBatchEdges(t *testing.T) {
	var frames [][]byte
	for i := range 3*batchLen + 5 {
		frames = append(frames, pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: uint32(1000 + i), Ack: 1, Flags: 0x10}))
	}
	capture := pcaptest.PCAP(1700000000, frames...)
	for _, max := range []uint64{1, batchLen - 1, batchLen, batchLen + 1, 2*batchLen + 3, uint64(len(frames)), uint64(len(frames)) + 1} {
		rep := analyzeBytes(t, capture, Options{MaxPackets: max})
		want := min(max, uint64(len(frames)))
		if rep.Capture.Packets != want || len(rep.Flows) != 1 || rep.Flows[0].Packets != want || rep.Decode.Packets != want {
			t.Errorf("MaxPackets %d: %d packets, flows %d, decoded %d; want %d in one flow", max, rep.Capture.Packets, len(rep.Flows), rep.Decode.Packets, want)
		}
		if stopped := max < uint64(len(frames)); rep.StoppedEarly != stopped {
			t.Errorf("MaxPackets %d: StoppedEarly %v; want %v", max, rep.StoppedEarly, stopped)
		}
	}
	for _, last := range []uint64{1, batchLen - 1, batchLen, batchLen + 2} {
		r, err := NewReader(bytes.NewReader(capture))
		if err != nil {
			t.Fatal(err)
		}
		res, err := FilterPackets(context.Background(), r, Filter{LastFrame: last}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Scanned != last || res.Matched != last {
			t.Errorf("LastFrame %d: scanned %d, matched %d; want %d, %d", last, res.Scanned, res.Matched, last, last)
		}
	}
}

// doneModule counts the packets it sees and is done with a flow after its
// first packet.
type doneModule struct {
	seen    map[uint64]int
	skipped int // Done calls that said the engine skips the flow
}

func (m *doneModule) observe(p *flows.Packet) {
	if p.Flow != nil {
		m.seen[p.Flow.ID]++
		if p.Done() {
			m.skipped++
		}
	}
}
func (m *doneModule) finish(*engine, *Report) {}

// TestPacketDone: an analyzer that calls Done sees no later packet of that
// flow, a new flow on the same ports (port reuse) starts afresh, and the
// analyzers after it still see every packet.
func TestPacketDone(t *testing.T) {
	var frames [][]byte
	for _, isn := range []uint32{100, 900000} {
		frames = append(frames,
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn, Flags: 0x02}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: srv, Dst: cli, Seq: 7, Ack: isn + 1, Flags: 0x12}),
			pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: isn + 1, Ack: 8, Flags: 0x10}),
		)
	}
	r, err := NewReader(bytes.NewReader(pcaptest.PCAP(1700000000, frames...)))
	if err != nil {
		t.Fatal(err)
	}
	e, err := newEngine(Options{noRecover: true, Modules: []string{"flows"}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	done, all := &doneModule{seen: map[uint64]int{}}, &doneModule{seen: map[uint64]int{}}
	e.add("done", done)
	e.add("all", countModule{all})
	if _, err := e.run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if done.seen[1] != 1 || done.seen[2] != 1 || all.seen[1] != 3 || all.seen[2] != 3 {
		t.Fatalf("done module saw %v, next module saw %v; want one packet per flow, then three", done.seen, all.seen)
	}
	if done.skipped != 2 {
		t.Errorf("Done reported the skip %d times in the engine; want 2", done.skipped)
	}
	// Outside the engine Done does nothing and says so.
	p := flows.Packet{Flow: &flows.Flow{}}
	if p.Done() || (&flows.Packet{}).Done() {
		t.Error("Done outside the engine reported a skip")
	}
}

// countModule sees every packet and never calls Done.
type countModule struct{ m *doneModule }

func (c countModule) observe(p *flows.Packet) {
	if p.Flow != nil {
		c.m.seen[p.Flow.ID]++
	}
}
func (countModule) finish(*engine, *Report) {}

// panicky panics on the frames in at; count records the frames it saw.
type panicky struct {
	at   map[uint64]bool
	seen []uint64
}

func (m *panicky) observe(p *flows.Packet) {
	m.seen = append(m.seen, p.Frame)
	if m.at[p.Frame] {
		panic("boom")
	}
}
func (m *panicky) finish(*engine, *Report) {}

// TestAnalyzerPanic: a module that panics is recorded with its name and
// frame, the modules after it still see that packet, and the pass goes on.
func TestAnalyzerPanic(t *testing.T) {
	e, err := newEngine(Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	first := &panicky{at: map[uint64]bool{2: true, 3: true}}
	second := &panicky{at: map[uint64]bool{3: true}}
	e.add("first", first)
	e.add("second", second)
	frame := pcaptest.EthTCP(pcaptest.TCPSeg{Src: cli, Dst: srv, Seq: 1000, Ack: 1, Flags: 0x18, Payload: []byte("hello")})
	ts := time.Unix(1700000000, 0).UTC()
	for n := uint64(1); n <= 4; n++ {
		e.dec.Decode(frame, flows.LinkEthernet, n, ts, len(frame), 0, &e.pkts[0])
		e.observe(&e.pkts[0])
	}
	want := []uint64{1, 2, 3, 4}
	if !slices.Equal(first.seen, want) || !slices.Equal(second.seen, want) {
		t.Fatalf("frames seen: first %v, second %v; want %v for both", first.seen, second.seen, want)
	}
	if e.panics != 3 {
		t.Errorf("panics = %d, want 3", e.panics)
	}
	if !strings.HasPrefix(e.lastErr, "analyzer first panicked on frame 2: boom") {
		t.Errorf("lastErr = %q", e.lastErr)
	}
}

// TestConcurrentFinish: the costly finishes (overview, beacon, detect) run
// at once when there is a second core; the Report is the one a single
// core gives.
func TestConcurrentFinish(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, name := range []string{"beacon_http_jitter.pcap", "scan_nmap_syn.pcap", "upload_lateral.pcap", "dns_dga_nxdomain.pcap"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var js [2][]byte
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			js[i], err = json.Marshal(analyzeBytes(t, raw, Options{Workers: 1}))
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(js[0], js[1]) {
			t.Errorf("%s: the Report finished concurrently differs", name)
		}
		if !bytes.Contains(js[0], []byte(`"findings":[{`)) {
			t.Errorf("%s: no findings to compare", name)
		}
	}
}

// panicPre is a precomputer that panics.
type panicPre struct{}

func (panicPre) observe(*flows.Packet)       {}
func (panicPre) finish(*engine, *Report)     {}
func (panicPre) precompute(*engine, *Report) { panic("precompute failed") }

// TestPrecomputePanic: a panic in a concurrent precompute reaches the
// caller's goroutine, as a panic in a finish does, instead of ending the
// process.
func TestPrecomputePanic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	e, err := newEngine(Options{noRecover: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.add("panicky", panicPre{})
	defer func() {
		if v := recover(); v != "precompute failed" {
			t.Fatalf("recovered %v; want the precompute's panic", v)
		}
	}()
	precomputeAll(e, &Report{}, []precomputer{panicPre{}, e.mods[0].(precomputer)})
	t.Fatal("no panic")
}
