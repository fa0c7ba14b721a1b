package mcp

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/internal/httpx"
	"github.com/pcapai/pcapai/sip"
)

// ---- http_requests

// HTTPArgs filter the HTTP view.
type HTTPArgs struct {
	Path   string `json:"path" jsonschema:"capture file under an allowed root"`
	Host   string `json:"host,omitempty" jsonschema:"IP address or CIDR prefix of the client or server, or else a case-insensitive substring of the Host header"`
	Method string `json:"method,omitempty" jsonschema:"request method, e.g. GET or POST"`
	Status string `json:"status,omitempty" jsonschema:"response status: 404, or a class like 4xx; none for requests without a response"`
	URI    string `json:"uri,omitempty" jsonschema:"case-insensitive substring of the request URI"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows per list; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// HTTPResult is the HTTP/1.x view of a capture.
type HTTPResult struct {
	File            string                `json:"file"`
	Totals          pcapai.HTTPTotals     `json:"totals"`
	Requests        []HTTPRequest         `json:"requests" jsonschema:"requests in order, each with its response and a display filter"`
	RequestsTotal   int                   `json:"requests_total"`
	RequestsLeftOut uint64                `json:"requests_left_out" jsonschema:"requests past the analyzer's list cap (counted in totals only)"`
	Downloads       []pcapai.HTTPDownload `json:"downloads" jsonschema:"responses carrying executables, archives or scripts"`
	DownloadsTotal  int                   `json:"downloads_total"`
	Servers         []pcapai.HTTPServer   `json:"servers"`
	ServersTotal    int                   `json:"servers_total"`
	Findings        []attack.Finding      `json:"findings" jsonschema:"findings of the HTTP and cleartext-credentials analyzers with evidence (secrets masked unless the server reveals them)"`
	FindingsTotal   int                   `json:"findings_total"`
	Dropped         httpx.Dropped         `json:"dropped"`
	Lists
}

type (
	httpRequest  = pcapai.HTTPRequest
	httpResponse = pcapai.HTTPResponse
	httpDownload = pcapai.HTTPDownload
	httpServer   = pcapai.HTTPServer
)

// HTTPRequest is one request with its response.
type HTTPRequest struct {
	httpRequest
	DisplayFilter string `json:"display_filter" jsonschema:"selects the request and response frames in Wireshark"`
}

func statusMatcher(s string) (func(*httpResponse) bool, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return nil, nil
	case s == "none":
		return func(r *httpResponse) bool { return r == nil }, nil
	case len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5':
		c := int(s[0]-'0') * 100
		return func(r *httpResponse) bool { return r != nil && r.Status >= c && r.Status < c+100 }, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 999 {
		return nil, errorf("status %q: use a code (404), a class (4xx) or none", s)
	}
	return func(r *httpResponse) bool { return r != nil && r.Status == n }, nil
}

func httpRequests(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a HTTPArgs) (HTTPResult, string, error) {
	var addr func(netip.Addr) bool
	hostSub := ""
	if a.Host != "" {
		if m, err := hostMatcher(a.Host); err == nil {
			addr = m
		} else {
			hostSub = strings.ToLower(a.Host)
		}
	}
	status, err := statusMatcher(a.Status)
	if err != nil {
		return HTTPResult{}, "", err
	}
	pg, err := newPager(a.Cursor, a.Limit)
	if err != nil {
		return HTTPResult{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return HTTPResult{}, "", err
	}
	r := l.rep.HTTP
	if r == nil {
		if !s.moduleOn(pcapai.ModHTTP) {
			return HTTPResult{}, "", notInCapture(a.Path, "HTTP", pcapai.ModHTTP)
		}
		r = &pcapai.HTTP{} // no HTTP traffic
	}
	uri := strings.ToLower(a.URI)
	hostOK := func(c, sv netip.AddrPort, h string) bool {
		switch {
		case addr != nil:
			return anyAddr(addr, c.Addr(), sv.Addr())
		case hostSub != "":
			return strings.Contains(strings.ToLower(h), hostSub)
		}
		return true
	}
	reqs := filter(r.Requests, func(x *httpRequest) bool {
		return hostOK(x.Client, x.Server, x.Host) && (a.Method == "" || strings.EqualFold(x.Method, a.Method)) &&
			(status == nil || status(x.Response)) && (uri == "" || strings.Contains(strings.ToLower(x.URI), uri))
	})
	dls := filter(r.Downloads, func(x *httpDownload) bool {
		return hostOK(x.Client, x.Server, x.Host) && (uri == "" || strings.Contains(strings.ToLower(x.URI), uri)) &&
			(status == nil || status(&httpResponse{Status: x.Status}))
	})
	srvs := filter(r.Servers, func(x *httpServer) bool {
		return addr == nil && hostSub == "" || addr != nil && anyAddr(addr, x.Addr.Addr()) || hostSub != "" && strings.Contains(strings.ToLower(x.Host), hostSub)
	})
	finds := findingsOf(l.rep.Findings, func(f *attack.Finding) bool {
		if f.Source != "http" && f.Source != "creds" && !strings.HasPrefix(f.Kind, "http_") {
			return false
		}
		if addr != nil {
			return anyAddr(addr, f.Src, f.Dst)
		}
		return hostSub == "" || strings.Contains(strings.ToLower(f.Summary), hostSub) || featureText(f, hostSub)
	})
	out := HTTPResult{File: a.Path, Totals: r.Totals, RequestsLeftOut: r.RequestsLeftOut, Dropped: r.Dropped, Requests: []HTTPRequest{}}
	out.Totals.Methods, out.Totals.Hosts, out.Totals.StatusCodes = nonNil(out.Totals.Methods), nonNil(out.Totals.Hosts), nonNil(out.Totals.StatusCodes)
	for _, x := range take(pg, reqs) {
		fr := []uint64{x.Frame}
		if x.Response != nil {
			fr = append(fr, x.Response.Frame)
		}
		out.Requests = append(out.Requests, HTTPRequest{httpRequest: x, DisplayFilter: attack.FrameFilter(fr)})
	}
	out.RequestsTotal = len(reqs)
	out.Downloads, out.DownloadsTotal = take(pg, dls), len(dls)
	out.Servers, out.ServersTotal = take(pg, srvs), len(srvs)
	out.Findings, out.FindingsTotal = take(pg, finds), len(finds)
	out.Lists = pg.lists()
	sum := fmt.Sprintf("%s: %d HTTP requests, %d responses; %d requests match, %d downloads, %d servers; %d HTTP/credential findings",
		a.Path, r.Totals.Requests, r.Totals.Responses, len(reqs), len(dls), len(srvs), len(finds))
	if len(reqs) > 0 {
		x := reqs[0]
		sum += fmt.Sprintf("; first: %s %s%s", x.Method, x.Host, x.URI)
		if x.Response != nil {
			sum += fmt.Sprintf(" → %d", x.Response.Status)
		}
	}
	if out.Cursor != "" {
		sum += "; more with cursor " + out.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}

// ---- sip_calls

// SIPArgs filter the SIP view.
type SIPArgs struct {
	Path   string `json:"path" jsonschema:"capture file under an allowed root"`
	Host   string `json:"host,omitempty" jsonschema:"IP address or CIDR prefix of the caller, callee or an RTP endpoint"`
	User   string `json:"user,omitempty" jsonschema:"case-insensitive substring of the From or To URI"`
	State  string `json:"state,omitempty" jsonschema:"call state: attempting, proceeding, answered, completed, cancelled or failed"`
	CallID string `json:"call_id,omitempty" jsonschema:"one call's Call-ID: the call and its RTP streams"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows per list; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// SIPResult is the SIP and RTP view of a capture.
type SIPResult struct {
	File          string           `json:"file"`
	Messages      sip.Messages     `json:"messages" jsonschema:"all SIP messages: by method, by status, user agents"`
	Calls         []SIPCall        `json:"calls" jsonschema:"dialogs started by an INVITE"`
	CallsTotal    int              `json:"calls_total"`
	RTPStreams    []sip.RTPStream  `json:"rtp_streams" jsonschema:"RTP streams to SDP media endpoints: loss, jitter"`
	StreamsTotal  int              `json:"rtp_streams_total"`
	Findings      []attack.Finding `json:"findings" jsonschema:"findings of the SIP analyzer (scans, brute force, unusual destinations) with evidence"`
	FindingsTotal int              `json:"findings_total"`
	Dropped       sip.Dropped      `json:"dropped"`
	Lists
}

// SIPCall is a call with the display filter of its signalling.
type SIPCall struct {
	sip.Call
	DisplayFilter string `json:"display_filter" jsonschema:"selects the call's SIP messages in Wireshark"`
}

var sipStates = []string{"attempting", "proceeding", "answered", "completed", "cancelled", "failed"}

func sipCalls(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a SIPArgs) (SIPResult, string, error) {
	host, err := hostMatcher(a.Host)
	if err != nil {
		return SIPResult{}, "", err
	}
	if a.State != "" && !slices.Contains(sipStates, a.State) {
		return SIPResult{}, "", errorf("unknown state %q: use %s", a.State, strings.Join(sipStates, ", "))
	}
	pg, err := newPager(a.Cursor, a.Limit)
	if err != nil {
		return SIPResult{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return SIPResult{}, "", err
	}
	r := l.rep.SIP
	if r == nil {
		if !s.moduleOn(pcapai.ModSIP) {
			return SIPResult{}, "", notInCapture(a.Path, "SIP", pcapai.ModSIP)
		}
		r = &sip.Report{} // no SIP traffic
	}
	user := strings.ToLower(a.User)
	calls := filter(r.Calls, func(c *sip.Call) bool {
		if host != nil {
			as := []netip.Addr{c.Caller.Addr(), c.Callee.Addr()}
			for _, m := range c.Media {
				as = append(as, m.Addr.Addr())
			}
			if !anyAddr(host, as...) {
				return false
			}
		}
		return (user == "" || strings.Contains(strings.ToLower(c.From), user) || strings.Contains(strings.ToLower(c.To), user)) &&
			(a.State == "" || c.State == a.State) && (a.CallID == "" || c.CallID == a.CallID)
	})
	ids := map[string]bool{}
	for _, c := range calls {
		ids[c.CallID] = true
	}
	filtered := host != nil || user != "" || a.State != "" || a.CallID != ""
	streams := filter(r.RTPStreams, func(x *sip.RTPStream) bool {
		if !filtered {
			return true
		}
		return x.CallID != "" && ids[x.CallID] || host != nil && user == "" && a.State == "" && a.CallID == "" && anyAddr(host, x.Src.Addr(), x.Dst.Addr())
	})
	finds := findingsOf(l.rep.Findings, func(f *attack.Finding) bool {
		return f.Source == "sip" && (host == nil || anyAddr(host, f.Src, f.Dst))
	})
	out := SIPResult{File: a.Path, Messages: r.Messages, Dropped: r.Dropped, Calls: []SIPCall{}}
	out.Messages.ByMethod, out.Messages.ByStatus, out.Messages.UserAgents = nonNil(out.Messages.ByMethod), nonNil(out.Messages.ByStatus), nonNil(out.Messages.UserAgents)
	for _, c := range take(pg, calls) {
		out.Calls = append(out.Calls, SIPCall{Call: c, DisplayFilter: fmt.Sprintf("sip.Call-ID == %q", c.CallID)})
	}
	out.CallsTotal = len(calls)
	out.RTPStreams, out.StreamsTotal = take(pg, streams), len(streams)
	out.Findings, out.FindingsTotal = take(pg, finds), len(finds)
	out.Lists = pg.lists()
	sum := fmt.Sprintf("%s: %d SIP messages (%d requests, %d responses), %d calls match, %d RTP streams; %d SIP findings",
		a.Path, r.Messages.Count, r.Messages.Requests, r.Messages.Responses, len(calls), len(streams), len(finds))
	if len(calls) > 0 {
		c := calls[0]
		sum += fmt.Sprintf("; first: %s → %s %s", c.From, c.To, c.State)
	}
	if out.Cursor != "" {
		sum += "; more with cursor " + out.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}
