package dnsx

import (
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

const maxFlowsPerState = 8

// host is one client or server of unicast DNS.
type host struct {
	addr                                    netip.Addr
	queries, responses, retries             uint64
	nxdomain, servfail, refused, unanswered uint64
	rttSum, rttMax                          time.Duration
	rttN                                    uint64
	hits                                    map[string]*hit // suspicious or failed names (clients)
	failFrames                              attack.FrameSet
	flows                                   []*flows.Flow
}

func (h *host) addFlow(f *flows.Flow) {
	if f != nil && len(h.flows) < maxFlowsPerState {
		for _, g := range h.flows {
			if g == f {
				return
			}
		}
		h.flows = append(h.flows, f)
	}
}

func (h *host) addFrame(n uint64) { h.failFrames.Add(n) }

// hit is one distinct name a client queried that scored as possibly
// generated or got NXDOMAIN.
type hit struct {
	name   string
	score  float64
	t      time.Time
	nx     bool
	frames []uint64
}

type pairKey struct {
	client netip.Addr
	domain string
}

// pair is the traffic of one client under one registered domain, for the
// tunnel detector.
type pair struct {
	subs               map[string]struct{}
	subsOver           uint64 // distinct subdomains past MaxSubdomains (approximate)
	queries, responses uint64
	queryBytes         uint64 // DNS payload bytes of the queries
	nameBytes          uint64 // bytes of the subdomain part of the names
	respBytes          uint64 // DNS payload bytes of the responses
	tunnelTypes        uint64 // TXT, NULL, CNAME, ANY, PRIVATE queries
	longLabels         uint64
	maxLabel, maxName  int
	entropySum         float64
	entropyN           uint64
	first, last        time.Time
	frames             attack.FrameSet
	flows              []*flows.Flow
	qtypes             map[uint16]uint64
}

func (a *Analyzer) pair(client netip.Addr, domain string) *pair {
	k := pairKey{client, domain}
	pr := a.pairs[k]
	if pr == nil {
		if len(a.pairs) >= a.cfg.MaxDomains {
			a.lim.DomainsDropped++
			return nil
		}
		pr = &pair{subs: map[string]struct{}{}, qtypes: map[uint16]uint64{}}
		a.pairs[k] = pr
	}
	return pr
}

func (pr *pair) addFlow(f *flows.Flow) {
	if f != nil && len(pr.flows) < maxFlowsPerState {
		for _, g := range pr.flows {
			if g == f {
				return
			}
		}
		pr.flows = append(pr.flows, f)
	}
}

func (pr *pair) query(a *Analyzer, p *flows.Packet, ni *nameInfo, qtype uint16, n int) {
	if pr.first.IsZero() {
		pr.first = p.Time
	}
	pr.last = p.Time
	pr.queries++
	pr.queryBytes += uint64(n)
	pr.frames.Add(p.Frame)
	pr.addFlow(p.Flow)
	pr.qtypes[qtype]++
	switch qtype {
	case dns.TypeTXT, dns.TypeNULL, dns.TypeCNAME, dns.TypeANY, dns.TypeMX, dns.TypeSRV, 65399:
		pr.tunnelTypes++
	}
	if ni.sub == "" {
		return
	}
	if _, ok := pr.subs[ni.sub]; !ok {
		if len(pr.subs) < a.cfg.MaxSubdomains {
			pr.subs[ni.sub] = struct{}{}
		} else {
			pr.subsOver++
		}
		// measure each distinct subdomain once, on its wire bytes
		sub := unescape(ni.sub)
		pr.nameBytes += uint64(len(sub))
		pr.maxName = max(pr.maxName, len(sub)+1+len(ni.domain))
		start := 0
		for i := 0; i <= len(sub); i++ {
			if i == len(sub) || sub[i] == '.' {
				l := i - start
				pr.maxLabel = max(pr.maxLabel, l)
				if l >= a.cfg.TunnelLongLabel {
					pr.longLabels++
				}
				start = i + 1
			}
		}
		pr.entropySum += subEntropy(sub)
		pr.entropyN++
	}
}

func (pr *pair) response(p *flows.Packet, n int) {
	pr.responses++
	pr.respBytes += uint64(n)
	pr.last = p.Time
	pr.frames.Add(p.Frame)
}

type answerKey struct {
	name  string
	rtype uint16
	data  string
}

type answerStat struct {
	count          uint64
	ttlMin, ttlMax uint32
}

type ednsState struct {
	messages, do uint64
	sizes        map[uint16]uint64
	subnets      map[netip.Prefix]uint64
}

func (a *Analyzer) ednsOf(m *dns.Msg) {
	opt := m.IsEdns0()
	if opt == nil {
		return
	}
	e := &a.edns
	e.messages++
	if opt.Do() {
		e.do++
	}
	if _, ok := e.sizes[opt.UDPSize()]; ok || len(e.sizes) < 256 {
		e.sizes[opt.UDPSize()]++
	}
	for _, o := range opt.Option {
		s, ok := o.(*dns.EDNS0_SUBNET)
		if !ok {
			continue
		}
		ad, ok := netip.AddrFromSlice(s.Address)
		if !ok {
			continue
		}
		if s.Family == 1 {
			ad = ad.Unmap()
		}
		pf, err := ad.Prefix(int(s.SourceNetmask))
		if err != nil {
			continue
		}
		if _, ok := e.subnets[pf]; ok || len(e.subnets) < 1024 {
			e.subnets[pf]++
		}
	}
}

// unescape undoes miekg/dns's presentation escapes (\DDD and \X) so that
// lengths and entropy are measured on the bytes of the name.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			b = append(b, byte(int(s[i+1]-'0')*100+int(s[i+2]-'0')*10+int(s[i+3]-'0')))
			i += 3
			continue
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
