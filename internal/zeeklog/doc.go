// Package zeeklog writes a finished pcapai pass as Zeek logs (conn, dns,
// ssl, x509, http, dhcp, sip, notice) in Zeek's TSV or JSON format, and as
// Parquet tables (flows, dns, tls, http, findings, hosts), so that engines
// that read Zeek output or Parquet (RITA, Security Onion, Splunk, Elastic,
// DuckDB, Spark, Trino, ClickHouse) take pcapai's results unchanged.
//
// It reads only result types ([Input]); every log line about a flow carries
// the flow's [flows.Flow.UID]. Fields no pcapai result keeps are written
// unset ("-"), as Zeek writes a field it has no value for.
package zeeklog
