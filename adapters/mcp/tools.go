package mcp

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// toolTable is every tool of the server, in the order clients list them.
// Each is one library call (or the cached Report of pcapai.Analyze).
//
// Adding a tool is one row with a typed handler. Rows with a nil build are
// planned: not advertised, listed by capabilities with what they wait for.
var toolTable = []tool{
	{name: "capabilities", readOnly: true, build: typed(capabilities),
		desc: "What this server can do: its tools (and planned ones), limits, allowed roots, analyzers and versions. Takes no arguments."},
	{name: "capture_info", readOnly: true, build: typed(captureInfo),
		desc: "Capture file facts like capinfos: format, link types, interfaces, packets, bytes, first/last time, duration, rates, snaplen, truncation, decode statistics and warnings."},
	{name: "analyze", readOnly: true, build: typed(analyze),
		desc: "Triage of one capture: summary, traffic mix, top talkers and flows, top findings, hosts at risk and the next calls to make. Start here."},
	{name: "list_flows", readOnly: true, build: typed(listFlows),
		desc: "Flows (conversations) of a capture, filtered by protocol, host, port, TCP state, application and size, sorted, at most limit rows, each with a Wireshark display filter. Page with cursor."},
	{name: "tcp_issues", readOnly: true, build: typed(tcpIssues),
		desc: "TCP health: totals of retransmissions, duplicate ACKs, zero windows, out-of-order and lost segments, resets and unanswered SYNs, and the worst flows first (Wireshark tcp.analysis semantics)."},
	{name: "dns_stats", readOnly: true, build: typed(dnsStats),
		desc: "DNS view: counts by type and response code, unanswered queries, response times, top names and registered domains, clients, servers, answers and the DNS findings (DGA, tunnelling, NXDOMAIN bursts) with evidence. Filter by client, server and name substring; every list at most limit rows, page with cursor."},
	{name: "tls_sessions", readOnly: true, build: typed(tlsSessions),
		desc: "TLS and QUIC handshakes: SNI, ALPN, version, cipher, JA3/JA3S/JA4, alerts, the leaf certificate and certificate problems (expired, self-signed, hostname mismatch, missing intermediate, weak keys), the chains presented and the TLS findings with evidence. Filter by SNI, host, problem, version and fingerprint; page with cursor."},
	{name: "http_requests", readOnly: true, build: typed(httpRequests),
		desc: "HTTP/1.x requests with their responses (method, host, URI, status, sizes, user agent, response time), downloads of executables and archives, servers, and the HTTP and cleartext-credential findings with evidence. Filter by host (IP, CIDR or Host header), method, status (404, 4xx, none) and URI substring; page with cursor."},
	{name: "dhcp_activity", readOnly: true, build: typed(dhcpActivity),
		desc: "DHCP view: message counts, answering servers (rogue ones flagged in findings), leases MAC → IP → hostname, transactions with frames, and the DHCP findings with evidence. Filter by MAC (or prefix) and IP; every list at most limit rows, page with cursor."},
	{name: "icmp_activity", readOnly: true, build: typed(icmpActivity),
		desc: "ICMP and ICMPv6 view: types, echo pairs with loss and RTT, destination unreachables tied to their flows, traceroutes with hops, redirects, router advertisements, and the ICMP findings (sweeps, floods, tunnels). Filter by host; every list at most limit rows, page with cursor."},
	{name: "sip_calls", readOnly: true, build: typed(sipCalls),
		desc: "SIP signalling and RTP: message counts by method and status, user agents, calls (parties, state, setup time, duration, SDP media), RTP streams with loss and jitter, and the SIP findings with evidence. Filter by host, user, state and Call-ID; page with cursor."},
	{name: "find_beacons", readOnly: true, build: typed(findBeacons),
		desc: "Periodic connections scored as command-and-control beacons: period, jitter, connections, bytes, score features, and the beacon findings with evidence. Filter by minimum score and host; page with cursor."},
	{name: "list_findings", readOnly: true, build: typed(listFindings),
		desc: "Findings (ATT&CK-mapped detections) with evidence: frames, flows and a display filter. Filter by minimum severity, kind, host and technique; page with cursor."},
	{name: "attack_matrix", readOnly: true, build: typed(attackMatrix),
		desc: "The capture's findings arranged as a MITRE ATT&CK matrix: tactics, techniques, counts, confidence and severity."},
	{name: "host_timeline", readOnly: true, build: typed(hostTimeline),
		desc: "One IP address's story in time order: first and last seen, first contact with each peer, findings naming it and large transfers, each with evidence, plus its triage row (roles, risk). Page with cursor."},
	{name: "filter_packets", readOnly: true, build: typed(filterPackets),
		desc: "Packets matching a structured filter (hosts, ports, protocols, flow ids, time range, frame range or frames, TCP flags, payload text, hex or regex), one line each like tshark, with the total count and a display filter for the frames shown. Page with cursor."},
	{name: "carve_pcap", readOnly: false, build: typed(carvePcap),
		desc: "Write the packets behind a finding (index from list_findings), every finding of a kind, or a filter (same fields as filter_packets) to a new pcapng in the server's output folder, for Wireshark. Never overwrites a file."},
	{name: "analyze_corpus", readOnly: true, build: typed(analyzeCorpus),
		desc: "Several captures (a list, or a folder with a glob) analyzed in parallel: one row per file and one merged view of findings and talkers."},
}

// Bounds is the tail of every answer: whether something was left out and
// why.
type Bounds struct {
	// Truncated is set when rows were left out (limit or size budget).
	Truncated bool `json:"truncated"`
	// Notes say what was cut.
	Notes []string `json:"notes,omitempty"`
}

// Page is the paging state of a list answer.
type Page struct {
	Total  int `json:"total" jsonschema:"rows matching the filters"`
	Offset int `json:"offset" jsonschema:"index of the first row shown"`
	// Cursor, when set, is passed back to get the next rows.
	Cursor string `json:"cursor,omitempty" jsonschema:"pass back as cursor to get the next rows"`
	Bounds
}

const (
	defaultLimit = 50
	maxLimit     = 1000
)

func page(total int, cursor string, limit int) (Page, int, int, error) {
	off := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return Page{}, 0, 0, errorf("bad cursor %q: pass the cursor of the previous answer unchanged", cursor)
		}
		off = n
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	if limit > maxLimit {
		limit = maxLimit
	}
	off = min(off, total)
	end := min(off+limit, total)
	p := Page{Total: total, Offset: off}
	if end < total {
		p.Cursor = strconv.Itoa(end)
		p.Truncated = true
	}
	return p, off, end, nil
}

// PathArgs are the arguments of a tool that reads one capture.
type PathArgs struct {
	Path string `json:"path" jsonschema:"capture file (pcap, pcapng, optionally gzip) under an allowed root; absolute, or relative to the first root"`
}

// ---- capabilities

// CapabilitiesArgs takes nothing.
type CapabilitiesArgs struct{}

// Capabilities describes the server.
type Capabilities struct {
	Server         string        `json:"server"`
	Version        string        `json:"version"`
	PcapaiVersion  string        `json:"pcapai_version"`
	MCPGoVersion   string        `json:"mcp_go_version"`
	GoVersion      string        `json:"go_version"`
	Tools          []string      `json:"tools"`
	Planned        []PlannedTool `json:"planned"`
	Modules        []string      `json:"modules" jsonschema:"analyzers that run on each capture"`
	ModulesBuilt   []string      `json:"modules_available" jsonschema:"analyzers in this build"`
	Roots          []string      `json:"roots"`
	Formats        []string      `json:"formats"`
	MaxAnswerBytes int           `json:"max_answer_bytes"`
	DefaultLimit   int           `json:"default_limit"`
	MaxLimit       int           `json:"max_limit"`
	MaxPackets     uint64        `json:"max_packets" jsonschema:"0: no limit"`
	CacheSize      int           `json:"cache_size"`
	CachedReports  int           `json:"cached_reports"`
	CacheHits      int64         `json:"cache_hits"`
	CacheMisses    int64         `json:"cache_misses"`
	AllowURL       bool          `json:"allow_url"`
	MaxURLBytes    int64         `json:"max_url_bytes,omitempty"`
	MaxCorpusFiles int           `json:"max_corpus_files"`
	RevealSecrets  bool          `json:"reveal_secrets"`
}

// PlannedTool is a tool waiting for its library call.
type PlannedTool struct {
	Name  string `json:"name"`
	Needs string `json:"needs"`
}

func capabilities(s *Server, _ context.Context, _ mcpgo.CallToolRequest, _ CapabilitiesArgs) (Capabilities, string, error) {
	c := Capabilities{
		Server: Name, Version: pcapai.Version, PcapaiVersion: pcapai.Version, MCPGoVersion: mcpGoVersion(),
		GoVersion: runtime.Version(), Tools: s.Tools(), Planned: []PlannedTool{},
		ModulesBuilt: append([]string{"flows"}, pcapai.ModuleNames()...), Roots: s.roots,
		Formats:        []string{"pcap", "pcap (nanosecond)", "pcapng", "gzip of any of them"},
		MaxAnswerBytes: s.cfg.MaxAnswerBytes, DefaultLimit: defaultLimit, MaxLimit: maxLimit,
		MaxPackets: s.cfg.MaxPackets, CacheSize: s.cache.max, CachedReports: s.cache.len(),
		CacheHits: s.cache.hits.Load(), CacheMisses: s.cache.misses.Load(),
		AllowURL: s.cfg.AllowURL, MaxCorpusFiles: s.cfg.MaxCorpusFiles, RevealSecrets: s.cfg.RevealSecrets,
	}
	c.Modules = s.cfg.Modules
	if len(c.Modules) == 0 {
		c.Modules = c.ModulesBuilt
	}
	if s.cfg.AllowURL {
		c.MaxURLBytes = s.cfg.MaxURLBytes
	}
	c.Planned = append(c.Planned, s.planned...)
	return c, fmt.Sprintf("%s %s: %d tools, %d planned; roots %s", Name, pcapai.Version, len(c.Tools), len(c.Planned), s.rootsText()), nil
}

// ---- capture_info

// CaptureInfoResult is the capinfos view of a capture.
type CaptureInfoResult struct {
	File         string             `json:"file"`
	Capture      pcapai.CaptureInfo `json:"capture"`
	Decode       flows.DecodeStats  `json:"decode"`
	Limits       pcapai.Limits      `json:"limits"`
	StoppedEarly bool               `json:"stopped_early"`
	Warnings     []string           `json:"warnings"`
	Bounds
}

func captureInfo(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a PathArgs) (CaptureInfoResult, string, error) {
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return CaptureInfoResult{}, "", err
	}
	r := l.rep
	c := r.Capture
	sum := fmt.Sprintf("%s: %s, %d packets, %d bytes, %.3f s from %s, link %s", a.Path, c.Format, c.Packets, c.Bytes, c.DurationS, fmtTime(c.First), strings.Join(c.LinkTypes, ","))
	if c.Truncated {
		sum += ", TRUNCATED file"
	}
	return CaptureInfoResult{File: a.Path, Capture: c, Decode: r.Decode, Limits: r.Limits, StoppedEarly: r.StoppedEarly, Warnings: nonNil(r.Warnings)}, sum + " (" + l.how() + ")", nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ---- analyze

// AnalyzeArgs are the arguments of analyze.
type AnalyzeArgs struct {
	Path string `json:"path" jsonschema:"capture file under an allowed root"`
	Top  int    `json:"top,omitempty" jsonschema:"rows per list (findings, talkers, flows); default 10, at most 50"`
}

// Triage is the first look at a capture.
type Triage struct {
	File          string               `json:"file"`
	Capture       CaptureSummary       `json:"capture"`
	Decode        flows.DecodeStats    `json:"decode"`
	Flows         FlowCounts           `json:"flows"`
	Protocols     []pcapai.ProtocolRow `json:"protocols" jsonschema:"protocol hierarchy, largest first"`
	TopTalkers    []pcapai.Endpoint    `json:"top_talkers"`
	TopFlows      []pcapai.FlowRate    `json:"top_flows"`
	FindingsTotal int                  `json:"findings_total"`
	BySeverity    map[string]int       `json:"by_severity"`
	Findings      []attack.Finding     `json:"findings" jsonschema:"the most severe findings, with evidence"`
	HostsAtRisk   []HostRisk           `json:"hosts_at_risk"`
	NextSteps     []NextStep           `json:"next_steps"`
	Analyzers     []string             `json:"analyzers" jsonschema:"analyzers that ran"`
	Warnings      []string             `json:"warnings"`
	Bounds
}

// CaptureSummary is the short capture_info.
type CaptureSummary struct {
	Format        string    `json:"format"`
	Packets       uint64    `json:"packets"`
	Bytes         uint64    `json:"bytes"`
	First         time.Time `json:"first,omitzero"`
	Last          time.Time `json:"last,omitzero"`
	DurationS     float64   `json:"duration_s"`
	LinkTypes     []string  `json:"link_types"`
	SnapTruncated uint64    `json:"snap_truncated"`
	Truncated     bool      `json:"truncated" jsonschema:"the file ends inside a record"`
	StoppedEarly  bool      `json:"stopped_early"`
}

// FlowCounts counts flows by protocol and TCP outcome.
type FlowCounts struct {
	Total         int `json:"total"`
	TCP           int `json:"tcp"`
	UDP           int `json:"udp"`
	ICMP          int `json:"icmp"`
	Other         int `json:"other"`
	TCPEstablish  int `json:"tcp_established" jsonschema:"TCP flows whose handshake completed"`
	TCPRejected   int `json:"tcp_rejected" jsonschema:"state REJ: SYN answered by RST"`
	TCPUnanswered int `json:"tcp_unanswered" jsonschema:"state S0: SYN without answer"`
	TCPWithIssues int `json:"tcp_with_issues" jsonschema:"retransmissions, dup ACKs, zero windows, out of order or lost segments"`
}

// HostRisk is a host named by findings.
type HostRisk struct {
	Addr        netip.Addr      `json:"addr"`
	Findings    int             `json:"findings"`
	MaxSeverity attack.Severity `json:"max_severity"`
	Kinds       []string        `json:"kinds"`
}

// NextStep is a call worth making next.
type NextStep struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
	Why       string         `json:"why"`
}

func analyze(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a AnalyzeArgs) (Triage, string, error) {
	top := a.Top
	if top <= 0 {
		top = 10
	}
	top = min(top, 50)
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return Triage{}, "", err
	}
	r := l.rep
	c := r.Capture
	t := Triage{
		File: a.Path,
		Capture: CaptureSummary{Format: c.Format, Packets: c.Packets, Bytes: c.Bytes, First: c.First, Last: c.Last, DurationS: c.DurationS,
			LinkTypes: nonNil(c.LinkTypes), SnapTruncated: c.SnapTruncated, Truncated: c.Truncated, StoppedEarly: r.StoppedEarly},
		Decode: r.Decode, Protocols: []pcapai.ProtocolRow{}, TopTalkers: []pcapai.Endpoint{}, TopFlows: []pcapai.FlowRate{},
		FindingsTotal: len(r.Findings), BySeverity: bySeverity(r.Findings), HostsAtRisk: []HostRisk{}, NextSteps: []NextStep{},
		Analyzers: analyzers(s.cfg.Modules), Warnings: nonNil(r.Warnings),
	}
	for _, f := range r.Flows {
		t.Flows.Total++
		switch f.Proto {
		case flows.TCP:
			t.Flows.TCP++
			if f.TCPStats != nil {
				switch f.State {
				case "REJ":
					t.Flows.TCPRejected++
				case "S0":
					t.Flows.TCPUnanswered++
				}
				if strings.ContainsAny(f.History, "h") && strings.Contains(f.History, "A") {
					t.Flows.TCPEstablish++
				}
				if tcpIssueCount(f) > 0 {
					t.Flows.TCPWithIssues++
				}
			}
		case flows.UDP:
			t.Flows.UDP++
		case flows.ICMP, flows.ICMPv6:
			t.Flows.ICMP++
		default:
			t.Flows.Other++
		}
	}
	if ov := r.Overview; ov != nil {
		rows := slices.Clone(ov.Protocols)
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Bytes > rows[j].Bytes })
		t.Protocols = rows[:min(len(rows), top)]
		t.TopTalkers = ov.Endpoints[:min(len(ov.Endpoints), top)]
		t.TopFlows = ov.TopFlows[:min(len(ov.TopFlows), top)]
	}
	t.Findings = r.Findings[:min(len(r.Findings), top)]
	if t.Findings == nil {
		t.Findings = []attack.Finding{}
	}
	t.HostsAtRisk = hostsAtRisk(r.Findings, top)

	step := func(tool string, args map[string]any, why string) {
		if slices.Contains(s.tools, tool) {
			args["path"] = a.Path
			t.NextSteps = append(t.NextSteps, NextStep{Tool: tool, Arguments: args, Why: why})
		}
	}
	if len(r.Findings) > 0 {
		step("list_findings", map[string]any{"min_severity": "medium"}, fmt.Sprintf("%d findings; read their evidence", len(r.Findings)))
		step("attack_matrix", map[string]any{}, "map the findings to ATT&CK tactics")
	}
	if len(t.HostsAtRisk) > 0 {
		step("host_timeline", map[string]any{"ip": t.HostsAtRisk[0].Addr.String()}, "the most exposed host's story")
	}
	if t.Flows.TCPWithIssues > 0 {
		step("tcp_issues", map[string]any{}, fmt.Sprintf("%d TCP flows with retransmissions or other issues", t.Flows.TCPWithIssues))
	}
	if t.Flows.TCPUnanswered+t.Flows.TCPRejected > 10 {
		step("list_flows", map[string]any{"state": "S0", "sort": "first"}, fmt.Sprintf("%d unanswered and %d rejected connections: a scan?", t.Flows.TCPUnanswered, t.Flows.TCPRejected))
	}
	if len(t.TopFlows) > 0 {
		step("list_flows", map[string]any{"sort": "bytes", "limit": 20}, "the largest conversations")
	}
	for _, p := range []struct{ proto, tool, why string }{
		{"dns", "dns_stats", "DNS traffic: names, errors, tunnelling"},
		{"tls", "tls_sessions", "TLS traffic: SNI, certificates"},
		{"http", "http_requests", "cleartext HTTP"},
		{"dhcp", "dhcp_activity", "DHCP exchanges"},
		{"sip", "sip_calls", "SIP signalling"},
	} {
		if hasProto(r, p.proto) {
			step(p.tool, map[string]any{}, p.why)
		}
	}
	if c.Truncated {
		step("capture_info", map[string]any{}, "the file is truncated: see where")
	}

	sum := fmt.Sprintf("%s: %d packets, %d flows (%d TCP, %d UDP) over %.1f s; %d findings", a.Path, c.Packets, t.Flows.Total, t.Flows.TCP, t.Flows.UDP, c.DurationS, len(r.Findings))
	if len(r.Findings) > 0 {
		sum += fmt.Sprintf(", worst %s: %s", r.Findings[0].Severity, r.Findings[0].Summary)
	}
	if t.Flows.TCPWithIssues > 0 {
		sum += fmt.Sprintf("; %d TCP flows with issues", t.Flows.TCPWithIssues)
	}
	return t, sum + " (" + l.how() + ")", nil
}

func analyzers(mods []string) []string {
	if len(mods) == 0 {
		return append([]string{"flows"}, pcapai.ModuleNames()...)
	}
	return mods
}

func hasProto(r *pcapai.Report, name string) bool {
	for _, f := range r.Flows {
		if f.App == name {
			return true
		}
	}
	if r.Overview != nil {
		for _, p := range r.Overview.Protocols {
			if strings.HasSuffix(p.Path, ":"+name) {
				return true
			}
		}
	}
	return false
}

func bySeverity(fs []attack.Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.Severity.String()]++
	}
	return m
}

func hostsAtRisk(fs []attack.Finding, top int) []HostRisk {
	m := map[netip.Addr]*HostRisk{}
	add := func(a netip.Addr, f *attack.Finding) {
		if !a.IsValid() {
			return
		}
		h := m[a]
		if h == nil {
			h = &HostRisk{Addr: a, Kinds: []string{}}
			m[a] = h
		}
		h.Findings++
		h.MaxSeverity = max(h.MaxSeverity, f.Severity)
		if !slices.Contains(h.Kinds, f.Kind) {
			h.Kinds = append(h.Kinds, f.Kind)
		}
	}
	for i := range fs {
		add(fs[i].Src, &fs[i])
		if fs[i].Dst != fs[i].Src {
			add(fs[i].Dst, &fs[i])
		}
	}
	out := []HostRisk{}
	for _, h := range m {
		sort.Strings(h.Kinds)
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].MaxSeverity != out[j].MaxSeverity {
			return out[i].MaxSeverity > out[j].MaxSeverity
		}
		if out[i].Findings != out[j].Findings {
			return out[i].Findings > out[j].Findings
		}
		return out[i].Addr.Less(out[j].Addr)
	})
	return out[:min(len(out), top)]
}

// ---- list_flows

// ListFlowsArgs filter, sort and page the flows.
type ListFlowsArgs struct {
	Path     string `json:"path" jsonschema:"capture file under an allowed root"`
	Proto    string `json:"proto,omitempty" jsonschema:"tcp, udp, icmp, icmpv6, … (Wireshark names)"`
	Host     string `json:"host,omitempty" jsonschema:"IP address or CIDR prefix either end must match"`
	Port     int    `json:"port,omitempty" jsonschema:"port either end must use"`
	State    string `json:"state,omitempty" jsonschema:"Zeek TCP state: S0, S1, SF, REJ, RSTO, RSTR, SH, OTH, …"`
	App      string `json:"app,omitempty" jsonschema:"application protocol an analyzer recognised (dns, tls, http, …)"`
	MinBytes uint64 `json:"min_bytes,omitempty" jsonschema:"only flows of at least this many bytes"`
	Sort     string `json:"sort,omitempty" jsonschema:"first (default), bytes, packets, duration, retransmissions"`
	Limit    int    `json:"limit,omitempty" jsonschema:"rows per answer; default 50, at most 1000"`
	Cursor   string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// FlowRow is a flow with the display filter that selects its packets.
type FlowRow struct {
	Flow          *flows.Flow `json:"flow"`
	DisplayFilter string      `json:"display_filter"`
}

// FlowList is a page of flows.
type FlowList struct {
	File  string    `json:"file"`
	Flows []FlowRow `json:"flows"`
	Page
}

func (FlowList) listKey() string { return "flows" }

func hostMatcher(h string) (func(netip.Addr) bool, error) {
	if h == "" {
		return nil, nil
	}
	if p, err := netip.ParsePrefix(h); err == nil {
		p = p.Masked()
		return func(a netip.Addr) bool { return p.Contains(a.Unmap()) }, nil
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil {
		return nil, errorf("host %q is not an IP address or CIDR prefix (e.g. 192.0.2.10, 2001:db8::1, 10.0.0.0/8)", h)
	}
	a = a.Unmap()
	return func(b netip.Addr) bool { return b.Unmap() == a }, nil
}

func listFlows(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a ListFlowsArgs) (FlowList, string, error) {
	host, err := hostMatcher(a.Host)
	if err != nil {
		return FlowList{}, "", err
	}
	var proto flows.Proto
	if a.Proto != "" {
		if err := proto.UnmarshalText([]byte(strings.ToLower(a.Proto))); err != nil {
			return FlowList{}, "", errorf("unknown proto %q: use tcp, udp, icmp, icmpv6, sctp, gre or ip-proto-N", a.Proto)
		}
	}
	if a.Port < 0 || a.Port > 65535 {
		return FlowList{}, "", errorf("port %d is out of range 0–65535", a.Port)
	}
	less, err := flowOrder(a.Sort)
	if err != nil {
		return FlowList{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return FlowList{}, "", err
	}
	var sel []*flows.Flow
	for _, f := range l.rep.Flows {
		switch {
		case a.Proto != "" && f.Proto != proto,
			host != nil && !host(f.Src.Addr()) && !host(f.Dst.Addr()),
			a.Port != 0 && int(f.Src.Port()) != a.Port && int(f.Dst.Port()) != a.Port,
			a.State != "" && (f.TCPStats == nil || !strings.EqualFold(f.State, a.State)),
			a.App != "" && !strings.EqualFold(f.App, a.App),
			f.Bytes < a.MinBytes:
			continue
		}
		sel = append(sel, f)
	}
	if less != nil {
		sort.SliceStable(sel, func(i, j int) bool { return less(sel[i], sel[j]) })
	}
	p, off, end, err := page(len(sel), a.Cursor, a.Limit)
	if err != nil {
		return FlowList{}, "", err
	}
	out := FlowList{File: a.Path, Flows: []FlowRow{}, Page: p}
	for _, f := range sel[off:end] {
		out.Flows = append(out.Flows, FlowRow{Flow: f, DisplayFilter: f.DisplayFilter()})
	}
	sum := fmt.Sprintf("%s: %d of %d flows match, showing %d from %d", a.Path, len(sel), len(l.rep.Flows), end-off, off)
	if p.Cursor != "" {
		sum += "; more with cursor " + p.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}

func flowOrder(by string) (func(a, b *flows.Flow) bool, error) {
	switch strings.ToLower(by) {
	case "", "first":
		return nil, nil // Report order: first packet
	case "bytes":
		return func(a, b *flows.Flow) bool { return a.Bytes > b.Bytes }, nil
	case "packets":
		return func(a, b *flows.Flow) bool { return a.Packets > b.Packets }, nil
	case "duration":
		return func(a, b *flows.Flow) bool { return a.Duration() > b.Duration() }, nil
	case "retransmissions":
		return func(a, b *flows.Flow) bool { return retrans(a) > retrans(b) }, nil
	}
	return nil, errorf("unknown sort %q: use first, bytes, packets, duration or retransmissions", by)
}

func retrans(f *flows.Flow) int {
	if f.TCPStats == nil {
		return 0
	}
	return f.Retransmissions + f.FastRetransmissions + f.SpuriousRetransmissions
}

// ---- tcp_issues

// TCPIssuesArgs filter and page the TCP flows with issues.
type TCPIssuesArgs struct {
	Path   string `json:"path" jsonschema:"capture file under an allowed root"`
	Host   string `json:"host,omitempty" jsonschema:"IP address or CIDR prefix either end must match"`
	Port   int    `json:"port,omitempty" jsonschema:"port either end must use"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows per answer; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// TCPIssues is the TCP health of a capture.
type TCPIssues struct {
	File            string         `json:"file"`
	TCPFlows        int            `json:"tcp_flows"`
	FlowsWithIssues int            `json:"flows_with_issues"`
	Totals          TCPTotals      `json:"totals"`
	States          map[string]int `json:"states" jsonschema:"TCP flows per Zeek conn_state"`
	Flows           []TCPIssueRow  `json:"flows" jsonschema:"flows with issues or a reset, the most issues first"`
	Page
}

func (TCPIssues) listKey() string { return "flows" }

// TCPTotals sums the tcp.analysis counts over the capture.
type TCPTotals struct {
	Retransmissions         int `json:"retransmissions"`
	FastRetransmissions     int `json:"fast_retransmissions"`
	SpuriousRetransmissions int `json:"spurious_retransmissions"`
	DupAcks                 int `json:"dup_acks"`
	ZeroWindows             int `json:"zero_windows"`
	OutOfOrder              int `json:"out_of_order"`
	LostSegments            int `json:"lost_segments"`
	AckedUnseen             int `json:"acked_unseen"`
	WindowFull              int `json:"window_full"`
	Resets                  int `json:"resets" jsonschema:"flows ended or refused by RST"`
	Unanswered              int `json:"unanswered" jsonschema:"flows in state S0"`
}

// TCPIssueRow is one TCP flow with a problem.
type TCPIssueRow struct {
	Issues        int         `json:"issues" jsonschema:"sum of the flow's tcp.analysis counts"`
	Flow          *flows.Flow `json:"flow"`
	DisplayFilter string      `json:"display_filter" jsonschema:"selects the flow's flagged segments in Wireshark"`
}

func tcpIssueCount(f *flows.Flow) int {
	t := f.TCPStats
	return t.Retransmissions + t.FastRetransmissions + t.SpuriousRetransmissions + t.DupAcks + t.ZeroWindows + t.OutOfOrder + t.LostSegments + t.AckedUnseen + t.WindowFull
}

func isReset(state string) bool {
	switch state {
	case "REJ", "RSTO", "RSTR", "RSTOS0", "RSTRH":
		return true
	}
	return false
}

func tcpIssues(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a TCPIssuesArgs) (TCPIssues, string, error) {
	host, err := hostMatcher(a.Host)
	if err != nil {
		return TCPIssues{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return TCPIssues{}, "", err
	}
	out := TCPIssues{File: a.Path, States: map[string]int{}, Flows: []TCPIssueRow{}}
	var rows []TCPIssueRow
	for _, f := range l.rep.Flows {
		if f.Proto != flows.TCP || f.TCPStats == nil {
			continue
		}
		if host != nil && !host(f.Src.Addr()) && !host(f.Dst.Addr()) || a.Port != 0 && int(f.Src.Port()) != a.Port && int(f.Dst.Port()) != a.Port {
			continue
		}
		t := f.TCPStats
		out.TCPFlows++
		out.States[t.State]++
		tt := &out.Totals
		tt.Retransmissions += t.Retransmissions
		tt.FastRetransmissions += t.FastRetransmissions
		tt.SpuriousRetransmissions += t.SpuriousRetransmissions
		tt.DupAcks += t.DupAcks
		tt.ZeroWindows += t.ZeroWindows
		tt.OutOfOrder += t.OutOfOrder
		tt.LostSegments += t.LostSegments
		tt.AckedUnseen += t.AckedUnseen
		tt.WindowFull += t.WindowFull
		if isReset(t.State) {
			tt.Resets++
		}
		if t.State == "S0" {
			tt.Unanswered++
		}
		n := tcpIssueCount(f)
		if n > 0 {
			out.FlowsWithIssues++
		}
		if n > 0 || isReset(t.State) {
			df := f.DisplayFilter()
			if n > 0 {
				df += " && tcp.analysis.flags"
			} else {
				df += " && tcp.flags.reset==1"
			}
			rows = append(rows, TCPIssueRow{Issues: n, Flow: f, DisplayFilter: df})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Issues > rows[j].Issues })
	p, off, end, err := page(len(rows), a.Cursor, a.Limit)
	if err != nil {
		return TCPIssues{}, "", err
	}
	out.Page = p
	out.Flows = append(out.Flows, rows[off:end]...)
	tt := out.Totals
	sum := fmt.Sprintf("%s: %d TCP flows, %d with issues: %d retransmissions, %d dup ACKs, %d zero windows, %d out of order, %d lost segments; %d reset, %d unanswered",
		a.Path, out.TCPFlows, out.FlowsWithIssues, tt.Retransmissions+tt.FastRetransmissions+tt.SpuriousRetransmissions, tt.DupAcks, tt.ZeroWindows, tt.OutOfOrder, tt.LostSegments, tt.Resets, tt.Unanswered)
	return out, sum + " (" + l.how() + ")", nil
}

// ---- list_findings

// ListFindingsArgs filter and page the findings.
type ListFindingsArgs struct {
	Path        string `json:"path" jsonschema:"capture file under an allowed root"`
	MinSeverity string `json:"min_severity,omitempty" jsonschema:"info, low, medium, high or critical"`
	Kind        string `json:"kind,omitempty" jsonschema:"finding kind, e.g. beacon, port_scan"`
	Host        string `json:"host,omitempty" jsonschema:"IP address or CIDR prefix the finding's source or destination must match"`
	Technique   string `json:"technique,omitempty" jsonschema:"ATT&CK technique ID; T1071 also matches T1071.001"`
	Limit       int    `json:"limit,omitempty" jsonschema:"rows per answer; default 50, at most 1000"`
	Cursor      string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// FindingList is a page of findings.
type FindingList struct {
	File       string           `json:"file"`
	BySeverity map[string]int   `json:"by_severity" jsonschema:"all findings of the capture by severity"`
	Findings   []attack.Finding `json:"findings"`
	Page
}

func (FindingList) listKey() string { return "findings" }

func listFindings(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a ListFindingsArgs) (FindingList, string, error) {
	host, err := hostMatcher(a.Host)
	if err != nil {
		return FindingList{}, "", err
	}
	var minSev attack.Severity
	if a.MinSeverity != "" {
		if minSev, err = attack.ParseSeverity(a.MinSeverity); err != nil {
			return FindingList{}, "", errorf("min_severity %q: use info, low, medium, high or critical", a.MinSeverity)
		}
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return FindingList{}, "", err
	}
	var sel []attack.Finding
	for _, f := range l.rep.Findings {
		if f.Severity < minSev || a.Kind != "" && f.Kind != a.Kind || host != nil && !(f.Src.IsValid() && host(f.Src)) && !(f.Dst.IsValid() && host(f.Dst)) {
			continue
		}
		if a.Technique != "" && !slices.ContainsFunc(f.Techniques, func(t attack.TechniqueRef) bool {
			return strings.EqualFold(t.ID, a.Technique) || strings.HasPrefix(strings.ToUpper(t.ID), strings.ToUpper(a.Technique)+".")
		}) {
			continue
		}
		sel = append(sel, f)
	}
	p, off, end, err := page(len(sel), a.Cursor, a.Limit)
	if err != nil {
		return FindingList{}, "", err
	}
	out := FindingList{File: a.Path, BySeverity: bySeverity(l.rep.Findings), Findings: append([]attack.Finding{}, sel[off:end]...), Page: p}
	sum := fmt.Sprintf("%s: %d of %d findings match", a.Path, len(sel), len(l.rep.Findings))
	if len(sel) > 0 {
		sum += fmt.Sprintf("; first: [%s] %s", sel[0].Severity, sel[0].Summary)
	}
	if len(l.rep.Findings) == 0 {
		sum += " (no detector reported anything on this capture)"
	}
	return out, sum + " (" + l.how() + ")", nil
}

// ---- attack_matrix

// Matrix is the ATT&CK view of the findings.
type Matrix struct {
	File     string        `json:"file"`
	Findings int           `json:"findings"`
	Matrix   attack.Matrix `json:"matrix"`
	Bounds
}

func attackMatrix(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a PathArgs) (Matrix, string, error) {
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return Matrix{}, "", err
	}
	m := attack.Map(l.rep.Findings)
	n := 0
	for _, t := range m.Tactics {
		n += len(t.Techniques)
	}
	return Matrix{File: a.Path, Findings: len(l.rep.Findings), Matrix: m}, fmt.Sprintf("%s: %d findings map to %d techniques in %d tactics (ATT&CK %s) (%s)", a.Path, len(l.rep.Findings), n, len(m.Tactics), m.Version, l.how()), nil
}
