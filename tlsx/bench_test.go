package tlsx

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// TestNoAllocs: a packet of a known flow that tlsx ignores (a TCP flow
// that is not TLS, a TLS flow whose handshake is over, a UDP datagram
// that is not a QUIC Initial) allocates nothing.
func TestNoAllocs(t *testing.T) {
	a := New(Config{})
	fl := &flows.Flow{ID: 1, Proto: flows.TCP, Src: fuzzCli, Dst: fuzzSrv}
	a.Observe(tcpPkt(fl, 1, flows.FromInitiator, 1000, flows.SYN, nil))
	a.Observe(tcpPkt(fl, 2, flows.FromResponder, 5000, flows.SYN|flows.ACK, nil))
	a.Observe(tcpPkt(fl, 3, flows.FromInitiator, 1001, flows.ACK|flows.PSH, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
	http := tcpPkt(fl, 4, flows.FromResponder, 5001, flows.ACK|flows.PSH, []byte("HTTP/1.1 200 OK\r\n\r\n"))
	// A flow seen mid-stream, without its SYN.
	mid := tcpPkt(&flows.Flow{ID: 2, Proto: flows.TCP, Src: fuzzCli, Dst: fuzzSrv}, 5, flows.FromInitiator, 77, flows.ACK, []byte("hello"))
	udp := &flows.Packet{Net: flows.NetIPv4, Proto: flows.UDP, L4: true, Flow: &flows.Flow{ID: 3, Proto: flows.UDP}, Payload: []byte{0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0}}
	for name, p := range map[string]*flows.Packet{"non-TLS TCP": http, "mid-stream TCP": mid, "UDP": udp} {
		if n := testing.AllocsPerRun(1000, func() { a.Observe(p) }); n != 0 {
			t.Errorf("%s: %v allocs per packet; want 0", name, n)
		}
	}
	// A completed TLS 1.2 handshake: later records cost nothing.
	done := New(Config{})
	var last *flows.Packet
	pass(t, filepath.Join(pcaptest.TestdataDir(), "tls_valid_chain_tls12.pcap"), func(p *flows.Packet) {
		done.Observe(p)
		if p.Proto == flows.TCP && len(p.Payload) > 0 {
			q := *p
			q.Payload = bytes.Clone(p.Payload)
			last = &q
		}
	})
	if n := testing.AllocsPerRun(1000, func() { done.Observe(last) }); n != 0 {
		t.Errorf("completed TLS flow: %v allocs per packet; want 0", n)
	}
}

// BenchmarkTLSAnalyzer feeds tlsx the packets of the recorded TLS
// captures and of the shared TLS/QUIC ones when present, decoded once
// beforehand: it measures the analyzer alone (handshake reassembly,
// parsing, fingerprints, certificates, QUIC Initial decryption).
func BenchmarkTLSAnalyzer(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(pcaptest.TestdataDir(), "tls_*.pcap"))
	if dir, ok := sharedDir(); ok {
		for _, n := range []string{"tls12-certs.pcap", "tls-expired-cert.pcap", "tls13-chrome-kyber.pcap", "quic-curl-http3-google.pcap", "smtp.pcap", "tls-missing-intermediate.pcap"} {
			files = append(files, filepath.Join(dir, n))
		}
	}
	var pkts [][]flows.Packet
	var size int64
	for _, f := range files {
		var ps []flows.Packet
		pass(b, f, func(p *flows.Packet) {
			q := *p
			q.Payload = bytes.Clone(p.Payload)
			size += int64(p.CapLen)
			ps = append(ps, q)
		})
		pkts = append(pkts, ps)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, ps := range pkts {
			a := New(Config{})
			for i := range ps {
				a.Observe(&ps[i])
			}
			a.Finish()
		}
	}
}
