package tlsx

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// mergeCaptures lists the TLS and QUIC captures of testdata/ and the
// shared captures with a "tls" section in their truth, when present.
func mergeCaptures(t *testing.T) []string {
	var files []string
	ents, err := os.ReadDir(pcaptest.TestdataDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		n := e.Name()
		if (strings.HasPrefix(n, "tls") || strings.HasPrefix(n, "quic")) && (strings.HasSuffix(n, ".pcap") || strings.HasSuffix(n, ".pcapng")) {
			files = append(files, filepath.Join(pcaptest.TestdataDir(), n))
		}
	}
	if _, ok := sharedDir(); ok {
		dir, entries := pcaptest.SharedTruth(t)
		for _, e := range entries {
			if _, ok := e.Truth["tls"]; ok {
				files = append(files, filepath.Join(dir, e.Name))
			}
		}
	}
	return files
}

// shardOf picks the shard of a packet by a hash of its IP address pair
// that is the same in both directions; packets without IP go to shard 0.
func shardOf(p *flows.Packet, n int) int {
	if !p.Src.IsValid() || !p.Dst.IsValid() {
		return 0
	}
	x, y := p.Src.As16(), p.Dst.As16()
	if p.Src.Compare(p.Dst) > 0 {
		x, y = y, x
	}
	h := fnv.New64a()
	h.Write(x[:])
	h.Write(y[:])
	return int(h.Sum64() % uint64(n))
}

// shard is one engine shard: its own decoder (IP fragment state), packet,
// flow table and analyzer.
type shard struct {
	dec *flows.Decoder
	pkt flows.Packet
	tab *flows.Table
	a   *Analyzer
}

// record is one capture record, held in memory.
type record struct {
	data    []byte
	lt      flows.LinkType
	ts      time.Time
	origLen int
	iface   int
}

func readRecords(t *testing.T, path string) []record {
	t.Helper()
	var recs []record
	pcaptest.EachRecord(t, path, func(rec *capfile.Record, lt flows.LinkType, _ uint64) {
		recs = append(recs, record{bytes.Clone(rec.Data), lt, time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface})
	})
	return recs
}

// interleaved builds one capture out of the TLS recordings of testdata/,
// which all run between the same two addresses: recording i gets the
// addresses 10.77.i.1 and 10.77.i.2 instead, starts 3 ms after
// recording i-1, and the records of all are merged in time order. It
// gives sessions in several shards without the shared captures, and
// handshakes that pause (up to 16 ms between ClientHello and
// ServerHello) while packets of other flows, in other shards, go by: an
// idle sweep timed by those packets abandons them in one analyzer and not
// in the shard that does not see them.
func interleaved(t *testing.T) []record {
	files, _ := filepath.Glob(filepath.Join(pcaptest.TestdataDir(), "tls_*.pcap"))
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var all []record
	for i, path := range files {
		recs := readRecords(t, path)
		if len(recs) == 0 {
			continue
		}
		addrs := map[[4]byte]byte{}
		shift := t0.Add(time.Duration(i) * 3 * time.Millisecond).Sub(recs[0].ts)
		for _, r := range recs {
			off := 0
			switch r.lt {
			case flows.LinkEthernet:
				if len(r.data) < 14 || r.data[12] != 0x08 || r.data[13] != 0x00 {
					t.Fatalf("%s: not IPv4 over Ethernet", path)
				}
				off = 14
			case flows.LinkRaw:
			default:
				t.Fatalf("%s: link type %v", path, r.lt)
			}
			h := r.data[off:]
			if len(h) < 20 || h[0]>>4 != 4 {
				t.Fatalf("%s: not IPv4", path)
			}
			for _, at := range []int{12, 16} {
				var a [4]byte
				copy(a[:], h[at:at+4])
				n, ok := addrs[a]
				if !ok {
					n = byte(len(addrs) + 1)
					addrs[a] = n
				}
				copy(h[at:at+4], []byte{10, 77, byte(i), n})
			}
			hl := int(h[0]&0x0f) * 4
			h[10], h[11] = 0, 0
			var sum uint32
			for j := 0; j+1 < hl; j += 2 {
				sum += uint32(h[j])<<8 | uint32(h[j+1])
			}
			for sum > 0xffff {
				sum = sum&0xffff + sum>>16
			}
			h[10], h[11] = byte(^sum>>8), byte(^sum)
			r.ts = r.ts.Add(shift)
			all = append(all, r)
		}
	}
	slices.SortStableFunc(all, func(x, y record) int { return x.ts.Compare(y.ts) })
	return all
}

// shardedRun runs records once through one decoder, table and analyzer,
// and once split across n shards by IP address pair, as the engine does
// with Options.Workers: the shard flows are renumbered in order of first
// frame (ties: shard-local creation order) and the analyzers merged into
// the first. It returns both analyzers, not finished, and how many
// sessions each shard created.
func shardedRun(t *testing.T, recs []record, cfg Config, n int) (seq, merged *Analyzer, perShard []int) {
	t.Helper()
	dec, tab := flows.NewDecoder(flows.DecoderConfig{}), flows.NewTable(0)
	var p flows.Packet
	seq = New(cfg)
	shards := make([]*shard, n)
	for i := range shards {
		shards[i] = &shard{dec: flows.NewDecoder(flows.DecoderConfig{}), tab: flows.NewTable(0), a: New(cfg)}
	}
	for i, r := range recs {
		frame := uint64(i + 1)
		dec.Decode(r.data, r.lt, frame, r.ts, r.origLen, r.iface, &p)
		tab.Observe(&p)
		seq.Observe(&p)
		sh := shards[shardOf(&p, n)]
		sh.dec.Decode(r.data, r.lt, frame, r.ts, r.origLen, r.iface, &sh.pkt)
		sh.tab.Observe(&sh.pkt)
		sh.a.Observe(&sh.pkt)
	}

	// Renumber the flows as the engine does after the pass.
	var tabs []*flows.Table
	for _, sh := range shards {
		tabs = append(tabs, sh.tab)
	}
	all := flows.JoinTables(tabs...).Flows()
	// The flows as the Report lists them, with the App tlsx set.
	type row struct {
		ID       uint64
		Src, Dst netip.AddrPort
		App      string
	}
	var want, got []row
	for _, f := range tab.Flows() {
		want = append(want, row{f.ID, f.Src, f.Dst, f.App})
	}
	for _, f := range all {
		got = append(got, row{f.ID, f.Src, f.Dst, f.App})
	}
	if d := cmp.Diff(want, got, mergeCmp...); d != "" {
		t.Errorf("flows (-one table +renumbered shards):\n%s", d)
	}

	for _, sh := range shards {
		perShard = append(perShard, len(sh.a.sessions))
	}
	merged = shards[0].a
	for _, sh := range shards[1:] {
		merged.Merge(sh.a)
	}
	return seq, merged, perShard
}

func cmpU64(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

var mergeCmp = []cmp.Option{
	cmpopts.IgnoreUnexported(Certificate{}),
	cmp.Comparer(func(x, y netip.Addr) bool { return x == y }),
	cmp.Comparer(func(x, y netip.AddrPort) bool { return x == y }),
}

// TestMergeShards: a capture split across three analyzers by IP address
// pair and merged gives the result and findings of one analyzer that saw
// every packet, field for field and byte for byte in JSON: with the
// defaults, with a session cap (applied again by Merge) and with an idle
// timeout short enough to abandon handshakes (idle handling must be a
// property of each flow, not of the packets of other flows).
func TestMergeShards(t *testing.T) {
	files := mergeCaptures(t)
	if len(files) == 0 {
		t.Fatal("no TLS captures")
	}
	captures := map[string][]record{"interleaved": interleaved(t)}
	names := []string{"interleaved"}
	for _, path := range files {
		captures[filepath.Base(path)] = readRecords(t, path)
		names = append(names, filepath.Base(path))
	}
	split, idle, ran := 0, 0, 0
	for _, name := range names {
		for _, tc := range []struct {
			name string
			cfg  Config
		}{
			{"defaults", Config{}},
			{"max_sessions", Config{MaxSessions: 2}},
			{"idle", Config{IdleTimeout: 3 * time.Millisecond}},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ran++
				seq, merged, per := shardedRun(t, captures[name], tc.cfg, 3)
				want, wantFs := seq.Finish()
				got, gotFs := merged.Finish()
				if l := want.Limits; l.FlowsDropped != 0 || l.Sweeps != 0 || l.BufferFull != 0 {
					t.Fatalf("a shared cap was reached (%+v): Merge promises nothing", l)
				}
				if d := cmp.Diff(want, got, mergeCmp...); d != "" {
					t.Errorf("result (-one analyzer +merged shards):\n%s", d)
				}
				if d := cmp.Diff(wantFs, gotFs, mergeCmp...); d != "" {
					t.Errorf("findings (-one analyzer +merged shards):\n%s", d)
				}
				type report struct {
					R  *Result
					Fs []attack.Finding
				}
				wj, err := json.Marshal(report{want, wantFs})
				if err != nil {
					t.Fatal(err)
				}
				gj, err := json.Marshal(report{got, gotFs})
				if err != nil {
					t.Fatal(err)
				}
				if string(wj) != string(gj) {
					t.Errorf("JSON differs:\n%s\n%s", wj, gj)
				}
				with := 0
				for _, k := range per {
					if k > 0 {
						with++
					}
				}
				if with > 1 && tc.name == "defaults" {
					split++
				}
				if want.Limits.IdleExpired > 0 && tc.name == "idle" {
					idle++
				}
				t.Logf("sessions per shard %v, idle_expired %d", per, want.Limits.IdleExpired)
			})
		}
	}
	// Without a capture whose sessions land in several shards, or one
	// with idle handshakes, the test would prove nothing.
	if ran < len(names)*3 {
		return // -run picked some cases
	}
	if split == 0 {
		t.Error("no capture had sessions in more than one shard")
	}
	if idle == 0 {
		t.Error("no capture had a handshake abandoned for idleness")
	}
}

// TestIdleIsPerFlow: whether a paused handshake is abandoned depends on
// its own flow's packets only, not on the packets of other flows that
// time the idle sweeps. Flow A pauses 70 or 80 s (IdleTimeout 60 s)
// between its SYN and its ClientHello; one analyzer also sees flow B, the
// other (a shard) sees A alone. Both must abandon A: no session, one
// idle_expired.
func TestIdleIsPerFlow(t *testing.T) {
	var hello []byte
	pass(t, filepath.Join(pcaptest.TestdataDir(), "tls_valid_chain_tls12.pcap"), func(p *flows.Packet) {
		if hello == nil && p.Flow != nil && p.Dir == flows.FromInitiator && len(p.Payload) > 0 {
			hello = bytes.Clone(p.Payload)
		}
	})
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		b          []time.Duration // flow B's packets
		syn, hello time.Duration   // flow A's
	}{
		// The sweep at B's packet finds A idle; A's own ClientHello, alone,
		// would not (the flow table has just moved its Last).
		{"sweep during the pause", []time.Duration{70 * time.Second}, 0, 80 * time.Second},
		// B's packet at 61 s makes the last sweep come before A is idle,
		// and none comes at the ClientHello; alone, A's ClientHello sweeps.
		{"sweep before the pause ends", []time.Duration{0, 61 * time.Second}, 30 * time.Second, 100 * time.Second},
	} {
		type ev struct {
			at time.Duration
			a  int // 0: flow B, 1: A's SYN, 2: A's ClientHello
		}
		evs := []ev{{tc.syn, 1}, {tc.hello, 2}}
		for _, d := range tc.b {
			evs = append(evs, ev{d, 0})
		}
		slices.SortStableFunc(evs, func(x, y ev) int { return cmpU64(uint64(x.at), uint64(y.at)) })
		fa := &flows.Flow{ID: 1, Proto: flows.TCP, Src: fuzzCli, Dst: fuzzSrv}
		fb := &flows.Flow{ID: 2, Proto: flows.UDP}
		cfg := Config{IdleTimeout: time.Minute}
		both, alone := New(cfg), New(cfg)
		for i, e := range evs {
			var p *flows.Packet
			switch e.a {
			case 0:
				p = &flows.Packet{Net: flows.NetIPv4, Proto: flows.UDP, L4: true, Flow: fb, Payload: []byte("x")}
			case 1:
				p = tcpPkt(fa, 0, flows.FromInitiator, 1000, flows.SYN, nil)
			case 2:
				p = tcpPkt(fa, 0, flows.FromInitiator, 1001, flows.ACK, hello)
			}
			p.Frame, p.Time = uint64(i+1), t0.Add(e.at)
			p.Flow.Last = p.Time // as the flow table does before the analyzers
			both.Observe(p)
			if e.a != 0 {
				alone.Observe(p)
			}
		}
		for name, a := range map[string]*Analyzer{"with flow B": both, "alone": alone} {
			r, _ := a.Finish()
			if len(r.Sessions) != 0 || r.ClientHellos != 0 || r.Limits.IdleExpired != 1 {
				t.Errorf("%s, %s: %d sessions, %d ClientHellos, idle_expired %d; want 0, 0, 1", tc.name, name, len(r.Sessions), r.ClientHellos, r.Limits.IdleExpired)
			}
		}
	}
}
