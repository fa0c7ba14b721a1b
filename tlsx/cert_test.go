package tlsx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"slices"
	"testing"
	"time"
)

// mkCert issues a certificate for cn signed by parent (self-signed when
// parent is nil).
func mkCert(t *testing.T, cn string, ca bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, from, to time.Time, dns ...string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: from, NotAfter: to, IsCA: ca, BasicConstraintsValid: true, DNSNames: dns,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key, der
}

// TestCheckChain builds a root, an intermediate and a leaf and presents
// them in the orders servers get wrong; each case names the issue kinds
// the construction implies.
func TestCheckChain(t *testing.T) {
	y := func(n int) time.Time { return time.Date(n, 1, 1, 0, 0, 0, 0, time.UTC) }
	root, rootKey, rootDER := mkCert(t, "Root", true, nil, nil, y(2020), y(2040))
	inter, interKey, interDER := mkCert(t, "Intermediate", true, root, rootKey, y(2020), y(2030))
	_, _, leafDER := mkCert(t, "www.example.test", false, inter, interKey, y(2024), y(2025), "www.example.test")
	_, _, selfDER := mkCert(t, "self.test", false, nil, nil, y(2024), y(2026), "self.test")
	list := func(ders ...[]byte) []Certificate {
		var cs []Certificate
		for i, d := range ders {
			cs = append(cs, newCertificate(i, d))
		}
		return cs
	}
	for _, tc := range []struct {
		name  string
		certs []Certificate
		at    time.Time
		sni   string
		want  []string
	}{
		{"complete chain", list(leafDER, interDER, rootDER), y(2024).AddDate(0, 6, 0), "www.example.test", nil},
		{"root omitted is fine", list(leafDER, interDER), y(2024).AddDate(0, 6, 0), "www.example.test", nil},
		{"intermediate missing", list(leafDER), y(2024).AddDate(0, 6, 0), "", []string{"missing_intermediate"}},
		{"intermediate missing before root", list(leafDER, rootDER), y(2024).AddDate(0, 6, 0), "", []string{"missing_intermediate"}},
		{"wrong order", list(leafDER, rootDER, interDER), y(2024).AddDate(0, 6, 0), "", []string{"chain_order"}},
		{"expired leaf", list(leafDER, interDER), y(2026), "", []string{"expired"}},
		{"not yet valid", list(leafDER, interDER), y(2023), "", []string{"not_yet_valid"}},
		{"hostname mismatch", list(leafDER, interDER), y(2024).AddDate(0, 6, 0), "other.test", []string{"hostname_mismatch"}},
		{"wildcard-free SAN match is exact", list(leafDER, interDER), y(2024).AddDate(0, 6, 0), "example.test", []string{"hostname_mismatch"}},
		{"self-signed leaf", list(selfDER), y(2025), "self.test", []string{"self_signed_leaf"}},
		{"garbage DER", list([]byte{0x30, 0x03, 0x02, 0x01, 0x01}), y(2025), "", []string{"unparsable"}},
	} {
		var got []string
		for _, is := range checkChain(tc.certs, tc.at, tc.sni) {
			got = append(got, is.Kind)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: issues %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRDNString: names print as openssl -nameopt RFC2253 does (last RDN
// first, OpenSSL short names, escaped commas), as in truth.json.
func TestRDNString(t *testing.T) {
	name := pkix.Name{Country: []string{"US"}, Organization: []string{"VeriSign, Inc."}, CommonName: "x", SerialNumber: "R-1"}
	// pkix encodes C, O, CN, serialNumber in that order; RFC 2253 prints
	// the last RDN first.
	raw, err := asn1.Marshal(name.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rdnString(raw), `serialNumber=R-1,CN=x,O=VeriSign\, Inc.,C=US`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
