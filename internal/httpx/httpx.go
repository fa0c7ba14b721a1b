package httpx

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/tcpstream"
)

// Config bounds the analyzer. The zero value is ready to use.
type Config struct {
	// MaxRequests caps the requests listed in Report.Requests (all are
	// counted in the totals). Zero means 1000.
	MaxRequests int
	// MaxConns caps the HTTP connections followed at once. Zero means 10000.
	MaxConns int
	// MaxHeaderBytes caps one header block; longer ones are skipped. Zero
	// means 16 KiB.
	MaxHeaderBytes int
	// MaxPending caps the requests awaiting a response per connection
	// (pipelining). Zero means 64.
	MaxPending int
	// MaxNames caps the distinct hosts, servers and downloads kept. Zero
	// means 1000.
	MaxNames int
	// MaxFormBytes caps the request body kept for OnRequest when it is a
	// form. Zero means 4 KiB.
	MaxFormBytes int
	// OnRequest, when set, is called once per request with its
	// credentials-relevant parts (the cleartext-credentials detector).
	OnRequest func(*Event)
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxRequests, 1000)
	def(&c.MaxConns, 10000)
	def(&c.MaxHeaderBytes, 16<<10)
	def(&c.MaxPending, 64)
	def(&c.MaxNames, 1000)
	def(&c.MaxFormBytes, 4<<10)
}

// Event is a request as OnRequest sees it. Its slices are valid only during
// the call.
type Event struct {
	Frame         uint64 // frame that completed the request (headers, or the form body)
	Time          time.Time
	Flow          *flows.Flow
	Client        netip.AddrPort
	Server        netip.AddrPort
	Method        []byte
	Host          []byte
	URI           []byte
	Authorization []byte // Authorization or Proxy-Authorization value
	ContentType   []byte
	Form          []byte // the body of an application/x-www-form-urlencoded request (capped)
}

// Report is the HTTP/1.x section of a pass.
type Report struct {
	Totals Totals `json:"totals"`
	// Requests lists requests in order, at most Config.MaxRequests;
	// RequestsLeftOut counts the rest.
	Requests        []Request  `json:"requests"`
	RequestsLeftOut uint64     `json:"requests_left_out"`
	Downloads       []Download `json:"downloads"`
	Servers         []Server   `json:"servers"`
	Dropped         Dropped    `json:"dropped"`
}

// Totals counts every request and response.
type Totals struct {
	Requests    uint64        `json:"requests"`
	Responses   uint64        `json:"responses"`
	Connections uint64        `json:"connections"`
	Methods     []NameCount   `json:"methods"`
	Hosts       []NameCount   `json:"hosts"`
	StatusCodes []StatusCount `json:"status_codes"`
	// Unanswered are requests with no response before the connection or
	// capture ended; Orphans are responses without a request.
	Unanswered uint64 `json:"unanswered"`
	Orphans    uint64 `json:"orphan_responses"`
}

// NameCount is a name with a count.
type NameCount struct {
	Name  string `json:"name"`
	Count uint64 `json:"count"`
}

// StatusCount is a status code with a count.
type StatusCount struct {
	Status int    `json:"status"`
	Count  uint64 `json:"count"`
}

// Dropped counts what the caps left out and what could not be read.
type Dropped struct {
	Conns      uint64 `json:"conns"`
	Names      uint64 `json:"names"`
	Pending    uint64 `json:"pending"`
	LostSync   uint64 `json:"lost_sync"` // times a direction lost message boundaries (gaps, oversized headers)
	GapBytes   uint64 `json:"gap_bytes"`
	BadHeaders uint64 `json:"bad_headers"`
}

// Request is one request and its response.
type Request struct {
	Frame         uint64         `json:"frame"`
	Time          time.Time      `json:"time"`
	FlowID        uint64         `json:"flow_id"`
	Client        netip.AddrPort `json:"client"`
	Server        netip.AddrPort `json:"server"`
	Method        string         `json:"method"`
	Host          string         `json:"host,omitempty"`
	URI           string         `json:"uri"`
	Version       string         `json:"version,omitempty"`
	UserAgent     string         `json:"user_agent,omitempty"`
	Referer       string         `json:"referer,omitempty"`
	ContentType   string         `json:"content_type,omitempty"`
	ContentLength int64          `json:"content_length,omitempty"`
	Response      *Response      `json:"response,omitempty"`
}

// Response is the answer to a Request.
type Response struct {
	Frame          uint64  `json:"frame"`
	Status         int     `json:"status"`
	ResponseTimeMS float64 `json:"response_time_ms"` // request frame → response frame
	ContentType    string  `json:"content_type,omitempty"`
	ContentLength  int64   `json:"content_length,omitempty"`
	Server         string  `json:"server,omitempty"`
}

// Download is a response carrying a file (an application/* body other
// than scripts and data formats, an attachment, or partial content).
type Download struct {
	Frame         uint64         `json:"frame"`
	Client        netip.AddrPort `json:"client"`
	Server        netip.AddrPort `json:"server"`
	Host          string         `json:"host,omitempty"`
	URI           string         `json:"uri"`
	Status        int            `json:"status"`
	ContentType   string         `json:"content_type"`
	ContentLength int64          `json:"content_length,omitempty"`
}

// Server is the application response time of one server endpoint.
type Server struct {
	Addr       netip.AddrPort `json:"addr"`
	Host       string         `json:"host,omitempty"`
	Software   string         `json:"software,omitempty"`
	Requests   uint64         `json:"requests"`
	Responses  uint64         `json:"responses"`
	MeanRespMS float64        `json:"mean_response_time_ms"`
	MaxRespMS  float64        `json:"max_response_time_ms"`
}

// server is a Server being filled, with what Merge needs to combine the
// same server seen by several analyzers.
type server struct {
	Server
	sumResp, maxR time.Duration
	first         mark   // first sight: the order the MaxNames cap keeps
	hostFrame     uint64 // frame whose request set Host
	swFrame       uint64 // frame whose response set Software
}

// mark is where something was first seen: its frame, and the analyzer's
// insertion count, which orders several things first seen in one frame
// (one frame belongs to one flow, so to one analyzer of a sharded pass).
type mark struct{ frame, ord uint64 }

func (m mark) before(o mark) bool { return m.frame < o.frame || m.frame == o.frame && m.ord < o.ord }

// tally is a counted name (method, host, status code) and its first sight.
type tally struct {
	n     uint64
	first mark
}

const (
	stStart = iota
	stHeader
	stBody
	stChunkSize
	stChunkData
	stTrailer
	stUntilClose
	stLost
)

type dirState struct {
	half   tcpstream.Half
	st     int
	buf    []byte
	remain int64
}

type pending struct {
	idx    int // index in Analyzer.reqs, or -1
	method string
	time   time.Time
	frame  uint64
}

type conn struct {
	d       [2]dirState
	fin     [2]bool
	pending []pending
	formOn  bool // a form body is being captured for formEv
	formBuf []byte
	formEv  Event
}

// Analyzer follows HTTP/1.x connections.
type Analyzer struct {
	cfg   Config
	conns map[*flows.Flow]*conn
	live  int
	reqs  []Request
	// reqFlow[i] is the flow of reqs[i]: Request.FlowID is read from it
	// at Finish, as a sharded pass renumbers flows after the packets.
	reqFlow   []*flows.Flow
	totals    Totals
	methods   map[string]*tally
	hosts     map[string]*tally
	statuses  map[int]*tally
	servers   map[netip.AddrPort]*server
	downloads []Download
	dlReq     []int // dlReq[i] is the index in reqs of downloads[i]'s request
	dropped   Dropped
	leftOut   uint64
	seq       uint64 // insertions into methods, hosts, statuses, servers (mark.ord)
	h         head
}

// New returns an Analyzer.
func New(cfg Config) *Analyzer {
	cfg.defaults()
	return &Analyzer{cfg: cfg, conns: map[*flows.Flow]*conn{}, methods: map[string]*tally{}, hosts: map[string]*tally{},
		statuses: map[int]*tally{}, servers: map[netip.AddrPort]*server{}}
}

// Observe reads one packet. Non-HTTP TCP flows are recognised by their first
// payload and ignored afterwards with one map lookup.
func (a *Analyzer) Observe(p *flows.Packet) {
	if p.Proto != flows.TCP || p.Flow == nil || !p.L4 {
		return
	}
	c, ok := a.conns[p.Flow]
	if !ok {
		if len(p.Payload) == 0 {
			return
		}
		isReq := p.Dir == flows.FromInitiator && isRequestStart(p.Payload)
		if !isReq && !(p.Dir == flows.FromResponder && isResponseStart(p.Payload)) {
			a.ignore(p) // not HTTP
			return
		}
		if a.live >= a.cfg.MaxConns {
			a.dropped.Conns++
			a.ignore(p)
			return
		}
		c = &conn{}
		a.conns[p.Flow] = c
		a.live++
		a.totals.Connections++
		p.Flow.App = "http"
	}
	if c == nil {
		return
	}
	d := &c.d[p.Dir]
	data, gap := d.half.Accept(p)
	if gap > 0 {
		a.dropped.GapBytes += uint64(gap)
		switch {
		case d.st == stBody && int64(gap) < d.remain:
			d.remain -= int64(gap)
		case d.st == stUntilClose:
		default:
			if d.st != stLost {
				a.dropped.LostSync++
			}
			a.formDone(c, p)
			d.st = stLost
		}
	}
	if len(data) > 0 {
		if d.st == stLost && ((p.Dir == flows.FromInitiator && isRequestStart(data)) || (p.Dir == flows.FromResponder && isResponseStart(data))) {
			d.st = stStart
		}
		if d.st != stLost {
			a.feed(c, d, p, data)
		}
	}
	if p.Flags&(flows.FIN|flows.RST) != 0 {
		c.fin[p.Dir] = true
		if p.Flags.Has(flows.RST) || c.fin[1-p.Dir] {
			a.close(c, p)
		}
	}
}

// close ends a connection: its state is freed and later packets of the
// flow are ignored.
func (a *Analyzer) close(c *conn, p *flows.Packet) {
	a.formDone(c, p)
	a.totals.Unanswered += uint64(len(c.pending))
	a.ignore(p)
	a.live--
}

// ignore makes later packets of p's flow pass unread: the engine skips
// them, or outside the engine a nil entry marks the flow.
func (a *Analyzer) ignore(p *flows.Packet) {
	if p.Done() {
		delete(a.conns, p.Flow)
		return
	}
	a.conns[p.Flow] = nil
}

func (a *Analyzer) feed(c *conn, d *dirState, p *flows.Packet, data []byte) {
	for n := 0; len(data) > 0 && n < 1000; n++ {
		switch d.st {
		case stStart:
			data = bytes.TrimLeft(data, "\r\n")
			if len(data) == 0 {
				return
			}
			if (p.Dir == flows.FromInitiator && !isRequestStart(data)) || (p.Dir == flows.FromResponder && !isResponseStart(data)) {
				if len(data) >= 12 || p.Dir == flows.FromInitiator && len(data) >= 4 {
					a.dropped.LostSync++
					d.st = stLost
					return
				}
			}
			d.st = stHeader
			d.buf = d.buf[:0]
		case stHeader:
			if len(d.buf) == 0 {
				if e := headerEnd(data); e >= 0 {
					a.message(c, d, p, data[:e])
					data = data[e:]
					continue
				}
			}
			old := len(d.buf)
			take := min(len(data), a.cfg.MaxHeaderBytes+4-old)
			d.buf = append(d.buf, data[:take]...)
			e := headerEnd(d.buf)
			if e < 0 {
				if len(d.buf) > a.cfg.MaxHeaderBytes {
					a.dropped.LostSync++
					d.st = stLost
					return
				}
				data = data[take:]
				continue
			}
			a.message(c, d, p, d.buf[:e])
			data = data[e-old:]
			d.buf = d.buf[:0]
		case stBody:
			k := int(min(int64(len(data)), d.remain))
			if c.formOn && p.Dir == flows.FromInitiator {
				room := a.cfg.MaxFormBytes - len(c.formBuf)
				c.formBuf = append(c.formBuf, data[:min(k, max(room, 0))]...)
			}
			d.remain -= int64(k)
			data = data[k:]
			if d.remain == 0 {
				d.st = stStart
				if p.Dir == flows.FromInitiator {
					a.formDone(c, p)
				}
			}
		case stChunkSize, stTrailer:
			old := len(d.buf)
			take := min(len(data), 1100-old)
			d.buf = append(d.buf, data[:take]...)
			i := bytes.IndexByte(d.buf, '\n')
			if i < 0 {
				if len(d.buf) > 1024 {
					d.st = stLost
					a.dropped.LostSync++
					return
				}
				data = data[take:]
				continue
			}
			line := bytes.TrimRight(d.buf[:i+1], "\r\n")
			data = data[i+1-old:]
			d.buf = d.buf[:0]
			if d.st == stTrailer {
				if len(line) == 0 {
					d.st = stStart
				}
				continue
			}
			size, _, ok := parseChunkSize(append(line, '\n'))
			if !ok {
				d.st = stLost
				a.dropped.LostSync++
				return
			}
			if size == 0 {
				d.st = stTrailer
			} else {
				d.st, d.remain = stChunkData, size+2
			}
		case stChunkData:
			k := int(min(int64(len(data)), d.remain))
			d.remain -= int64(k)
			data = data[k:]
			if d.remain == 0 {
				d.st = stChunkSize
			}
		case stUntilClose:
			return
		default:
			return
		}
	}
}

var noBodyStatus = func(s int) bool { return s < 200 || s == 204 || s == 304 }

// message handles one complete header block.
func (a *Analyzer) message(c *conn, d *dirState, p *flows.Packet, hb []byte) {
	h := &a.h
	if !parseHead(hb, h) {
		a.dropped.BadHeaders++
		d.st = stLost
		return
	}
	d.st = stStart
	if h.request {
		a.request(c, d, p, h)
		return
	}
	a.response(c, d, p, h)
}

func (a *Analyzer) count(m map[string]*tally, k []byte, frame uint64) {
	if t := m[string(k)]; t != nil {
		t.n++
		return
	}
	if len(m) >= a.cfg.MaxNames {
		a.dropped.Names++
		return
	}
	a.seq++
	m[string(k)] = &tally{n: 1, first: mark{frame, a.seq}}
}

func (a *Analyzer) request(c *conn, d *dirState, p *flows.Packet, h *head) {
	a.totals.Requests++
	a.count(a.methods, h.method, p.Frame)
	if len(h.host) > 0 {
		a.count(a.hosts, h.host, p.Frame)
	}
	srv := a.server(p.DstAddrPort(), h.host, p.Frame)
	if srv != nil {
		srv.Requests++
	}
	pd := pending{idx: -1, method: string(h.method), time: p.Time, frame: p.Frame}
	if len(a.reqs) < a.cfg.MaxRequests {
		pd.idx = len(a.reqs)
		a.reqFlow = append(a.reqFlow, p.Flow)
		a.reqs = append(a.reqs, Request{Frame: p.Frame, Time: p.Time, Client: p.SrcAddrPort(), Server: p.DstAddrPort(),
			Method: pd.method, Host: string(h.host), URI: string(h.uri), Version: string(h.version), UserAgent: string(h.userAgent),
			Referer: string(h.referer), ContentType: string(h.contentType), ContentLength: max(h.contentLength, 0)})
	} else {
		a.leftOut++
	}
	switch {
	case h.chunked:
		d.st = stChunkSize
	case h.contentLength > 0:
		d.st, d.remain = stBody, h.contentLength
	}
	if len(c.pending) >= a.cfg.MaxPending {
		a.dropped.Pending++
		a.totals.Unanswered++
		c.pending = c.pending[1:]
	}
	c.pending = append(c.pending, pd)
	if a.cfg.OnRequest == nil {
		return
	}
	ev := Event{Frame: p.Frame, Time: p.Time, Flow: p.Flow, Client: p.SrcAddrPort(), Server: p.DstAddrPort(),
		Method: h.method, Host: h.host, URI: h.uri, Authorization: h.authorization, ContentType: h.contentType}
	isForm := bytes.Contains(bytes.ToLower(h.contentType), []byte("x-www-form-urlencoded"))
	if isForm && d.st == stBody {
		// Keep the event until the body is read; copy what it aliases.
		ev.Method = bytes.Clone(ev.Method)
		ev.Host = bytes.Clone(ev.Host)
		ev.URI = bytes.Clone(ev.URI)
		ev.Authorization = bytes.Clone(ev.Authorization)
		ev.ContentType = bytes.Clone(ev.ContentType)
		a.formDone(c, p)
		c.formEv = ev
		c.formOn = true
		c.formBuf = c.formBuf[:0]
		return
	}
	a.cfg.OnRequest(&ev)
}

// formDone delivers a request whose form body was being read.
func (a *Analyzer) formDone(c *conn, p *flows.Packet) {
	if !c.formOn {
		return
	}
	ev := c.formEv
	ev.Form = c.formBuf
	ev.Frame, ev.Time = p.Frame, p.Time
	c.formOn = false
	c.formEv = Event{}
	a.cfg.OnRequest(&ev)
}

func (a *Analyzer) server(ap netip.AddrPort, host []byte, frame uint64) *server {
	s := a.servers[ap]
	if s == nil {
		if len(a.servers) >= a.cfg.MaxNames {
			a.dropped.Names++
			return nil
		}
		a.seq++
		s = &server{Server: Server{Addr: ap}, first: mark{frame, a.seq}}
		a.servers[ap] = s
	}
	if s.Host == "" && len(host) > 0 {
		s.Host, s.hostFrame = string(host), frame
	}
	return s
}

func (a *Analyzer) response(c *conn, d *dirState, p *flows.Packet, h *head) {
	a.totals.Responses++
	if t := a.statuses[h.status]; t != nil {
		t.n++
	} else if len(a.statuses) < a.cfg.MaxNames {
		a.seq++
		a.statuses[h.status] = &tally{n: 1, first: mark{p.Frame, a.seq}}
	}
	var pd *pending
	if len(c.pending) > 0 {
		pd = &c.pending[0]
	} else {
		a.totals.Orphans++
	}
	method := ""
	if pd != nil {
		method = pd.method
	}
	// Body framing (RFC 9112 §6.3).
	switch {
	case method == "HEAD" || noBodyStatus(h.status):
	case method == "CONNECT" && h.status < 300:
		d.st = stLost
	case h.chunked:
		d.st = stChunkSize
	case h.contentLength >= 0:
		if h.contentLength > 0 {
			d.st, d.remain = stBody, h.contentLength
		}
	default:
		d.st = stUntilClose
	}
	if pd == nil || (h.status < 200 && h.status != 101) {
		return // interim response: the request still waits for its final one
	}
	rt := p.Time.Sub(pd.time)
	if srv := a.server(p.SrcAddrPort(), nil, p.Frame); srv != nil {
		srv.Responses++
		srv.sumResp += rt
		srv.maxR = max(srv.maxR, rt)
		if srv.Software == "" && len(h.server) > 0 {
			srv.Software, srv.swFrame = string(h.server), p.Frame
		}
	}
	if pd.idx >= 0 {
		r := &a.reqs[pd.idx]
		r.Response = &Response{Frame: p.Frame, Status: h.status, ResponseTimeMS: ms(rt), ContentType: string(h.contentType),
			ContentLength: max(h.contentLength, 0), Server: string(h.server)}
		if isDownload(h) && len(a.downloads) < a.cfg.MaxNames {
			a.dlReq = append(a.dlReq, pd.idx)
			a.downloads = append(a.downloads, Download{Frame: p.Frame, Client: p.DstAddrPort(), Server: p.SrcAddrPort(), Host: r.Host, URI: r.URI,
				Status: h.status, ContentType: string(h.contentType), ContentLength: max(h.contentLength, 0)})
		}
	}
	c.pending = c.pending[1:]
}

func isDownload(h *head) bool {
	if bytes.Contains(bytes.ToLower(h.disposition), []byte("attachment")) || h.status == 206 {
		return true
	}
	ct := strings.ToLower(string(h.contentType))
	if !strings.HasPrefix(ct, "application/") {
		return false
	}
	for _, s := range []string{"json", "javascript", "xml", "x-www-form-urlencoded", "ocsp", "pkix-crl", "dns-message", "grpc", "soap"} {
		if strings.Contains(ct, s) {
			return false
		}
	}
	return true
}

func ms(d time.Duration) float64 { return attack.Round(float64(d) / float64(time.Millisecond)) }

// Finish returns the section.
func (a *Analyzer) Finish() *Report {
	for i := range a.reqs {
		a.reqs[i].FlowID = a.reqFlow[i].ID
	}
	r := &Report{Totals: a.totals, Requests: a.reqs, RequestsLeftOut: a.leftOut, Downloads: a.downloads[:min(len(a.downloads), a.cfg.MaxNames)], Dropped: a.dropped}
	for _, c := range a.conns {
		if c != nil {
			r.Totals.Unanswered += uint64(len(c.pending))
		}
	}
	if r.Requests == nil {
		r.Requests = []Request{}
	}
	if r.Downloads == nil {
		r.Downloads = []Download{}
	}
	// Merged shards can hold more than MaxNames entries: keep those the
	// single Analyzer kept, and count the others as it did (statuses
	// silently).
	tf, tn := func(t *tally) mark { return t.first }, func(t *tally) uint64 { return t.n }
	methods, left := firstSeen(a.methods, a.cfg.MaxNames, tf, tn)
	r.Dropped.Names += left
	hosts, left := firstSeen(a.hosts, a.cfg.MaxNames, tf, tn)
	r.Dropped.Names += left
	statuses, _ := firstSeen(a.statuses, a.cfg.MaxNames, tf, tn)
	// Observe counts one occurrence per request to, and per answer from,
	// a server it left out.
	servers, left := firstSeen(a.servers, a.cfg.MaxNames, func(s *server) mark { return s.first }, func(s *server) uint64 { return s.Requests + s.Responses })
	r.Dropped.Names += left
	r.Totals.Methods = sortCounts(methods)
	r.Totals.Hosts = sortCounts(hosts)
	r.Totals.StatusCodes = []StatusCount{}
	for k, v := range statuses {
		r.Totals.StatusCodes = append(r.Totals.StatusCodes, StatusCount{k, v.n})
	}
	slices.SortFunc(r.Totals.StatusCodes, func(x, y StatusCount) int { return cmp.Compare(x.Status, y.Status) })
	r.Servers = []Server{}
	for _, s := range servers {
		v := s.Server
		if v.Responses > 0 {
			v.MeanRespMS = ms(s.sumResp / time.Duration(v.Responses))
			v.MaxRespMS = ms(s.maxR)
		}
		r.Servers = append(r.Servers, v)
	}
	slices.SortFunc(r.Servers, func(x, y Server) int {
		return cmp.Or(cmp.Compare(y.Requests, x.Requests), x.Addr.Compare(y.Addr))
	})
	return r
}

func sortCounts(m map[string]*tally) []NameCount {
	out := make([]NameCount, 0, len(m))
	for k, v := range m {
		out = append(out, NameCount{k, v.n})
	}
	slices.SortFunc(out, func(x, y NameCount) int { return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Name, y.Name)) })
	return out
}
