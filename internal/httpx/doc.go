// Package httpx follows cleartext HTTP/1.x connections: it reassembles each
// direction in capture order (internal/tcpstream), reads request and
// response header blocks, skips bodies by Content-Length, chunked coding or
// connection close, and pairs responses with requests in order
// (keep-alive and pipelining). It reports per-request method, host, URI,
// user agent, referer, content type and length, status, response time and
// server; totals of methods, hosts and status codes; file downloads; and
// response times per server. It sets [flows.Flow].App to "http".
//
// A connection is recognised by its first payload (a request line from the
// initiator or a status line from the responder), on any port. Header
// blocks are capped (Config.MaxHeaderBytes); after a gap outside a body a
// direction waits for a segment starting a new message. Input is hostile.
//
// The analyzers of a pass split into shards (disjoint sets of flows) are
// combined with [Analyzer.Merge]; Request.FlowID is read at Finish, after
// a sharded pass has renumbered the flows.
//
// The root package exposes the result types as aliases (pcapai.HTTP, …),
// so this package stays internal while the Report is public.
package httpx
