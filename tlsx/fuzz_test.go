package tlsx

import (
	"encoding/json"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

var (
	fuzzCli = netip.MustParseAddrPort("192.0.2.1:40000")
	fuzzSrv = netip.MustParseAddrPort("192.0.2.2:4433")
)

func tcpPkt(f *flows.Flow, frame uint64, dir flows.Dir, seq uint32, flags flows.TCPFlags, payload []byte) *flows.Packet {
	p := &flows.Packet{Frame: frame, Net: flows.NetIPv4, Proto: flows.TCP, L4: true, Flow: f, Dir: dir, Seq: seq, Flags: flags, Payload: payload}
	p.Src, p.Dst, p.SrcPort, p.DstPort = fuzzCli.Addr(), fuzzSrv.Addr(), fuzzCli.Port(), fuzzSrv.Port()
	if dir == flows.FromResponder {
		p.Src, p.Dst, p.SrcPort, p.DstPort = p.Dst, p.Src, p.DstPort, p.SrcPort
	}
	return p
}

// streamSeeds returns, for each testdata capture, the client's and the
// server's TCP payload bytes in frame order.
func streamSeeds(tb testing.TB) [][2][]byte {
	files, _ := filepath.Glob(filepath.Join(pcaptest.TestdataDir(), "tls_*.pcap"))
	var out [][2][]byte
	for _, file := range files {
		var s [2][]byte
		pass(tb, file, func(p *flows.Packet) {
			if p.Flow != nil && p.Proto == flows.TCP && len(p.Payload) > 0 && len(s[p.Dir]) < 4096 {
				s[p.Dir] = append(s[p.Dir], p.Payload...)
			}
		})
		out = append(out, s)
	}
	return out
}

// FuzzTLSHandshake feeds hostile bytes through the record layer, the
// handshake parser and the certificate parser: as a client stream split
// in two segments delivered out of order, and as a server stream. It must
// not panic, and the result must marshal. Seeds are large: fuzz with
// -fuzzminimizetime 2s, or minimizing an interesting input takes minutes.
func FuzzTLSHandshake(f *testing.F) {
	for _, s := range streamSeeds(f) {
		f.Add(s[0], s[1], uint16(len(s[0])/2))
	}
	f.Add([]byte{22, 3, 1, 0, 4, 1, 0, 0, 0}, []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, uint16(3))
	f.Fuzz(func(t *testing.T, cli, srv []byte, cut uint16) {
		a := New(Config{MaxStreamBytes: 1 << 14})
		fl := &flows.Flow{ID: 1, Proto: flows.TCP, Src: fuzzCli, Dst: fuzzSrv}
		a.Observe(tcpPkt(fl, 1, flows.FromInitiator, 1000, flows.SYN, nil))
		a.Observe(tcpPkt(fl, 2, flows.FromResponder, 5000, flows.SYN|flows.ACK, nil))
		c := int(cut)
		if c > len(cli) {
			c = len(cli)
		}
		a.Observe(tcpPkt(fl, 3, flows.FromInitiator, 1001+uint32(c), flows.ACK, cli[c:]))
		a.Observe(tcpPkt(fl, 4, flows.FromInitiator, 1001, flows.ACK, cli[:c]))
		a.Observe(tcpPkt(fl, 5, flows.FromResponder, 5001, flows.ACK, srv))
		r, fs := a.Finish()
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(fs); err != nil {
			t.Fatal(err)
		}
		// The parsers on their own, on the raw bytes.
		if len(cli) > 4 {
			_, _ = parseHello(cli[4:], true)
			_, _ = parseHello(cli[4:], false)
			_, _ = parseCertificateMsg(cli[4:])
		}
	})
}

// FuzzQUICInitial feeds hostile datagrams to the QUIC Initial decoder
// (header parsing, header protection, AEAD, CRYPTO frames) and the frame
// parser on its own.
func FuzzQUICInitial(f *testing.F) {
	if dir, ok := sharedDir(); ok {
		for _, name := range []string{"quic-curl-http3-google.pcap", "quicv2-http3.pcap"} {
			n := 0
			pass(f, filepath.Join(dir, name), func(p *flows.Packet) {
				if p.Proto == flows.UDP && len(p.Payload) > 0 && n < 4 {
					f.Add(append([]byte(nil), p.Payload...))
					n++
				}
			})
		}
	}
	f.Add([]byte{0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x40, 0x20})
	f.Add([]byte{0x06, 0x00, 0x04, 1, 0, 0, 0, 0x02, 1, 0, 1, 0})
	f.Fuzz(func(t *testing.T, dgram []byte) {
		a := New(Config{})
		fl := &flows.Flow{ID: 1, Proto: flows.UDP, Src: fuzzCli, Dst: fuzzSrv}
		for i, dir := range []flows.Dir{flows.FromInitiator, flows.FromResponder} {
			p := &flows.Packet{Frame: uint64(i + 1), Net: flows.NetIPv4, Proto: flows.UDP, L4: true, Flow: fl, Dir: dir, Payload: dgram}
			a.Observe(p)
		}
		_ = cryptoFrames(dgram, func(uint64, []byte) {})
		b := dgram
		for len(b) > 0 {
			_, rest, err := nextQUICPacket(b)
			if err != nil || len(rest) >= len(b) {
				break
			}
			b = rest
		}
		r, _ := a.Finish()
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}
