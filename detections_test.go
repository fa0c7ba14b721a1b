package pcapai

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/beacon"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

func analyzeDet(t *testing.T, path string, opts Options) *Report {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	opts.noRecover = true
	rep, err := Analyze(context.Background(), r, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep
}

func recording(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(pcaptest.TestdataDir(), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not recorded", name)
	}
	return p
}

func findingsOf(rep *Report, kind string) []attack.Finding {
	var out []attack.Finding
	for _, f := range rep.Findings {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

func feature(f attack.Finding, name string) (attack.Feature, bool) {
	for _, x := range f.Features {
		if x.Name == name {
			return x, true
		}
	}
	return attack.Feature{}, false
}

func hasTech(f attack.Finding, id string) bool {
	for _, t := range f.Techniques {
		if t.ID == id {
			return true
		}
	}
	return false
}

// checkEvidence checks a finding's evidence against tshark: the display
// filter selects every evidence frame, and as many frames as FramesTotal
// (a frame-number filter names exactly the kept frames).
func checkEvidence(t *testing.T, file string, f attack.Finding) {
	t.Helper()
	ev := f.Evidence
	if ev.FramesTotal == 0 {
		return // no frames to check (fragment overlaps)
	}
	if ev.DisplayFilter == "" {
		t.Errorf("%s: no display filter", f.Kind)
		return
	}
	got := pcaptest.TsharkFrames(t, file, ev.DisplayFilter)
	for _, fr := range ev.Frames {
		if _, ok := slices.BinarySearch(got, fr); !ok {
			t.Errorf("%s %q: evidence frame %d not selected by tshark -Y %q", f.Kind, f.Summary, fr, ev.DisplayFilter)
		}
	}
	want := ev.FramesTotal
	if strings.HasPrefix(ev.DisplayFilter, "frame.number in") {
		want = len(ev.Frames)
	}
	if len(got) != want {
		t.Errorf("%s %q: tshark -Y %q selects %d frames; evidence counts %d", f.Kind, f.Summary, ev.DisplayFilter, len(got), want)
	}
}

type beaconTruth struct {
	Beats       int     `json:"beats"`
	Missed      []int   `json:"missed"`
	Connections int     `json:"connections"`
	PeriodS     float64 `json:"period_s"`
	Jitter      float64 `json:"jitter"`
}

// The recording script (testdata/record/beacon_client.py) opened one HTTP
// connection to 198.51.100.7:8000 and sent one UDP datagram to :9999 per
// beat, every 2 s ±30 %, 40 beats with 2 missed; irregular_client.py made
// 40 connections to 198.51.100.8:8080 with exponential gaps.
func TestBeaconRecording(t *testing.T) {
	file := recording(t, "beacon_http_jitter.pcap")
	raw, err := os.ReadFile(filepath.Join(pcaptest.TestdataDir(), "record", "beacon.truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth beaconTruth
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	rep := analyzeDet(t, file, Options{})
	client := netip.MustParseAddr("10.0.0.10")
	c2 := netip.MustParseAddr("198.51.100.7")
	var tcp, udp *attack.Finding
	for i, f := range findingsOf(rep, "beacon") {
		if f.Src != client || f.Dst != c2 {
			t.Errorf("unexpected beacon %s", f.Summary)
			continue
		}
		if strings.Contains(f.Summary, ":8000/tcp") {
			tcp = &findingsOf(rep, "beacon")[i]
		}
		if strings.Contains(f.Summary, ":9999/udp") {
			udp = &findingsOf(rep, "beacon")[i]
		}
	}
	if tcp == nil || udp == nil {
		t.Fatalf("beacons: want tcp/8000 and udp/9999; findings %+v", rep.Findings)
	}
	for _, f := range []*attack.Finding{tcp, udp} {
		if n, _ := feature(*f, "connections"); int(n.Value) != truth.Connections {
			t.Errorf("%s: connections %v; the script made %d", f.Summary, n.Value, truth.Connections)
		}
		if p, _ := feature(*f, "period_s"); p.Value < truth.PeriodS*0.9 || p.Value > truth.PeriodS*1.1 {
			t.Errorf("%s: period %v; the script used %v", f.Summary, p.Value, truth.PeriodS)
		}
		if f.Severity != attack.High {
			t.Errorf("%s: severity %s; want high (score %v, %d connections)", f.Summary, f.Severity, f.Score, truth.Connections)
		}
		checkEvidence(t, file, *f)
	}
	if !hasTech(*tcp, "T1071.001") || !hasTech(*udp, "T1071") {
		t.Errorf("techniques: tcp %v udp %v", tcp.Techniques, udp.Techniques)
	}
	// The connection starts are exactly the SYNs tshark sees to port 8000.
	syns := pcaptest.TsharkFrames(t, file, "ip.dst==198.51.100.7 && tcp.dstport==8000 && tcp.flags==0x002")
	if !slices.Equal(syns, tcp.Evidence.Frames) {
		t.Errorf("tcp beacon frames %v; tshark SYNs %v", tcp.Evidence.Frames, syns)
	}

	// The irregular keep-alives must score lower and below the threshold.
	rep2 := analyzeDet(t, recording(t, "beacon_http_jitter.pcap"), Options{Beacon: beaconCfgAll()})
	var irr, beac float64 = -1, -1
	for _, b := range rep2.Beacon.Beacons {
		switch b.Dst.String() {
		case "198.51.100.8:8080":
			irr = b.Score
		case "198.51.100.7:8000":
			beac = b.Score
		}
	}
	if beac < 0 || rep2.Beacon.Scored < 3 {
		t.Fatalf("beacon score missing or groups not scored: %+v", rep2.Beacon)
	}
	if irr < 0 {
		irr = 0 // scored 0: below MinScore 0.001
	}
	if irr >= 0.70 || irr >= beac {
		t.Errorf("irregular keep-alives score %v (beacon %v); want < 0.70 and lower", irr, beac)
	}
	t.Logf("beacon score %v, irregular %v", beac, irr)
}

func beaconCfgAll() (c beacon.Config) {
	c.MinScore = 0.001
	c.MinMedianGap = time.Millisecond
	return c
}

// testdata/record/record.sh scan: nmap -sS -p 1-200 10.0.1.2 from 10.0.1.1
// (22 and 80 open), then ping -c1 to 10.0.2.1-30 (1-5 answer).
func TestScanRecordings(t *testing.T) {
	file := recording(t, "scan_nmap_syn.pcap")
	rep := analyzeDet(t, file, Options{})
	ps := findingsOf(rep, "port_scan")
	if len(ps) != 1 {
		t.Fatalf("port scans: %d; want 1: %+v", len(ps), rep.Findings)
	}
	f := ps[0]
	if f.Src != netip.MustParseAddr("10.0.1.1") || f.Dst != netip.MustParseAddr("10.0.1.2") {
		t.Errorf("scan %s → %s", f.Src, f.Dst)
	}
	if n, _ := feature(f, "distinct_ports"); n.Value != 200 {
		t.Errorf("distinct ports %v; nmap scanned 200", n.Value)
	}
	if a, _ := feature(f, "answered_ports"); a.Text != "[22 80]" {
		t.Errorf("answered ports %q; 22 and 80 were open", a.Text)
	}
	if !hasTech(f, "T1046") || f.Severity != attack.High {
		t.Errorf("scan: %s %v", f.Severity, f.Techniques)
	}
	for _, f := range rep.Findings {
		checkEvidence(t, file, f)
	}

	file = recording(t, "sweep_ping.pcap")
	rep = analyzeDet(t, file, Options{})
	sw := findingsOf(rep, "host_sweep")
	if len(sw) != 1 {
		t.Fatalf("sweeps: %d; want 1: %+v", len(sw), rep.Findings)
	}
	f = sw[0]
	if n, _ := feature(f, "distinct_hosts"); n.Value != 30 {
		t.Errorf("distinct hosts %v; the script pinged 30", n.Value)
	}
	if n, _ := feature(f, "answered_hosts"); n.Value != 5 {
		t.Errorf("answered hosts %v; 5 addresses were up", n.Value)
	}
	if f.Src != netip.MustParseAddr("10.0.1.1") || !hasTech(f, "T1018") || f.Evidence.FramesTotal != 30 {
		t.Errorf("sweep %+v", f)
	}
	checkEvidence(t, file, f)
}

// testdata/record/record.sh upload: curl -T of 1 200 000 bytes from
// 10.0.3.1 to 203.0.113.9:8080; sessions with payload both ways to
// 10.0.3.5 on 445, 3389, 5985 and 22; an SSH banner on 203.0.113.9:2222 and
// TLS (openssl s_server) on 203.0.113.9:4444.
func TestUploadLateralRecording(t *testing.T) {
	file := recording(t, "upload_lateral.pcap")
	rep := analyzeDet(t, file, Options{})
	up := findingsOf(rep, "large_outbound_transfer")
	if len(up) != 1 {
		t.Fatalf("uploads: %+v", rep.Findings)
	}
	if b, _ := feature(up[0], "bytes_out"); b.Value < 1_200_000 || up[0].Dst != netip.MustParseAddr("203.0.113.9") || !hasTech(up[0], "T1041") {
		t.Errorf("upload: %+v", up[0])
	}
	want := map[string]string{"445": "T1021.002", "3389": "T1021.001", "5985": "T1021.006", "22": "T1021.004"}
	for _, f := range findingsOf(rep, "lateral_movement") {
		p, _ := feature(f, "port")
		id, ok := want[strconv.Itoa(int(p.Value))]
		if !ok || !hasTech(f, id) || f.Src != netip.MustParseAddr("10.0.3.1") || f.Dst != netip.MustParseAddr("10.0.3.5") {
			t.Errorf("lateral: %+v", f)
		}
		delete(want, strconv.Itoa(int(p.Value)))
	}
	if len(want) != 0 {
		t.Errorf("lateral movement missed: %v", want)
	}
	ns := map[string]bool{}
	for _, f := range findingsOf(rep, "non_standard_port") {
		app, _ := feature(f, "protocol")
		p, _ := feature(f, "port")
		ns[app.Text+"/"+strconv.Itoa(int(p.Value))] = hasTech(f, "T1571")
	}
	if !ns["ssh/2222"] || !ns["tls/4444"] || len(ns) != 2 {
		t.Errorf("non-standard ports: %v; want ssh/2222 and tls/4444", ns)
	}
	for _, f := range rep.Findings {
		checkEvidence(t, file, f)
	}
	// Triage: the uploader is the riskiest host, with its findings as
	// factors.
	if len(rep.Hosts) == 0 || rep.Hosts[0].Addr != netip.MustParseAddr("10.0.3.1") || len(rep.Hosts[0].RiskFactors) == 0 {
		t.Errorf("hosts: %+v", rep.Hosts)
	}
	if !slices.Contains(rep.Hosts[0].Roles, "exfil_source") || !slices.Contains(rep.Hosts[0].Roles, "lateral_source") {
		t.Errorf("roles %v", rep.Hosts[0].Roles)
	}
	tl := HostTimeline(rep, netip.MustParseAddr("10.0.3.1"))
	if len(tl) == 0 || tl[0].Kind != "first_seen" || tl[len(tl)-1].Kind != "last_seen" {
		t.Fatalf("timeline %+v", tl)
	}
	kinds := map[string]int{}
	for i, e := range tl {
		kinds[e.Kind]++
		if i > 0 && e.Time.Before(tl[i-1].Time) {
			t.Errorf("timeline out of order at %d", i)
		}
		if e.Kind == "finding" && rep.Findings[e.Finding].Kind != e.FindingKind {
			t.Errorf("timeline event %d points to the wrong finding", i)
		}
	}
	if kinds["finding"] != len(rep.Findings) || kinds["transfer"] != 1 {
		t.Errorf("timeline kinds %v; findings %d", kinds, len(rep.Findings))
	}
	if HostTimeline(rep, netip.MustParseAddr("192.0.2.99")) != nil {
		t.Errorf("timeline of an absent host")
	}
}

// Every technique id a detector can emit is in the ATT&CK catalog: the
// test collects the literal ids of attack.Tech calls in the repository.
func TestTechniqueIDsInCatalog(t *testing.T) {
	re := regexp.MustCompile(`attack\.Tech\("([^"]+)"`)
	n := 0
	err := filepath.WalkDir(pcaptest.Root(), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := attack.Lookup(m[1]); !ok {
				t.Errorf("%s: technique %s is not in the ATT&CK catalog", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("found only %d attack.Tech calls", n)
	}
}

// scan-nmap-vsn.pcap is nmap's host discovery and version scan on a LAN:
// tshark counts the distinct addresses of its ARP requests.
func TestSharedNmapScan(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	file := filepath.Join(dir, "scan-nmap-vsn.pcap")
	rep := analyzeDet(t, file, Options{})
	var sweep *attack.Finding
	for i, f := range rep.Findings {
		if f.Kind == "host_sweep" || f.Kind == "port_scan" {
			sweep = &rep.Findings[i]
		}
	}
	if sweep == nil {
		t.Fatalf("no scan finding: %+v", rep.Findings)
	}
	targets := tsharkFields(t, file, "arp.opcode==1 && arp.src.proto_ipv4==192.168.1.71", "arp.dst.proto_ipv4")
	if n, _ := feature(*sweep, "distinct_hosts"); int(n.Value) != len(targets) || sweep.Src != netip.MustParseAddr("192.168.1.71") {
		t.Errorf("sweep %s: %v hosts; tshark %d", sweep.Summary, n.Value, len(targets))
	}
	checkEvidence(t, file, *sweep)
}

func tsharkFields(t *testing.T, file, filter, field string) map[string]bool {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	out, err := exec.Command("tshark", "-r", file, "-Y", filter, "-T", "fields", "-e", field).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		m[l] = true
	}
	return m
}

// c2-merlin-quic.pcapng is a Merlin agent checking in over QUIC: one UDP
// flow to 443 whose packets come in bursts every ~15 s. The honest claim is
// a medium beacon on UDP/443 (15 check-ins are under HighConnections).
func TestSharedMerlinBeacon(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	file := filepath.Join(dir, "c2-merlin-quic.pcapng")
	rep := analyzeDet(t, file, Options{})
	b := findingsOf(rep, "beacon")
	if len(b) != 1 || !strings.Contains(b[0].Summary, ":443/udp") || b[0].Severity != attack.Medium || !hasTech(b[0], "T1071.001") {
		t.Fatalf("merlin: %+v", rep.Findings)
	}
	checkEvidence(t, file, b[0])
}

// The benign public captures (web browsing, DNS, TLS, QUIC, SMTP, ICMP)
// must yield no high or critical finding; the counts per file are logged,
// and every finding's evidence is checked against tshark.
// dns-tunnel-iodine.pcap is a real iodine tunnel, not benign: it must be
// reported (high), see TestIodineIsHigh.
func TestSharedFalsePositives(t *testing.T) {
	dir, entries := pcaptest.SharedTruth(t)
	benign := regexp.MustCompile(`^(http-|dns-|tls|quic|smtp|icmp)`)
	for _, e := range entries {
		if !benign.MatchString(e.Name) || e.Name == "dns-tunnel-iodine.pcap" {
			continue
		}
		file := filepath.Join(dir, e.Name)
		rep := analyzeDet(t, file, Options{})
		counts := map[attack.Severity]int{}
		for _, f := range rep.Findings {
			counts[f.Severity]++
			if f.Severity >= attack.High {
				t.Errorf("%s: %s finding on a benign capture: %s", e.Name, f.Severity, f.Summary)
			}
			if f.Kind != "ip_checksum_error" || len(f.Evidence.Frames) < 60 {
				checkEvidence(t, file, f)
			}
		}
		t.Logf("%-28s findings: critical %d high %d medium %d low %d info %d", e.Name, counts[attack.Critical], counts[attack.High], counts[attack.Medium], counts[attack.Low], counts[attack.Info])
	}
}

// The iodine capture is a DNS tunnel (222 NULL queries, every name
// distinct, high-entropy labels: MANIFEST.md): a responder must see it as
// high, with the tunnel techniques.
func TestIodineIsHigh(t *testing.T) {
	dir := pcaptest.SharedDir(t)
	file := filepath.Join(dir, "dns-tunnel-iodine.pcap")
	rep := analyzeDet(t, file, Options{})
	tun := findingsOf(rep, "dns_tunnel")
	if len(tun) != 1 || tun[0].Severity < attack.High || !hasTech(tun[0], "T1071.004") || !hasTech(tun[0], "T1572") {
		t.Fatalf("iodine: %+v", tun)
	}
	checkEvidence(t, file, tun[0])
}
