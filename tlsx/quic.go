package tlsx

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
)

// QUIC versions whose Initial packets tlsx decrypts.
const (
	quicV1 = 0x00000001 // RFC 9000
	quicV2 = 0x6b3343cf // RFC 9369
)

var (
	saltV1 = []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}
	saltV2 = []byte{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9}
)

var errQUIC = errors.New("tlsx: malformed QUIC packet")

// quicInitialType returns the long-header packet type of Initial packets
// of a version.
func quicInitialType(v uint32) byte {
	if v == quicV2 {
		return 1
	}
	return 0
}

// looksQUICInitial is the cheap check on a UDP payload: a long header with
// the fixed bit, a version tlsx decrypts, and the Initial packet type.
func looksQUICInitial(b []byte) bool {
	if len(b) < 7 || b[0]&0xc0 != 0xc0 {
		return false
	}
	v := binary.BigEndian.Uint32(b[1:5])
	if v != quicV1 && v != quicV2 {
		return false
	}
	return (b[0]>>4)&3 == quicInitialType(v)
}

// quicKeys are the Initial packet protection keys of one direction.
type quicKeys struct {
	aead cipher.AEAD
	iv   []byte
	hp   cipher.Block
}

func expandLabel(secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		panic(err) // lengths are constants within HKDF's limits
	}
	return out
}

// initialKeys derives the client and server Initial keys from the
// client's Destination Connection ID (RFC 9001 §5.2, RFC 9369 §3.3).
func initialKeys(version uint32, dcid []byte) (client, server *quicKeys, err error) {
	salt, prefix := saltV1, "quic "
	if version == quicV2 {
		salt, prefix = saltV2, "quicv2 "
	}
	initial, err := hkdfExtract(dcid, salt)
	if err != nil {
		return nil, nil, err
	}
	mk := func(label string) (*quicKeys, error) {
		sec := expandLabel(initial, label, 32)
		blk, err := aes.NewCipher(expandLabel(sec, prefix+"key", 16))
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(blk)
		if err != nil {
			return nil, err
		}
		hp, err := aes.NewCipher(expandLabel(sec, prefix+"hp", 16))
		if err != nil {
			return nil, err
		}
		return &quicKeys{aead: aead, iv: expandLabel(sec, prefix+"iv", 12), hp: hp}, nil
	}
	if client, err = mk("client in"); err != nil {
		return nil, nil, err
	}
	server, err = mk("server in")
	return client, server, err
}

// quicPacket is one long-header packet of a datagram.
type quicPacket struct {
	version uint32
	initial bool
	dcid    []byte
	pnOff   int    // offset of the packet number in pkt
	pkt     []byte // the whole packet (header and protected payload)
}

// nextQUICPacket splits the first long-header packet off a datagram.
func nextQUICPacket(b []byte) (p quicPacket, rest []byte, err error) {
	if len(b) < 7 || b[0]&0x80 == 0 {
		return p, nil, errQUIC
	}
	p.version = binary.BigEndian.Uint32(b[1:5])
	if p.version != quicV1 && p.version != quicV2 {
		return p, nil, errQUIC
	}
	typ := (b[0] >> 4) & 3
	i := 5
	dl := int(b[i])
	i++
	if dl > 20 || i+dl >= len(b) {
		return p, nil, errQUIC
	}
	p.dcid = b[i : i+dl]
	i += dl
	sl := int(b[i])
	i++
	if sl > 20 || i+sl > len(b) {
		return p, nil, errQUIC
	}
	i += sl
	v2 := p.version == quicV2
	retry := !v2 && typ == 3 || v2 && typ == 0
	if retry {
		return p, nil, nil // a Retry runs to the end of the datagram
	}
	p.initial = typ == quicInitialType(p.version)
	if p.initial {
		tl, n := readVarint(b[i:])
		if n == 0 || uint64(len(b)-i-n) < tl {
			return p, nil, errQUIC
		}
		i += n + int(tl)
	}
	ln, n := readVarint(b[i:])
	if n == 0 {
		return p, nil, errQUIC
	}
	i += n
	if uint64(len(b)-i) < ln {
		return p, nil, errQUIC
	}
	p.pnOff = i
	p.pkt = b[:i+int(ln)]
	return p, b[i+int(ln):], nil
}

// open removes header protection and decrypts an Initial packet; the
// packet bytes are not modified.
func (k *quicKeys) open(p quicPacket) ([]byte, error) {
	pkt := p.pkt
	if p.pnOff+4+16 > len(pkt) {
		return nil, errQUIC
	}
	var mask [16]byte
	k.hp.Encrypt(mask[:], pkt[p.pnOff+4:p.pnOff+20])
	b0 := pkt[0] ^ mask[0]&0x0f
	pnLen := int(b0&3) + 1
	hdr := make([]byte, p.pnOff+pnLen)
	copy(hdr, pkt)
	hdr[0] = b0
	var pn uint64
	for j := range pnLen {
		hdr[p.pnOff+j] ^= mask[1+j]
		pn = pn<<8 | uint64(hdr[p.pnOff+j])
	}
	nonce := make([]byte, len(k.iv))
	copy(nonce, k.iv)
	for j := range 8 {
		nonce[len(nonce)-1-j] ^= byte(pn >> (8 * j))
	}
	return k.aead.Open(nil, nonce, pkt[p.pnOff+pnLen:], hdr)
}

// readVarint reads a QUIC variable-length integer, returning its length
// (0 when b is too short).
func readVarint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	n := 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v := uint64(b[0] & 0x3f)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// cryptoFrames calls fn for each CRYPTO frame of a decrypted Initial
// payload; it stops at the first frame type not allowed in Initial
// packets.
func cryptoFrames(b []byte, fn func(off uint64, data []byte)) error {
	for len(b) > 0 {
		t, n := readVarint(b)
		if n == 0 {
			return errQUIC
		}
		b = b[n:]
		switch t {
		case 0x00, 0x01: // PADDING, PING
		case 0x02, 0x03: // ACK
			var vals [4]uint64
			for i := range vals {
				v, n := readVarint(b)
				if n == 0 {
					return errQUIC
				}
				vals[i] = v
				b = b[n:]
			}
			extra := 2 * vals[2]
			if t == 0x03 {
				extra += 3
			}
			for range extra {
				_, n := readVarint(b)
				if n == 0 {
					return errQUIC
				}
				b = b[n:]
			}
		case 0x06: // CRYPTO
			off, n := readVarint(b)
			if n == 0 {
				return errQUIC
			}
			b = b[n:]
			l, n := readVarint(b)
			if n == 0 || uint64(len(b)-n) < l {
				return errQUIC
			}
			b = b[n:]
			fn(off, b[:l])
			b = b[l:]
		case 0x1c: // CONNECTION_CLOSE
			return nil
		default:
			return errQUIC
		}
	}
	return nil
}

func hkdfExtract(secret, salt []byte) ([]byte, error) { return hkdf.Extract(sha256.New, secret, salt) }
