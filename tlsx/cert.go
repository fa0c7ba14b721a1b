package tlsx

import (
	"bytes"
	"crypto/dsa" //lint:ignore SA1019 certificates in old captures carry DSA keys: read their size, never use them
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// Certificate is one X.509 certificate as presented in a TLS Certificate
// message.
type Certificate struct {
	// Position is the index in the presented list: 0 is the end-entity
	// (leaf) certificate.
	Position           int       `json:"position"`
	Subject            string    `json:"subject"` // RFC 2253 order, OpenSSL attribute names
	Issuer             string    `json:"issuer"`
	Serial             string    `json:"serial"` // hex
	SANs               []string  `json:"sans"`   // DNS names, IP addresses, e-mail addresses, URIs
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	KeyType            string    `json:"key_type"` // "RSA", "ECDSA", "Ed25519", "DSA", "unknown"
	KeyBits            int       `json:"key_bits"`
	SignatureAlgorithm string    `json:"signature_algorithm"` // "SHA256-RSA", …
	SHA256             string    `json:"sha256"`              // of the DER bytes, hex
	IsCA               bool      `json:"is_ca"`
	SelfSigned         bool      `json:"self_signed"` // subject equals issuer
	// ParseError is set when crypto/x509 could not parse the DER; the
	// other fields are then zero except Position and SHA256.
	ParseError string `json:"parse_error,omitempty"`

	x *x509.Certificate
}

// parseCertificateMsg splits a TLS ≤ 1.2 Certificate message body into DER
// certificates.
func parseCertificateMsg(body []byte) ([][]byte, error) {
	s := cryptobyte.String(body)
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) {
		return nil, fmt.Errorf("tlsx: truncated certificate list")
	}
	var out [][]byte
	for !list.Empty() {
		var der cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&der) {
			return out, fmt.Errorf("tlsx: truncated certificate")
		}
		out = append(out, bytes.Clone(der))
	}
	return out, nil
}

func newCertificate(pos int, der []byte) Certificate {
	sum := sha256.Sum256(der)
	c := Certificate{Position: pos, SHA256: hex.EncodeToString(sum[:]), SANs: []string{}}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		c.ParseError = err.Error()
		return c
	}
	c.x = x
	c.Subject = rdnString(x.RawSubject)
	c.Issuer = rdnString(x.RawIssuer)
	c.Serial = x.SerialNumber.Text(16)
	c.SANs = append(c.SANs, x.DNSNames...)
	for _, ip := range x.IPAddresses {
		c.SANs = append(c.SANs, ip.String())
	}
	c.SANs = append(c.SANs, x.EmailAddresses...)
	for _, u := range x.URIs {
		c.SANs = append(c.SANs, u.String())
	}
	c.NotBefore = x.NotBefore.UTC()
	c.NotAfter = x.NotAfter.UTC()
	c.KeyType, c.KeyBits = keyInfo(x)
	c.SignatureAlgorithm = x.SignatureAlgorithm.String()
	c.IsCA = x.IsCA
	c.SelfSigned = bytes.Equal(x.RawSubject, x.RawIssuer)
	return c
}

func keyInfo(x *x509.Certificate) (string, int) {
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	case *dsa.PublicKey:
		return "DSA", k.P.BitLen()
	}
	return "unknown", 0
}

// attribute names as OpenSSL prints them.
var attrNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.15":                   "businessCategory",
	"2.5.4.17":                   "postalCode",
	"2.5.4.42":                   "GN",
	"2.5.4.97":                   "organizationIdentifier",
	"1.2.840.113549.1.9.1":       "emailAddress",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.3.6.1.4.1.311.60.2.1.1":   "jurisdictionL",
	"1.3.6.1.4.1.311.60.2.1.2":   "jurisdictionST",
	"1.3.6.1.4.1.311.60.2.1.3":   "jurisdictionC",
}

// rdnString formats a DER Name as `openssl x509 -nameopt RFC2253` does:
// last RDN first, attributes by OpenSSL short name, RFC 2253 escaping.
func rdnString(raw []byte) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return ""
	}
	var b strings.Builder
	for i := len(seq) - 1; i >= 0; i-- {
		if i != len(seq)-1 {
			b.WriteByte(',')
		}
		for j, atv := range seq[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			oid := atv.Type.String()
			name, ok := attrNames[oid]
			if !ok {
				name = oid
			}
			b.WriteString(name)
			b.WriteByte('=')
			switch v := atv.Value.(type) {
			case string:
				escapeRDN(&b, v)
			default:
				der, _ := asn1.Marshal(v)
				b.WriteString("#" + hex.EncodeToString(der))
			}
		}
	}
	return b.String()
}

func escapeRDN(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';',
			c == '#' && i == 0, c == ' ' && (i == 0 || i == len(v)-1):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
}

// Issue is one result of the chain checks: data about the presented
// certificates, not a trust decision (no roots are consulted).
type Issue struct {
	// Kind is one of "expired", "not_yet_valid", "self_signed_leaf",
	// "hostname_mismatch", "missing_intermediate", "chain_order",
	// "weak_key", "weak_signature", "unparsable".
	Kind     string `json:"kind"`
	Position int    `json:"position"` // certificate the issue is about (0: leaf)
	Detail   string `json:"detail"`
}

// checkChain runs the chain checks on the presented list at capture time
// at against the SNI (empty: no hostname check).
func checkChain(certs []Certificate, at time.Time, sni string) []Issue {
	var out []Issue
	if len(certs) == 0 {
		return out
	}
	for _, c := range certs {
		if c.x == nil {
			out = append(out, Issue{"unparsable", c.Position, c.ParseError})
			continue
		}
		if !at.IsZero() && at.After(c.NotAfter) {
			out = append(out, Issue{"expired", c.Position, fmt.Sprintf("%s expired %s, %d days before the capture", c.Subject, c.NotAfter.Format(time.RFC3339), int(at.Sub(c.NotAfter).Hours()/24))})
		}
		if !at.IsZero() && at.Before(c.NotBefore) {
			out = append(out, Issue{"not_yet_valid", c.Position, fmt.Sprintf("%s valid only from %s", c.Subject, c.NotBefore.Format(time.RFC3339))})
		}
		if weak := weakKey(c); weak != "" {
			out = append(out, Issue{"weak_key", c.Position, weak})
		}
		if !c.SelfSigned {
			switch c.x.SignatureAlgorithm {
			case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
				out = append(out, Issue{"weak_signature", c.Position, fmt.Sprintf("%s signed with %s", c.Subject, c.SignatureAlgorithm)})
			}
		}
	}
	leaf := certs[0]
	if leaf.x == nil {
		return out
	}
	if leaf.SelfSigned {
		out = append(out, Issue{"self_signed_leaf", 0, leaf.Subject + " is self-signed"})
	}
	if sni != "" && leaf.x.VerifyHostname(sni) != nil {
		out = append(out, Issue{"hostname_mismatch", 0, fmt.Sprintf("leaf %s (SANs %s) does not match SNI %q", leaf.Subject, strings.Join(leaf.SANs, " "), sni)})
	}
	// Linkage: each certificate should be followed by its issuer.
	for i := 0; i+1 < len(certs); i++ {
		c, next := certs[i], certs[i+1]
		if c.x == nil || next.x == nil || c.SelfSigned {
			continue
		}
		if bytes.Equal(c.x.RawIssuer, next.x.RawSubject) {
			continue
		}
		if issuerIn(certs, c) {
			out = append(out, Issue{"chain_order", i, fmt.Sprintf("issuer of %s is present but not next in the list", c.Subject)})
		} else {
			out = append(out, Issue{"missing_intermediate", i, fmt.Sprintf("issuer %s of %s is not in the presented chain", c.Issuer, c.Subject)})
		}
	}
	// A lone non-CA leaf that is not self-signed: its issuing intermediate
	// was not sent (roots rarely issue leaves directly).
	if len(certs) == 1 && !leaf.SelfSigned && !leaf.IsCA {
		out = append(out, Issue{"missing_intermediate", 0, fmt.Sprintf("only the leaf was sent; its issuer %s is not in the presented chain", leaf.Issuer)})
	}
	return out
}

func issuerIn(certs []Certificate, c Certificate) bool {
	for _, o := range certs {
		if o.x != nil && o.Position != c.Position && bytes.Equal(o.x.RawSubject, c.x.RawIssuer) {
			return true
		}
	}
	return false
}

func weakKey(c Certificate) string {
	switch c.KeyType {
	case "RSA", "DSA":
		if c.KeyBits < 2048 {
			return fmt.Sprintf("%s has a %d-bit %s key", c.Subject, c.KeyBits, c.KeyType)
		}
	case "ECDSA":
		if c.KeyBits < 224 {
			return fmt.Sprintf("%s has a %d-bit ECDSA key", c.Subject, c.KeyBits)
		}
	}
	return ""
}
