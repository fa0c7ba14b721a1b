package tlsx

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// recordedHandshake returns the session read from
// tls_valid_chain_tls12.pcap as recorded, and the client's and the
// server's TCP payload bytes in frame order.
func recordedHandshake(t *testing.T) (want Session, s [2][]byte) {
	t.Helper()
	file := filepath.Join(pcaptest.TestdataDir(), "tls_valid_chain_tls12.pcap")
	want = analyze(t, file, Config{}).Sessions[0]
	pass(t, file, func(p *flows.Packet) {
		if p.Flow != nil && p.Proto == flows.TCP {
			s[p.Dir] = append(s[p.Dir], p.Payload...)
		}
	})
	return want, s
}

// TestHandshakeChoppedWrapped replays the two directions of
// tls_valid_chain_tls12.pcap as 7-byte segments, each group of five
// delivered in reverse order, with duplicated segments and initial
// sequence numbers just below 2³² so the stream wraps: the session must
// equal the one read from the capture as recorded.
func TestHandshakeChoppedWrapped(t *testing.T) {
	want, s := recordedHandshake(t)
	a := New(Config{})
	fl := &flows.Flow{ID: 1, Proto: flows.TCP, Src: fuzzCli, Dst: fuzzSrv}
	isn := [2]uint32{0xFFFFFF00, 0xFFFFFFF0}
	frame := uint64(1)
	a.Observe(tcpPkt(fl, frame, flows.FromInitiator, isn[0], flows.SYN, nil))
	a.Observe(tcpPkt(fl, frame+1, flows.FromResponder, isn[1], flows.SYN|flows.ACK, nil))
	frame += 2
	const seg, group = 7, 5
	off := [2]int{}
	for off[0] < len(s[0]) || off[1] < len(s[1]) {
		for d := range 2 {
			var batch []*flows.Packet
			for range group {
				if off[d] >= len(s[d]) {
					break
				}
				end := min(off[d]+seg, len(s[d]))
				batch = append(batch, tcpPkt(fl, 0, flows.Dir(d), isn[d]+1+uint32(off[d]), flows.ACK, s[d][off[d]:end]))
				off[d] = end
			}
			for i := len(batch) - 1; i >= 0; i-- {
				for range 2 { // every segment twice: a retransmission
					batch[i].Frame = frame
					frame++
					a.Observe(batch[i])
				}
			}
		}
	}
	r, _ := a.Finish()
	if len(r.Sessions) != 1 {
		t.Fatalf("%d sessions", len(r.Sessions))
	}
	got := r.Sessions[0]
	for _, c := range []struct{ name, got, want string }{
		{"ja3", got.JA3, want.JA3}, {"ja3s", got.JA3S, want.JA3S}, {"ja4", got.JA4, want.JA4},
		{"sni", got.SNI, want.SNI}, {"cipher", got.Cipher, want.Cipher}, {"chain", got.ChainID, want.ChainID},
		{"status", got.CertificateStatus, want.CertificateStatus},
	} {
		if c.got != c.want || c.want == "" {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !got.Completed {
		t.Error("handshake not completed")
	}
}

// TestKnownBadJA3 raises a finding for a JA3 on the configured list; the
// hash is tshark's tls.handshake.ja3 for the capture (tls_truth.json).
func TestKnownBadJA3(t *testing.T) {
	a := New(Config{BadJA3: map[string]string{"87b9bfc7da97115ed2276737b09f8d74": "test label"}})
	pass(t, filepath.Join(pcaptest.TestdataDir(), "tls_valid_chain_tls12.pcap"), a.Observe)
	_, fs := a.Finish()
	if len(fs) != 1 || fs[0].Kind != KindKnownBadJA3 || fs[0].Severity != attack.High || fs[0].Evidence.Frames[0] != 4 {
		b, _ := json.MarshalIndent(fs, "", " ")
		t.Fatalf("findings: %s", b)
	}
}

// TestFlowCapSweep: with room for one flow at a time, finished handshakes
// are forgotten (as soon as they finish, or by a sweep when the table is
// full) and the three sequential sessions are all read.
func TestFlowCapSweep(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	r := analyze(t, filepath.Join(dir, "tls-missing-intermediate.pcap"), Config{MaxFlows: 1})
	if len(r.Sessions) != 3 || r.Limits.FlowsDropped != 0 {
		t.Fatalf("sessions %d sweeps %d dropped %d; want 3 sessions after sweeps", len(r.Sessions), r.Limits.Sweeps, r.Limits.FlowsDropped)
	}
}

// TestBufferAccounting: buffers are given back when handshakes end, and
// a tiny MaxBufferedBytes stops following directions instead of growing.
func TestBufferAccounting(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pcaptest.TestdataDir(), "tls_*.pcap"))
	for _, f := range files {
		a := New(Config{})
		pass(t, f, a.Observe)
		held := 0
		for _, tf := range a.tcp {
			held += tf.dirs[0].st.Held() + tf.dirs[1].st.Held()
		}
		if a.buffered != held || a.buffered < 0 {
			t.Errorf("%s: accounted %d bytes, streams hold %d", filepath.Base(f), a.buffered, held)
		}
	}
	a := New(Config{MaxBufferedBytes: 300})
	pass(t, filepath.Join(pcaptest.TestdataDir(), "tls_valid_chain_tls12.pcap"), a.Observe)
	r, _ := a.Finish()
	if r.Limits.BufferFull == 0 || a.buffered > 300 {
		t.Fatalf("buffer_full %d, buffered %d", r.Limits.BufferFull, a.buffered)
	}
}

// TestIdleExpiry: a handshake that stalls is abandoned once its flow has
// been idle for IdleTimeout of capture time, and its buffer is freed.
func TestIdleExpiry(t *testing.T) {
	a := New(Config{IdleTimeout: time.Minute})
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	fl := &flows.Flow{ID: 1, Proto: flows.TCP, Src: fuzzCli, Dst: fuzzSrv, Last: t0}
	p := tcpPkt(fl, 1, flows.FromInitiator, 1000, flows.SYN, nil)
	p.Time = t0
	a.Observe(p)
	p = tcpPkt(fl, 2, flows.FromInitiator, 1001, flows.ACK, []byte{22, 3, 1, 0x02, 0x00, 1, 0, 1, 0xfc, 3, 3}) // a ClientHello's first bytes
	p.Time = t0
	a.Observe(p)
	if a.buffered == 0 {
		t.Fatal("nothing buffered")
	}
	other := &flows.Flow{ID: 2, Proto: flows.UDP, Last: t0.Add(2 * time.Minute)}
	a.Observe(&flows.Packet{Frame: 3, Time: other.Last, Net: flows.NetIPv4, Proto: flows.UDP, L4: true, Flow: other, Payload: []byte("x")})
	r, _ := a.Finish()
	if a.buffered != 0 || r.Limits.IdleExpired != 1 {
		t.Fatalf("buffered %d, idle_expired %d; want 0, 1", a.buffered, r.Limits.IdleExpired)
	}
}

// TestTrackedFlowStart runs packets through a flow table first, as the
// engine does, so state is made at a flow's first data: a handshake whose
// first two client segments arrive swapped is still read whole, and a
// flow whose first bytes are not TLS is marked done without state.
func TestTrackedFlowStart(t *testing.T) {
	want, s := recordedHandshake(t)
	cli, srv := fuzzCli, fuzzSrv
	run := func(tb *flows.Table, a *Analyzer, frame uint64, dir flows.Dir, seq, ack uint32, flags flows.TCPFlags, payload []byte) *flows.Packet {
		p := &flows.Packet{Frame: frame, Time: time.Unix(1700000000, int64(frame)), Net: flows.NetIPv4, Proto: flows.TCP, L4: true,
			Src: cli.Addr(), Dst: srv.Addr(), SrcPort: cli.Port(), DstPort: srv.Port(), Seq: seq, Ack: ack, Flags: flags, Payload: payload, WScale: -1}
		if dir == flows.FromResponder {
			p.Src, p.Dst, p.SrcPort, p.DstPort = p.Dst, p.Src, p.DstPort, p.SrcPort
		}
		tb.Observe(p)
		p.Wants(0) // the analyzer is in engine slot 0
		a.Observe(p)
		return p
	}

	tb, a := flows.NewTable(0), New(Config{})
	isn := [2]uint32{1000, 900000}
	run(tb, a, 1, flows.FromInitiator, isn[0], 0, flows.SYN, nil)
	run(tb, a, 2, flows.FromResponder, isn[1], isn[0]+1, flows.SYN|flows.ACK, nil)
	run(tb, a, 3, flows.FromInitiator, isn[0]+1, isn[1]+1, flows.ACK, nil)
	frame := uint64(4)
	for d := range 2 {
		var segs [][2]int
		for off := 0; off < len(s[d]); off += 100 {
			segs = append(segs, [2]int{off, min(off+100, len(s[d]))})
		}
		if d == 0 {
			segs[0], segs[1] = segs[1], segs[0] // the second segment first
		}
		for _, g := range segs {
			run(tb, a, frame, flows.Dir(d), isn[d]+1+uint32(g[0]), isn[1-d]+1, flows.ACK|flows.PSH, s[d][g[0]:g[1]])
			frame++
		}
	}
	r, _ := a.Finish()
	if len(r.Sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(r.Sessions))
	}
	if got := r.Sessions[0]; got.JA3 != want.JA3 || got.JA3S != want.JA3S || got.SNI != want.SNI || got.ChainID != want.ChainID || !got.Completed {
		t.Errorf("session ja3 %q ja3s %q sni %q chain %q completed %v; want %q %q %q %q true",
			got.JA3, got.JA3S, got.SNI, got.ChainID, got.Completed, want.JA3, want.JA3S, want.SNI, want.ChainID)
	}

	// Not TLS: an SSH banner at the start of the server's stream.
	tb, a = flows.NewTable(0), New(Config{})
	run(tb, a, 1, flows.FromInitiator, isn[0], 0, flows.SYN, nil)
	run(tb, a, 2, flows.FromResponder, isn[1], isn[0]+1, flows.SYN|flows.ACK, nil)
	p := run(tb, a, 3, flows.FromResponder, isn[1]+1, isn[0]+1, flows.ACK|flows.PSH, []byte("SSH-2.0-OpenSSH_9.6\r\n"))
	if len(a.tcp) != 0 {
		t.Errorf("%d TLS flow states after a non-TLS start, want 0", len(a.tcp))
	}
	if p.Wants(0) {
		t.Error("the flow is not marked done after a non-TLS start")
	}
}
