package dnsx

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/miekg/dns"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// Stats is the DNS view of a capture: unicast DNS in full (the embedded
// Counts, pairing, hosts, answers, EDNS), mDNS and LLMNR counted apart.
type Stats struct {
	Counts
	// Unanswered are queries with no matching response by the end of the
	// capture (unicast DNS, paired by client, server, ID and question).
	Unanswered uint64 `json:"unanswered"`
	// Retries are queries sent again with the same ID and question while
	// the first was unanswered.
	Retries uint64 `json:"retries"`
	// Truncated counts responses with the TC bit; TCPRetries the TCP
	// queries for the same question that followed one.
	Truncated  uint64 `json:"truncated"`
	TCPRetries uint64 `json:"tcp_retries"`
	// UnmatchedResponses have no query in the capture.
	UnmatchedResponses uint64       `json:"unmatched_responses"`
	ResponseTime       ResponseTime `json:"response_time"`
	// TopDomains are registered domains (eTLD+1, public-suffix aware) by
	// queries.
	TopDomains []NameCount `json:"top_domains"`
	Clients    []Host      `json:"clients"`
	Servers    []Host      `json:"servers"`
	// Answers are the distinct answer records (A, AAAA, CNAME, PTR, MX, NS,
	// TXT) by owner name, type and data.
	Answers []Answer `json:"answers"`
	// Resolved maps each answered address to the names that resolved to
	// it (attribution of later connections), sorted by address.
	Resolved []Resolution `json:"resolved"`
	EDNS     EDNS         `json:"edns"`
	MDNS     *Counts      `json:"mdns,omitempty"`
	LLMNR    *Counts      `json:"llmnr,omitempty"`
	TCP      TCPStats     `json:"tcp"`
	Limits   LimitStats   `json:"limits"`
	// Transactions are the unicast queries with their responses, kept
	// only when Config.Transactions is set (Zeek's dns.log rows).
	Transactions []Transaction `json:"transactions,omitempty"`

	clientNames map[clientAddr][]string
	addrNames   map[netip.Addr][]string
}

// NamesFor returns the names client resolved to server (see
// [Analyzer.NamesFor]).
func (s *Stats) NamesFor(client, server netip.Addr) []string {
	if s == nil {
		return nil
	}
	return namesFor(s.clientNames, s.addrNames, client, server)
}

// Counts are message counts the way Wireshark's dns/mdns fields give them:
// QTypes over the questions of queries, RCodes over responses (the
// header's 4-bit code), TopQNames and DistinctQNames over the question
// names of every message, as on the wire (case kept).
type Counts struct {
	Messages       uint64            `json:"messages"`
	Queries        uint64            `json:"queries"`
	Responses      uint64            `json:"responses"`
	NXDomain       uint64            `json:"nxdomain"`
	Malformed      uint64            `json:"malformed"`
	OverTCP        uint64            `json:"over_tcp"`
	DistinctQNames int               `json:"distinct_qnames"`
	QTypes         map[string]uint64 `json:"qtypes"` // "A", "TXT", "TYPE65399"
	RCodes         map[string]uint64 `json:"rcodes"` // "NOERROR", "NXDOMAIN"
	TopQNames      []NameCount       `json:"top_qnames"`
}

// NameCount is a name with how often it occurred.
type NameCount struct {
	Name  string `json:"name"`
	Count uint64 `json:"count"`
}

// ResponseTime summarises query → response times of answered queries.
type ResponseTime struct {
	Count  int     `json:"count"`
	MinMS  float64 `json:"min_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
	MeanMS float64 `json:"mean_ms"`
}

// Host is one client or server of unicast DNS.
type Host struct {
	Addr      netip.Addr `json:"addr"`
	Queries   uint64     `json:"queries"`
	Responses uint64     `json:"responses"`
	NXDomain  uint64     `json:"nxdomain"`
	ServFail  uint64     `json:"servfail"`
	Refused   uint64     `json:"refused"`
	Retries   uint64     `json:"retries,omitempty"`
	// Unanswered queries (from the client, to the server).
	Unanswered uint64 `json:"unanswered"`
	// MeanRTTMS and MaxRTTMS are set for servers.
	MeanRTTMS float64 `json:"mean_rtt_ms,omitempty"`
	MaxRTTMS  float64 `json:"max_rtt_ms,omitempty"`
}

// Answer is one distinct answer record.
type Answer struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Data   string `json:"data"`
	Count  uint64 `json:"count"`
	TTLMin uint32 `json:"ttl_min_s"`
	TTLMax uint32 `json:"ttl_max_s"`
}

// Resolution is an address with the names answered for it.
type Resolution struct {
	Addr  netip.Addr `json:"addr"`
	Names []string   `json:"names"`
}

// EDNS summarises the OPT records seen (queries and responses).
type EDNS struct {
	Messages uint64 `json:"messages"`
	DO       uint64 `json:"do"` // DNSSEC OK bit set
	// UDPSizes counts the advertised buffer sizes.
	UDPSizes map[uint16]uint64 `json:"udp_sizes"`
	// ClientSubnets are the EDNS client-subnet prefixes (RFC 7871).
	ClientSubnets []SubnetCount `json:"client_subnets"`
}

// SubnetCount is an EDNS client subnet with its message count.
type SubnetCount struct {
	Prefix netip.Prefix `json:"prefix"`
	Count  uint64       `json:"count"`
}

// TCPStats describes the TCP reassembly of DNS streams.
type TCPStats struct {
	Gaps      uint64 `json:"gaps"`      // stream bytes missing: the held message was dropped
	Overflows uint64 `json:"overflows"` // MaxTCPBuffer reached
}

// LimitStats counts what the caps of Config left out.
type LimitStats struct {
	NamesDropped     uint64 `json:"names_dropped"`
	PendingDropped   uint64 `json:"pending_dropped"`
	HostsDropped     uint64 `json:"hosts_dropped"`
	DomainsDropped   uint64 `json:"domains_dropped"`
	AnswersDropped   uint64 `json:"answers_dropped"`
	AddrNamesDropped uint64 `json:"addr_names_dropped"`
	TCPFlowsDropped  uint64 `json:"tcp_flows_dropped"`
	HitsDropped      uint64 `json:"hits_dropped"`
	// TransactionsDropped counts queries past Config.Transactions.
	TransactionsDropped uint64 `json:"transactions_dropped,omitempty"`
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

func rcodeName(r uint8) string {
	if s, ok := dns.RcodeToString[int(r)]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(int(r))
}

func ms(d time.Duration) float64 { return attack.Round(float64(d) / float64(time.Millisecond)) }

func topNames(m map[string]uint64, n int) []NameCount {
	out := make([]NameCount, 0, len(m))
	for k, v := range m {
		out = append(out, NameCount{k, v})
	}
	slices.SortFunc(out, func(a, b NameCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func (c *counter) result(topN int) Counts {
	r := Counts{
		Messages: c.messages, Queries: c.queries, Responses: c.responses, NXDomain: c.nxdomain,
		Malformed: c.malformed, OverTCP: c.tcp, DistinctQNames: len(c.names),
		QTypes: map[string]uint64{}, RCodes: map[string]uint64{},
		TopQNames: topNames(c.names, topN),
	}
	for t, n := range c.qtypes {
		r.QTypes[typeName(t)] += n
	}
	for t, n := range c.rcodes {
		r.RCodes[rcodeName(t)] += n
	}
	return r
}

func hostRows(m map[netip.Addr]*host, server bool, n int) []Host {
	out := make([]Host, 0, len(m))
	for _, h := range m {
		r := Host{Addr: h.addr, Queries: h.queries, Responses: h.responses, NXDomain: h.nxdomain,
			ServFail: h.servfail, Refused: h.refused, Retries: h.retries, Unanswered: h.unanswered}
		if server && h.rttN > 0 {
			r.MeanRTTMS = ms(h.rttSum / time.Duration(h.rttN))
			r.MaxRTTMS = ms(h.rttMax)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Host) int {
		if c := cmp.Compare(b.Queries+b.Responses, a.Queries+a.Responses); c != 0 {
			return c
		}
		return a.Addr.Compare(b.Addr)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func percentile(s []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Finish returns the DNS view and the findings of the detectors. Call it
// once, after the last Observe.
func (a *Analyzer) Finish() (*Stats, []attack.Finding) {
	for i := range a.txs {
		if f := a.txs[i].flow; f != nil {
			a.txs[i].FlowID = f.ID // flows are numbered after the pass
		}
	}
	for pk := range a.pending {
		for _, h := range [2]*host{a.clients[pk.client], a.servers[pk.server]} {
			if h != nil {
				h.unanswered++
			}
		}
	}
	s := &Stats{
		Counts:             a.counts[KindDNS].result(a.cfg.TopN),
		Unanswered:         uint64(len(a.pending)),
		Retries:            a.retries,
		Truncated:          a.truncated,
		TCPRetries:         a.tcRetries,
		UnmatchedResponses: a.unmatched,
		Clients:            hostRows(a.clients, false, a.cfg.TopN),
		Servers:            hostRows(a.servers, true, a.cfg.TopN),
		TCP:                TCPStats{Gaps: a.tcpGaps, Overflows: a.tcpOverflow},
		Limits:             a.lim,
		clientNames:        a.clientNames,
		addrNames:          a.addrNames,
		Answers:            []Answer{},
		Resolved:           []Resolution{},
		Transactions:       a.txs,
	}
	if c := &a.counts[KindMDNS]; c.messages > 0 || c.malformed > 0 {
		r := c.result(a.cfg.TopN)
		s.MDNS = &r
	}
	if c := &a.counts[KindLLMNR]; c.messages > 0 || c.malformed > 0 {
		r := c.result(a.cfg.TopN)
		s.LLMNR = &r
	}
	if len(a.rtt) > 0 {
		r := slices.Clone(a.rtt)
		slices.Sort(r)
		var sum time.Duration
		for _, d := range r {
			sum += d
		}
		s.ResponseTime = ResponseTime{Count: len(r), MinMS: ms(r[0]), P50MS: ms(percentile(r, 0.5)),
			P90MS: ms(percentile(r, 0.9)), P99MS: ms(percentile(r, 0.99)), MaxMS: ms(r[len(r)-1]),
			MeanMS: ms(sum / time.Duration(len(r)))}
	}
	doms := map[string]uint64{}
	for k, pr := range a.pairs {
		doms[k.domain] += pr.queries
	}
	s.TopDomains = topNames(doms, a.cfg.TopN)
	for k, v := range a.answers {
		s.Answers = append(s.Answers, Answer{Name: k.name, Type: typeName(k.rtype), Data: k.data, Count: v.count, TTLMin: v.ttlMin, TTLMax: v.ttlMax})
	}
	slices.SortFunc(s.Answers, func(x, y Answer) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Type, y.Type), cmp.Compare(x.Data, y.Data))
	})
	for ad, names := range a.addrNames {
		s.Resolved = append(s.Resolved, Resolution{Addr: ad, Names: slices.Clone(names)})
	}
	slices.SortFunc(s.Resolved, func(x, y Resolution) int { return x.Addr.Compare(y.Addr) })
	s.EDNS = EDNS{Messages: a.edns.messages, DO: a.edns.do, UDPSizes: a.edns.sizes, ClientSubnets: []SubnetCount{}}
	for p, n := range a.edns.subnets {
		s.EDNS.ClientSubnets = append(s.EDNS.ClientSubnets, SubnetCount{p, n})
	}
	slices.SortFunc(s.EDNS.ClientSubnets, func(x, y SubnetCount) int {
		return cmp.Or(x.Prefix.Addr().Compare(y.Prefix.Addr()), cmp.Compare(x.Prefix.Bits(), y.Prefix.Bits()))
	})
	return s, a.detect()
}

func flowRefs(fs []*flows.Flow) []attack.FlowRef {
	out := make([]attack.FlowRef, 0, len(fs))
	for _, f := range fs {
		out = append(out, attack.FlowRef{Proto: f.Proto.String(), Src: f.Src, Dst: f.Dst})
	}
	slices.SortFunc(out, func(a, b attack.FlowRef) int {
		return cmp.Or(a.Src.Compare(b.Src), a.Dst.Compare(b.Dst), cmp.Compare(a.Proto, b.Proto))
	})
	return out
}

func feat(name string, v float64) attack.Feature {
	return attack.Feature{Name: name, Value: attack.Round(v)}
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
