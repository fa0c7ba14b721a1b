package pcapai

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pcapai/pcapai/internal/pcaptest"
)

var zeekCaptures = []string{"dns_dnsmasq.pcap", "tls_valid_chain_tls12.pcap", "http_curl_local.pcap", "dhcp_rogue_dnsmasq.pcap",
	"scan_nmap_syn.pcap", "sip_call_sipp.pcap", "beacon_http_jitter.pcap", "dns_tunnel_dig.pcap"}

// zeekCounts is what each log and table must hold for a Report.
func zeekCounts(rep *Report) (logs, tables map[string]int) {
	dnsN, tlsN, httpN, dhcpN, sipN := 0, 0, 0, 0, 0
	if rep.DNS != nil {
		dnsN = len(rep.DNS.Transactions)
	}
	certs := map[string]bool{}
	if rep.TLS != nil {
		tlsN = len(rep.TLS.Sessions)
		for _, s := range rep.TLS.Sessions {
			for _, c := range append(s.Certificates, s.ClientCertificates...) {
				certs[c.SHA256] = true
			}
		}
	}
	if rep.HTTP != nil {
		httpN = len(rep.HTTP.Requests)
	}
	if rep.DHCP != nil {
		for _, t := range rep.DHCP.Transactions {
			if !t.V6 {
				dhcpN++
			}
		}
	}
	if rep.SIP != nil {
		sipN = len(rep.SIP.Calls)
	}
	logs = map[string]int{"conn": len(rep.Flows), "dns": dnsN, "ssl": tlsN, "x509": len(certs), "http": httpN,
		"dhcp": dhcpN, "sip": sipN, "notice": len(rep.Findings)}
	tables = map[string]int{"flows": len(rep.Flows), "dns": dnsN, "tls": tlsN, "http": httpN,
		"findings": len(rep.Findings), "hosts": len(rep.Hosts)}
	return logs, tables
}

func zeekReport(t *testing.T, name string) *Report {
	t.Helper()
	opts := Options{}
	opts.DNS.Transactions = 1 << 20
	return runFile(t, filepath.Join(pcaptest.TestdataDir(), name), opts)
}

// TestZeekLogShape checks the logs as Zeek's ASCII writer lays them out:
// the eight headers, as many #types as #fields, one value per field on
// every line, a conn uid on every dns/ssl/http line, JSON lines that parse
// with ts a number.
func TestZeekLogShape(t *testing.T) {
	t.Parallel()
	for _, name := range zeekCaptures {
		rep := zeekReport(t, name)
		wantLogs, _ := zeekCounts(rep)
		dir := t.TempDir()
		if err := WriteZeekLogs(rep, filepath.Join(dir, "tsv"), ZeekTSV); err != nil {
			t.Fatal(err)
		}
		if err := WriteZeekLogs(rep, filepath.Join(dir, "json"), ZeekJSON); err != nil {
			t.Fatal(err)
		}
		uids := map[string]bool{}
		for _, f := range rep.Flows {
			uids[f.UID()] = true
		}
		if len(uids) != len(rep.Flows) {
			t.Errorf("%s: %d distinct uids for %d flows", name, len(uids), len(rep.Flows))
		}
		for log, want := range wantLogs {
			b, err := os.ReadFile(filepath.Join(dir, "tsv", log+".log"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			heads := []string{"#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\t" + log, "#open\t", "#fields\t", "#types\t"}
			for i, h := range heads {
				if i >= len(lines) || !strings.HasPrefix(lines[i], h) {
					t.Fatalf("%s %s.log: line %d = %q, want prefix %q", name, log, i+1, lines[min(i, len(lines)-1)], h)
				}
			}
			fields := strings.Split(lines[6], "\t")[1:]
			types := strings.Split(lines[7], "\t")[1:]
			if len(fields) != len(types) || fields[0] != "ts" {
				t.Fatalf("%s %s.log: %d fields, %d types", name, log, len(fields), len(types))
			}
			if !strings.HasPrefix(lines[len(lines)-1], "#close\t") {
				t.Errorf("%s %s.log: no #close", name, log)
			}
			rows := lines[8 : len(lines)-1]
			if len(rows) != want {
				t.Errorf("%s %s.log: %d rows, want %d (from the Report)", name, log, len(rows), want)
			}
			uidCol := -1
			for i, f := range fields {
				if f == "uid" {
					uidCol = i
				}
			}
			for _, r := range rows {
				vals := strings.Split(r, "\t")
				if len(vals) != len(fields) {
					t.Fatalf("%s %s.log: %d values for %d fields: %q", name, log, len(vals), len(fields), r)
				}
				if uidCol >= 0 && log != "notice" && log != "sip" && !uids[vals[uidCol]] {
					t.Errorf("%s %s.log: uid %q names no flow", name, log, vals[uidCol])
				}
			}
			jf, err := os.Open(filepath.Join(dir, "json", log+".log"))
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(jf)
			sc.Buffer(nil, 1<<20)
			n := 0
			for sc.Scan() {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Fatalf("%s %s.log JSON line %d: %v", name, log, n+1, err)
				}
				if _, ok := m["ts"].(float64); !ok {
					t.Errorf("%s %s.log JSON line %d: ts %v is not epoch seconds", name, log, n+1, m["ts"])
				}
				n++
			}
			jf.Close()
			if n != want {
				t.Errorf("%s %s.log JSON: %d lines, want %d", name, log, n, want)
			}
		}
	}
}

// TestZeekReadBackDuckDB reads the logs (TSV and JSON) and the Parquet
// tables back with DuckDB, a reader nobody here wrote (node package
// @duckdb/node-api, installed by `npm ci` in examples/export/readback), and
// compares its row counts with the Report.
func TestZeekReadBackDuckDB(t *testing.T) {
	t.Parallel()
	rb, _ := filepath.Abs(filepath.Join("examples", "export", "readback"))
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	if _, err := os.Stat(filepath.Join(rb, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Skip("DuckDB not installed: run npm ci in examples/export/readback")
	}
	for _, name := range zeekCaptures {
		rep := zeekReport(t, name)
		wantLogs, wantTables := zeekCounts(rep)
		for _, format := range []ZeekFormat{ZeekTSV, ZeekJSON} {
			dir := t.TempDir()
			if err := WriteZeekLogs(rep, dir, format); err != nil {
				t.Fatal(err)
			}
			if err := WriteParquet(rep, dir); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("node", "readback.mjs", dir)
			cmd.Dir = rb
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: readback: %v\n%s", name, err, out)
			}
			var got struct {
				Parquet map[string]int `json:"parquet"`
				Zeek    map[string]int `json:"zeek"`
				Missing int            `json:"uids_missing_from_conn"`
				Conn    int            `json:"conn_uids_distinct"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%s: %v: %s", name, err, out)
			}
			for k, v := range wantLogs {
				if got.Zeek[k] != v {
					t.Errorf("%s format %d: DuckDB reads %d rows of %s.log, Report has %d", name, format, got.Zeek[k], k, v)
				}
			}
			for k, v := range wantTables {
				if got.Parquet[k] != v {
					t.Errorf("%s: DuckDB reads %d rows of %s.parquet, Report has %d", name, got.Parquet[k], k, v)
				}
			}
			if got.Missing != 0 || got.Conn != len(rep.Flows) {
				t.Errorf("%s: %d dns/ssl/http uids not in conn.log; %d distinct conn uids for %d flows", name, got.Missing, got.Conn, len(rep.Flows))
			}
		}
	}
}
