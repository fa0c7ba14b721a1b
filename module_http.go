package pcapai

import (
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/httpx"
)

// HTTP is the HTTP/1.x section of a Report (Report.HTTP). Its types live
// in internal/httpx and are reachable through these aliases.
type (
	HTTP         = httpx.Report
	HTTPRequest  = httpx.Request
	HTTPResponse = httpx.Response
	HTTPDownload = httpx.Download
	HTTPServer   = httpx.Server
	HTTPTotals   = httpx.Totals
)

// httpModule wires httpx.Analyzer into the pass; when the creds module runs
// (before it), each request is handed to the credentials detector.
type httpModule struct{ a *httpx.Analyzer }

func newHTTPModule(e *engine) module {
	cfg := httpx.Config{}
	for _, m := range e.mods {
		if c, ok := m.(*credsModule); ok {
			cfg.OnRequest = c.d.ObserveHTTP
		}
	}
	return &httpModule{a: httpx.New(cfg)}
}

func (m *httpModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m *httpModule) finish(_ *engine, r *Report) { r.HTTP = m.a.Finish() }
