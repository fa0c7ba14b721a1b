package dnsx

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/pcapai/pcapai/flows"
)

// Kind is the DNS flavour a message was carried as: unicast DNS, multicast
// DNS (UDP 5353) or LLMNR (UDP/TCP 5355). Wireshark dissects the last two as
// "mdns" and "llmnr", so they are counted apart.
type Kind uint8

const (
	KindNone  Kind = iota
	KindDNS        // port 53 (and Config.ExtraPorts)
	KindMDNS       // port 5353
	KindLLMNR      // port 5355
)

// String returns "dns", "mdns" or "llmnr".
func (k Kind) String() string {
	switch k {
	case KindDNS:
		return "dns"
	case KindMDNS:
		return "mdns"
	case KindLLMNR:
		return "llmnr"
	}
	return "none"
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// unpack parses one DNS message b into m, which the analyzer reuses. It is
// the only place miekg/dns parses packets. On an error m holds what parsed
// before it (the questions before a bad one, the records before a bad one)
// and nothing of an earlier message: miekg/dns leaves the answer, authority
// and additional sections untouched when it fails in the questions. The
// header is read from b by the callers, never from m.
//
// A message whose first question name cannot parse (common for non-DNS
// bytes on port 53) is rejected without miekg/dns, whose error path
// formats an error per message; FuzzUnpack holds the two to the same result.
func unpack(m *dns.Msg, b []byte) error {
	m.Question, m.Answer, m.Ns, m.Extra = nil, nil, nil, nil
	if len(b) > 12 && b[4]|b[5] != 0 && nameFails(b, 12) {
		m.MsgHdr = dns.MsgHdr{}
		return errBadQuestion
	}
	return m.Unpack(b)
}

var errBadQuestion = errors.New("dns: bad question name")

// nameFails reports whether miekg/dns's UnpackDomainName fails on the name
// at off: the same checks in the same order (label bounds, the 255-octet
// wire budget, at most 126 compression pointers, the reserved label types),
// without building the name.
func nameFails(msg []byte, off int) bool {
	const (
		maxWireOctets = 255
		maxPointers   = (maxWireOctets+1)/2 - 2
	)
	budget, ptrs := maxWireOctets, 0
	for {
		if off >= len(msg) {
			return true
		}
		c := int(msg[off])
		off++
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				return false
			}
			if off+c > len(msg) {
				return true
			}
			if budget -= c + 1; budget <= 0 {
				return true
			}
			off += c
		case 0xC0:
			if off >= len(msg) {
				return true
			}
			if ptrs++; ptrs > maxPointers {
				return true
			}
			off = (c^0xC0)<<8 | int(msg[off])
		default: // 0x40 and 0x80 are reserved
			return true
		}
	}
}

// Analyzer is the DNS analyzer of a pass: feed it every packet with
// Observe, then call Finish once.
type Analyzer struct {
	cfg Config
	msg dns.Msg

	counts [4]counter // indexed by Kind

	info        map[string]*nameInfo // lower-case unicast names
	pending     map[pendingKey]*pendingQuery
	tcWait      map[tcKey]struct{}
	clients     map[netip.Addr]*host
	servers     map[netip.Addr]*host
	pairs       map[pairKey]*pair
	answers     map[answerKey]*answerStat
	addrNames   map[netip.Addr][]string
	clientNames map[clientAddr][]string
	tcp         map[*flows.Flow]*tcpState
	edns        ednsState
	rtt         []time.Duration
	txs         []Transaction

	retries, tcRetries, truncated, unmatched uint64
	tcpGaps, tcpOverflow                     uint64
	lim                                      LimitStats
}

type counter struct {
	messages, queries, responses, nxdomain, malformed, tcp uint64
	qtypes                                                 map[uint16]uint64
	rcodes                                                 map[uint8]uint64
	names                                                  map[string]uint64
}

type nameInfo struct {
	domain string // registered domain (eTLD+1), lower case; the name itself when none
	sub    string // the labels left of domain, lower case
	score  float64
	feat   nameFeatures
}

type pendingKey struct {
	client, server netip.Addr
	id             uint16
	qtype          uint16
	name           string
}

type pendingQuery struct {
	t       time.Time
	frame   uint64
	retries int
	tx      int // index in Analyzer.txs, -1 when not recorded
}

type tcKey struct {
	client, server netip.Addr
	qtype          uint16
	name           string
}

type clientAddr struct{ client, addr netip.Addr }

type tcpDir struct {
	next   uint32
	synced bool
	fin    bool
	buf    []byte
}

type tcpState struct{ dir [2]tcpDir }

// New returns an Analyzer with cfg's thresholds and caps.
func New(cfg Config) *Analyzer {
	a := &Analyzer{
		cfg:         cfg.withDefaults(),
		info:        map[string]*nameInfo{},
		pending:     map[pendingKey]*pendingQuery{},
		tcWait:      map[tcKey]struct{}{},
		clients:     map[netip.Addr]*host{},
		servers:     map[netip.Addr]*host{},
		pairs:       map[pairKey]*pair{},
		answers:     map[answerKey]*answerStat{},
		addrNames:   map[netip.Addr][]string{},
		clientNames: map[clientAddr][]string{},
		tcp:         map[*flows.Flow]*tcpState{},
	}
	for i := range a.counts {
		a.counts[i] = counter{qtypes: map[uint16]uint64{}, rcodes: map[uint8]uint64{}, names: map[string]uint64{}}
	}
	a.edns.sizes = map[uint16]uint64{}
	a.edns.subnets = map[netip.Prefix]uint64{}
	return a
}

func (a *Analyzer) kindOf(sport, dport uint16) Kind {
	for _, p := range [2]uint16{dport, sport} {
		switch p {
		case 53:
			return KindDNS
		case 5353:
			return KindMDNS
		case 5355:
			return KindLLMNR
		}
	}
	for _, p := range a.cfg.ExtraPorts {
		if p == sport || p == dport {
			return KindDNS
		}
	}
	return KindNone
}

func (a *Analyzer) extraPort(sport, dport uint16) bool {
	return sport != 53 && dport != 53 && sport != 5353 && dport != 5353 && sport != 5355 && dport != 5355
}

// Observe looks at one packet. Only UDP and TCP packets on DNS ports are
// examined; payloads are parsed when they pass cheap header checks.
func (a *Analyzer) Observe(p *flows.Packet) {
	if !p.L4 || (p.Proto != flows.UDP && p.Proto != flows.TCP) {
		return
	}
	k := a.kindOf(p.SrcPort, p.DstPort)
	if k == KindNone {
		return
	}
	if p.Proto == flows.UDP {
		b := p.Payload
		if len(b) < 12 {
			if len(b) > 0 {
				a.counts[k].malformed++
			}
			return
		}
		if a.extraPort(p.SrcPort, p.DstPort) && !plausible(b) {
			return
		}
		a.message(p, b, k, false)
		return
	}
	a.observeTCP(p, k)
}

// plausible reports whether b could be a DNS message: a known opcode and
// section counts that fit in the message.
func plausible(b []byte) bool {
	if len(b) < 12 {
		return false
	}
	switch (b[2] >> 3) & 0xF {
	case 0, 1, 2, 4, 5:
	default:
		return false
	}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	rr := int(binary.BigEndian.Uint16(b[6:])) + int(binary.BigEndian.Uint16(b[8:])) + int(binary.BigEndian.Uint16(b[10:]))
	if b[2]&0x80 == 0 && qd == 0 && b[2]&0x78 == 0 {
		return false
	}
	return qd*5+rr*11 <= len(b)-12
}

func (a *Analyzer) observeTCP(p *flows.Packet, k Kind) {
	f := p.Flow
	if f == nil {
		return
	}
	st := a.tcp[f]
	if st == nil {
		if len(p.Payload) == 0 && !p.Flags.Has(flows.SYN) {
			return
		}
		if len(a.tcp) >= a.cfg.MaxTCPFlows {
			a.lim.TCPFlowsDropped++
			return
		}
		st = &tcpState{}
		a.tcp[f] = st
	}
	if p.Flags.Has(flows.RST) {
		delete(a.tcp, f)
		return
	}
	d := &st.dir[p.Dir&1]
	if p.Flags.Has(flows.SYN) {
		d.next, d.synced, d.buf = p.Seq+1, true, d.buf[:0]
		return
	}
	b := p.Payload
	if len(b) > 0 {
		if !d.synced {
			d.next, d.synced = p.Seq, true
		}
		diff := int32(p.Seq - d.next)
		switch {
		case diff > 0: // a gap: what we hold cannot be completed
			a.tcpGaps++
			d.buf = d.buf[:0]
			d.next = p.Seq
		case diff < 0:
			if int(-diff) >= len(b) {
				b = nil
			} else {
				b = b[-diff:]
			}
		}
		if len(b) > 0 {
			d.next += uint32(len(b))
			a.tcpData(p, k, d, b)
		}
	}
	if p.Flags.Has(flows.FIN) {
		d.fin = true
		if st.dir[0].fin && st.dir[1].fin {
			delete(a.tcp, f)
		}
	}
}

// tcpData takes in-order stream bytes b of one direction and parses every
// complete length-prefixed message.
func (a *Analyzer) tcpData(p *flows.Packet, k Kind, d *tcpDir, b []byte) {
	if len(d.buf) > 0 {
		if len(d.buf)+len(b) > a.cfg.MaxTCPBuffer {
			a.tcpOverflow++
			d.buf = d.buf[:0]
			return
		}
		d.buf = append(d.buf, b...)
		b = d.buf
	}
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		if n < 12 { // not DNS framing: drop what we hold
			a.counts[k].malformed++
			d.buf = d.buf[:0]
			return
		}
		if len(b) < 2+n {
			break
		}
		a.message(p, b[2:2+n], k, true)
		b = b[2+n:]
	}
	if len(b) > a.cfg.MaxTCPBuffer {
		a.tcpOverflow++
		d.buf = d.buf[:0]
		return
	}
	// keep the incomplete rest; copy handles b aliasing d.buf
	if cap(d.buf) < len(b) {
		nb := make([]byte, len(b), max(len(b), 512))
		copy(nb, b)
		d.buf = nb
		return
	}
	n := copy(d.buf[:cap(d.buf)], b)
	d.buf = d.buf[:n]
}

// message handles one DNS message b (without TCP length prefix).
func (a *Analyzer) message(p *flows.Packet, b []byte, k Kind, overTCP bool) {
	c := &a.counts[k]
	m := &a.msg
	err := unpack(m, b)
	if err != nil {
		// counted, and what parsed before the error (header, questions)
		// is still used, as Wireshark shows a malformed message's fields
		c.malformed++
	}
	if p.Flow != nil && p.Flow.App == "" {
		p.Flow.App = k.String()
	}
	c.messages++
	if overTCP {
		c.tcp++
	}
	resp := b[2]&0x80 != 0
	rcode := b[3] & 0xF
	if resp {
		c.responses++
		c.rcodes[rcode]++
		if rcode == dns.RcodeNameError {
			c.nxdomain++
		}
	} else {
		c.queries++
	}
	for i := range m.Question {
		q := &m.Question[i]
		if !resp {
			c.qtypes[q.Qtype]++
		}
		name := wireName(q.Name)
		if n, ok := c.names[name]; ok {
			c.names[name] = n + 1
		} else if len(c.names) < a.cfg.MaxNames {
			c.names[name] = 1
		} else {
			a.lim.NamesDropped++
		}
	}
	a.ednsOf(m)
	if k != KindDNS {
		return
	}
	if resp {
		a.response(p, m, b, rcode, overTCP)
	} else {
		a.query(p, m, b, overTCP)
	}
}

// wireName returns the question name as Wireshark shows it: no trailing
// dot, "<Root>" for the root.
func wireName(s string) string {
	if s == "." || s == "" {
		return "<Root>"
	}
	return strings.TrimSuffix(s, ".")
}

func lowerName(s string) string {
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

func (a *Analyzer) nameInfo(lname string) *nameInfo {
	if ni := a.info[lname]; ni != nil {
		return ni
	}
	ni := &nameInfo{}
	dom, err := publicsuffix.EffectiveTLDPlusOne(lname)
	if err != nil || dom == "" {
		dom = lname
	}
	ni.domain = dom
	if len(lname) > len(dom) {
		ni.sub = strings.TrimSuffix(lname[:len(lname)-len(dom)], ".")
	}
	label, _, _ := strings.Cut(dom, ".")
	if strings.HasSuffix(lname, ".arpa") || strings.HasSuffix(lname, ".local") {
		label = "" // reverse lookups and link-local names are not generated
	}
	ni.score, ni.feat = NameScore(label)
	if len(a.info) < a.cfg.MaxNames {
		a.info[lname] = ni
	} else {
		a.lim.NamesDropped++
	}
	return ni
}

func (a *Analyzer) host(m map[netip.Addr]*host, addr netip.Addr) *host {
	h := m[addr]
	if h == nil {
		if len(m) >= a.cfg.MaxHosts {
			a.lim.HostsDropped++
			return nil
		}
		h = &host{addr: addr, hits: map[string]*hit{}}
		m[addr] = h
	}
	return h
}

func (a *Analyzer) query(p *flows.Packet, m *dns.Msg, b []byte, overTCP bool) {
	client, server := p.Src, p.Dst
	ch := a.host(a.clients, client)
	sh := a.host(a.servers, server)
	if ch != nil {
		ch.queries++
	}
	if sh != nil {
		sh.queries++
	}
	if len(m.Question) == 0 {
		return
	}
	q := &m.Question[0]
	lname := lowerName(q.Name)
	ni := a.nameInfo(lname)
	if overTCP {
		tk := tcKey{client, server, q.Qtype, lname}
		if _, ok := a.tcWait[tk]; ok {
			a.tcRetries++
			delete(a.tcWait, tk)
		}
	}
	pk := pendingKey{client, server, binary.BigEndian.Uint16(b), q.Qtype, lname}
	if pq := a.pending[pk]; pq != nil {
		a.retries++
		pq.retries++
		pq.t, pq.frame = p.Time, p.Frame
		pq.tx = a.record(p, m, b, overTCP, false)
		if ch != nil {
			ch.retries++
		}
	} else if len(a.pending) < a.cfg.MaxPending {
		a.pending[pk] = &pendingQuery{t: p.Time, frame: p.Frame, tx: a.record(p, m, b, overTCP, false)}
	} else {
		a.lim.PendingDropped++
		a.record(p, m, b, overTCP, false)
	}
	if ch != nil && ni.score >= a.cfg.DGANXNameScore {
		a.addHit(ch, lname, ni.score, p, false)
	}
	if pr := a.pair(client, ni.domain); pr != nil {
		pr.query(a, p, ni, q.Qtype, len(b))
	}
}

func (a *Analyzer) addHit(h *host, lname string, score float64, p *flows.Packet, nx bool) {
	ht := h.hits[lname]
	if ht == nil {
		if len(h.hits) >= a.cfg.MaxHitsPerClient {
			a.lim.HitsDropped++
			return
		}
		ht = &hit{name: lname, score: score, t: p.Time}
		h.hits[lname] = ht
	}
	if nx {
		ht.nx = true
	}
	if len(ht.frames) < 4 {
		ht.frames = append(ht.frames, p.Frame)
	}
	h.addFlow(p.Flow)
}

func (a *Analyzer) response(p *flows.Packet, m *dns.Msg, b []byte, rcode uint8, overTCP bool) {
	client, server := p.Dst, p.Src
	ch := a.host(a.clients, client)
	sh := a.host(a.servers, server)
	failed := rcode == dns.RcodeNameError || rcode == dns.RcodeServerFailure || rcode == dns.RcodeRefused
	for _, h := range [2]*host{ch, sh} {
		if h == nil {
			continue
		}
		h.responses++
		switch rcode {
		case dns.RcodeNameError:
			h.nxdomain++
		case dns.RcodeServerFailure:
			h.servfail++
		case dns.RcodeRefused:
			h.refused++
		}
	}
	if b[2]&0x02 != 0 {
		a.truncated++
	}
	if len(m.Question) == 0 {
		a.unmatched++
		a.answer(a.record(p, m, b, overTCP, true), p, m, b, rcode, -1)
		return
	}
	q := &m.Question[0]
	lname := lowerName(q.Name)
	ni := a.nameInfo(lname)
	if b[2]&0x02 != 0 && !overTCP && len(a.tcWait) < a.cfg.MaxPending {
		a.tcWait[tcKey{client, server, q.Qtype, lname}] = struct{}{}
	}
	pk := pendingKey{client, server, binary.BigEndian.Uint16(b), q.Qtype, lname}
	if pq := a.pending[pk]; pq != nil {
		d := p.Time.Sub(pq.t)
		if d >= 0 && len(a.rtt) < a.cfg.MaxRTTSamples {
			a.rtt = append(a.rtt, d)
		}
		if sh != nil && d >= 0 {
			sh.rttSum += d
			sh.rttN++
			sh.rttMax = max(sh.rttMax, d)
		}
		a.answer(pq.tx, p, m, b, rcode, d)
		delete(a.pending, pk)
	} else {
		a.unmatched++
		a.answer(a.record(p, m, b, overTCP, true), p, m, b, rcode, -1)
	}
	if ch != nil && (rcode == dns.RcodeNameError || ni.score >= a.cfg.DGANXNameScore) {
		a.addHit(ch, lname, ni.score, p, rcode == dns.RcodeNameError)
	}
	if ch != nil && failed {
		ch.addFrame(p.Frame)
	}
	if pr := a.pair(client, ni.domain); pr != nil {
		pr.response(p, len(b))
	}
	a.answersOf(m, client, lname)
}

func (a *Analyzer) answersOf(m *dns.Msg, client netip.Addr, qname string) {
	for _, rr := range m.Answer {
		h := rr.Header()
		var data string
		var addr netip.Addr
		switch r := rr.(type) {
		case *dns.A:
			addr, _ = netip.AddrFromSlice(r.A.To4())
			data = addr.String()
		case *dns.AAAA:
			addr, _ = netip.AddrFromSlice(r.AAAA.To16())
			data = addr.String()
		case *dns.CNAME:
			data = lowerName(r.Target)
		case *dns.PTR:
			data = lowerName(r.Ptr)
		case *dns.MX:
			data = lowerName(r.Mx)
		case *dns.NS:
			data = lowerName(r.Ns)
		case *dns.TXT:
			data = strings.Join(r.Txt, " ")
			if len(data) > 255 {
				data = data[:255]
			}
		default:
			continue
		}
		owner := lowerName(h.Name)
		key := answerKey{owner, h.Rrtype, data}
		as := a.answers[key]
		if as == nil {
			if len(a.answers) >= a.cfg.MaxAnswers {
				a.lim.AnswersDropped++
			} else {
				as = &answerStat{ttlMin: h.Ttl, ttlMax: h.Ttl}
				a.answers[key] = as
			}
		}
		if as != nil {
			as.count++
			as.ttlMin = min(as.ttlMin, h.Ttl)
			as.ttlMax = max(as.ttlMax, h.Ttl)
		}
		if addr.IsValid() {
			a.attribute(client, addr.Unmap(), qname, owner)
		}
	}
}

func addName(list []string, names ...string) []string {
	for _, n := range names {
		if n != "" && !slices.Contains(list, n) && len(list) < maxNamesPerAddr {
			list = append(list, n)
		}
	}
	return list
}

const maxNamesPerAddr = 8

func (a *Analyzer) attribute(client, addr netip.Addr, qname, owner string) {
	if l, ok := a.addrNames[addr]; ok || len(a.addrNames) < a.cfg.MaxAddrNames {
		a.addrNames[addr] = addName(l, qname, owner)
	} else {
		a.lim.AddrNamesDropped++
	}
	ck := clientAddr{client, addr}
	if l, ok := a.clientNames[ck]; ok || len(a.clientNames) < a.cfg.MaxAddrNames {
		a.clientNames[ck] = addName(l, qname, owner)
	}
}

// NamesFor returns the names client resolved to server's address before
// (or while) connecting to it, the name queried first; when client never
// resolved it, the names any client resolved to it; nil when none did. The
// slice must not be modified.
func (a *Analyzer) NamesFor(client, server netip.Addr) []string {
	return namesFor(a.clientNames, a.addrNames, client, server)
}

func namesFor(cn map[clientAddr][]string, an map[netip.Addr][]string, client, server netip.Addr) []string {
	server = server.Unmap()
	if l := cn[clientAddr{client.Unmap(), server}]; l != nil {
		return l
	}
	return an[server]
}
