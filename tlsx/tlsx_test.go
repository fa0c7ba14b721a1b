package tlsx

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

// pass runs a capture through the decoder, the flow table and fn, as the
// engine does.
func pass(tb testing.TB, path string, fn func(p *flows.Packet)) {
	tb.Helper()
	pcaptest.Packets(tb, path, fn)
}

func analyze(tb testing.TB, path string, cfg Config) *Result {
	tb.Helper()
	a := New(cfg)
	pass(tb, path, a.Observe)
	r, _ := a.Finish()
	return r
}

// TestJA4SpecVector rebuilds the example of the JA4 specification
// (FoxIO JA4 README, "JA4 TLS Client Fingerprinting"): a Chrome
// ClientHello with 15 ciphers and 16 extensions (GREASE excluded), ALPN h2,
// whose fingerprint the specification gives as
// t13d1516h2_8daaf6152771_e5627efa2ab1 with the raw lists below.
func TestJA4SpecVector(t *testing.T) {
	h := &hello{
		client:  true,
		version: 0x0303,
		ciphers: []uint16{0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		exts: []uint16{0x1a1a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033,
			0x002d, 0x002b, 0x001b, 0x0015, 0x4469, 0x2a2a},
		sni:      "example.com",
		alpn:     []string{"h2", "http/1.1"},
		sigAlgs:  []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
		versions: []uint16{0x7a7a, 0x0304, 0x0303},
	}
	a, b, c := ja4Raw(h, false)
	if want := "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"; b != want {
		t.Errorf("ja4_b raw = %s, spec %s", b, want)
	}
	if want := "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"; c != want {
		t.Errorf("ja4_c raw = %s, spec %s", c, want)
	}
	if a != "t13d1516h2" {
		t.Errorf("ja4_a = %s, spec t13d1516h2", a)
	}
	if got, want := ja4(h, false), "t13d1516h2_8daaf6152771_e5627efa2ab1"; got != want {
		t.Errorf("ja4 = %s, spec %s", got, want)
	}
	if got := ja4(h, true); got[0] != 'q' {
		t.Errorf("QUIC ja4 = %s, want the q prefix", got)
	}
}

func TestJA4ALPN(t *testing.T) {
	for _, tc := range []struct {
		alpn []string
		want string
		why  string
	}{
		{nil, "00", "no ALPN"},
		{[]string{"h2"}, "h2", "first and last character"},
		{[]string{"http/1.1"}, "h1", "first and last character"},
		{[]string{"h3"}, "h3", "first and last character"},
		{[]string{"\xab\xcd"}, "ad", "non-alphanumeric: first and last hex digit"},
	} {
		if got := ja4ALPN(tc.alpn); got != tc.want {
			t.Errorf("%q: %s, want %s (%s)", tc.alpn, got, tc.want, tc.why)
		}
	}
}

func TestGREASE(t *testing.T) {
	n := 0
	for v := range 1 << 16 {
		if isGREASE(uint16(v)) {
			n++
		}
	}
	if n != 16 || !isGREASE(0x0a0a) || !isGREASE(0xfafa) || isGREASE(0x0a1a) {
		t.Fatalf("GREASE values: %d, want the 16 of RFC 8701", n)
	}
}

// TestQUICInitialKeysRFC9001 checks the key schedule against RFC 9001
// Appendix A.1 (client Initial keys for DCID 0x8394c8f03e515708).
func TestQUICInitialKeysRFC9001(t *testing.T) {
	dcid, _ := hex.DecodeString("8394c8f03e515708")
	initial, err := hkdfExtract(dcid, saltV1)
	if err != nil {
		t.Fatal(err)
	}
	cs := expandLabel(initial, "client in", 32)
	for _, tc := range []struct{ label, want string }{
		{"quic key", "1f369613dd76d5467730efcbe3b1a22d"},
		{"quic iv", "fa044b2f42a3fd3b46fb255c"},
		{"quic hp", "9f50449e04a0e810283a1e9933adedd2"},
	} {
		n := len(tc.want) / 2
		if got := hex.EncodeToString(expandLabel(cs, tc.label, n)); got != tc.want {
			t.Errorf("%s = %s, RFC 9001 %s", tc.label, got, tc.want)
		}
	}
}

// TestQUICSharedSNI decrypts the Initial packets of the shared QUIC
// captures; tshark's SNI (truth.json) and ALPN h3 must come out.
func TestQUICSharedSNI(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	for _, tc := range []struct{ file, sni string }{
		{"quic-curl-http3-google.pcap", "www.google.de"},
		{"quic-firefox-cloudflare.pcap", "blog.cloudflare.com"},
		{"quicv2-http3.pcap", ""},     // tshark: no SNI
		{"c2-merlin-quic.pcapng", ""}, // tshark: no SNI
	} {
		r := analyze(t, filepath.Join(dir, tc.file), Config{})
		if len(r.Sessions) != 1 {
			t.Fatalf("%s: %d sessions", tc.file, len(r.Sessions))
		}
		s := r.Sessions[0]
		if s.SNI != tc.sni || s.Transport != "quic" || s.JA4 == "" || s.JA4[0] != 'q' || s.Version != "TLS 1.3" || s.CertificateStatus != "not_observable" {
			b, _ := json.Marshal(s)
			t.Errorf("%s: %s", tc.file, b)
		}
	}
}

// TestJA4Chrome: the ClientHello of tls13-chrome-kyber.pcap (Chrome 125)
// has the JA4 FoxIO's ja4plus-mapping.csv lists for "Chromium Browser".
func TestJA4Chrome(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	r := analyze(t, filepath.Join(dir, "tls13-chrome-kyber.pcap"), Config{})
	if len(r.Sessions) != 1 || r.Sessions[0].JA4 != "t13d1516h2_8daaf6152771_02713d6af862" {
		t.Fatalf("sessions %+v", r.Sessions)
	}
}

func TestSessionCap(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	r := analyze(t, filepath.Join(dir, "tls-missing-intermediate.pcap"), Config{MaxSessions: 1})
	if len(r.Sessions) != 1 || r.SessionsDropped != 2 || r.ClientHellos != 3 {
		t.Fatalf("sessions %d dropped %d hellos %d; want 1, 2, 3", len(r.Sessions), r.SessionsDropped, r.ClientHellos)
	}
}

func sharedDir() (string, bool) {
	d := filepath.Join(pcaptest.Root(), "..", "shared", "pcaps")
	_, err := os.Stat(filepath.Join(d, "truth.json"))
	return d, err == nil
}
