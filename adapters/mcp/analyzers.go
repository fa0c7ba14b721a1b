package mcp

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/beacon"
	"github.com/pcapai/pcapai/dhcp"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/icmp"
)

// The analyzer tools answer from one Report field each, filtered, with
// every list bounded by limit. Their lists page together: cursor N shows
// rows N… of each list, and the answer has a cursor while any list has
// more.

// Lists is the paging state of an answer with several lists.
type Lists struct {
	Offset int `json:"offset" jsonschema:"index of the first row shown in every list"`
	Limit  int `json:"limit" jsonschema:"rows per list"`
	// Cursor, when set, is passed back to get the next rows of every list
	// that has more.
	Cursor string `json:"cursor,omitempty" jsonschema:"pass back as cursor to get the next rows of the lists that have more"`
	Bounds
}

// pager windows several lists with one offset and limit.
type pager struct {
	off, limit int
	more       bool
}

func newPager(cursor string, limit int) (*pager, error) {
	p := &pager{limit: limit}
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, errorf("bad cursor %q: pass the cursor of the previous answer unchanged", cursor)
		}
		p.off = n
	}
	if limit < 0 {
		return nil, errorf("limit %d is negative: pass 1–%d, or leave it out for %d", limit, maxLimit, defaultLimit)
	}
	if p.limit == 0 {
		p.limit = defaultLimit
	}
	p.limit = min(p.limit, maxLimit)
	return p, nil
}

// take returns the window of s (never nil) and remembers whether s has
// more rows after it.
func take[T any](p *pager, s []T) []T {
	off := min(p.off, len(s))
	end := min(off+p.limit, len(s))
	if end < len(s) {
		p.more = true
	}
	return append([]T{}, s[off:end]...)
}

func (p *pager) lists() Lists {
	l := Lists{Offset: p.off, Limit: p.limit}
	if p.more {
		l.Cursor = strconv.Itoa(p.off + p.limit)
		l.Truncated = true
	}
	return l
}

func filter[T any](s []T, keep func(*T) bool) []T {
	var out []T
	for i := range s {
		if keep(&s[i]) {
			out = append(out, s[i])
		}
	}
	return out
}

// findingsOf selects the Report's findings an analyzer produced.
func findingsOf(fs []attack.Finding, keep func(*attack.Finding) bool) []attack.Finding {
	return filter(fs, keep)
}

// anyAddr reports whether m accepts one of the valid addresses.
func anyAddr(m func(netip.Addr) bool, as ...netip.Addr) bool {
	for _, a := range as {
		if a.IsValid() && m(a) {
			return true
		}
	}
	return false
}

// moduleOn reports whether the analyzer runs on every capture.
func (s *Server) moduleOn(name string) bool {
	return len(s.cfg.Modules) == 0 || slices.Contains(s.cfg.Modules, name)
}

func notInCapture(path, what, module string) error {
	return errorf("%s: the %s analyzer did not run (the server's --modules leave out %q); restart it with that module, or call capabilities", path, what, module)
}

// ---- dns_stats

// DNSArgs filter the DNS view.
type DNSArgs struct {
	Path   string `json:"path" jsonschema:"capture file under an allowed root"`
	Client string `json:"client,omitempty" jsonschema:"IP address or CIDR prefix: only these clients, and findings about them"`
	Server string `json:"server,omitempty" jsonschema:"IP address or CIDR prefix: only these servers"`
	Name   string `json:"name,omitempty" jsonschema:"case-insensitive substring of the query names, domains, answers and findings to keep (clients and servers are not per name: filter them by client, server)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows per list; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// DNSResult is the DNS view of a capture.
type DNSResult struct {
	File            string             `json:"file"`
	Summary         DNSSummary         `json:"summary"`
	TopNames        []dnsx.NameCount   `json:"top_names" jsonschema:"query names by queries, most first"`
	TopNamesTotal   int                `json:"top_names_total"`
	TopDomains      []dnsx.NameCount   `json:"top_domains" jsonschema:"registered domains (eTLD+1) by queries"`
	TopDomainsTotal int                `json:"top_domains_total"`
	Clients         []dnsx.Host        `json:"clients" jsonschema:"clients by queries, with their unanswered and failed queries"`
	ClientsTotal    int                `json:"clients_total"`
	Servers         []dnsx.Host        `json:"servers" jsonschema:"servers by queries, with response times"`
	ServersTotal    int                `json:"servers_total"`
	Answers         []dnsx.Answer      `json:"answers" jsonschema:"distinct answer records"`
	AnswersTotal    int                `json:"answers_total"`
	ClientSubnets   []dnsx.SubnetCount `json:"client_subnets" jsonschema:"EDNS client-subnet prefixes"`
	Findings        []attack.Finding   `json:"findings" jsonschema:"findings of the DNS analyzer (dns_dga, dns_tunnel, dns_nxdomain_burst) with evidence"`
	FindingsTotal   int                `json:"findings_total"`
	Lists
}

// DNSSummary are the capture-wide DNS counts.
type DNSSummary struct {
	Messages           uint64            `json:"messages"`
	Queries            uint64            `json:"queries"`
	Responses          uint64            `json:"responses"`
	NXDomain           uint64            `json:"nxdomain"`
	Malformed          uint64            `json:"malformed"`
	OverTCP            uint64            `json:"over_tcp"`
	DistinctQNames     int               `json:"distinct_qnames"`
	QTypes             map[string]uint64 `json:"qtypes"`
	RCodes             map[string]uint64 `json:"rcodes"`
	Unanswered         uint64            `json:"unanswered" jsonschema:"queries with no response by the end of the capture"`
	Retries            uint64            `json:"retries"`
	TruncatedResponses uint64            `json:"truncated_responses" jsonschema:"responses with the TC bit"`
	TCPRetries         uint64            `json:"tcp_retries"`
	UnmatchedResponses uint64            `json:"unmatched_responses"`
	ResponseTime       dnsx.ResponseTime `json:"response_time"`
	EDNSMessages       uint64            `json:"edns_messages"`
	EDNSDO             uint64            `json:"edns_do" jsonschema:"messages with the DNSSEC OK bit"`
	EDNSUDPSizes       map[string]uint64 `json:"edns_udp_sizes" jsonschema:"advertised UDP buffer sizes (as strings) by messages"`
	MDNS               *dnsx.Counts      `json:"mdns,omitempty"`
	LLMNR              *dnsx.Counts      `json:"llmnr,omitempty"`
	TCP                dnsx.TCPStats     `json:"tcp"`
	Limits             dnsx.LimitStats   `json:"limits"`
}

func dnsStats(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a DNSArgs) (DNSResult, string, error) {
	client, err := hostMatcher(a.Client)
	if err != nil {
		return DNSResult{}, "", err
	}
	server, err := hostMatcher(a.Server)
	if err != nil {
		return DNSResult{}, "", err
	}
	pg, err := newPager(a.Cursor, a.Limit)
	if err != nil {
		return DNSResult{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return DNSResult{}, "", err
	}
	d := l.rep.DNS
	if d == nil {
		if !s.moduleOn("dns") {
			return DNSResult{}, "", notInCapture(a.Path, "DNS", "dns")
		}
		d = &dnsx.Stats{} // no DNS traffic
	}
	name := strings.ToLower(a.Name)
	hasName := func(n string) bool { return name == "" || strings.Contains(strings.ToLower(n), name) }
	out := DNSResult{File: a.Path, Summary: DNSSummary{
		Messages: d.Messages, Queries: d.Queries, Responses: d.Responses, NXDomain: d.NXDomain, Malformed: d.Malformed,
		OverTCP: d.OverTCP, DistinctQNames: d.DistinctQNames, QTypes: nonNilMap(d.QTypes), RCodes: nonNilMap(d.RCodes),
		Unanswered: d.Unanswered, Retries: d.Retries, TruncatedResponses: d.Truncated, TCPRetries: d.TCPRetries,
		UnmatchedResponses: d.UnmatchedResponses, ResponseTime: d.ResponseTime, EDNSMessages: d.EDNS.Messages, EDNSDO: d.EDNS.DO,
		EDNSUDPSizes: map[string]uint64{}, MDNS: d.MDNS, LLMNR: d.LLMNR, TCP: d.TCP, Limits: d.Limits,
	}}
	for k, v := range d.EDNS.UDPSizes {
		out.Summary.EDNSUDPSizes[strconv.Itoa(int(k))] = v
	}
	names := filter(d.TopQNames, func(n *dnsx.NameCount) bool { return hasName(n.Name) })
	domains := filter(d.TopDomains, func(n *dnsx.NameCount) bool { return hasName(n.Name) })
	clients := filter(d.Clients, func(h *dnsx.Host) bool { return client == nil || client(h.Addr) })
	servers := filter(d.Servers, func(h *dnsx.Host) bool { return server == nil || server(h.Addr) })
	answers := filter(d.Answers, func(an *dnsx.Answer) bool { return hasName(an.Name) || hasName(an.Data) })
	finds := findingsOf(l.rep.Findings, func(f *attack.Finding) bool {
		if f.Source != "dnsx" && !strings.HasPrefix(f.Kind, "dns_") {
			return false
		}
		if client != nil && !anyAddr(client, f.Src) || server != nil && !anyAddr(server, f.Dst) {
			return false
		}
		return name == "" || hasName(f.Summary) || featureText(f, name)
	})
	out.TopNames, out.TopNamesTotal = take(pg, names), len(names)
	out.TopDomains, out.TopDomainsTotal = take(pg, domains), len(domains)
	out.Clients, out.ClientsTotal = take(pg, clients), len(clients)
	out.Servers, out.ServersTotal = take(pg, servers), len(servers)
	out.Answers, out.AnswersTotal = take(pg, answers), len(answers)
	out.ClientSubnets = take(pg, d.EDNS.ClientSubnets)
	out.Findings, out.FindingsTotal = take(pg, finds), len(finds)
	out.Lists = pg.lists()
	sum := fmt.Sprintf("%s: %d DNS queries, %d responses, %d NXDOMAIN, %d unanswered, %d distinct names; %d clients, %d servers; %d DNS findings",
		a.Path, d.Queries, d.Responses, d.NXDomain, d.Unanswered, d.DistinctQNames, len(clients), len(servers), len(finds))
	if len(names) > 0 {
		sum += fmt.Sprintf("; top name %s (%d)", names[0].Name, names[0].Count)
	}
	if out.Cursor != "" {
		sum += "; more with cursor " + out.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}

func featureText(f *attack.Finding, sub string) bool {
	for _, x := range f.Features {
		if strings.Contains(strings.ToLower(x.Text), sub) || strings.Contains(strings.ToLower(x.Name), sub) {
			return true
		}
	}
	return false
}

func nonNilMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

// ---- dhcp_activity

// DHCPArgs filter the DHCP view.
type DHCPArgs struct {
	Path   string `json:"path" jsonschema:"capture file under an allowed root"`
	MAC    string `json:"mac,omitempty" jsonschema:"client or server MAC address, or a prefix of it (aa:bb:cc, aa-bb-cc or aabbcc)"`
	IP     string `json:"ip,omitempty" jsonschema:"IP address or CIDR prefix: leases, offers, servers and findings naming it"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows per list; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// DHCPResult is the DHCP view of a capture.
type DHCPResult struct {
	File                string             `json:"file"`
	Messages            map[string]uint64  `json:"messages" jsonschema:"DHCPv4 messages by type (DISCOVER, OFFER, …; BOOTP without option 53)"`
	MessagesTotal       uint64             `json:"messages_total"`
	V6Messages          map[string]uint64  `json:"v6_messages" jsonschema:"DHCPv6 messages by type"`
	Malformed           uint64             `json:"malformed"`
	Servers             []dhcp.Server      `json:"servers" jsonschema:"servers that answered"`
	ServersTotal        int                `json:"servers_total"`
	Leases              []dhcp.Lease       `json:"leases" jsonschema:"addresses assigned by ACK: MAC → IP → hostname"`
	LeasesTotal         int                `json:"leases_total"`
	Transactions        []dhcp.Transaction `json:"transactions" jsonschema:"exchanges by client MAC and transaction ID, with frames"`
	TransactionsTotal   int                `json:"transactions_total"`
	Findings            []attack.Finding   `json:"findings" jsonschema:"findings of the DHCP analyzer (rogue servers, starvation, NAK storms, …) with evidence"`
	FindingsTotal       int                `json:"findings_total"`
	ServersDropped      int                `json:"servers_dropped"`
	LeasesDropped       int                `json:"leases_dropped"`
	TransactionsDropped int                `json:"transactions_dropped"`
	Lists
}

func normMAC(s string) string {
	return strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

func macMatcher(m string) (func(string) bool, error) {
	if m == "" {
		return nil, nil
	}
	n := normMAC(m)
	if n == "" || len(n) > 12 || strings.Trim(n, "0123456789abcdef") != "" {
		return nil, errorf("mac %q is not a MAC address or prefix (e.g. 52:54:00:12:34:56 or 52:54:00)", m)
	}
	return func(x string) bool { return x != "" && strings.HasPrefix(normMAC(x), n) }, nil
}

func dhcpActivity(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a DHCPArgs) (DHCPResult, string, error) {
	mac, err := macMatcher(a.MAC)
	if err != nil {
		return DHCPResult{}, "", err
	}
	ip, err := hostMatcher(a.IP)
	if err != nil {
		return DHCPResult{}, "", err
	}
	pg, err := newPager(a.Cursor, a.Limit)
	if err != nil {
		return DHCPResult{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return DHCPResult{}, "", err
	}
	d := l.rep.DHCP
	if d == nil {
		if !s.moduleOn("dhcp") {
			return DHCPResult{}, "", notInCapture(a.Path, "DHCP", "dhcp")
		}
		d = &dhcp.Result{} // no DHCP traffic
	}
	servers := filter(d.Servers, func(x *dhcp.Server) bool {
		return (mac == nil || mac(x.MAC)) && (ip == nil || anyAddr(ip, append([]netip.Addr{x.Addr}, x.Offered...)...))
	})
	leases := filter(d.Leases, func(x *dhcp.Lease) bool {
		return (mac == nil || mac(x.MAC)) && (ip == nil || anyAddr(ip, x.Addr, x.Server))
	})
	txs := filter(d.Transactions, func(x *dhcp.Transaction) bool {
		return (mac == nil || mac(x.ClientMAC)) &&
			(ip == nil || anyAddr(ip, append([]netip.Addr{x.Requested, x.Offered, x.Assigned, x.ClientAddr, x.RelayAgent}, x.Servers...)...))
	})
	finds := findingsOf(l.rep.Findings, func(f *attack.Finding) bool {
		if f.Source != "dhcp" {
			return false
		}
		if ip != nil && !anyAddr(ip, f.Src, f.Dst) {
			return false
		}
		if mac != nil {
			m := normMAC(a.MAC)
			return strings.Contains(normMAC(f.Summary), m) || featureText(f, strings.ToLower(a.MAC)) || featureText(f, m)
		}
		return true
	})
	out := DHCPResult{File: a.Path, Messages: nonNilMap(d.Messages), MessagesTotal: d.MessagesTotal, V6Messages: nonNilMap(d.V6Messages), Malformed: d.Malformed,
		ServersDropped: d.ServersDropped, LeasesDropped: d.LeasesDropped, TransactionsDropped: d.TransactionsDropped}
	out.Servers, out.ServersTotal = take(pg, servers), len(servers)
	out.Leases, out.LeasesTotal = take(pg, leases), len(leases)
	out.Transactions, out.TransactionsTotal = take(pg, txs), len(txs)
	out.Findings, out.FindingsTotal = take(pg, finds), len(finds)
	out.Lists = pg.lists()
	sum := fmt.Sprintf("%s: %d DHCP messages; %d servers, %d leases, %d transactions match; %d DHCP findings", a.Path, d.MessagesTotal, len(servers), len(leases), len(txs), len(finds))
	if len(finds) > 0 {
		sum += fmt.Sprintf(", first: [%s] %s", finds[0].Severity, finds[0].Summary)
	}
	if out.Cursor != "" {
		sum += "; more with cursor " + out.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}

// ---- icmp_activity

// ICMPArgs filter the ICMP view.
type ICMPArgs struct {
	Path   string `json:"path" jsonschema:"capture file under an allowed root"`
	Host   string `json:"host,omitempty" jsonschema:"IP address or CIDR prefix: echo pairs, unreachables, traceroutes, redirects and findings naming it"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows per list; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// ICMPResult is the ICMP and ICMPv6 view of a capture.
type ICMPResult struct {
	File             string             `json:"file"`
	Packets          uint64             `json:"packets"`
	Types            []icmp.TypeCount   `json:"types" jsonschema:"messages by family and type (all, unfiltered)"`
	Echo             []icmp.Echo        `json:"echo" jsonschema:"echo (ping) pairs requester → target: sent, answered, loss, RTT, payload"`
	EchoTotal        int                `json:"echo_total"`
	Unreachable      []icmp.Unreachable `json:"unreachable" jsonschema:"destination unreachables by reporter, code and quoted flow"`
	UnreachableTotal int                `json:"unreachable_total"`
	Traceroutes      []icmp.Traceroute  `json:"traceroutes"`
	TraceroutesTotal int                `json:"traceroutes_total"`
	Redirects        []icmp.Redirect    `json:"redirects"`
	Routers          []icmp.Router      `json:"routers" jsonschema:"IPv6 routers seen advertising"`
	Findings         []attack.Finding   `json:"findings" jsonschema:"findings of the ICMP analyzer (sweeps, floods, tunnels, redirects) with evidence"`
	FindingsTotal    int                `json:"findings_total"`
	Dropped          ICMPDropped        `json:"dropped"`
	Lists
}

// ICMPDropped counts what the analyzer's caps left out.
type ICMPDropped struct {
	Echo        uint64 `json:"echo"`
	Unreachable uint64 `json:"unreachable"`
	Traceroutes uint64 `json:"traceroutes"`
	Probes      uint64 `json:"probes"`
}

func icmpActivity(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a ICMPArgs) (ICMPResult, string, error) {
	host, err := hostMatcher(a.Host)
	if err != nil {
		return ICMPResult{}, "", err
	}
	pg, err := newPager(a.Cursor, a.Limit)
	if err != nil {
		return ICMPResult{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return ICMPResult{}, "", err
	}
	r := l.rep.ICMP
	if r == nil {
		if !s.moduleOn("icmp") {
			return ICMPResult{}, "", notInCapture(a.Path, "ICMP", "icmp")
		}
		r = &icmp.Result{} // no ICMP traffic
	}
	all := func(as ...netip.Addr) bool { return host == nil || anyAddr(host, as...) }
	echo := filter(r.Echo, func(e *icmp.Echo) bool { return all(e.Src, e.Dst) })
	unr := filter(r.Unreachable, func(u *icmp.Unreachable) bool {
		return all(u.Reporter, u.Original.Src.Addr(), u.Original.Dst.Addr())
	})
	trs := filter(r.Traceroutes, func(t *icmp.Traceroute) bool {
		as := []netip.Addr{t.Src, t.Dst}
		for _, h := range t.Hops {
			as = append(as, h.Router)
		}
		return all(as...)
	})
	redirs := filter(r.Redirects, func(x *icmp.Redirect) bool { return all(x.Router, x.Target, x.Gateway, x.Dest) })
	routers := filter(r.Routers, func(x *icmp.Router) bool { return all(x.Addr) })
	finds := findingsOf(l.rep.Findings, func(f *attack.Finding) bool { return f.Source == "icmp" && all(f.Src, f.Dst) })
	out := ICMPResult{File: a.Path, Packets: r.Packets, Types: nonNil(r.Types),
		Dropped: ICMPDropped{Echo: r.EchoDropped, Unreachable: r.UnreachableDropped, Traceroutes: r.TraceroutesDropped, Probes: r.ProbesDropped}}
	out.Echo, out.EchoTotal = take(pg, echo), len(echo)
	out.Unreachable, out.UnreachableTotal = take(pg, unr), len(unr)
	out.Traceroutes, out.TraceroutesTotal = take(pg, trs), len(trs)
	out.Redirects = take(pg, redirs)
	out.Routers = take(pg, routers)
	out.Findings, out.FindingsTotal = take(pg, finds), len(finds)
	out.Lists = pg.lists()
	sum := fmt.Sprintf("%s: %d ICMP packets; %d echo pairs, %d unreachable rows, %d traceroutes match; %d ICMP findings", a.Path, r.Packets, len(echo), len(unr), len(trs), len(finds))
	if out.Cursor != "" {
		sum += "; more with cursor " + out.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}

// ---- find_beacons

// BeaconArgs filter the beacon view.
type BeaconArgs struct {
	Path     string  `json:"path" jsonschema:"capture file under an allowed root"`
	MinScore float64 `json:"min_score,omitempty" jsonschema:"only beacons and findings scoring at least this (0–1); the analyzer reports from 0.70"`
	Host     string  `json:"host,omitempty" jsonschema:"IP address or CIDR prefix of the source or destination"`
	Limit    int     `json:"limit,omitempty" jsonschema:"rows per list; default 50, at most 1000"`
	Cursor   string  `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// BeaconResult is the beacon view of a capture.
type BeaconResult struct {
	File            string           `json:"file"`
	Groups          int              `json:"groups" jsonschema:"(source, destination, port) groups seen"`
	Scored          int              `json:"scored" jsonschema:"groups with enough connections to score"`
	GroupsDropped   uint64           `json:"groups_dropped"`
	GroupsTruncated int              `json:"groups_truncated" jsonschema:"groups with more connections than the analyzer keeps"`
	Beacons         []beacon.Beacon  `json:"beacons" jsonschema:"periodic groups at or above the score, best first: period, jitter, features"`
	BeaconsTotal    int              `json:"beacons_total"`
	Findings        []attack.Finding `json:"findings" jsonschema:"beacon findings with evidence"`
	FindingsTotal   int              `json:"findings_total"`
	Lists
}

func findBeacons(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a BeaconArgs) (BeaconResult, string, error) {
	host, err := hostMatcher(a.Host)
	if err != nil {
		return BeaconResult{}, "", err
	}
	if a.MinScore < 0 || a.MinScore > 1 {
		return BeaconResult{}, "", errorf("min_score %g is outside 0–1", a.MinScore)
	}
	pg, err := newPager(a.Cursor, a.Limit)
	if err != nil {
		return BeaconResult{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return BeaconResult{}, "", err
	}
	r := l.rep.Beacon
	if r == nil {
		if !s.moduleOn("beacon") {
			return BeaconResult{}, "", notInCapture(a.Path, "beacon", "beacon")
		}
		r = &beacon.Result{} // no beacon traffic
	}
	bs := filter(r.Beacons, func(b *beacon.Beacon) bool {
		return b.Score >= a.MinScore && (host == nil || anyAddr(host, b.Src, b.Dst.Addr()))
	})
	finds := findingsOf(l.rep.Findings, func(f *attack.Finding) bool {
		return (f.Source == "beacon" || f.Kind == "beacon") && f.Score >= a.MinScore && (host == nil || anyAddr(host, f.Src, f.Dst))
	})
	out := BeaconResult{File: a.Path, Groups: r.Groups, Scored: r.Scored, GroupsDropped: r.GroupsDropped, GroupsTruncated: r.Truncated}
	out.Beacons, out.BeaconsTotal = take(pg, bs), len(bs)
	out.Findings, out.FindingsTotal = take(pg, finds), len(finds)
	out.Lists = pg.lists()
	sum := fmt.Sprintf("%s: %d groups, %d scored, %d beacons match", a.Path, r.Groups, r.Scored, len(bs))
	if len(bs) > 0 {
		b := bs[0]
		sum += fmt.Sprintf("; best %s → %s every %.1f s ± %.1f s, %d connections, score %.2f", b.Src, b.Dst, b.PeriodS, b.JitterS, b.Connections, b.Score)
	}
	if out.Cursor != "" {
		sum += "; more with cursor " + out.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}
