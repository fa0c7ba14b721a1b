package httpx

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pcapai/pcapai/flows"
)

// TestMergeServers: two shards reach one server from different clients,
// with interleaved frames; the merge takes the server's Host and Software
// from the earliest frames that set them (one in each shard), keeps the
// names first seen first under MaxNames although each shard saw them in
// another order, and leaves out the download of a request MaxRequests
// leaves out.
func TestMergeServers(t *testing.T) {
	s := netip.MustParseAddrPort("198.51.100.2:80")
	tt := netip.MustParseAddrPort("198.51.100.9:8080")
	f1 := &flows.Flow{ID: 1, Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.1:50000"), Dst: s}
	f2 := &flows.Flow{ID: 2, Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.3:50001"), Dst: s}
	f3 := &flows.Flow{ID: 3, Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.3:50002"), Dst: tt}
	shardOf := map[*flows.Flow]int{f1: 0, f2: 1, f3: 1}
	type seg struct {
		f       *flows.Flow
		d       flows.Dir
		payload string
	}
	segs := []seg{
		{f2, 0, "GET /a HTTP/1.1\r\nHost: h2\r\n\r\n"},
		{f1, 0, "PUT /b HTTP/1.1\r\nHost: h1\r\nContent-Length: 0\r\n\r\n"},
		{f1, 1, "HTTP/1.1 200 OK\r\nServer: sw1\r\nContent-Type: application/octet-stream\r\nContent-Length: 0\r\n\r\n"},
		{f2, 1, "HTTP/1.1 404 Not Found\r\nServer: sw2\r\nContent-Length: 0\r\n\r\n"},
		{f3, 0, "POST /c HTTP/1.1\r\nHost: h3\r\nContent-Length: 0\r\n\r\n"},
		{f1, 0, "GET /d HTTP/1.1\r\nHost: h1\r\n\r\n"},
		{f3, 1, "HTTP/1.1 206 Partial Content\r\nContent-Length: 0\r\n\r\n"},
		{f1, 1, "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: 0\r\n\r\n"},
		{f2, 0, "GET /e HTTP/1.1\r\nHost: h2\r\n\r\n"}, // unanswered
	}
	for _, cfg := range []Config{{}, {MaxRequests: 1, MaxNames: 2}} {
		seq, shards := New(cfg), []*Analyzer{New(cfg), New(cfg)}
		seqNo := map[*flows.Flow]*[2]uint32{}
		for i, sg := range segs {
			if seqNo[sg.f] == nil {
				seqNo[sg.f] = &[2]uint32{}
			}
			src, dst := sg.f.Src, sg.f.Dst
			if sg.d == flows.FromResponder {
				src, dst = dst, src
			}
			p := &flows.Packet{Frame: uint64(i + 1), Time: time.Unix(1700000000, int64(i+1)*1e7).UTC(), Net: flows.NetIPv4, Proto: flows.TCP, L4: true,
				Src: src.Addr(), Dst: dst.Addr(), SrcPort: src.Port(), DstPort: dst.Port(), Seq: seqNo[sg.f][sg.d], Flags: flows.ACK | flows.PSH,
				Payload: []byte(sg.payload), Flow: sg.f, Dir: sg.d}
			seqNo[sg.f][sg.d] += uint32(len(sg.payload))
			seq.Observe(p)
			shards[shardOf[sg.f]].Observe(p)
		}
		shards[0].Merge(shards[1])
		want, got := seq.Finish(), shards[0].Finish()
		if d := cmp.Diff(want, got, cmp.Comparer(func(x, y netip.AddrPort) bool { return x == y })); d != "" {
			t.Errorf("%+v: (-sequential +merged):\n%s", cfg, d)
		}
		if cfg.MaxNames == 0 && (len(got.Servers) == 0 || got.Servers[0].Host != "h2" || got.Servers[0].Software != "sw1" || len(got.Downloads) != 3) {
			t.Errorf("servers %+v downloads %+v: want %v with host h2 (frame 1) and software sw1 (frame 3), 3 downloads", got.Servers, got.Downloads, s)
		}
		if cfg.MaxNames == 2 && (len(got.Totals.Methods) != 2 || got.Dropped.Names == 0 || len(got.Downloads) != 0) {
			t.Errorf("capped: methods %+v dropped %+v downloads %+v", got.Totals.Methods, got.Dropped, got.Downloads)
		}
	}
}
