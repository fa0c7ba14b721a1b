package pcapai

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pcapai/pcapai/internal/pcaptest"
	"github.com/pcapai/pcapai/tlsx"
)

// tlsRecordedTruth is one entry of testdata/tls_truth.json, written by
// testdata/record/tls_truth.py from tshark 4.0 (out-of-order reassembly on).
type tlsRecordedTruth struct {
	ClientHelloFrames []uint64 `json:"client_hello_frames"`
	ServerHelloFrames []uint64 `json:"server_hello_frames"`
	CertificateFrames []uint64 `json:"certificate_frames"`
	JA3               []string `json:"ja3"`
	JA3S              []string `json:"ja3s"`
	SNI               []string `json:"sni"`
	Versions          []string `json:"server_hello_versions"`
	Alerts            [][3]int `json:"alerts"` // frame, level, description
	OutOfOrder        int      `json:"out_of_order_segments"`
}

// scenario is what testdata/record/tls_record.sh set up for each capture.
var tlsScenarios = map[string]struct {
	certs     int      // certificates the server sent (first session)
	issues    []string // chain check kinds expected
	findings  []string // tlsx finding kinds expected
	completed bool
	status    string
	resumed   []bool // per session, when the scenario has several
	hrr       bool   // one session, two ClientHellos and two ServerHellos
}{
	// leaf + intermediate, curl verified it against the root
	"tls_valid_chain_tls12.pcap": {2, nil, nil, true, "observed", nil, false},
	// leaf valid 2020-01-01..2021-01-01 (openssl ca -startdate/-enddate)
	"tls_expired_cert.pcap": {2, []string{"expired"}, []string{tlsx.KindExpired}, true, "observed", nil, false},
	// openssl req -x509 -newkey rsa:1024 -sha1
	"tls_self_signed.pcap": {1, []string{"weak_key", "self_signed_leaf"}, []string{tlsx.KindSelfSigned, tlsx.KindWeakCrypto}, true, "observed", nil, false},
	// certificate for server.test, curl asked for other.test
	"tls_hostname_mismatch.pcap": {2, []string{"hostname_mismatch"}, []string{tlsx.KindHostnameMismatch}, true, "observed", nil, false},
	// s_server without -cert_chain; curl aborts with unknown_ca
	"tls_missing_intermediate.pcap": {1, []string{"missing_intermediate"}, []string{tlsx.KindMissingIntermediate}, false, "observed", nil, false},
	// TLS 1.3: the Certificate message is encrypted
	"tls_13.pcap": {0, nil, nil, true, "not_observable", nil, false},
	// MTU 576 and swapped segment pairs (tunreorder.py)
	"tls_reordered_small_mtu.pcap": {2, nil, nil, true, "observed", nil, false},
	// s_client -sess_out, then -sess_in: the second handshake resumes by
	// session ID and sends no Certificate
	"tls_resumption_tls12.pcap": {2, nil, nil, true, "observed", []bool{false, true}, false},
	// TLS 1.3: the second ClientHello offers a ticket (pre_shared_key 41)
	// and the ServerHello selects it
	"tls_resumption_tls13.pcap": {0, nil, nil, true, "not_observable", []bool{false, true}, false},
	// s_server -groups P-256, s_client -groups X25519:P-256: a
	// HelloRetryRequest (a ServerHello for tshark), then ClientHello and
	// ServerHello again; the session keeps the first ClientHello and the
	// real ServerHello
	"tls_hello_retry.pcap": {0, nil, nil, true, "not_observable", nil, true},
}

// TestTLSRecorded checks the captures recorded by testdata/record/tls_record.sh
// against tshark's fields (frames, JA3, JA3S, SNI, versions, alerts) and
// against what the recording set up (chain checks, findings).
func TestTLSRecorded(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), "tls_truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth map[string]tlsRecordedTruth
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	if len(truth) != len(tlsScenarios) {
		t.Fatalf("tls_truth.json has %d files, tlsScenarios %d", len(truth), len(tlsScenarios))
	}
	for name, tr := range truth {
		t.Run(name, func(t *testing.T) {
			sc, ok := tlsScenarios[name]
			if !ok {
				t.Fatalf("no scenario for %s", name)
			}
			rep := analyzeTLS(t, filepath.Join(pcaptest.TestdataDir(), name), tlsx.Config{})
			res := rep.TLS
			if want := max(1, len(sc.resumed)); len(res.Sessions) != want {
				t.Fatalf("%d sessions, want %d", len(res.Sessions), want)
			}
			eq := func(what string, got, want any) {
				t.Helper()
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(want)
				if string(gj) != string(wj) {
					t.Errorf("%s = %s, tshark %s", what, gj, wj)
				}
			}
			var chf, shf []uint64
			var ja3, ja3s, sni, vers []string
			var resumed []bool
			for _, s := range res.Sessions {
				chf, shf = append(chf, s.ClientHelloFrame), append(shf, s.ServerHelloFrame)
				ja3, ja3s, sni, vers = append(ja3, s.JA3), append(ja3s, s.JA3S), append(sni, s.SNI), append(vers, s.VersionCode)
				resumed = append(resumed, s.Resumed)
				eq("completed", s.Completed, sc.completed)
				eq("flow app", rep.Flows[s.FlowID-1].App, "tls")
				eq("certificate_status", s.CertificateStatus, map[bool]string{false: sc.status, true: "absent"}[s.Resumed && sc.status == "observed"])
			}
			eq("ClientHello count", res.ClientHellos, len(tr.ClientHelloFrames))
			eq("ServerHello count", res.ServerHellos, len(tr.ServerHelloFrames))
			if sc.hrr {
				last := len(tr.ServerHelloFrames) - 1
				tr.ClientHelloFrames, tr.JA3, tr.SNI = tr.ClientHelloFrames[:1], tr.JA3[:1], tr.SNI[:1]
				tr.ServerHelloFrames, tr.JA3S, tr.Versions = tr.ServerHelloFrames[last:], tr.JA3S[last:], tr.Versions[last:]
				eq("hello_retry", res.Sessions[0].HelloRetry, true)
			}
			eq("client hello frames", chf, tr.ClientHelloFrames)
			eq("server hello frames", shf, tr.ServerHelloFrames)
			eq("ja3", ja3, tr.JA3)
			eq("ja3s", ja3s, tr.JA3S)
			eq("sni", sni, tr.SNI)
			eq("version", vers, tr.Versions)
			if sc.resumed != nil {
				eq("resumed", resumed, sc.resumed)
			}
			s := res.Sessions[0]
			// Every finding here is about the certificate: its evidence is
			// the frame where tshark shows the Certificate message.
			for _, f := range rep.Findings {
				eq(f.Kind+" evidence frames", f.Evidence.Frames, tr.CertificateFrames)
			}
			alerts := [][3]int{}
			for _, a := range s.Alerts {
				lv := map[string]int{"warning": 1, "fatal": 2}[a.Level]
				alerts = append(alerts, [3]int{int(a.Frame), lv, tlsAlertCode(a.Description)})
			}
			eq("alerts", alerts, tr.Alerts)

			eq("certificates", len(s.Certificates), sc.certs)
			var kinds []string
			for _, is := range s.Issues {
				kinds = append(kinds, is.Kind)
			}
			eq("issues", kinds, sc.issues)
			var fk []string
			for _, f := range rep.Findings {
				fk = append(fk, f.Kind)
			}
			slices.Sort(fk)
			want := slices.Clone(sc.findings)
			slices.Sort(want)
			eq("findings", fk, want)
			if name == "tls_reordered_small_mtu.pcap" && tr.OutOfOrder == 0 {
				t.Error("the recording has no out-of-order segments; re-record")
			}
		})
	}
}

func tlsAlertCode(name string) int {
	for _, c := range []struct {
		n string
		c int
	}{{"close_notify", 0}, {"handshake_failure", 40}, {"bad_certificate", 42}, {"certificate_expired", 45}, {"unknown_ca", 48}, {"decrypt_error", 51}, {"protocol_version", 70}} {
		if c.n == name {
			return c.c
		}
	}
	return -1
}
