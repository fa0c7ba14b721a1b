package httpx

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/pcaptest"
)

type conv struct {
	fl  *flows.Flow
	seq [2]uint32
	n   uint64
}

func (c *conv) seg(d flows.Dir, payload string) *flows.Packet {
	c.n++
	cl, sv := netip.MustParseAddrPort("192.0.2.1:50000"), netip.MustParseAddrPort("198.51.100.2:80")
	if d == flows.FromResponder {
		cl, sv = sv, cl
	}
	p := &flows.Packet{Frame: c.n, Time: time.Unix(1700000000, int64(c.n)*1e7).UTC(), Net: flows.NetIPv4, Proto: flows.TCP, L4: true,
		Src: cl.Addr(), Dst: sv.Addr(), SrcPort: cl.Port(), DstPort: sv.Port(), Seq: c.seq[d], Flags: flows.ACK | flows.PSH,
		Payload: []byte(payload), Flow: c.fl, Dir: d}
	c.seq[d] += uint32(len(payload))
	return p
}

// TestPipelinedChunked: two pipelined requests (one POST with a form
// body), a chunked response split mid-chunk and a Content-Length response
// in the same segment as the next headers.
func TestPipelinedChunked(t *testing.T) {
	var events []string
	a := New(Config{OnRequest: func(e *Event) { events = append(events, string(e.Method)+" "+string(e.Form)) }})
	c := &conv{fl: &flows.Flow{ID: 1}}
	req := "GET /a HTTP/1.1\r\nHost: example.org\r\nUser-Agent: t\r\n\r\n" +
		"POST /login HTTP/1.1\r\nHost: example.org\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 25\r\n\r\nuser=bob&password=hunter2"
	resp1 := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n5\r\nhel"
	resp2 := "lo\r\n0\r\n\r\nHTTP/1.1 302 Found\r\nContent-Length: 3\r\nServer: test\r\n\r\nabc"
	for _, p := range []*flows.Packet{c.seg(0, req[:30]), c.seg(0, req[30:]), c.seg(1, resp1), c.seg(1, resp2)} {
		a.Observe(p)
	}
	r := a.Finish()
	if r.Totals.Requests != 2 || r.Totals.Responses != 2 || r.Totals.Unanswered != 0 {
		t.Fatalf("totals %+v", r.Totals)
	}
	if r.Requests[0].Response.Status != 200 || r.Requests[1].Response.Status != 302 || r.Requests[1].Response.Server != "test" {
		t.Errorf("pairing: %+v %+v", r.Requests[0].Response, r.Requests[1].Response)
	}
	if strings.Join(events, "|") != "GET |POST user=bob&password=hunter2" {
		t.Errorf("events %q", events)
	}
	if c.fl.App != "http" {
		t.Errorf("App %q", c.fl.App)
	}
}

// TestGapInBody: a lost segment inside a Content-Length body is skipped
// and the next response is still read.
func TestGapInBody(t *testing.T) {
	a := New(Config{})
	c := &conv{fl: &flows.Flow{}}
	a.Observe(c.seg(0, "GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"))
	a.Observe(c.seg(1, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n0123456789"))
	c.seg(1, "0123456789") // lost
	a.Observe(c.seg(1, "0123456789HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
	r := a.Finish()
	if r.Totals.Responses != 2 || r.Requests[1].Response == nil || r.Requests[1].Response.Status != 404 {
		t.Fatalf("totals %+v requests %+v", r.Totals, r.Requests)
	}
}

func TestNoAllocs(t *testing.T) {
	a := New(Config{})
	other := &conv{fl: &flows.Flow{}}
	p := other.seg(0, "\x16\x03\x01\x00\x10tls")
	a.Observe(p)
	if n := testing.AllocsPerRun(1000, func() { p.Seq += 8; a.Observe(p) }); n != 0 {
		t.Errorf("ignored flow: %v allocs per packet; want 0", n)
	}
	h := &conv{fl: &flows.Flow{}}
	a.Observe(h.seg(0, "GET /big HTTP/1.1\r\n\r\n"))
	a.Observe(h.seg(1, "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"))
	body := h.seg(1, strings.Repeat("x", 1400))
	if n := testing.AllocsPerRun(1000, func() { body.Seq += 1400; a.Observe(body) }); n != 0 {
		t.Errorf("body segment: %v allocs per packet; want 0", n)
	}
}

func BenchmarkObserveBody(b *testing.B) {
	a := New(Config{})
	h := &conv{fl: &flows.Flow{}}
	a.Observe(h.seg(0, "GET /big HTTP/1.1\r\n\r\n"))
	a.Observe(h.seg(1, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"))
	body := h.seg(1, strings.Repeat("x", 1400))
	b.ReportAllocs()
	for b.Loop() {
		body.Seq += 1400
		a.Observe(body)
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	a := New(Config{MaxRequests: 1})
	h := &conv{fl: &flows.Flow{}}
	req := "GET /index.html HTTP/1.1\r\nHost: example.org\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n"
	resp := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nServer: x\r\n\r\n"
	b.ReportAllocs()
	for b.Loop() {
		a.Observe(h.seg(0, req))
		a.Observe(h.seg(1, resp))
	}
}

func FuzzHead(f *testing.F) {
	for _, b := range pcaptest.Payloads(f, "logins_http_ftp_telnet.pcap", 10, func(p *flows.Packet) bool {
		return isRequestStart(p.Payload) || isResponseStart(p.Payload)
	}) {
		f.Add(b)
	}
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add([]byte("1a;ext=1\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h head
		parseHead(b, &h)
		headerEnd(b)
		parseChunkSize(b)
		isRequestStart(b)
		isResponseStart(b)
	})
}

// FuzzStream feeds arbitrary bytes, cut in two segments, to both
// directions of a connection.
func FuzzStream(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), uint8(7))
	f.Fuzz(func(t *testing.T, req, resp []byte, cut uint8) {
		a := New(Config{OnRequest: func(*Event) {}})
		c := &conv{fl: &flows.Flow{}}
		k := min(int(cut), len(req))
		a.Observe(c.seg(0, "GET / HTTP/1.1\r\n"+string(req[:k])))
		a.Observe(c.seg(0, string(req[k:])))
		k = min(int(cut), len(resp))
		a.Observe(c.seg(1, "HTTP/1.1 200 OK\r\n"+string(resp[:k])))
		a.Observe(c.seg(1, string(resp[k:])))
		a.Finish()
	})
}

// TestCloseFreesConn: with MaxConns 1, a second connection is followed
// once the first has closed (FIN both ways); an unanswered request is
// counted at close.
func TestCloseFreesConn(t *testing.T) {
	a := New(Config{MaxConns: 1})
	for i := range 2 {
		c := &conv{fl: &flows.Flow{ID: uint64(i + 1)}}
		a.Observe(c.seg(0, "GET /x HTTP/1.1\r\n\r\n"))
		fin := c.seg(0, "")
		fin.Flags = flows.FIN | flows.ACK
		a.Observe(fin)
		fin = c.seg(1, "")
		fin.Flags = flows.FIN | flows.ACK
		a.Observe(fin)
	}
	r := a.Finish()
	if r.Totals.Requests != 2 || r.Totals.Unanswered != 2 || r.Dropped.Conns != 0 {
		t.Errorf("totals %+v dropped %+v", r.Totals, r.Dropped)
	}
}

// TestNotHTTPStaysIgnored: outside the engine (Packet.Done does nothing) a
// flow whose first payload is not HTTP stays ignored, even when a later
// segment starts like a request; and a closed connection ignores a late
// request.
func TestNotHTTPStaysIgnored(t *testing.T) {
	a := New(Config{})
	c := &conv{fl: &flows.Flow{ID: 1}}
	a.Observe(c.seg(0, "\x16\x03\x01\x00\x05hello"))
	a.Observe(c.seg(0, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"))
	d := &conv{fl: &flows.Flow{ID: 2}}
	a.Observe(d.seg(0, "GET /y HTTP/1.1\r\nHost: a\r\n\r\n"))
	for _, dir := range []flows.Dir{0, 1} {
		fin := d.seg(dir, "")
		fin.Flags = flows.FIN | flows.ACK
		a.Observe(fin)
	}
	a.Observe(d.seg(0, "GET /z HTTP/1.1\r\nHost: a\r\n\r\n"))
	r := a.Finish()
	if r.Totals.Connections != 1 || r.Totals.Requests != 1 || len(r.Requests) != 1 || r.Requests[0].URI != "/y" {
		t.Fatalf("totals %+v requests %+v; want the one request /y", r.Totals, r.Requests)
	}
	if c.fl.App != "" {
		t.Errorf("App %q on a non-HTTP flow", c.fl.App)
	}
}
