package sip

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/tcpstream"
)

// Config bounds the analyzer and sets its detection thresholds. The zero
// value is ready to use.
type Config struct {
	// MaxCalls caps the calls (Call-IDs with an INVITE) kept. Zero means 10000.
	MaxCalls int
	// MaxCallIDs caps the distinct Call-IDs counted. Zero means 100000.
	MaxCallIDs int
	// MaxStreams caps the RTP streams kept. Zero means 10000.
	MaxStreams int
	// MaxMedia caps the SDP media endpoints remembered. Zero means 20000.
	MaxMedia int
	// MaxClients caps the per-source statistics used by the detectors.
	// Zero means 10000.
	MaxClients int
	// MaxTCPConns caps the SIP-over-TCP connections followed at once.
	// Zero means 10000.
	MaxTCPConns int
	// MaxTCPBytes caps the bytes buffered per SIP-over-TCP direction.
	// Zero means 64 KiB.
	MaxTCPBytes int
	// BruteForceMin is how many authentication failures from one source
	// make a brute-force finding (fewer give an auth-failure finding).
	// Zero means 10.
	BruteForceMin int
	// ScanMinTargets is how many distinct destinations (address:port or
	// To user) of OPTIONS/REGISTER/INVITE requests from one source make a
	// scan finding. Zero means 10.
	ScanMinTargets int
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxCalls, 10000)
	def(&c.MaxCallIDs, 100000)
	def(&c.MaxStreams, 10000)
	def(&c.MaxMedia, 20000)
	def(&c.MaxClients, 10000)
	def(&c.MaxTCPConns, 10000)
	def(&c.MaxTCPBytes, 64<<10)
	def(&c.BruteForceMin, 10)
	def(&c.ScanMinTargets, 10)
}

// Report is the SIP and RTP section of a pass.
type Report struct {
	Messages Messages `json:"messages"`
	// Calls are the dialogs started by an INVITE, by first INVITE.
	Calls []Call `json:"calls"`
	// RTPStreams are the RTP streams to media endpoints announced in SDP,
	// by first packet.
	RTPStreams []RTPStream `json:"rtp_streams"`
	Dropped    Dropped     `json:"dropped"`
}

// Messages counts SIP messages.
type Messages struct {
	Count           uint64        `json:"count"`
	Requests        uint64        `json:"requests"`
	Responses       uint64        `json:"responses"`
	ByMethod        []MethodCount `json:"by_method"` // requests, by method name
	ByStatus        []StatusCount `json:"by_status"` // responses, by status code
	DistinctCallIDs int           `json:"distinct_call_ids"`
	OverTCP         uint64        `json:"over_tcp"`
	// UserAgents are the distinct User-Agent and Server values, by name.
	UserAgents []string `json:"user_agents"`
}

// MethodCount is a request method and how often it was seen.
type MethodCount struct {
	Method string `json:"method"`
	Count  uint64 `json:"count"`
}

// StatusCount is a response status and how often it was seen.
type StatusCount struct {
	Status int    `json:"status"`
	Count  uint64 `json:"count"`
}

// Dropped counts what the caps in Config left out.
type Dropped struct {
	Calls   uint64 `json:"calls"`
	CallIDs uint64 `json:"call_ids"`
	Streams uint64 `json:"streams"`
	Media   uint64 `json:"media"`
	Clients uint64 `json:"clients"`
	// Transactions are requests not matched to their responses (at most
	// 4 × MaxCalls are open at once; final responses close them).
	Transactions uint64 `json:"transactions"`
	TCPConns     uint64 `json:"tcp_conns"`
	TCPBytes     uint64 `json:"tcp_bytes"`
}

// Call is one INVITE dialog.
type Call struct {
	CallID    string         `json:"call_id"`
	From      string         `json:"from"` // From URI
	To        string         `json:"to"`   // To URI
	Caller    netip.AddrPort `json:"caller"`
	Callee    netip.AddrPort `json:"callee"`
	UserAgent string         `json:"user_agent,omitempty"`
	// State is "attempting" (no response), "proceeding" (1xx only),
	// "answered" (200 without BYE), "completed" (BYE), "cancelled" or
	// "failed" (final status ≥ 300 other than a challenge that was retried).
	State       string    `json:"state"`
	FinalStatus int       `json:"final_status,omitempty"`
	Invites     int       `json:"invites"`
	Start       time.Time `json:"start"`
	Answered    time.Time `json:"answered,omitzero"`
	End         time.Time `json:"end,omitzero"`
	// SetupMS is first INVITE → final response (200 or failure).
	SetupMS float64 `json:"setup_ms"`
	// DurationMS is 200 OK → BYE (or → last message when no BYE was seen).
	DurationMS float64     `json:"duration_ms"`
	Media      []MediaDesc `json:"media,omitempty"`
	FirstFrame uint64      `json:"first_frame"`
	LastFrame  uint64      `json:"last_frame"`
	Messages   int         `json:"messages"`
}

// MediaDesc is one SDP media section of an offer or answer.
type MediaDesc struct {
	Role   string         `json:"role"` // "offer" or "answer"
	Frame  uint64         `json:"frame"`
	Media  string         `json:"media"` // "audio"
	Addr   netip.AddrPort `json:"addr"`
	Proto  string         `json:"proto"`  // "RTP/AVP"
	Codecs []string       `json:"codecs"` // "PCMU/8000", in offer order
}

// RTPStream is one RTP stream (one SSRC from one source to one destination).
type RTPStream struct {
	CallID      string         `json:"call_id,omitempty"`
	Src         netip.AddrPort `json:"src"`
	Dst         netip.AddrPort `json:"dst"`
	SSRC        string         `json:"ssrc"` // 0x%08x, as Wireshark shows it
	PayloadType uint8          `json:"payload_type"`
	Codec       string         `json:"codec"`
	ClockRateHz uint32         `json:"clock_rate_hz"`
	Packets     uint64         `json:"packets"`
	// Expected is the extended highest minus first sequence number + 1;
	// Lost is Expected − Packets (negative with duplicates), as RFC 3550.
	Expected       uint64    `json:"expected"`
	Lost           int64     `json:"lost"`
	SeqGaps        uint64    `json:"seq_gaps"`
	JitterMS       float64   `json:"jitter_ms"` // RFC 3550 interarrival jitter at the last packet
	MaxJitterMS    float64   `json:"max_jitter_ms"`
	First          time.Time `json:"first"`
	Last           time.Time `json:"last"`
	DurationMS     float64   `json:"duration_ms"`
	FirstFrame     uint64    `json:"first_frame"`
	LastFrame      uint64    `json:"last_frame"`
	PayloadChanges int       `json:"payload_changes,omitempty"`
}

type call struct {
	Call
	maps    map[uint8]rtpMap // rtpmaps of every SDP of the call
	ringing bool
	cancel  bool
	bye     bool
	last    time.Time
}

type mediaRef struct {
	callID string
	m      sdpMedia
	call   *call
}

// codec returns pt's encoding: this media's rtpmap, the call's other SDP
// bodies (an answer may omit what the offer mapped), the static table.
func (r *mediaRef) codec(pt uint8) rtpMap {
	if _, ok := r.m.maps[pt]; !ok && r.call != nil {
		if c, ok := r.call.maps[pt]; ok {
			if c.clock == 0 {
				c.clock = 8000
			}
			return c
		}
	}
	return r.m.codec(pt)
}

type streamKey struct {
	src, dst netip.AddrPort
	ssrc     uint32
}

type stream struct {
	RTPStream
	clock    float64
	baseSeq  uint16
	maxSeq   uint16
	cycles   uint32
	lastTS   uint32
	lastArr  time.Time
	jitter   float64 // timestamp units
	maxJit   float64
	haveLast bool
}

type client struct {
	addr      netip.Addr
	failures  attack.FrameSet // 403, or 401/407 to a request with credentials
	users     map[string]struct{}
	targets   map[string]struct{}
	probes    attack.FrameSet
	scanUA    string
	uaFrames  attack.FrameSet
	first     time.Time
	last      time.Time
	dsts      map[netip.Addr]struct{}
	intlCalls attack.FrameSet
	intlNums  []string
	// flows of the evidence, at most maxEvidenceFlows each
	failFlows, probeFlows, uaFlows, intlFlows []*flows.Flow
}

const maxEvidenceFlows = 16

func addFlow(fs *[]*flows.Flow, f *flows.Flow) {
	if f == nil || len(*fs) >= maxEvidenceFlows || slices.Contains(*fs, f) {
		return
	}
	*fs = append(*fs, f)
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

type txKey struct {
	callID string
	cseq   uint32
	method string
}

type tx struct {
	client netip.AddrPort
	server netip.AddrPort
	auth   bool
	user   string
}

type tcpConn struct {
	half [2]tcpstream.Half
	buf  [2][]byte
	fin  [2]bool
}

// Analyzer follows SIP messages and the RTP streams their SDP announces.
type Analyzer struct {
	cfg      Config
	msgs     Messages
	byMethod map[string]uint64
	byStatus map[int]uint64
	callIDs  map[string]struct{}
	uas      map[string]struct{}
	calls    map[string]*call
	media    map[netip.AddrPort]*mediaRef
	rtcp     map[netip.AddrPort]*mediaRef
	streams  map[streamKey]*stream
	clients  map[netip.Addr]*client
	txs      map[txKey]tx
	tcp      map[*flows.Flow]*tcpConn // nil value: closed
	tcpLive  int
	dropped  Dropped
	msg      message
	rtp      rtpHeader
}

// New returns an Analyzer with cfg's caps.
func New(cfg Config) *Analyzer {
	cfg.defaults()
	return &Analyzer{
		cfg:      cfg,
		byMethod: map[string]uint64{},
		byStatus: map[int]uint64{},
		callIDs:  map[string]struct{}{},
		uas:      map[string]struct{}{},
		calls:    map[string]*call{},
		media:    map[netip.AddrPort]*mediaRef{},
		rtcp:     map[netip.AddrPort]*mediaRef{},
		streams:  map[streamKey]*stream{},
		clients:  map[netip.Addr]*client{},
		txs:      map[txKey]tx{},
		tcp:      map[*flows.Flow]*tcpConn{},
	}
}

// Observe reads one packet. Packets of flows that are neither SIP nor
// announced media return after a map lookup or two, without allocating.
func (a *Analyzer) Observe(p *flows.Packet) {
	if p.Flow == nil || !p.L4 {
		return
	}
	switch p.Proto {
	case flows.UDP:
		if len(p.Payload) == 0 {
			return
		}
		if len(a.media) > 0 {
			if m := a.media[p.DstAddrPort()]; m != nil && a.observeRTP(p, m) {
				return
			}
			if a.rtcp[p.DstAddrPort()] != nil && len(p.Payload) >= 8 && p.Payload[0]>>6 == 2 && p.Payload[1] >= 200 && p.Payload[1] <= 204 {
				p.Flow.App = "rtcp"
				return
			}
		}
		if looksSIP(p.Payload) {
			b := p.Payload
			for n := 0; len(b) > 0 && n < 8 && looksSIP(b); n++ {
				if !parseMessage(b, false, &a.msg) {
					break
				}
				a.handle(p, &a.msg)
				b = bytes.TrimLeft(b[a.msg.size:], "\r\n")
			}
		}
	case flows.TCP:
		c, ok := a.tcp[p.Flow]
		if ok && c == nil {
			return
		}
		if !ok {
			// SIP over TCP is followed on the SIP ports only, so that an
			// engine splitting a capture by connection can give every
			// SIP message to one analyzer (see flows.Shard).
			if !TCPPort(p.SrcPort) && !TCPPort(p.DstPort) || len(p.Payload) == 0 || !looksSIP(p.Payload) {
				return
			}
			if a.tcpLive >= a.cfg.MaxTCPConns {
				a.dropped.TCPConns++
				return
			}
			c = &tcpConn{}
			a.tcp[p.Flow] = c
			a.tcpLive++
		}
		if p.Flags&(flows.FIN|flows.RST) != 0 {
			c.fin[p.Dir] = true
			if p.Flags.Has(flows.RST) || c.fin[1-p.Dir] {
				defer a.closeTCP(p.Flow)
			}
		}
		data, gap := c.half[p.Dir].Accept(p)
		if gap > 0 {
			c.buf[p.Dir] = c.buf[p.Dir][:0]
		}
		if len(data) == 0 {
			return
		}
		buf := append(c.buf[p.Dir], data...)
		for len(buf) > 0 {
			buf = bytes.TrimLeft(buf, "\r\n")
			if len(buf) == 0 || !parseMessage(buf, true, &a.msg) {
				break
			}
			a.msgs.OverTCP++
			a.handle(p, &a.msg)
			buf = buf[a.msg.size:]
		}
		if len(buf) > a.cfg.MaxTCPBytes || (len(buf) > 0 && !looksSIP(buf) && len(buf) >= 12) {
			a.dropped.TCPBytes += uint64(len(buf))
			buf = buf[:0]
		}
		c.buf[p.Dir] = append(c.buf[p.Dir][:0], buf...)
	}
}

// TCPPort reports whether SIP over TCP is followed on port p: 5060 (SIP)
// and 5061 (SIP over TLS).
func TCPPort(p uint16) bool { return p == 5060 || p == 5061 }

func (a *Analyzer) closeTCP(f *flows.Flow) {
	a.tcp[f] = nil
	a.tcpLive--
}

// handle accounts one parsed message.
func (a *Analyzer) handle(p *flows.Packet, m *message) {
	p.Flow.App = "sip"
	a.msgs.Count++
	if m.request {
		a.msgs.Requests++
		a.byMethod[string(m.method)]++
	} else {
		a.msgs.Responses++
		a.byStatus[m.status]++
	}
	cid := string(m.callID)
	if _, ok := a.callIDs[cid]; !ok && len(m.callID) > 0 {
		if len(a.callIDs) < a.cfg.MaxCallIDs {
			a.callIDs[cid] = struct{}{}
		} else {
			a.dropped.CallIDs++
		}
	}
	for _, ua := range [][]byte{m.userAgent, m.server} {
		if len(ua) > 0 && len(a.uas) < 256 {
			a.uas[string(ua)] = struct{}{}
		}
	}
	src, dst := p.SrcAddrPort(), p.DstAddrPort()
	if m.request {
		a.request(p, m, cid, src, dst)
	} else {
		a.response(p, m, cid, src, dst)
	}
}

var scannerUAs = []string{"friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sipscan", "sundayddr", "iwar", "sipsak", "vaxsipuseragent", "pplsip", "smap", "sivus", "nmap"}

func (a *Analyzer) clientOf(addr netip.Addr, t time.Time) *client {
	c := a.clients[addr]
	if c == nil {
		if len(a.clients) >= a.cfg.MaxClients {
			a.dropped.Clients++
			return nil
		}
		c = &client{addr: addr, users: map[string]struct{}{}, targets: map[string]struct{}{}, dsts: map[netip.Addr]struct{}{}, first: t}
		a.clients[addr] = c
	}
	c.last = t
	return c
}

func (a *Analyzer) request(p *flows.Packet, m *message, cid string, src, dst netip.AddrPort) {
	method := string(m.method)
	c := a.clientOf(src.Addr(), p.Time)
	user := ""
	if len(m.auth) > 0 {
		user = string(digestParam(m.auth, "username"))
	}
	if c != nil {
		if len(m.userAgent) > 0 && c.scanUA == "" {
			low := strings.ToLower(string(m.userAgent))
			for _, s := range scannerUAs {
				if strings.Contains(low, s) {
					c.scanUA = string(m.userAgent)
					break
				}
			}
		}
		if c.scanUA != "" {
			c.uaFrames.Add(p.Frame)
			addFlow(&c.uaFlows, p.Flow)
		}
		switch method {
		case "OPTIONS", "REGISTER", "INVITE":
			c.probes.Add(p.Frame)
			addFlow(&c.probeFlows, p.Flow)
			if len(c.targets) < 4*a.cfg.ScanMinTargets {
				c.targets[dst.String()+"|"+string(userOf(uriOf(m.to)))] = struct{}{}
			}
			if len(c.dsts) < 4*a.cfg.ScanMinTargets {
				c.dsts[dst.Addr()] = struct{}{}
			}
		}
		if method == "INVITE" {
			if num := string(userOf(m.uri)); isInternational(num) {
				c.intlCalls.Add(p.Frame)
				addFlow(&c.intlFlows, p.Flow)
				if len(c.intlNums) < 8 && !slices.Contains(c.intlNums, num) {
					c.intlNums = append(c.intlNums, num)
				}
			}
		}
	}
	if method != "ACK" && method != "CANCEL" {
		if k := (txKey{cid, m.cseqNum, method}); len(a.txs) < 4*a.cfg.MaxCalls {
			a.txs[k] = tx{client: src, server: dst, auth: len(m.auth) > 0, user: user}
		} else if _, ok := a.txs[k]; !ok {
			a.dropped.Transactions++
		}
	}
	cl := a.calls[cid]
	if cl == nil && method == "INVITE" && len(m.callID) > 0 {
		if len(a.calls) >= a.cfg.MaxCalls {
			a.dropped.Calls++
			return
		}
		cl = &call{Call: Call{CallID: cid, From: string(uriOf(m.from)), To: string(uriOf(m.to)), Caller: src, Callee: dst,
			UserAgent: string(m.userAgent), State: "attempting", Start: p.Time, FirstFrame: p.Frame}}
		a.calls[cid] = cl
	}
	if cl == nil {
		return
	}
	cl.note(p)
	switch method {
	case "INVITE":
		cl.Invites++
	case "CANCEL":
		cl.cancel = true
	case "BYE":
		if !cl.bye {
			cl.bye = true
			cl.End = p.Time
		}
	}
	a.sdp(p, m, cl, "offer")
}

func isInternational(num string) bool {
	n := strings.TrimPrefix(num, "+")
	intl := n != num
	if !intl {
		for _, pre := range []string{"00", "011"} {
			if strings.HasPrefix(num, pre) {
				n, intl = num[len(pre):], true
				break
			}
		}
	}
	if !intl || len(n) < 7 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

func (cl *call) note(p *flows.Packet) {
	cl.Messages++
	cl.LastFrame = p.Frame
	cl.last = p.Time
}

func (a *Analyzer) response(p *flows.Packet, m *message, cid string, src, dst netip.AddrPort) {
	method := string(m.cseqMethod)
	if t, ok := a.txs[txKey{cid, m.cseqNum, method}]; ok {
		fail := m.status == 403 || ((m.status == 401 || m.status == 407) && t.auth)
		if fail {
			if c := a.clientOf(t.client.Addr(), p.Time); c != nil {
				c.failures.Add(p.Frame)
				addFlow(&c.failFlows, p.Flow)
				if t.user != "" && len(c.users) < 64 {
					c.users[t.user] = struct{}{}
				}
			}
		}
		if m.status >= 200 {
			delete(a.txs, txKey{cid, m.cseqNum, method})
		}
	}
	cl := a.calls[cid]
	if cl == nil {
		return
	}
	cl.note(p)
	if method != "INVITE" {
		return
	}
	switch {
	case m.status < 200:
		cl.ringing = true
	case m.status < 300:
		if cl.Answered.IsZero() {
			cl.Answered = p.Time
			cl.FinalStatus = m.status
		}
		a.sdp(p, m, cl, "answer")
	default:
		if cl.Answered.IsZero() {
			cl.FinalStatus = m.status
			cl.End = p.Time
		}
	}
	if m.status < 300 && len(m.body) > 0 && m.status >= 100 && m.status < 200 {
		a.sdp(p, m, cl, "answer") // early media (183)
	}
}

// sdp records the media an SDP body announces.
func (a *Analyzer) sdp(p *flows.Packet, m *message, cl *call, role string) {
	if len(m.body) == 0 || (len(m.ctype) > 0 && !bytes.Contains(bytes.ToLower(m.ctype), []byte("sdp"))) || !bytes.HasPrefix(m.body, []byte("v=")) {
		return
	}
	for _, md := range parseSDP(m.body) {
		if !md.addr.IsValid() || md.port == 0 {
			continue
		}
		ap := netip.AddrPortFrom(md.addr, md.port)
		d := MediaDesc{Role: role, Frame: p.Frame, Media: md.kind, Addr: ap, Proto: md.proto, Codecs: []string{}}
		for _, pt := range md.pts {
			r := md.codec(pt)
			s := r.name
			if r.clock > 0 {
				s += "/" + strconv.Itoa(int(r.clock))
			}
			d.Codecs = append(d.Codecs, s)
		}
		if len(cl.Media) < 16 {
			cl.Media = append(cl.Media, d)
		}
		for pt, r := range md.maps {
			if cl.maps == nil {
				cl.maps = map[uint8]rtpMap{}
			}
			if len(cl.maps) < 64 {
				cl.maps[pt] = r
			}
		}
		if !strings.HasPrefix(md.proto, "RTP/") {
			continue
		}
		if _, ok := a.media[ap]; !ok && len(a.media) >= a.cfg.MaxMedia {
			a.dropped.Media++
			continue
		}
		ref := &mediaRef{callID: cl.CallID, m: md, call: cl}
		a.media[ap] = ref
		a.rtcp[netip.AddrPortFrom(md.addr, md.port+1)] = ref
	}
}

// observeRTP accounts one packet to an announced media endpoint; it
// returns false when the payload is not RTP.
func (a *Analyzer) observeRTP(p *flows.Packet, m *mediaRef) bool {
	h := &a.rtp
	if !parseRTP(p.Payload, h) {
		return false
	}
	p.Flow.App = "rtp"
	k := streamKey{p.SrcAddrPort(), p.DstAddrPort(), h.ssrc}
	s := a.streams[k]
	if s == nil {
		if len(a.streams) >= a.cfg.MaxStreams {
			a.dropped.Streams++
			return true
		}
		r := m.codec(h.pt)
		s = &stream{RTPStream: RTPStream{CallID: m.callID, Src: k.src, Dst: k.dst, SSRC: fmt.Sprintf("0x%08x", h.ssrc),
			PayloadType: h.pt, Codec: r.name, ClockRateHz: r.clock, First: p.Time, FirstFrame: p.Frame},
			clock: float64(r.clock), baseSeq: h.seq, maxSeq: h.seq}
		a.streams[k] = s
	}
	s.Packets++
	s.Last = p.Time
	s.LastFrame = p.Frame
	if h.pt != s.PayloadType {
		s.PayloadChanges++
	}
	if s.Packets > 1 {
		d := h.seq - s.maxSeq
		switch {
		case d == 0:
		case d < 0x8000:
			if d > 1 {
				s.SeqGaps++
			}
			if h.seq < s.maxSeq {
				s.cycles++
			}
			s.maxSeq = h.seq
		}
	}
	// RFC 3550 A.8: D(i-1,i) = (Rj − Ri) − (Sj − Si) in timestamp units.
	if s.clock > 0 && h.pt == s.PayloadType {
		if s.haveLast {
			arr := p.Time.Sub(s.lastArr).Seconds() * s.clock
			d := arr - float64(int32(h.ts-s.lastTS))
			s.jitter += (math.Abs(d) - s.jitter) / 16
			s.maxJit = max(s.maxJit, s.jitter)
		}
		s.lastTS, s.lastArr, s.haveLast = h.ts, p.Time, true
	}
	return true
}

func ms(d time.Duration) float64 { return attack.Round(float64(d) / float64(time.Millisecond)) }

// Finish returns the section and the findings.
func (a *Analyzer) Finish() (*Report, []attack.Finding) {
	r := &Report{Messages: a.msgs, Calls: []Call{}, RTPStreams: []RTPStream{}, Dropped: a.dropped}
	r.Messages.ByMethod = []MethodCount{}
	for k, v := range a.byMethod {
		r.Messages.ByMethod = append(r.Messages.ByMethod, MethodCount{k, v})
	}
	slices.SortFunc(r.Messages.ByMethod, func(x, y MethodCount) int { return cmp.Compare(x.Method, y.Method) })
	r.Messages.ByStatus = []StatusCount{}
	for k, v := range a.byStatus {
		r.Messages.ByStatus = append(r.Messages.ByStatus, StatusCount{k, v})
	}
	slices.SortFunc(r.Messages.ByStatus, func(x, y StatusCount) int { return cmp.Compare(x.Status, y.Status) })
	r.Messages.DistinctCallIDs = len(a.callIDs)
	r.Messages.UserAgents = []string{}
	for k := range a.uas {
		r.Messages.UserAgents = append(r.Messages.UserAgents, k)
	}
	slices.Sort(r.Messages.UserAgents)

	for _, cl := range a.calls {
		c := cl.Call
		switch {
		case cl.bye:
			c.State = "completed"
		case !cl.Answered.IsZero():
			c.State = "answered"
		case cl.cancel && (c.FinalStatus == 487 || c.FinalStatus == 0 || c.FinalStatus < 300):
			c.State = "cancelled"
		case c.FinalStatus >= 300:
			c.State = "failed"
		case cl.ringing:
			c.State = "proceeding"
		}
		if !c.Answered.IsZero() {
			c.SetupMS = ms(c.Answered.Sub(c.Start))
			end := c.End
			if end.IsZero() {
				end = cl.last
			}
			c.DurationMS = ms(end.Sub(c.Answered))
		} else if !c.End.IsZero() {
			c.SetupMS = ms(c.End.Sub(c.Start))
		}
		r.Calls = append(r.Calls, c)
	}
	slices.SortFunc(r.Calls, func(x, y Call) int {
		return cmp.Or(cmp.Compare(x.FirstFrame, y.FirstFrame), cmp.Compare(x.CallID, y.CallID))
	})
	for _, s := range a.streams {
		st := s.RTPStream
		ext := uint64(s.cycles)<<16 + uint64(s.maxSeq)
		st.Expected = ext - uint64(s.baseSeq) + 1
		st.Lost = int64(st.Expected) - int64(st.Packets)
		if s.clock > 0 {
			st.JitterMS = attack.Round(s.jitter / s.clock * 1000)
			st.MaxJitterMS = attack.Round(s.maxJit / s.clock * 1000)
		}
		st.DurationMS = ms(st.Last.Sub(st.First))
		r.RTPStreams = append(r.RTPStreams, st)
	}
	slices.SortFunc(r.RTPStreams, func(x, y RTPStream) int {
		return cmp.Or(cmp.Compare(x.FirstFrame, y.FirstFrame), cmp.Compare(x.SSRC, y.SSRC))
	})
	return r, a.findings()
}

func (a *Analyzer) findings() []attack.Finding {
	var out []attack.Finding
	addrs := make([]netip.Addr, 0, len(a.clients))
	for k := range a.clients {
		addrs = append(addrs, k)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	for _, ad := range addrs {
		c := a.clients[ad]
		host := hostFilter(ad, "src")
		if n := c.failures.Total(); n > 0 {
			users := sortedKeys(c.users)
			f := attack.Finding{Kind: "sip_auth_failure", Source: "sip", Dst: ad, First: c.first, Last: c.last}
			// Responses go to the client: the finding's destination.
			f.Evidence = c.failures.Evidence(attack.FrameFilter(c.failures.Frames()), flowRefs(c.failFlows)...)
			f.Features = []attack.Feature{{Name: "auth_failures", Value: float64(n)}, {Name: "distinct_users", Value: float64(len(users))}}
			for _, u := range users {
				f.Features = append(f.Features, attack.Feature{Name: "user", Text: u})
			}
			if n >= a.cfg.BruteForceMin {
				f.Kind = "sip_brute_force"
				f.Score = attack.Round(math.Min(1, 0.5+0.05*float64(n)))
				tech := attack.Tech("T1110.001", 0.7)
				if len(users) > 1 {
					tech = attack.Tech("T1110", 0.7)
				}
				f.Techniques = []attack.TechniqueRef{tech}
				f.Summary = fmt.Sprintf("%d SIP authentication failures (401/403/407) for %s", n, ad)
			} else {
				f.Score = 0.3
				f.Techniques = []attack.TechniqueRef{attack.Tech("T1110", 0.3)}
				f.Summary = fmt.Sprintf("%d SIP authentication failure(s) for %s", n, ad)
			}
			f.Severity = attack.SeverityFor(f.Score)
			out = append(out, f)
		}
		if c.scanUA != "" || len(c.targets) >= a.cfg.ScanMinTargets {
			f := attack.Finding{Kind: "sip_scan", Source: "sip", Src: ad, First: c.first, Last: c.last}
			var fs *attack.FrameSet
			fl := c.probeFlows
			if c.scanUA != "" {
				fl = c.uaFlows
				f.Score = 0.85
				f.Summary = fmt.Sprintf("SIP scanner %q from %s (%d probe requests to %d targets)", c.scanUA, ad, c.probes.Total(), len(c.targets))
				f.Techniques = []attack.TechniqueRef{attack.Tech("T1595", 0.8)}
				f.Features = []attack.Feature{{Name: "user_agent", Text: c.scanUA}}
				fs = &c.uaFrames
			} else {
				f.Score = 0.6
				f.Summary = fmt.Sprintf("SIP sweep from %s: OPTIONS/REGISTER/INVITE to %d targets", ad, len(c.targets))
				f.Techniques = []attack.TechniqueRef{attack.Tech("T1595", 0.6)}
				fs = &c.probes
			}
			f.Features = append(f.Features, attack.Feature{Name: "targets", Value: float64(len(c.targets))}, attack.Feature{Name: "hosts", Value: float64(len(c.dsts))})
			f.Evidence = fs.Evidence(host+" && sip && "+attack.FrameFilter(fs.Frames()), flowRefs(fl)...)
			f.Severity = attack.SeverityFor(f.Score)
			out = append(out, f)
		}
		if n := c.intlCalls.Total(); n > 0 {
			f := attack.Finding{Kind: "sip_unusual_destination", Source: "sip", Src: ad, First: c.first, Last: c.last, Score: 0.3,
				Summary:    fmt.Sprintf("%d INVITE(s) from %s to international numbers (%s)", n, ad, strings.Join(c.intlNums, ", ")),
				Techniques: []attack.TechniqueRef{}}
			f.Severity = attack.SeverityFor(f.Score)
			for _, num := range c.intlNums {
				f.Features = append(f.Features, attack.Feature{Name: "number", Text: num})
			}
			f.Evidence = c.intlCalls.Evidence(attack.FrameFilter(c.intlCalls.Frames()), flowRefs(c.intlFlows)...)
			out = append(out, f)
		}
	}
	return out
}

func hostFilter(a netip.Addr, dir string) string {
	if a.Is4() {
		return "ip." + dir + "==" + a.String()
	}
	return "ipv6." + dir + "==" + a.String()
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
