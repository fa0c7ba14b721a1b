package pcapai

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pcapai/pcapai/internal/pcaptest"
)

// TestRecordedSIP checks the sipp recordings against testdata/truth.json
// (tshark's SIP counts and its rtp,streams table).
func TestRecordedSIP(t *testing.T) {
	t.Parallel()
	truth := pcaptest.LocalTruth(t)
	for _, name := range []string{"sip_call_sipp.pcap", "sip_auth_fail_sipp.pcap", "sip_scan_nmap.pcap", "sip_call_tcp_sipp.pcap"} {
		tr := truth[name]
		path := filepath.Join(pcaptest.TestdataDir(), name)
		rep := runFile(t, path, Options{})
		s := rep.SIP
		if want, _ := pcaptest.Num(tr, "sip", "distinct_call_ids"); s.Messages.DistinctCallIDs != int(want) {
			t.Errorf("%s: call ids %d, tshark %v", name, s.Messages.DistinctCallIDs, want)
		}
		if want, _ := pcaptest.Num(tr, "sip", "messages"); s.Messages.Count != uint64(want) {
			t.Errorf("%s: messages %d, tshark %v", name, s.Messages.Count, want)
		}
		got := map[string]float64{}
		for _, m := range s.Messages.ByMethod {
			got[m.Method] = float64(m.Count)
		}
		if want := truthMap(tr, "sip", "requests_by_method"); !mapsEqual(got, want) {
			t.Errorf("%s: by method %v, tshark %v", name, got, want)
		}
		got = map[string]float64{}
		for _, m := range s.Messages.ByStatus {
			got[strconv.Itoa(m.Status)] = float64(m.Count)
		}
		if want := truthMap(tr, "sip", "responses_by_status"); !mapsEqual(got, want) {
			t.Errorf("%s: by status %v, tshark %v", name, got, want)
		}
		for _, f := range rep.Findings {
			checkFilter(t, path, f.Evidence)
		}
	}

	// The call: INVITE → 180 → 200 → ACK → BYE → 200, RTP per SDP.
	rep := runFile(t, filepath.Join(pcaptest.TestdataDir(), "sip_call_sipp.pcap"), Options{})
	if len(rep.SIP.Calls) != 1 {
		t.Fatalf("calls %d, want 1", len(rep.SIP.Calls))
	}
	c := rep.SIP.Calls[0]
	if c.State != "completed" || c.FinalStatus != 200 || c.SetupMS <= 0 || c.DurationMS < 7000 {
		t.Errorf("call %+v: want completed, 200, setup > 0, duration ≥ 7 s (sipp plays 7.05 s of audio)", c)
	}
	tr := truth["sip_call_sipp.pcap"]["rtp_streams"].(map[string]any)
	if len(rep.SIP.RTPStreams) != len(tr) {
		t.Fatalf("rtp streams %d, tshark %d", len(rep.SIP.RTPStreams), len(tr))
	}
	for _, st := range rep.SIP.RTPStreams {
		w, ok := tr[st.SSRC].(map[string]any)
		if !ok {
			t.Errorf("stream %s not in tshark's table", st.SSRC)
			continue
		}
		if n, _ := pcaptest.Num(w, "packets"); st.Packets != uint64(n) {
			t.Errorf("%s packets %d, tshark %v", st.SSRC, st.Packets, n)
		}
		if n, _ := pcaptest.Num(w, "lost"); st.Lost != int64(n) {
			t.Errorf("%s lost %d, tshark %v", st.SSRC, st.Lost, n)
		}
		if j, ok := pcaptest.Num(w, "max_jitter_ms"); ok && st.MaxJitterMS != j {
			t.Errorf("%s max jitter %v ms, tshark %v", st.SSRC, st.MaxJitterMS, j)
		}
		if st.Src.String() != w["src"] || st.Dst.String() != w["dst"] || st.CallID != c.CallID {
			t.Errorf("%s: %v → %v call %q", st.SSRC, st.Src, st.Dst, st.CallID)
		}
	}
	apps := map[string]int{}
	for _, f := range rep.Flows {
		apps[f.App]++
	}
	if apps["sip"] != 1 || apps["rtp"] != 1 {
		t.Errorf("flow apps %v, want one sip and one rtp flow", apps)
	}

	// The same call over TCP (sipp -t t1): every message read from the
	// reassembled stream.
	rep = runFile(t, filepath.Join(pcaptest.TestdataDir(), "sip_call_tcp_sipp.pcap"), Options{})
	if rep.SIP.Messages.OverTCP != 6 || len(rep.SIP.Calls) != 1 || rep.SIP.Calls[0].State != "completed" {
		t.Errorf("tcp call: messages %+v calls %+v", rep.SIP.Messages, rep.SIP.Calls)
	}

	// Failed authentication: 8 REGISTERs with Digest credentials for
	// "alice" answered 401 ×7 and 403: below the brute-force threshold
	// (10) an auth-failure finding, plus the Digest user name.
	rep = runFile(t, filepath.Join(pcaptest.TestdataDir(), "sip_auth_fail_sipp.pcap"), Options{})
	fs := findingsOf(rep, "sip_auth_failure")
	if len(fs) != 1 || fs[0].Evidence.FramesTotal != 8 {
		t.Fatalf("auth failure findings %+v; want one with 8 frames", fs)
	}
	cr := findingsOf(rep, "cleartext_credentials")
	if len(cr) != 1 || !strings.Contains(cr[0].Summary, `sip-digest user "alice"`) ||
		!slices.Equal(cr[0].Evidence.Frames, []uint64{1, 3, 5, 7, 9, 11, 13, 15}) {
		t.Errorf("sip digest credentials %+v", cr)
	}
}

// TestRecordedLogins checks HTTP Basic, form, FTP and Telnet logins
// recorded with curl, python3 servers and pyftpdlib (truth: tshark fields
// noted in testdata/truth.json).
func TestRecordedLogins(t *testing.T) {
	t.Parallel()
	truth := pcaptest.LocalTruth(t)["logins_http_ftp_telnet.pcap"]
	path := filepath.Join(pcaptest.TestdataDir(), "logins_http_ftp_telnet.pcap")
	for _, reveal := range []bool{false, true} {
		rep := runFile(t, path, Options{RevealSecrets: reveal})
		h := rep.HTTP
		if want, _ := pcaptest.Num(truth, "http", "requests"); h.Totals.Requests != uint64(want) {
			t.Errorf("http requests %d, tshark %v", h.Totals.Requests, want)
		}
		if want, _ := pcaptest.Num(truth, "http", "responses"); h.Totals.Responses != uint64(want) {
			t.Errorf("http responses %d, tshark %v", h.Totals.Responses, want)
		}
		creds := truth["credentials"].(map[string]any)
		found := map[string]bool{}
		for _, f := range findingsOf(rep, "cleartext_credentials") {
			svc := f.Features[0].Text
			w, ok := creds[svc].(map[string]any)
			if !ok {
				t.Errorf("unexpected credential %s", f.Summary)
				continue
			}
			found[svc] = true
			frame, _ := pcaptest.Num(w, "frame")
			if f.Evidence.Frames[0] != uint64(frame) {
				t.Errorf("%s frames %v, want first %v", svc, f.Evidence.Frames, frame)
			}
			secret := "S*****! (7)"
			if reveal {
				secret = w["secret"].(string)
			}
			if !strings.Contains(f.Summary, `"`+w["user"].(string)+`"`) || !strings.Contains(f.Summary, secret) {
				t.Errorf("%s summary %q; want user and secret %q", svc, f.Summary, secret)
			}
			if len(f.Techniques) != 2 || f.Techniques[0].ID != "T1552" || f.Techniques[1].ID != "T1040" {
				t.Errorf("techniques %v", f.Techniques)
			}
			checkFilter(t, path, f.Evidence)
		}
		if len(found) != len(creds) {
			t.Errorf("found %v, want all of %v", found, creds)
		}
	}
}

// TestRecordedSIPScan: nmap's sip-methods sweep (User-Agent "Nmap NSE",
// OPTIONS to 12 addresses) and sip-brute (15 REGISTERs with Digest
// credentials, each answered 401) make a sip_scan and a sip_brute_force
// finding; tshark shows Digest user names alice ×7, bob ×7 and nmap's
// random bad user ×1.
func TestRecordedSIPScan(t *testing.T) {
	t.Parallel()
	path := filepath.Join(pcaptest.TestdataDir(), "sip_scan_nmap.pcap")
	rep := runFile(t, path, Options{})
	scan := findingsOf(rep, "sip_scan")
	if len(scan) != 1 || !strings.Contains(scan[0].Summary, "Nmap NSE") || scan[0].Techniques[0].ID != "T1595" {
		t.Errorf("scan findings %+v", scan)
	}
	bf := findingsOf(rep, "sip_brute_force")
	if len(bf) != 1 || bf[0].Evidence.FramesTotal != 15 || bf[0].Techniques[0].ID != "T1110" {
		t.Errorf("brute force findings %+v", bf)
	}
	users := map[string]int{}
	for _, f := range findingsOf(rep, "cleartext_credentials") {
		u := f.Features[1].Text
		if strings.HasPrefix(u, "baduser-") {
			u = "baduser-*"
		}
		users[u] = f.Evidence.FramesTotal
		checkFilter(t, path, f.Evidence)
	}
	if users["alice"] != 7 || users["bob"] != 7 || users["baduser-*"] != 1 || len(users) != 3 {
		t.Errorf("digest users %v; tshark alice 7, bob 7, baduser-* 1", users)
	}
}

// TestRecordedSNMP: tshark shows community "public" (v1, frame 1) and
// "Sn1ffMe!" (v2c, frame 2); the SNMPv3 request (frame 3) has none.
func TestRecordedSNMP(t *testing.T) {
	t.Parallel()
	path := filepath.Join(pcaptest.TestdataDir(), "snmp_community_netsnmp.pcap")
	rep := runFile(t, path, Options{Modules: []string{ModCreds}, RevealSecrets: true})
	var got []string
	for _, f := range findingsOf(rep, "cleartext_credentials") {
		got = append(got, fmt.Sprintf("%s %s %v", f.Features[0].Text, f.Features[2].Text, f.Evidence.Frames))
		checkFilter(t, path, f.Evidence)
	}
	want := []string{"snmpv1 public [1]", "snmpv2c Sn1ffMe! [2]"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestRecordedMail: curl's POP3 USER/PASS, IMAP LOGIN (quoted password),
// SMTP AUTH PLAIN and AUTH LOGIN, each accepted (truth: tshark fields in
// testdata/truth.json).
func TestRecordedMail(t *testing.T) {
	t.Parallel()
	truth := pcaptest.LocalTruth(t)["mail_logins_curl.pcap"]
	path := filepath.Join(pcaptest.TestdataDir(), "mail_logins_curl.pcap")
	rep := runFile(t, path, Options{Modules: []string{ModCreds}, RevealSecrets: true})
	var got, want []string
	for _, f := range findingsOf(rep, "cleartext_credentials") {
		got = append(got, fmt.Sprintf("%s %s %s %v %s", f.Features[0].Text, f.Features[1].Text, f.Features[2].Text, f.Evidence.Frames, f.Features[3].Text))
		checkFilter(t, path, f.Evidence)
	}
	for _, c := range truth["credentials"].([]any) {
		m := c.(map[string]any)
		var fr []uint64
		for _, x := range m["frames"].([]any) {
			fr = append(fr, uint64(x.(float64)))
		}
		want = append(want, fmt.Sprintf("%s %s %s %v accepted", m["service"], m["user"], m["secret"], fr))
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
