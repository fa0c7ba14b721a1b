package pcapai

import (
	"errors"
	"net/netip"

	"github.com/pcapai/pcapai/internal/zeeklog"
)

// ZeekFormat is the format of [WriteZeekLogs].
type ZeekFormat = zeeklog.Format

const (
	// ZeekTSV is Zeek's default ASCII format (#fields and #types headers).
	ZeekTSV ZeekFormat = zeeklog.TSV
	// ZeekJSON is Zeek's JSON format: one object per line, ts in epoch seconds.
	ZeekJSON ZeekFormat = zeeklog.JSON
)

// WriteZeekLogs writes a finished Report as Zeek logs into dir: conn.log,
// dns.log, ssl.log, x509.log, http.log, dhcp.log, sip.log and notice.log
// (the findings), with Zeek's field names and types and a Zeek-style uid
// per flow ([flows.Flow.UID]) shared by every line about that flow.
// dns.log needs per-query records: analyze with Options.DNS.Transactions
// set, else it is empty. RITA, Security Onion, Splunk and Elastic read the
// logs as they read Zeek's.
func WriteZeekLogs(rep *Report, dir string, format ZeekFormat) error {
	if rep == nil {
		return errors.New("pcapai: WriteZeekLogs: nil Report")
	}
	_, err := zeeklog.WriteLogs(zeekInput(rep), dir, format)
	return err
}

// WriteParquet writes a finished Report as Parquet tables into dir:
// flows, dns, tls, http, findings and hosts (TABLE.parquet), for DuckDB,
// Spark, Trino or ClickHouse. The dns table needs Options.DNS.Transactions.
func WriteParquet(rep *Report, dir string) error {
	if rep == nil {
		return errors.New("pcapai: WriteParquet: nil Report")
	}
	_, err := zeeklog.WriteParquet(zeekInput(rep), dir)
	return err
}

func zeekInput(rep *Report) *zeeklog.Input {
	in := &zeeklog.Input{File: rep.File, First: rep.Capture.First, Last: rep.Capture.Last, Flows: rep.Flows,
		DNS: rep.DNS, TLS: rep.TLS, HTTP: rep.HTTP, DHCP: rep.DHCP, SIP: rep.SIP, Findings: rep.Findings}
	for _, h := range rep.Hosts {
		in.Hosts = append(in.Hosts, zeeklog.HostRow{File: rep.File, Addr: addrString(h.Addr), Names: h.Names, Internal: h.Internal,
			Roles: h.Roles, Risk: h.Risk, First: h.First, Last: h.Last, BytesOut: h.BytesOut, BytesIn: h.BytesIn,
			PacketsOut: h.PacketsOut, PacketsIn: h.PacketsIn, FlowsInitiated: int64(h.FlowsInitiated),
			FlowsAccepted: int64(h.FlowsAccepted), Peers: int64(h.Peers)})
	}
	return in
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
