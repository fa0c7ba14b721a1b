package zeeklog

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"
)

// FlowRow is a row of flows.parquet.
type FlowRow struct {
	File        string    `parquet:"file"`
	UID         string    `parquet:"uid"`
	FlowID      uint64    `parquet:"flow_id"`
	Proto       string    `parquet:"proto"`
	SrcAddr     string    `parquet:"src_addr"`
	SrcPort     int32     `parquet:"src_port"`
	DstAddr     string    `parquet:"dst_addr"`
	DstPort     int32     `parquet:"dst_port"`
	App         string    `parquet:"app,optional"`
	First       time.Time `parquet:"first,timestamp(microsecond)"`
	Last        time.Time `parquet:"last,timestamp(microsecond)"`
	DurationS   float64   `parquet:"duration_s"`
	FirstFrame  uint64    `parquet:"first_frame"`
	LastFrame   uint64    `parquet:"last_frame"`
	Packets     uint64    `parquet:"packets"`
	Bytes       uint64    `parquet:"bytes"`
	PacketsOut  uint64    `parquet:"packets_out"`
	BytesOut    uint64    `parquet:"bytes_out"`
	PayloadOut  uint64    `parquet:"payload_bytes_out"`
	PacketsIn   uint64    `parquet:"packets_in"`
	BytesIn     uint64    `parquet:"bytes_in"`
	PayloadIn   uint64    `parquet:"payload_bytes_in"`
	ConnState   string    `parquet:"conn_state,optional"`
	History     string    `parquet:"history,optional"`
	RTTms       float64   `parquet:"rtt_ms"`
	Retransmits int64     `parquet:"retransmissions"`
	VLAN        int32     `parquet:"vlan"`
	Names       []string  `parquet:"names,list"`
}

// DNSRow is a row of dns.parquet (one query with its response).
type DNSRow struct {
	File       string    `parquet:"file"`
	UID        string    `parquet:"uid"`
	TS         time.Time `parquet:"ts,timestamp(microsecond)"`
	Frame      uint64    `parquet:"frame"`
	Client     string    `parquet:"client_addr"`
	ClientPort int32     `parquet:"client_port"`
	Server     string    `parquet:"server_addr"`
	ServerPort int32     `parquet:"server_port"`
	Transport  string    `parquet:"transport"`
	TransID    int32     `parquet:"trans_id"`
	Query      string    `parquet:"query"`
	QType      string    `parquet:"qtype"`
	RCode      string    `parquet:"rcode,optional"`
	RTTms      float64   `parquet:"rtt_ms"`
	Answers    []string  `parquet:"answers,list"`
}

// TLSRow is a row of tls.parquet (one handshake).
type TLSRow struct {
	File        string    `parquet:"file"`
	UID         string    `parquet:"uid"`
	TS          time.Time `parquet:"ts,timestamp(microsecond)"`
	Transport   string    `parquet:"transport"`
	Client      string    `parquet:"client_addr"`
	ClientPort  int32     `parquet:"client_port"`
	Server      string    `parquet:"server_addr"`
	ServerPort  int32     `parquet:"server_port"`
	SNI         string    `parquet:"sni,optional"`
	Version     string    `parquet:"version,optional"`
	Cipher      string    `parquet:"cipher,optional"`
	ALPN        []string  `parquet:"alpn,list"`
	JA3         string    `parquet:"ja3,optional"`
	JA3S        string    `parquet:"ja3s,optional"`
	JA4         string    `parquet:"ja4,optional"`
	Resumed     bool      `parquet:"resumed"`
	Completed   bool      `parquet:"completed"`
	CertStatus  string    `parquet:"certificate_status,optional"`
	LeafSubject string    `parquet:"leaf_subject,optional"`
	LeafIssuer  string    `parquet:"leaf_issuer,optional"`
	ChainSHA256 []string  `parquet:"chain_sha256,list"`
}

// HTTPRow is a row of http.parquet (one request with its response).
type HTTPRow struct {
	File           string    `parquet:"file"`
	UID            string    `parquet:"uid"`
	TS             time.Time `parquet:"ts,timestamp(microsecond)"`
	Frame          uint64    `parquet:"frame"`
	Client         string    `parquet:"client_addr"`
	ClientPort     int32     `parquet:"client_port"`
	Server         string    `parquet:"server_addr"`
	ServerPort     int32     `parquet:"server_port"`
	Method         string    `parquet:"method"`
	Host           string    `parquet:"host,optional"`
	URI            string    `parquet:"uri"`
	UserAgent      string    `parquet:"user_agent,optional"`
	Status         int32     `parquet:"status"`
	ResponseTimeMS float64   `parquet:"response_time_ms"`
	RespType       string    `parquet:"response_content_type,optional"`
	RespLength     int64     `parquet:"response_content_length"`
}

// FindingRow is a row of findings.parquet.
type FindingRow struct {
	File          string    `parquet:"file"`
	Kind          string    `parquet:"kind"`
	Severity      string    `parquet:"severity"`
	Score         float64   `parquet:"score"`
	Summary       string    `parquet:"summary"`
	Source        string    `parquet:"source"`
	Src           string    `parquet:"src,optional"`
	Dst           string    `parquet:"dst,optional"`
	First         time.Time `parquet:"first,timestamp(microsecond)"`
	Last          time.Time `parquet:"last,timestamp(microsecond)"`
	Techniques    []string  `parquet:"techniques,list"`
	Frames        []int64   `parquet:"frames,list"`
	FramesTotal   int64     `parquet:"frames_total"`
	UIDs          []string  `parquet:"uids,list"`
	DisplayFilter string    `parquet:"display_filter,optional"`
}

// HostRow is a row of hosts.parquet; the root fills it from Report.Hosts.
type HostRow struct {
	File           string    `parquet:"file"`
	Addr           string    `parquet:"addr"`
	Names          []string  `parquet:"names,list"`
	Internal       bool      `parquet:"internal"`
	Roles          []string  `parquet:"roles,list"`
	Risk           float64   `parquet:"risk"`
	First          time.Time `parquet:"first,timestamp(microsecond)"`
	Last           time.Time `parquet:"last,timestamp(microsecond)"`
	BytesOut       uint64    `parquet:"bytes_out"`
	BytesIn        uint64    `parquet:"bytes_in"`
	PacketsOut     uint64    `parquet:"packets_out"`
	PacketsIn      uint64    `parquet:"packets_in"`
	FlowsInitiated int64     `parquet:"flows_initiated"`
	FlowsAccepted  int64     `parquet:"flows_accepted"`
	Peers          int64     `parquet:"peers"`
}

func nz[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Rows returns the Parquet rows of in (also used by tests).
func Rows(in *Input) (fl []FlowRow, dn []DNSRow, tl []TLSRow, ht []HTTPRow, fi []FindingRow) {
	ix := newIndex(in.Flows)
	uid := func(id uint64) string {
		if f := ix.byID[id]; f != nil {
			return f.UID()
		}
		return ""
	}
	for _, f := range in.Flows {
		r := FlowRow{File: in.File, UID: f.UID(), FlowID: f.ID, Proto: f.Proto.String(), SrcAddr: f.Src.Addr().String(), SrcPort: int32(f.Src.Port()),
			DstAddr: f.Dst.Addr().String(), DstPort: int32(f.Dst.Port()), App: f.App, First: f.First, Last: f.Last, DurationS: f.Duration().Seconds(),
			FirstFrame: f.FirstFrame, LastFrame: f.LastFrame, Packets: f.Packets, Bytes: f.Bytes,
			PacketsOut: f.Fwd.Packets, BytesOut: f.Fwd.Bytes, PayloadOut: f.Fwd.PayloadBytes,
			PacketsIn: f.Rev.Packets, BytesIn: f.Rev.Bytes, PayloadIn: f.Rev.PayloadBytes, VLAN: int32(f.VLAN), Names: nz(f.Names)}
		if f.TCPStats != nil {
			r.ConnState, r.History, r.RTTms, r.Retransmits = f.State, f.History, f.RTTms, int64(f.Retransmissions)
		}
		fl = append(fl, r)
	}
	if in.DNS != nil {
		for _, x := range in.DNS.Transactions {
			dn = append(dn, DNSRow{File: in.File, UID: uid(x.FlowID), TS: x.Time, Frame: x.Frame, Client: x.Client.Addr().String(), ClientPort: int32(x.Client.Port()),
				Server: x.Server.Addr().String(), ServerPort: int32(x.Server.Port()), Transport: x.Transport, TransID: int32(x.ID),
				Query: x.Query, QType: x.QType, RCode: x.RCode, RTTms: x.RTTMS, Answers: nz(x.Answers)})
		}
	}
	if in.TLS != nil {
		for _, s := range in.TLS.Sessions {
			r := TLSRow{File: in.File, UID: uid(s.FlowID), TS: s.Start, Transport: s.Transport, Client: s.Client.Addr().String(), ClientPort: int32(s.Client.Port()),
				Server: s.Server.Addr().String(), ServerPort: int32(s.Server.Port()), SNI: s.SNI, Version: s.Version, Cipher: s.Cipher, ALPN: nz(s.ALPN),
				JA3: s.JA3, JA3S: s.JA3S, JA4: s.JA4, Resumed: s.Resumed, Completed: s.Completed, CertStatus: s.CertificateStatus, ChainSHA256: fps(s.Certificates)}
			if len(s.Certificates) > 0 {
				r.LeafSubject, r.LeafIssuer = s.Certificates[0].Subject, s.Certificates[0].Issuer
			}
			tl = append(tl, r)
		}
	}
	if in.HTTP != nil {
		for _, q := range in.HTTP.Requests {
			r := HTTPRow{File: in.File, UID: uid(q.FlowID), TS: q.Time, Frame: q.Frame, Client: q.Client.Addr().String(), ClientPort: int32(q.Client.Port()),
				Server: q.Server.Addr().String(), ServerPort: int32(q.Server.Port()), Method: q.Method, Host: q.Host, URI: q.URI, UserAgent: q.UserAgent}
			if p := q.Response; p != nil {
				r.Status, r.ResponseTimeMS, r.RespType, r.RespLength = int32(p.Status), p.ResponseTimeMS, p.ContentType, p.ContentLength
			}
			ht = append(ht, r)
		}
	}
	for _, f := range in.Findings {
		r := FindingRow{File: in.File, Kind: f.Kind, Severity: f.Severity.String(), Score: f.Score, Summary: f.Summary, Source: f.Source,
			First: f.First, Last: f.Last, FramesTotal: int64(f.Evidence.FramesTotal), DisplayFilter: f.Evidence.DisplayFilter,
			Techniques: []string{}, Frames: []int64{}, UIDs: []string{}}
		if f.Evidence.File != "" {
			r.File = f.Evidence.File
		}
		if f.Src.IsValid() {
			r.Src = f.Src.String()
		}
		if f.Dst.IsValid() {
			r.Dst = f.Dst.String()
		}
		for _, t := range f.Techniques {
			r.Techniques = append(r.Techniques, t.ID)
		}
		for _, n := range f.Evidence.Frames {
			r.Frames = append(r.Frames, int64(n))
		}
		for _, fr := range f.Evidence.Flows {
			if fl := ix.ref(fr.Proto, fr.Src, fr.Dst); fl != nil {
				r.UIDs = append(r.UIDs, fl.UID())
			}
		}
		fi = append(fi, r)
	}
	return
}

// WriteParquet writes flows, dns, tls, http, findings and hosts as Parquet
// files (TABLE.parquet) into dir, every table even when empty.
func WriteParquet(in *Input, dir string) ([]File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fl, dn, tl, ht, fi := Rows(in)
	hosts := make([]HostRow, len(in.Hosts))
	for i, h := range in.Hosts {
		h.Names, h.Roles = nz(h.Names), nz(h.Roles)
		hosts[i] = h
	}
	var out []File
	var err error
	add := func(name string, n int, werr error) {
		if werr != nil && err == nil {
			err = fmt.Errorf("zeeklog: %s: %w", name, werr)
		}
		out = append(out, File{Path: filepath.Join(dir, name+".parquet"), Table: name, Rows: n})
	}
	p := func(n string) string { return filepath.Join(dir, n+".parquet") }
	add("flows", len(fl), parquet.WriteFile(p("flows"), fl))
	add("dns", len(dn), parquet.WriteFile(p("dns"), dn))
	add("tls", len(tl), parquet.WriteFile(p("tls"), tl))
	add("http", len(ht), parquet.WriteFile(p("http"), ht))
	add("findings", len(fi), parquet.WriteFile(p("findings"), fi))
	add("hosts", len(hosts), parquet.WriteFile(p("hosts"), hosts))
	return out, err
}
