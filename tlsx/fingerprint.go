package tlsx

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ja3String builds the JA3 string of a ClientHello:
// SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats,
// decimal values joined by "-", GREASE values removed.
func ja3String(h *hello) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(h.version)))
	b.WriteByte(',')
	joinDec(&b, h.ciphers)
	b.WriteByte(',')
	joinDec(&b, h.exts)
	b.WriteByte(',')
	joinDec(&b, h.groups)
	b.WriteByte(',')
	for i, p := range h.pointFmts {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.Itoa(int(p)))
	}
	return b.String()
}

// ja3sString builds the JA3S string of a ServerHello:
// SSLVersion,Cipher,Extensions.
func ja3sString(h *hello) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(h.version)))
	b.WriteByte(',')
	joinDec(&b, h.ciphers)
	b.WriteByte(',')
	joinDec(&b, h.exts)
	return b.String()
}

func joinDec(b *strings.Builder, vs []uint16) {
	first := true
	for _, v := range vs {
		if isGREASE(v) {
			continue
		}
		if !first {
			b.WriteByte('-')
		}
		first = false
		b.WriteString(strconv.Itoa(int(v)))
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ja4 computes the JA4 client fingerprint (FoxIO JA4 specification,
// BSD 3-Clause): a_b_c with a = protocol, version, SNI flag, cipher and
// extension counts, ALPN; b = truncated SHA-256 of the sorted ciphers;
// c = truncated SHA-256 of the sorted extensions (without SNI and ALPN)
// and the signature algorithms in wire order. quic selects the "q"
// protocol prefix.
func ja4(h *hello, quic bool) string {
	a, b, c := ja4Raw(h, quic)
	return a + "_" + ja4Hash(b) + "_" + ja4Hash(c)
}

func ja4Raw(h *hello, quic bool) (a, b, c string) {
	proto := "t"
	if quic {
		proto = "q"
	}
	sni := "i"
	if h.sni != "" || slices.Contains(h.exts, extServerName) {
		sni = "d"
	}
	ciphers := hexList(h.ciphers, nil)
	var exts []string
	nExt := 0
	for _, e := range h.exts {
		if isGREASE(e) {
			continue
		}
		nExt++
		if e == extServerName || e == extALPN {
			continue
		}
		exts = append(exts, hex4(e))
	}
	slices.Sort(ciphers)
	slices.Sort(exts)
	a = fmt.Sprintf("%s%s%s%02d%02d%s", proto, ja4Version(h.maxVersion()), sni, min(len(ciphers), 99), min(nExt, 99), ja4ALPN(h.alpn))
	b = strings.Join(ciphers, ",")
	c = strings.Join(exts, ",")
	if sig := hexList(h.sigAlgs, nil); len(sig) > 0 {
		c += "_" + strings.Join(sig, ",")
	}
	return a, b, c
}

func hexList(vs []uint16, out []string) []string {
	for _, v := range vs {
		if !isGREASE(v) {
			out = append(out, hex4(v))
		}
	}
	return out
}

func hex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

func ja4Hash(s string) string {
	if s == "" {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

func ja4Version(v uint16) string {
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002, 0x0200:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

func ja4ALPN(alpn []string) string {
	if len(alpn) == 0 || alpn[0] == "" {
		return "00"
	}
	p := alpn[0]
	if isAlnum(p[0]) && isAlnum(p[len(p)-1]) {
		return string([]byte{p[0], p[len(p)-1]})
	}
	x := hex.EncodeToString([]byte(p))
	return string([]byte{x[0], x[len(x)-1]})
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
