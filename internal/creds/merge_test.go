package creds

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pcapai/pcapai/flows"
)

// TestMergeCredential: one FTP login (same client, server, user and
// password) tried on three connections, one per detector, with
// interleaved frames and opposite verdicts. The merged finding is the
// single detector's: first sighting and flow from detector 0, all three
// flows in order (so several flows although each detector saw one), every
// frame, the verdict of the later frame, the last sighting from detector
// 1; MaxCredentials keeps the credential first seen first.
func TestMergeCredential(t *testing.T) {
	srv := netip.MustParseAddrPort("192.0.2.2:21")
	c1 := &flows.Flow{ID: 1, Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.1:40000"), Dst: srv}
	c2 := &flows.Flow{ID: 2, Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.1:40001"), Dst: srv}
	c3 := &flows.Flow{ID: 3, Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.1:40002"), Dst: srv}
	c4 := &flows.Flow{ID: 4, Proto: flows.TCP, Src: netip.MustParseAddrPort("192.0.2.1:40003"), Dst: srv}
	shardOf := map[*flows.Flow]int{c1: 0, c2: 1, c3: 2, c4: 1}
	type seg struct {
		f       *flows.Flow
		d       flows.Dir
		payload string
	}
	segs := []seg{
		{c2, 0, "USER bob\r\n"},
		{c1, 0, "USER bob\r\n"},
		{c1, 0, "PASS pw\r\n"}, // first sighting, detector 0
		{c2, 0, "PASS pw\r\n"},
		{c2, 1, "530 bad\r\n"},
		{c1, 1, "230 ok\r\n"}, // the later verdict, detector 0
		{c4, 0, "USER eve\r\nPASS x\r\n"},
		{c3, 0, "USER bob\r\nPASS pw\r\n"},
		{c2, 0, "USER bob\r\nPASS pw\r\n"}, // last sighting, detector 1
	}
	for _, cfg := range []Config{{RevealSecrets: true}, {MaxCredentials: 1}} {
		seq, shards := New(cfg), []*Detector{New(cfg), New(cfg), New(cfg)}
		seqNo := map[*flows.Flow]*[2]uint32{}
		for i, sg := range segs {
			if seqNo[sg.f] == nil {
				seqNo[sg.f] = &[2]uint32{}
			}
			src, dst := sg.f.Src, sg.f.Dst
			if sg.d == flows.FromResponder {
				src, dst = dst, src
			}
			p := &flows.Packet{Frame: uint64(i + 1), Time: time.Unix(1700000000, int64(i+1)).UTC(), Net: flows.NetIPv4, Proto: flows.TCP, L4: true,
				Src: src.Addr(), Dst: dst.Addr(), SrcPort: src.Port(), DstPort: dst.Port(), Seq: seqNo[sg.f][sg.d], Flags: flows.ACK,
				Payload: []byte(sg.payload), Flow: sg.f, Dir: sg.d}
			seqNo[sg.f][sg.d] += uint32(len(sg.payload))
			seq.Observe(p)
			shards[shardOf[sg.f]].Observe(p)
		}
		shards[0].Merge(shards[1])
		shards[0].Merge(shards[2])
		want, wantDropped := seq.Findings()
		got, gotDropped := shards[0].Findings()
		opt := cmp.Options{cmp.Comparer(func(x, y netip.Addr) bool { return x == y }), cmp.Comparer(func(x, y netip.AddrPort) bool { return x == y })}
		if d := cmp.Diff(want, got, opt); d != "" || wantDropped != gotDropped {
			t.Errorf("%+v: dropped %d, merged %d; (-sequential +merged):\n%s", cfg, wantDropped, gotDropped, d)
		}
		if len(got) == 0 || len(got[0].Evidence.Flows) != 3 || len(got[0].Evidence.Frames) != 6 || got[0].Features[len(got[0].Features)-1].Text != "accepted" {
			t.Errorf("%+v: first finding %+v; want 3 flows, 6 frames, accepted", cfg, got)
		}
	}
}

// TestMergeFrameCap: an SNMP community sent 120 times from two source
// ports, alternating, one port per detector: the merged evidence keeps the
// first attack.DefaultMaxFrames frames of the whole capture and counts
// them all, as the single detector does.
func TestMergeFrameCap(t *testing.T) {
	snmp := []byte{0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c', 0xa0, 0x19}
	srv := netip.MustParseAddrPort("192.0.2.2:161")
	fl := []*flows.Flow{
		{ID: 1, Proto: flows.UDP, Src: netip.MustParseAddrPort("192.0.2.1:40000"), Dst: srv},
		{ID: 2, Proto: flows.UDP, Src: netip.MustParseAddrPort("192.0.2.1:40001"), Dst: srv},
	}
	seq, shards := New(Config{}), []*Detector{New(Config{}), New(Config{})}
	for i := range 120 {
		// Runs of 7 on one port, so neither detector's frames are a
		// simple stride of the other's.
		k := i / 7 % 2
		p := &flows.Packet{Frame: uint64(i + 1), Time: time.Unix(1700000000, int64(i+1)).UTC(), Net: flows.NetIPv4, Proto: flows.UDP, L4: true,
			Src: fl[k].Src.Addr(), Dst: srv.Addr(), SrcPort: fl[k].Src.Port(), DstPort: srv.Port(), Payload: snmp, Flow: fl[k]}
		seq.Observe(p)
		shards[k].Observe(p)
	}
	shards[1].Merge(shards[0]) // the later first sighting merged into the earlier
	want, _ := seq.Findings()
	got, _ := shards[1].Findings()
	opt := cmp.Options{cmp.Comparer(func(x, y netip.Addr) bool { return x == y }), cmp.Comparer(func(x, y netip.AddrPort) bool { return x == y })}
	if d := cmp.Diff(want, got, opt); d != "" {
		t.Errorf("(-sequential +merged):\n%s", d)
	}
	if len(got) != 1 || got[0].Evidence.FramesTotal != 120 || len(got[0].Evidence.Frames) != 50 {
		t.Errorf("findings %+v; want one with 50 of 120 frames", got)
	}
}
