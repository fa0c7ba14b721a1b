package tlsx

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"
)

// Handshake message types (RFC 8446 §4).
const (
	typeClientHello        = 1
	typeServerHello        = 2
	typeNewSessionTicket   = 4
	typeCertificate        = 11
	typeServerKeyExchange  = 12
	typeCertificateRequest = 13
	typeServerHelloDone    = 14
	typeClientKeyExchange  = 16
	typeFinished           = 20
)

// Extension numbers used here.
const (
	extServerName          = 0
	extSupportedGroups     = 10
	extECPointFormats      = 11
	extSignatureAlgorithms = 13
	extALPN                = 16
	extSessionTicket       = 35
	extPreSharedKey        = 41
	extSupportedVersions   = 43
	extKeyShare            = 51
)

var errShort = errors.New("tlsx: truncated hello")

// hello is a parsed ClientHello or ServerHello.
type hello struct {
	client      bool
	version     uint16 // legacy_version
	sessionID   []byte
	ciphers     []uint16 // client: offered; server: one
	compression []byte
	exts        []uint16 // extension types in wire order
	sni         string
	alpn        []string
	groups      []uint16
	pointFmts   []byte
	sigAlgs     []uint16
	versions    []uint16 // supported_versions (client list, or server's one)
	keyShares   []uint16 // groups of key_share entries (server: one)
	ticket      bool     // session_ticket extension non-empty (client) / present
	psk         bool     // pre_shared_key present
	hrr         bool     // a HelloRetryRequest (server)
}

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest.
var helloRetryRandom = []byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// parseHello parses the body of a ClientHello (client true) or ServerHello.
func parseHello(body []byte, client bool) (*hello, error) {
	h := &hello{client: client}
	s := cryptobyte.String(body)
	var random, sid []byte
	if !s.ReadUint16(&h.version) || !s.ReadBytes(&random, 32) || !readU8Bytes(&s, &sid) {
		return nil, errShort
	}
	h.sessionID = append([]byte(nil), sid...)
	if client {
		var cs cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&cs) {
			return nil, errShort
		}
		for !cs.Empty() {
			var c uint16
			if !cs.ReadUint16(&c) {
				return nil, errShort
			}
			h.ciphers = append(h.ciphers, c)
		}
		var comp []byte
		if !readU8Bytes(&s, &comp) {
			return nil, errShort
		}
		h.compression = append([]byte(nil), comp...)
	} else {
		var c uint16
		var comp uint8
		if !s.ReadUint16(&c) || !s.ReadUint8(&comp) {
			return nil, errShort
		}
		h.ciphers = []uint16{c}
		h.compression = []byte{comp}
		h.hrr = string(random) == string(helloRetryRandom)
	}
	if s.Empty() {
		return h, nil // no extensions (SSL 3 / old TLS)
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) {
		return nil, errShort
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, errShort
		}
		h.exts = append(h.exts, typ)
		h.parseExt(typ, data)
	}
	return h, nil
}

func readU8Bytes(s *cryptobyte.String, out *[]byte) bool {
	var v cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&v) {
		return false
	}
	*out = v
	return true
}

// parseExt reads the extensions the analyzer reports; a malformed
// extension body is ignored (its type still counts for fingerprints).
func (h *hello) parseExt(typ uint16, d cryptobyte.String) {
	switch typ {
	case extServerName:
		if !h.client {
			return
		}
		var list cryptobyte.String
		if !d.ReadUint16LengthPrefixed(&list) {
			return
		}
		for !list.Empty() {
			var nt uint8
			var name cryptobyte.String
			if !list.ReadUint8(&nt) || !list.ReadUint16LengthPrefixed(&name) {
				return
			}
			if nt == 0 && h.sni == "" {
				h.sni = string(name)
			}
		}
	case extALPN:
		var list cryptobyte.String
		if !d.ReadUint16LengthPrefixed(&list) {
			return
		}
		for !list.Empty() {
			var p cryptobyte.String
			if !list.ReadUint8LengthPrefixed(&p) {
				return
			}
			h.alpn = append(h.alpn, string(p))
		}
	case extSupportedGroups:
		h.groups = readU16List(d, true)
	case extECPointFormats:
		var p []byte
		if readU8Bytes(&d, &p) {
			h.pointFmts = append([]byte(nil), p...)
		}
	case extSignatureAlgorithms:
		h.sigAlgs = readU16List(d, true)
	case extSupportedVersions:
		if h.client {
			var list cryptobyte.String
			if !d.ReadUint8LengthPrefixed(&list) {
				return
			}
			for !list.Empty() {
				var v uint16
				if !list.ReadUint16(&v) {
					return
				}
				h.versions = append(h.versions, v)
			}
		} else {
			var v uint16
			if d.ReadUint16(&v) {
				h.versions = []uint16{v}
			}
		}
	case extKeyShare:
		if !h.client {
			var g uint16
			if d.ReadUint16(&g) {
				h.keyShares = []uint16{g}
			}
			return
		}
		var list cryptobyte.String
		if !d.ReadUint16LengthPrefixed(&list) {
			return
		}
		for !list.Empty() {
			var g uint16
			var ke cryptobyte.String
			if !list.ReadUint16(&g) || !list.ReadUint16LengthPrefixed(&ke) {
				return
			}
			h.keyShares = append(h.keyShares, g)
		}
	case extSessionTicket:
		h.ticket = h.client && len(d) > 0 || !h.client
	case extPreSharedKey:
		h.psk = true
	}
}

func readU16List(d cryptobyte.String, prefixed bool) []uint16 {
	var list cryptobyte.String
	if prefixed {
		if !d.ReadUint16LengthPrefixed(&list) {
			return nil
		}
	} else {
		list = d
	}
	var out []uint16
	for !list.Empty() {
		var v uint16
		if !list.ReadUint16(&v) {
			return out
		}
		out = append(out, v)
	}
	return out
}

// chosenVersion is the negotiated version of a ServerHello:
// supported_versions when present, else legacy_version.
func (h *hello) chosenVersion() uint16 {
	if !h.client && len(h.versions) == 1 {
		return h.versions[0]
	}
	return h.version
}

// maxVersion is the highest non-GREASE version a ClientHello offers.
func (h *hello) maxVersion() uint16 {
	var m uint16
	for _, v := range h.versions {
		if !isGREASE(v) && v > m {
			m = v
		}
	}
	if m == 0 {
		return h.version
	}
	return m
}

// isGREASE reports whether v is a GREASE value (RFC 8701): 0x?A?A with
// both bytes equal.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }
