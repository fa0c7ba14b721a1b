package dhcp

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// Config bounds the analyzer and sets its detection thresholds. The zero
// value is ready to use.
type Config struct {
	// MaxTransactions caps the transactions kept (each distinct client MAC
	// and transaction ID). Zero means 2000.
	MaxTransactions int
	// MaxLeases caps the (MAC, address) leases kept. Zero means 2000.
	MaxLeases int
	// MaxServers caps the servers kept. Zero means 64.
	MaxServers int
	// MaxClients caps the client MACs remembered for starvation detection.
	// Zero means 20000.
	MaxClients int
	// StarvationClients is how many new client MACs sending DISCOVER or
	// REQUEST within StarvationWindow make a starvation finding. Zero
	// means 50.
	StarvationClients int
	// StarvationWindow is the window for StarvationClients. Zero means 60 s.
	StarvationWindow time.Duration
	// NAKStorm is how many NAKs within NAKWindow make a NAK-storm finding.
	// Zero means 20.
	NAKStorm int
	// NAKWindow is the window for NAKStorm. Zero means 60 s.
	NAKWindow time.Duration
	// Unanswered is how many DISCOVERs left without an OFFER, while some
	// server answers on the segment, make a pool-exhaustion finding. Zero
	// means 20.
	Unanswered int
	// MaxFrames caps evidence frames per finding. Zero means
	// attack.DefaultMaxFrames.
	MaxFrames int
	// KnownServers are the legitimate DHCP servers (server identifiers).
	// When set, every other answering server is reported as rogue. When
	// empty and several servers answer on a segment, the wire alone cannot
	// tell which one is legitimate: the first seen answering is taken as
	// expected and the others are named as unexpected.
	KnownServers []netip.Addr
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxTransactions, 2000)
	def(&c.MaxLeases, 2000)
	def(&c.MaxServers, 64)
	def(&c.MaxClients, 20000)
	def(&c.StarvationClients, 50)
	def(&c.NAKStorm, 20)
	def(&c.Unanswered, 20)
	if c.StarvationWindow <= 0 {
		c.StarvationWindow = time.Minute
	}
	if c.NAKWindow <= 0 {
		c.NAKWindow = time.Minute
	}
	return c
}

// Result is the DHCP section of a report.
type Result struct {
	// Messages counts DHCPv4 messages by type name ("DISCOVER", …);
	// messages without option 53 count as "BOOTP".
	Messages      map[string]uint64 `json:"messages"`
	MessagesTotal uint64            `json:"messages_total"`
	// V6Messages counts DHCPv6 messages by type name ("SOLICIT", …).
	V6Messages map[string]uint64 `json:"v6_messages,omitempty"`
	// Malformed counts datagrams on DHCP ports that did not parse.
	Malformed uint64 `json:"malformed,omitempty"`
	// Servers answering (OFFER, ACK, NAK; DHCPv6 ADVERTISE, REPLY), by
	// address.
	Servers        []Server `json:"servers"`
	ServersDropped int      `json:"servers_dropped,omitempty"`
	// Leases are the addresses servers assigned by ACK (MAC → IP →
	// hostname over time), sorted by MAC then first time.
	Leases        []Lease `json:"leases"`
	LeasesDropped int     `json:"leases_dropped,omitempty"`
	// Transactions are the exchanges by (client MAC, transaction ID), in
	// order of first message.
	Transactions        []Transaction `json:"transactions"`
	TransactionsDropped int           `json:"transactions_dropped,omitempty"`
}

// Server is one DHCP server seen answering.
type Server struct {
	Addr       netip.Addr   `json:"addr"` // server identifier (option 54), else IP source
	MAC        string       `json:"mac,omitempty"`
	VLAN       uint16       `json:"vlan,omitempty"`
	V6         bool         `json:"v6,omitempty"`
	DUID       string       `json:"duid,omitempty"` // DHCPv6 server identifier, hex
	Offers     uint64       `json:"offers"`
	Acks       uint64       `json:"acks"`
	Naks       uint64       `json:"naks"`
	Replies    uint64       `json:"replies,omitempty"` // DHCPv6 ADVERTISE and REPLY
	Clients    int          `json:"clients"`           // distinct client MACs answered
	Offered    []netip.Addr `json:"offered,omitempty"` // addresses handed out (first 16)
	Subnet     netip.Addr   `json:"subnet_mask,omitzero"`
	Routers    []netip.Addr `json:"routers,omitempty"`
	DNS        []netip.Addr `json:"dns,omitempty"`
	Domain     string       `json:"domain,omitempty"`
	LeaseS     uint32       `json:"lease_time_s,omitempty"`
	First      time.Time    `json:"first"`
	Last       time.Time    `json:"last"`
	FirstFrame uint64       `json:"first_frame"`
}

// Lease is an address a server assigned to a client.
type Lease struct {
	MAC        string     `json:"mac"`
	Addr       netip.Addr `json:"addr"`
	Hostname   string     `json:"hostname,omitempty"`
	Server     netip.Addr `json:"server,omitzero"`
	LeaseS     uint32     `json:"lease_time_s,omitempty"`
	Acks       uint64     `json:"acks"`
	First      time.Time  `json:"first"`
	Last       time.Time  `json:"last"`
	FirstFrame uint64     `json:"first_frame"`
}

// Transaction is one client exchange (same client MAC and transaction ID).
type Transaction struct {
	XID       string   `json:"xid"` // "0x000007c0"
	V6        bool     `json:"v6,omitempty"`
	ClientMAC string   `json:"client_mac,omitempty"`
	Messages  []string `json:"messages"` // type names in order, first 16
	// MessageCount counts all messages of the transaction (Messages keeps 16).
	MessageCount int          `json:"message_count"`
	Frames       []uint64     `json:"frames"` // first 16
	Servers      []netip.Addr `json:"servers,omitempty"`
	Requested    netip.Addr   `json:"requested,omitzero"`
	Offered      netip.Addr   `json:"offered,omitzero"`
	Assigned     netip.Addr   `json:"assigned,omitzero"`
	ClientAddr   netip.Addr   `json:"client_addr,omitzero"` // ciaddr
	Hostname     string       `json:"hostname,omitempty"`
	VendorClass  string       `json:"vendor_class,omitempty"`
	// ParamRequestList is option 55 as decimal codes ("1,3,6,15"), a
	// client fingerprint.
	ParamRequestList string       `json:"param_request_list,omitempty"`
	RelayAgent       netip.Addr   `json:"relay_agent,omitzero"` // giaddr
	RelayInfo        bool         `json:"relay_info,omitempty"` // option 82 present
	Router           []netip.Addr `json:"routers,omitempty"`
	DNS              []netip.Addr `json:"dns,omitempty"`
	Domain           string       `json:"domain,omitempty"`
	LeaseS           uint32       `json:"lease_time_s,omitempty"`
	// Outcome: "ack", "nak", "offered", "unanswered", "inform", "release",
	// "decline", "reply" (DHCPv6).
	Outcome    string    `json:"outcome"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	DurationMS float64   `json:"duration_ms"`
	// OfferMS and AckMS are the delays from the first message to the first
	// OFFER and the first ACK/NAK.
	OfferMS float64 `json:"offer_ms,omitempty"`
	AckMS   float64 `json:"ack_ms,omitempty"`

	nmsg  int
	types uint32 // bit per DHCPv4 type seen
	offer time.Time
	ack   time.Time
}

type txKey struct {
	xid uint32
	mac [6]byte
	v6  bool
}

type srvKey struct {
	addr netip.Addr
	vlan uint16
}

type server struct {
	Server
	frames  attack.FrameSet
	clients map[[6]byte]struct{}
}

type leaseKey struct {
	mac  [6]byte
	addr netip.Addr
}

// Analyzer follows DHCP over a capture. Create it with [New].
type Analyzer struct {
	cfg Config
	m   msg
	m6  msg6

	counts   [256]uint64
	v6counts [16]uint64
	total    uint64
	bad      uint64

	txs       map[txKey]*Transaction
	txOrder   []*Transaction
	txDrop    int
	servers   map[srvKey]*server
	srvDrop   int
	leases    map[leaseKey]*Lease
	leaseDrop int

	// starvation: first-seen times of client MACs sending DISCOVER/REQUEST
	clients                 map[[6]byte]struct{}
	newClients              []time.Time
	starveFrames            attack.FrameSet
	starveMax               int
	starveFirst, starveLast time.Time
	starveHit               bool

	naks              []time.Time
	nakFrames         attack.FrameSet
	nakMax            int
	nakFirst, nakLast time.Time

	discFrames attack.FrameSet // frames of unanswered DISCOVERs (filled at finish)
}

// New returns an Analyzer with cfg's limits.
func New(cfg Config) *Analyzer {
	cfg = cfg.withDefaults()
	a := &Analyzer{
		cfg:     cfg,
		txs:     map[txKey]*Transaction{},
		servers: map[srvKey]*server{},
		leases:  map[leaseKey]*Lease{},
		clients: map[[6]byte]struct{}{},
	}
	a.starveFrames.Max = cfg.MaxFrames
	a.nakFrames.Max = cfg.MaxFrames
	a.discFrames.Max = cfg.MaxFrames
	return a
}

// Observe reads one packet; only UDP datagrams on the DHCP ports are parsed.
func (a *Analyzer) Observe(p *flows.Packet) {
	if p.Proto != flows.UDP || !p.L4 {
		return
	}
	sp, dp := p.SrcPort, p.DstPort
	switch {
	case (sp == ServerPort || sp == ClientPort) && (dp == ServerPort || dp == ClientPort):
		if !looksV4(p.Payload) {
			if len(p.Payload) >= fixedLen && (p.Payload[0] == 1 || p.Payload[0] == 2) {
				// BOOTP without cookie, or cut before it
				a.counts[0]++
				a.total++
				a.setApp(p)
			} else {
				a.bad++
			}
			return
		}
		if parseV4(p.Payload, &a.m) != nil {
			a.bad++
			return
		}
		a.setApp(p)
		a.v4(p, &a.m)
	case (sp == V6ClientPort || sp == V6ServerPort) && (dp == V6ClientPort || dp == V6ServerPort):
		if !looksV6(p.Payload) || parseV6(p.Payload, &a.m6) != nil {
			a.bad++
			return
		}
		a.setApp(p)
		a.v6(p, &a.m6)
	}
}

func (a *Analyzer) setApp(p *flows.Packet) {
	if p.Flow != nil && p.Flow.App == "" {
		p.Flow.App = "dhcp"
	}
}

func vlanOf(p *flows.Packet) uint16 {
	if p.NVLAN > 0 {
		return p.VLANs[0]
	}
	return 0
}

// MAC formats a hardware address as Wireshark does ("00:0b:82:01:fc:42").
func MAC(m [6]byte) string {
	const hx = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, c := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hx[c>>4], hx[c&15])
	}
	return string(b)
}

func addrs4(b []byte) []netip.Addr {
	var out []netip.Addr
	for i := 0; i+4 <= len(b) && len(out) < 8; i += 4 {
		out = append(out, addr4(b[i:]))
	}
	return out
}

func prlString(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(int(c)))
	}
	return sb.String()
}

func printable(b []byte) string {
	if len(b) > 128 {
		b = b[:128]
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, string(b)), "?")
}

const maxTxMsgs = 16

func (a *Analyzer) tx(k txKey, p *flows.Packet) *Transaction {
	t := a.txs[k]
	if t != nil {
		return t
	}
	if len(a.txs) >= a.cfg.MaxTransactions {
		a.txDrop++
		return nil
	}
	x := fmt.Sprintf("0x%08x", k.xid)
	if k.v6 {
		x = fmt.Sprintf("0x%06x", k.xid)
	}
	t = &Transaction{XID: x, V6: k.v6, First: p.Time}
	if k.mac != ([6]byte{}) {
		t.ClientMAC = MAC(k.mac)
	}
	a.txs[k] = t
	a.txOrder = append(a.txOrder, t)
	return t
}

func (t *Transaction) add(name string, typ MsgType, p *flows.Packet) {
	t.nmsg++
	if typ < 32 {
		t.types |= 1 << typ
	}
	if len(t.Messages) < maxTxMsgs {
		t.Messages = append(t.Messages, name)
		t.Frames = append(t.Frames, p.Frame)
	}
	t.Last = p.Time
}

func addAddr(list []netip.Addr, a netip.Addr, max int) []netip.Addr {
	if !a.IsValid() || slices.Contains(list, a) || len(list) >= max {
		return list
	}
	return append(list, a)
}

func (a *Analyzer) v4(p *flows.Packet, m *msg) {
	a.counts[m.typ]++
	a.total++
	t := a.tx(txKey{xid: m.xid, mac: m.chaddr}, p)
	if t != nil {
		t.add(m.typ.String(), m.typ, p)
		if m.giaddr.IsValid() && !m.giaddr.IsUnspecified() {
			t.RelayAgent = m.giaddr
		}
		if len(m.relayInfo) > 0 {
			t.RelayInfo = true
		}
	}
	if m.op == 1 { // client → server
		if t != nil {
			if m.requested.IsValid() {
				t.Requested = m.requested
			}
			if !m.ciaddr.IsUnspecified() {
				t.ClientAddr = m.ciaddr
			}
			// set once per transaction: a repeated message allocates nothing
			if len(m.hostname) > 0 && t.Hostname == "" {
				t.Hostname = printable(m.hostname)
			}
			if len(m.vendor) > 0 && t.VendorClass == "" {
				t.VendorClass = printable(m.vendor)
			}
			if len(m.prl) > 0 && t.ParamRequestList == "" {
				t.ParamRequestList = prlString(m.prl)
			}
		}
		if m.typ == Discover || m.typ == Request {
			a.newClient(m.chaddr, p)
		}
		return
	}
	// server → client
	sid := m.serverID
	if !sid.IsValid() {
		sid = p.Src
	}
	s := a.server(srvKey{sid, vlanOf(p)}, p)
	if s != nil {
		s.Last = p.Time
		s.frames.Add(p.Frame)
		if len(s.clients) < 4096 {
			s.clients[m.chaddr] = struct{}{}
		}
		switch m.typ {
		case Offer:
			s.Offers++
		case Ack:
			s.Acks++
		case Nak:
			s.Naks++
		}
		if m.typ == Offer || m.typ == Ack {
			if !m.yiaddr.IsUnspecified() {
				s.Offered = addAddr(s.Offered, m.yiaddr, 16)
			}
			if len(m.routers) > 0 && s.Routers == nil {
				s.Routers = addrs4(m.routers)
			}
			if len(m.dns) > 0 && s.DNS == nil {
				s.DNS = addrs4(m.dns)
			}
			if len(m.domain) > 0 && s.Domain == "" {
				s.Domain = printable(m.domain)
			}
			if m.hasLease {
				s.LeaseS = m.leaseS
			}
			if m.subnet.IsValid() {
				s.Subnet = m.subnet
			}
		}
	}
	if t != nil {
		t.Servers = addAddr(t.Servers, sid, 8)
		if len(m.routers) > 0 && t.Router == nil {
			t.Router = addrs4(m.routers)
		}
		if len(m.dns) > 0 && t.DNS == nil {
			t.DNS = addrs4(m.dns)
		}
		if len(m.domain) > 0 && t.Domain == "" {
			t.Domain = printable(m.domain)
		}
		if m.hasLease {
			t.LeaseS = m.leaseS
		}
		switch m.typ {
		case Offer:
			if !m.yiaddr.IsUnspecified() {
				t.Offered = m.yiaddr
			}
			if t.offer.IsZero() {
				t.offer = p.Time
			}
		case Ack:
			if !m.yiaddr.IsUnspecified() {
				t.Assigned = m.yiaddr
			}
			if t.ack.IsZero() {
				t.ack = p.Time
			}
		case Nak:
			if t.ack.IsZero() {
				t.ack = p.Time
			}
		}
	}
	if m.typ == Ack && !m.yiaddr.IsUnspecified() {
		host := ""
		if t != nil {
			host = t.Hostname
		}
		if len(m.hostname) > 0 {
			host = printable(m.hostname)
		}
		a.lease(leaseKey{m.chaddr, m.yiaddr}, host, sid, m, p)
	}
	if m.typ == Nak {
		a.nak(p)
	}
}

func (a *Analyzer) server(k srvKey, p *flows.Packet) *server {
	s := a.servers[k]
	if s != nil {
		return s
	}
	if len(a.servers) >= a.cfg.MaxServers {
		a.srvDrop++
		return nil
	}
	s = &server{Server: Server{Addr: k.addr, VLAN: k.vlan, First: p.Time, Last: p.Time, FirstFrame: p.Frame}, clients: map[[6]byte]struct{}{}}
	if p.HasMAC {
		s.MAC = MAC(p.SrcMAC)
	}
	s.frames.Max = a.cfg.MaxFrames
	a.servers[k] = s
	return s
}

func (a *Analyzer) lease(k leaseKey, host string, sid netip.Addr, m *msg, p *flows.Packet) {
	l := a.leases[k]
	if l == nil {
		if len(a.leases) >= a.cfg.MaxLeases {
			a.leaseDrop++
			return
		}
		l = &Lease{MAC: MAC(k.mac), Addr: k.addr, First: p.Time, FirstFrame: p.Frame}
		a.leases[k] = l
	}
	l.Acks++
	l.Last = p.Time
	l.Server = sid
	if host != "" {
		l.Hostname = host
	}
	if m.hasLease {
		l.LeaseS = m.leaseS
	}
}

func (a *Analyzer) newClient(mac [6]byte, p *flows.Packet) {
	if _, ok := a.clients[mac]; ok || len(a.clients) >= a.cfg.MaxClients {
		return
	}
	a.clients[mac] = struct{}{}
	a.newClients = append(a.newClients, p.Time)
	// drop times outside the window
	cut := p.Time.Add(-a.cfg.StarvationWindow)
	i := 0
	for i < len(a.newClients) && a.newClients[i].Before(cut) {
		i++
	}
	if i > 0 {
		a.newClients = append(a.newClients[:0], a.newClients[i:]...)
	}
	if len(a.newClients) >= a.cfg.StarvationClients {
		if !a.starveHit {
			a.starveHit = true
			a.starveFirst = a.newClients[0]
		}
		a.starveMax = max(a.starveMax, len(a.newClients))
	}
	if a.starveHit {
		a.starveLast = p.Time
	}
	a.starveFrames.Add(p.Frame)
}

func (a *Analyzer) nak(p *flows.Packet) {
	a.naks = append(a.naks, p.Time)
	cut := p.Time.Add(-a.cfg.NAKWindow)
	i := 0
	for i < len(a.naks) && a.naks[i].Before(cut) {
		i++
	}
	if i > 0 {
		a.naks = append(a.naks[:0], a.naks[i:]...)
	}
	a.nakFrames.Add(p.Frame)
	if len(a.naks) >= a.cfg.NAKStorm {
		if a.nakMax == 0 {
			a.nakFirst = a.naks[0]
		}
		a.nakMax = max(a.nakMax, len(a.naks))
		a.nakLast = p.Time
	}
}

func (a *Analyzer) v6(p *flows.Packet, m *msg6) {
	if int(m.typ) < len(a.v6counts) {
		a.v6counts[m.typ]++
	}
	a.total++
	if m.typ == 12 || m.typ == 13 {
		return
	}
	var mac [6]byte
	if p.HasMAC {
		if p.SrcPort == V6ClientPort {
			mac = p.SrcMAC
		} else {
			mac = p.DstMAC
		}
	}
	t := a.tx(txKey{xid: m.xid, mac: mac, v6: true}, p)
	if t != nil {
		t.add(v6Name(m.typ), 0, p)
	}
	if m.typ == 2 || m.typ == 7 { // ADVERTISE, REPLY
		s := a.server(srvKey{p.Src, vlanOf(p)}, p)
		if s != nil {
			s.V6 = true
			s.Replies++
			s.Last = p.Time
			s.frames.Add(p.Frame)
			if len(m.serverID) > 0 && s.DUID == "" {
				s.DUID = hex.EncodeToString(m.serverID[:min(len(m.serverID), 32)])
			}
			if len(s.clients) < 4096 {
				s.clients[mac] = struct{}{}
			}
			for _, x := range m.addrs[:m.naddrs] {
				s.Offered = addAddr(s.Offered, x, 16)
			}
			for _, x := range m.dns[:m.ndns] {
				s.DNS = addAddr(s.DNS, x, 8)
			}
		}
		if t != nil {
			t.Servers = addAddr(t.Servers, p.Src, 8)
			if m.naddrs > 0 {
				t.Assigned = m.addrs[0]
			}
			if t.ack.IsZero() {
				t.ack = p.Time
			}
		}
	}
}

func ms(d time.Duration) float64 { return attack.Round(float64(d) / float64(time.Millisecond)) }

// Finish returns the DHCP section (nil when no DHCP was seen) and the
// findings.
func (a *Analyzer) Finish() (*Result, []attack.Finding) {
	if a.total == 0 && a.bad == 0 {
		return nil, nil
	}
	r := &Result{Messages: map[string]uint64{}, MessagesTotal: a.total, Malformed: a.bad,
		ServersDropped: a.srvDrop, LeasesDropped: a.leaseDrop, TransactionsDropped: a.txDrop}
	for i, c := range a.counts {
		if c > 0 {
			r.Messages[MsgType(i).String()] = c
		}
	}
	for i, c := range a.v6counts {
		if c > 0 {
			if r.V6Messages == nil {
				r.V6Messages = map[string]uint64{}
			}
			r.V6Messages[v6Name(uint8(i))] = c
		}
	}
	var findings []attack.Finding
	r.Servers = []Server{}
	for _, s := range a.servers {
		s.Clients = len(s.clients)
		r.Servers = append(r.Servers, s.Server)
	}
	slices.SortFunc(r.Servers, func(x, y Server) int {
		return cmp.Or(cmp.Compare(x.VLAN, y.VLAN), x.First.Compare(y.First), x.Addr.Compare(y.Addr))
	})
	r.Leases = []Lease{}
	for _, l := range a.leases {
		r.Leases = append(r.Leases, *l)
	}
	slices.SortFunc(r.Leases, func(x, y Lease) int {
		return cmp.Or(strings.Compare(x.MAC, y.MAC), x.First.Compare(y.First), x.Addr.Compare(y.Addr))
	})
	r.Transactions = []Transaction{}
	unanswered := 0
	var unFirst, unLast time.Time
	for _, t := range a.txOrder {
		t.DurationMS = ms(t.Last.Sub(t.First))
		t.MessageCount = t.nmsg
		if !t.offer.IsZero() {
			t.OfferMS = ms(t.offer.Sub(t.First))
		}
		if !t.ack.IsZero() {
			t.AckMS = ms(t.ack.Sub(t.First))
		}
		t.Outcome = outcome(t)
		if t.Outcome == "unanswered" && len(t.Messages) > 0 && t.Messages[0] == "DISCOVER" {
			unanswered++
			for _, f := range t.Frames {
				a.discFrames.Add(f)
			}
			if unFirst.IsZero() {
				unFirst = t.First
			}
			unLast = t.Last
		}
		r.Transactions = append(r.Transactions, *t)
	}
	findings = append(findings, a.rogue()...)
	if a.starveHit {
		findings = append(findings, a.starvation())
	}
	if a.nakMax > 0 {
		f := attack.Finding{Kind: "dhcp_nak_storm", Source: "dhcp", Score: 0.5,
			Summary: fmt.Sprintf("%d DHCP NAKs within %s (%d in total)", a.nakMax, a.cfg.NAKWindow, a.nakFrames.Total()),
			First:   a.nakFirst, Last: a.nakLast,
			Techniques: []attack.TechniqueRef{attack.Tech("T1557.003", 0.3)},
			Features:   []attack.Feature{{Name: "naks_in_window", Value: float64(a.nakMax)}},
			Evidence:   a.nakFrames.Evidence("dhcp.option.dhcp==6"),
		}
		f.Severity = attack.SeverityFor(f.Score)
		findings = append(findings, f)
	}
	if unanswered >= a.cfg.Unanswered && len(a.servers) > 0 {
		f := attack.Finding{Kind: "dhcp_pool_exhausted", Source: "dhcp", Score: 0.5,
			Summary: fmt.Sprintf("%d DHCP DISCOVERs got no OFFER while a server was answering: the pool may be exhausted", unanswered),
			First:   unFirst, Last: unLast,
			Techniques: []attack.TechniqueRef{attack.Tech("T1557.003", 0.3)},
			Features:   []attack.Feature{{Name: "unanswered_discovers", Value: float64(unanswered)}},
		}
		f.Evidence = a.discFrames.Evidence("")
		f.Evidence.DisplayFilter = attack.FrameFilter(f.Evidence.Frames)
		f.Severity = attack.SeverityFor(f.Score)
		findings = append(findings, f)
	}
	return r, findings
}

func outcome(t *Transaction) string {
	if t.V6 {
		if !t.ack.IsZero() {
			return "reply"
		}
		return "unanswered"
	}
	has := func(m MsgType) bool { return t.types&(1<<m) != 0 }
	switch {
	case has(Nak):
		return "nak"
	case has(Ack) && has(Inform):
		return "inform"
	case has(Ack):
		return "ack"
	case has(Offer):
		return "offered"
	case has(Inform):
		return "inform"
	case has(Release):
		return "release"
	case has(Decline):
		return "decline"
	}
	return "unanswered"
}

// rogue reports every segment (VLAN) where more than one server answered:
// the server that answered first is taken as the expected one and each
// later one is named as unexpected.
func (a *Analyzer) rogue() []attack.Finding {
	byVLAN := map[uint16][]*server{}
	for _, s := range a.servers {
		if s.V6 {
			continue
		}
		byVLAN[s.VLAN] = append(byVLAN[s.VLAN], s)
	}
	var out []attack.Finding
	for vlan, ss := range byVLAN {
		if len(ss) < 2 && (len(a.cfg.KnownServers) == 0 || len(ss) == 0 || slices.Contains(a.cfg.KnownServers, ss[0].Addr)) {
			continue
		}
		slices.SortFunc(ss, func(x, y *server) int {
			return cmp.Or(cmp.Compare(x.FirstFrame, y.FirstFrame), x.Addr.Compare(y.Addr))
		})
		known := len(a.cfg.KnownServers) > 0
		if known {
			// known servers first, so that ss[0] is a legitimate one
			slices.SortStableFunc(ss, func(x, y *server) int {
				kx, ky := slices.Contains(a.cfg.KnownServers, x.Addr), slices.Contains(a.cfg.KnownServers, y.Addr)
				switch {
				case kx && !ky:
					return -1
				case ky && !kx:
					return 1
				}
				return 0
			})
		}
		first := ss[0]
		basis := "first seen answering"
		if known {
			basis = "Config.KnownServers"
		}
		cands := ss[1:]
		if known {
			cands = ss
		}
		for _, s := range cands {
			if known && slices.Contains(a.cfg.KnownServers, s.Addr) {
				continue
			}
			hands := ""
			if len(s.Offered) > 0 {
				hands = fmt.Sprintf(" offering %s", joinAddrs(s.Offered, 4))
			}
			if len(s.Routers) > 0 {
				hands += fmt.Sprintf(", router %s", joinAddrs(s.Routers, 2))
			}
			if len(s.DNS) > 0 {
				hands += fmt.Sprintf(", DNS %s", joinAddrs(s.DNS, 2))
			}
			seg := ""
			if vlan != 0 {
				seg = fmt.Sprintf(" on VLAN %d", vlan)
			}
			macs := ""
			if s.MAC != "" {
				macs = " (" + s.MAC + ")"
			}
			score := 0.8
			f := attack.Finding{Kind: "dhcp_rogue_server", Source: "dhcp", Score: score, Severity: attack.SeverityFor(score),
				Summary: fmt.Sprintf("unexpected DHCP server %s%s answering%s (expected %s, by %s)%s", s.Addr, macs, seg, first.Addr, basis, hands),
				Src:     s.Addr, First: s.First, Last: s.Last,
				Techniques: []attack.TechniqueRef{attack.Tech("T1557.003", 0.7)},
				Features: []attack.Feature{
					{Name: "servers_on_segment", Value: float64(len(ss))},
					{Name: "offers", Value: float64(s.Offers)},
					{Name: "acks", Value: float64(s.Acks)},
					{Name: "clients", Value: float64(len(s.clients))},
					{Name: "expected_server", Text: first.Addr.String()},
					{Name: "expected_by", Text: basis},
				},
			}
			if s.MAC != "" {
				f.Features = append(f.Features, attack.Feature{Name: "server_mac", Text: s.MAC})
			}
			f.Evidence = s.frames.Evidence(serverFilter(s))
			out = append(out, f)
		}
	}
	return out
}

func serverFilter(s *server) string {
	// server identifier when it was present, else the IP source
	return fmt.Sprintf("(dhcp.option.dhcp==2 || dhcp.option.dhcp==5 || dhcp.option.dhcp==6) && (dhcp.option.dhcp_server_id==%s || (!dhcp.option.dhcp_server_id && ip.src==%s))", s.Addr, s.Addr)
}

func joinAddrs(as []netip.Addr, n int) string {
	var parts []string
	for i, x := range as {
		if i == n {
			parts = append(parts, fmt.Sprintf("… (%d)", len(as)))
			break
		}
		parts = append(parts, x.String())
	}
	return strings.Join(parts, ", ")
}

func (a *Analyzer) starvation() attack.Finding {
	score := 0.75
	f := attack.Finding{Kind: "dhcp_starvation", Source: "dhcp", Score: score, Severity: attack.SeverityFor(score),
		Summary: fmt.Sprintf("DHCP starvation: %d new client MACs asked for addresses within %s (%d distinct in all)",
			a.starveMax, a.cfg.StarvationWindow, a.starveFrames.Total()),
		First: a.starveFirst, Last: a.starveLast,
		Techniques: []attack.TechniqueRef{attack.Tech("T1557.003", 0.6)},
		Features: []attack.Feature{
			{Name: "new_clients_in_window", Value: float64(a.starveMax)},
			{Name: "window_s", Value: a.cfg.StarvationWindow.Seconds()},
		},
	}
	f.Evidence = a.starveFrames.Evidence("")
	f.Evidence.DisplayFilter = attack.FrameFilter(f.Evidence.Frames)
	return f
}
