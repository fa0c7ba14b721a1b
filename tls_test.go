package pcapai

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/internal/pcaptest"
	"github.com/pcapai/pcapai/tlsx"
)

func analyzeTLS(t testing.TB, path string, cfg tlsx.Config) *Report {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := Analyze(context.Background(), r, Options{Modules: []string{ModTLS}, TLS: cfg, noRecover: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TLS == nil {
		t.Fatal("no tls section")
	}
	return rep
}

// TestTLSSharedTruth compares the tls section with the tshark 4.0.17
// figures of ../shared/pcaps/truth.json: ClientHello/ServerHello counts,
// SNI, JA3, ServerHello versions (supported_versions honoured) and the
// distinct certificates (subject, issuer, notAfter as openssl prints them).
func TestTLSSharedTruth(t *testing.T) {
	dir, entries := pcaptest.SharedTruth(t)
	for _, e := range entries {
		tt, ok := e.Truth["tls"].(map[string]any)
		if !ok {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			rep := analyzeTLS(t, filepath.Join(dir, e.Name), tlsx.Config{})
			res := rep.TLS
			if n, _ := pcaptest.Num(tt, "client_hellos"); int(n) != res.ClientHellos {
				t.Errorf("client_hellos = %d, tshark %v", res.ClientHellos, n)
			}
			if n, _ := pcaptest.Num(tt, "server_hellos"); int(n) != res.ServerHellos {
				t.Errorf("server_hellos = %d, tshark %v", res.ServerHellos, n)
			}
			if n, _ := pcaptest.Num(tt, "certificate_messages"); int(n) != res.CertificateMessages {
				t.Errorf("certificate_messages = %d, tshark %v", res.CertificateMessages, n)
			}
			sni, ja3, vers := map[string]float64{}, map[string]float64{}, map[string]float64{}
			for _, s := range res.Sessions {
				if s.SNI != "" {
					sni[s.SNI]++
				}
				if s.JA3 != "" {
					ja3[s.JA3]++
				}
				if s.VersionCode != "" {
					vers[s.VersionCode]++
				}
			}
			tlsCmpCounts(t, "sni", tt["sni"], sni)
			tlsCmpCounts(t, "ja3", tt["ja3"], ja3)
			tlsCmpCounts(t, "server_hello_versions", tt["server_hello_versions"], vers)

			var want, got []string
			for _, c := range tt["distinct_certificates"].([]any) {
				m := c.(map[string]any)
				if m["subject"] == nil {
					continue // tshark saw a certificate message openssl could not read
				}
				na, err := time.Parse("Jan _2 15:04:05 2006 MST", m["notAfter"].(string))
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, fmt.Sprintf("%s | %s | %s", m["subject"], m["issuer"], na.UTC().Format(time.RFC3339)))
			}
			seen := map[string]bool{}
			for _, s := range res.Sessions {
				for _, c := range slices.Concat(s.Certificates, s.ClientCertificates) {
					if c.ParseError != "" {
						continue // as tshark's null entry: openssl could not read it either
					}
					k := fmt.Sprintf("%s | %s | %s", c.Subject, c.Issuer, c.NotAfter.Format(time.RFC3339))
					if !seen[k] {
						seen[k] = true
						got = append(got, k)
					}
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if !slices.Equal(want, got) {
				t.Errorf("certificates:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}

func tlsCmpCounts(t *testing.T, name string, truth any, got map[string]float64) {
	t.Helper()
	want := map[string]float64{}
	if m, ok := truth.(map[string]any); ok {
		for k, v := range m {
			want[k] = v.(float64)
		}
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		t.Errorf("%s = %v, tshark %v", name, got, want)
	}
}

// TestTLSSharedFindings derives the expected findings from truth.json:
// a certificate whose notAfter (openssl) precedes the capture's last
// packet (capinfos) must raise tls_certificate_expired; a ServerHello
// version below TLS 1.2 (tshark) must raise tls_deprecated_version; and
// tls-missing-intermediate.pcap, whose server omits its intermediate
// (MANIFEST.md), must raise tls_missing_intermediate.
func TestTLSSharedFindings(t *testing.T) {
	dir, entries := pcaptest.SharedTruth(t)
	for _, e := range entries {
		tt, ok := e.Truth["tls"].(map[string]any)
		if !ok {
			continue
		}
		first, _ := strconv.ParseFloat(fmt.Sprint(e.Truth["first_time_epoch"]), 64)
		last, _ := strconv.ParseFloat(fmt.Sprint(e.Truth["last_time_epoch"]), 64)
		timed := first != 0 && last != 0 // capinfos could not read a damaged file
		want := map[string]bool{}
		for _, c := range tt["distinct_certificates"].([]any) {
			m := c.(map[string]any)
			if m["notAfter"] == nil {
				continue
			}
			na, err := time.Parse("Jan _2 15:04:05 2006 MST", m["notAfter"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if timed && float64(na.Unix()) < first {
				want[tlsx.KindExpired] = true
			}
		}
		for v := range tt["server_hello_versions"].(map[string]any) {
			if v < "0x0303" {
				want[tlsx.KindDeprecatedVersion] = true
			}
		}
		if e.Name == "tls-missing-intermediate.pcap" {
			want[tlsx.KindMissingIntermediate] = true
		}
		rep := analyzeTLS(t, filepath.Join(dir, e.Name), tlsx.Config{})
		got := map[string]bool{}
		for _, f := range rep.Findings {
			got[f.Kind] = true
			if f.Kind == tlsx.KindExpired && timed && f.First.Unix() > int64(last)+1 {
				t.Errorf("%s: expired finding at %v, after the capture's end %v", e.Name, f.First, last)
			}
		}
		for k := range want {
			if !got[k] {
				t.Errorf("%s: no %s finding (truth.json implies one)", e.Name, k)
			}
		}
	}
}
