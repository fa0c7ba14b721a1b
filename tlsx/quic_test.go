package tlsx

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// sealInitial builds a client Initial packet the way RFC 9001 §5 says
// (AEAD, then header protection), carrying one CRYPTO frame, padded to
// 1200 bytes.
func sealInitial(t *testing.T, version uint32, dcid []byte, pn uint16, off uint64, data []byte) []byte {
	t.Helper()
	client, _, err := initialKeys(version, dcid)
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	payload = append(payload, 0x06)
	payload = binary.BigEndian.AppendUint32(payload, 0x80000000|uint32(off)) // 4-byte varint
	payload = binary.BigEndian.AppendUint16(payload, 0x4000|uint16(len(data)))
	payload = append(payload, data...)
	for len(payload) < 1100 {
		payload = append(payload, 0) // PADDING
	}
	const pnLen = 2
	b0 := byte(0xc0 | (quicInitialType(version) << 4) | (pnLen - 1))
	hdr := []byte{b0}
	hdr = binary.BigEndian.AppendUint32(hdr, version)
	hdr = append(hdr, byte(len(dcid)))
	hdr = append(hdr, dcid...)
	hdr = append(hdr, 0, 0) // SCID length 0, token length 0
	hdr = binary.BigEndian.AppendUint16(hdr, 0x4000|uint16(pnLen+len(payload)+16))
	pnOff := len(hdr)
	hdr = binary.BigEndian.AppendUint16(hdr, pn)
	nonce := append([]byte(nil), client.iv...)
	nonce[len(nonce)-1] ^= byte(pn)
	nonce[len(nonce)-2] ^= byte(pn >> 8)
	pkt := client.aead.Seal(hdr, nonce, payload, hdr)
	var mask [16]byte
	client.hp.Encrypt(mask[:], pkt[pnOff+4:pnOff+20])
	pkt[0] ^= mask[0] & 0x0f
	for i := range pnLen {
		pkt[pnOff+i] ^= mask[1+i]
	}
	return pkt
}

// TestQUICCryptoAcrossInitials splits the ClientHello of tls_13.pcap
// (openssl/curl, JA3 89dfc51e72bdcb94e4ba4622588002b1 per tshark) over
// two Initial packets delivered in reverse order, for QUIC v1 and v2:
// the CRYPTO stream must be reassembled and give the same SNI and JA3.
func TestQUICCryptoAcrossInitials(t *testing.T) {
	var rec []byte
	pass(t, filepath.Join(pcaptest.TestdataDir(), "tls_13.pcap"), func(p *flows.Packet) {
		if rec == nil && p.Proto == flows.TCP && len(p.Payload) > 5 && p.Payload[0] == 22 {
			rec = append([]byte(nil), p.Payload...)
		}
	})
	msg := rec[5:] // the ClientHello handshake message
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	half := len(msg) / 2
	for _, v := range []uint32{quicV1, quicV2} {
		a := New(Config{})
		fl := &flows.Flow{ID: 1, Proto: flows.UDP, Src: fuzzCli, Dst: fuzzSrv}
		for i, d := range [][]byte{
			sealInitial(t, v, dcid, 1, uint64(half), msg[half:]),
			sealInitial(t, v, dcid, 0, 0, msg[:half]),
		} {
			a.Observe(&flows.Packet{Frame: uint64(i + 1), Net: flows.NetIPv4, Proto: flows.UDP, L4: true, Flow: fl, Payload: d})
		}
		r, _ := a.Finish()
		if r.ClientHellos != 1 || len(r.Sessions) != 1 {
			t.Fatalf("v%x: %d ClientHellos, %d sessions", v, r.ClientHellos, len(r.Sessions))
		}
		s := r.Sessions[0]
		if s.SNI != "server.test" || s.JA3 != "89dfc51e72bdcb94e4ba4622588002b1" || s.JA4[0] != 'q' || s.ClientHelloFrame != 2 || fl.App != "quic" {
			t.Errorf("v%x: sni %q ja3 %s ja4 %s frame %d app %q", v, s.SNI, s.JA3, s.JA4, s.ClientHelloFrame, fl.App)
		}
	}
}
