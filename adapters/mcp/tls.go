package mcp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/tlsx"
)

// ---- tls_sessions

// TLSArgs filter the TLS view.
type TLSArgs struct {
	Path        string `json:"path" jsonschema:"capture file under an allowed root"`
	SNI         string `json:"sni,omitempty" jsonschema:"case-insensitive substring of the server name (SNI)"`
	Host        string `json:"host,omitempty" jsonschema:"IP address or CIDR prefix of the client or server"`
	Problem     string `json:"problem,omitempty" jsonschema:"only sessions with this certificate problem (expired, not_yet_valid, self_signed_leaf, hostname_mismatch, missing_intermediate, chain_order, weak_key, weak_signature, unparsable), any for any problem, or alert for a TLS alert"`
	Version     string `json:"version,omitempty" jsonschema:"negotiated version, e.g. TLS 1.2"`
	Fingerprint string `json:"fingerprint,omitempty" jsonschema:"JA3, JA3S or JA4 fingerprint (exact)"`
	Detail      bool   `json:"detail,omitempty" jsonschema:"add each session's offered ciphers, groups, extensions and certificates"`
	Limit       int    `json:"limit,omitempty" jsonschema:"rows per list; default 50, at most 1000"`
	Cursor      string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// TLSResult is the TLS view of a capture.
type TLSResult struct {
	File                string           `json:"file"`
	ClientHellos        int              `json:"client_hellos"`
	ServerHellos        int              `json:"server_hellos"`
	CertificateMessages int              `json:"certificate_messages"`
	Versions            map[string]int   `json:"versions" jsonschema:"sessions by negotiated version (all sessions)"`
	ProblemCounts       map[string]int   `json:"problems" jsonschema:"sessions by certificate problem kind (all sessions)"`
	Sessions            []TLSSession     `json:"sessions" jsonschema:"sessions in order of first handshake message"`
	SessionsTotal       int              `json:"sessions_total"`
	SessionsDropped     int              `json:"sessions_dropped"`
	Chains              []TLSChain       `json:"chains" jsonschema:"certificate chains presented by the sessions that match"`
	ChainsTotal         int              `json:"chains_total"`
	Findings            []attack.Finding `json:"findings" jsonschema:"findings of the TLS analyzer with evidence"`
	FindingsTotal       int              `json:"findings_total"`
	Limits              tlsx.Limits      `json:"limits"`
	Lists
}

// TLSSession is one handshake, compact; Detail holds the rest on request.
type TLSSession struct {
	Index             int           `json:"index"`
	FlowID            uint64        `json:"flow_id"`
	Transport         string        `json:"transport" jsonschema:"tcp or quic"`
	Client            string        `json:"client"`
	Server            string        `json:"server"`
	Start             time.Time     `json:"start"`
	ClientHelloFrame  uint64        `json:"client_hello_frame,omitempty"`
	ServerHelloFrame  uint64        `json:"server_hello_frame,omitempty"`
	SNI               string        `json:"sni,omitempty"`
	ALPN              []string      `json:"alpn"`
	ALPNChosen        string        `json:"alpn_chosen,omitempty"`
	Version           string        `json:"version,omitempty"`
	Cipher            string        `json:"cipher,omitempty"`
	JA3               string        `json:"ja3,omitempty"`
	JA3S              string        `json:"ja3s,omitempty"`
	JA4               string        `json:"ja4,omitempty"`
	Resumed           bool          `json:"resumed"`
	Completed         bool          `json:"completed"`
	HandshakeRTTms    float64       `json:"handshake_rtt_ms"`
	Alerts            []tlsx.Alert  `json:"alerts"`
	CertificateStatus string        `json:"certificate_status" jsonschema:"observed, not_observable (TLS 1.3/QUIC encrypt it), absent or unknown"`
	Leaf              *TLSLeaf      `json:"leaf,omitempty" jsonschema:"the server's end-entity certificate"`
	ChainID           string        `json:"chain_id,omitempty"`
	Issues            []tlsx.Issue  `json:"issues"`
	DisplayFilter     string        `json:"display_filter" jsonschema:"selects the session's handshake frames in Wireshark"`
	Detail            *tlsx.Session `json:"detail,omitempty"`
}

// TLSLeaf is the short view of a server certificate.
type TLSLeaf struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	SANs       []string  `json:"sans"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	SelfSigned bool      `json:"self_signed"`
	SHA256     string    `json:"sha256"`
}

// TLSChain is a presented certificate list with at most 10 of its
// sessions.
type TLSChain struct {
	tlsx.Chain
	SessionsTotal int `json:"sessions_total"`
}

func sessionProblem(s *tlsx.Session, p string) bool {
	switch p {
	case "":
		return true
	case "any":
		return len(s.Issues) > 0
	case "alert":
		return len(s.Alerts) > 0
	}
	return slices.ContainsFunc(s.Issues, func(i tlsx.Issue) bool { return i.Kind == p })
}

var tlsProblems = []string{"expired", "not_yet_valid", "self_signed_leaf", "hostname_mismatch", "missing_intermediate", "chain_order", "weak_key", "weak_signature", "unparsable", "any", "alert"}

func tlsSessions(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a TLSArgs) (TLSResult, string, error) {
	host, err := hostMatcher(a.Host)
	if err != nil {
		return TLSResult{}, "", err
	}
	if a.Problem != "" && !slices.Contains(tlsProblems, a.Problem) {
		return TLSResult{}, "", errorf("unknown problem %q: use %s", a.Problem, strings.Join(tlsProblems, ", "))
	}
	pg, err := newPager(a.Cursor, a.Limit)
	if err != nil {
		return TLSResult{}, "", err
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return TLSResult{}, "", err
	}
	r := l.rep.TLS
	if r == nil {
		if !s.moduleOn("tls") {
			return TLSResult{}, "", notInCapture(a.Path, "TLS", "tls")
		}
		r = &tlsx.Result{} // no TLS traffic
	}
	sni := strings.ToLower(a.SNI)
	out := TLSResult{File: a.Path, ClientHellos: r.ClientHellos, ServerHellos: r.ServerHellos, CertificateMessages: r.CertificateMessages,
		Versions: map[string]int{}, ProblemCounts: map[string]int{}, SessionsDropped: r.SessionsDropped, Limits: r.Limits}
	for i := range r.Sessions {
		x := &r.Sessions[i]
		v := x.Version
		if v == "" {
			v = "unknown"
		}
		out.Versions[v]++
		seen := map[string]bool{}
		for _, is := range x.Issues {
			if !seen[is.Kind] {
				seen[is.Kind] = true
				out.ProblemCounts[is.Kind]++
			}
		}
	}
	sel := filter(r.Sessions, func(x *tlsx.Session) bool {
		return (sni == "" || strings.Contains(strings.ToLower(x.SNI), sni)) &&
			(host == nil || anyAddr(host, x.Client.Addr(), x.Server.Addr())) &&
			sessionProblem(x, a.Problem) &&
			(a.Version == "" || strings.EqualFold(x.Version, a.Version)) &&
			(a.Fingerprint == "" || a.Fingerprint == x.JA3 || a.Fingerprint == x.JA3S || a.Fingerprint == x.JA4)
	})
	chainIDs := map[string]bool{}
	for _, x := range sel {
		if x.ChainID != "" {
			chainIDs[x.ChainID] = true
		}
	}
	chains := filter(r.Chains, func(c *tlsx.Chain) bool { return chainIDs[c.ID] })
	finds := findingsOf(l.rep.Findings, func(f *attack.Finding) bool {
		if f.Source != "tlsx" {
			return false
		}
		if host != nil && !anyAddr(host, f.Src, f.Dst) {
			return false
		}
		return sni == "" || strings.Contains(strings.ToLower(f.Summary), sni) || featureText(f, sni)
	})
	for _, x := range take(pg, sel) {
		out.Sessions = append(out.Sessions, tlsRow(&x, a.Detail))
	}
	if out.Sessions == nil {
		out.Sessions = []TLSSession{}
	}
	out.SessionsTotal = len(sel)
	out.Chains = []TLSChain{}
	for _, c := range take(pg, chains) {
		n := len(c.Sessions)
		c.Sessions = c.Sessions[:min(n, 10)]
		out.Chains = append(out.Chains, TLSChain{Chain: c, SessionsTotal: n})
	}
	out.ChainsTotal = len(chains)
	out.Findings, out.FindingsTotal = take(pg, finds), len(finds)
	out.Lists = pg.lists()
	sum := fmt.Sprintf("%s: %d TLS/QUIC sessions, %d match; %d with certificate problems; %d TLS findings", a.Path, len(r.Sessions), len(sel), countIf(sel, func(x *tlsx.Session) bool { return len(x.Issues) > 0 }), len(finds))
	if len(sel) > 0 {
		x := sel[0]
		sum += fmt.Sprintf("; first: %s → %s sni %q %s", x.Client, x.Server, x.SNI, x.Version)
	}
	if out.Cursor != "" {
		sum += "; more with cursor " + out.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}

func countIf[T any](s []T, f func(*T) bool) int {
	n := 0
	for i := range s {
		if f(&s[i]) {
			n++
		}
	}
	return n
}

func tlsRow(x *tlsx.Session, detail bool) TLSSession {
	row := TLSSession{Index: x.Index, FlowID: x.FlowID, Transport: x.Transport, Client: x.Client.String(), Server: x.Server.String(), Start: x.Start,
		ClientHelloFrame: x.ClientHelloFrame, ServerHelloFrame: x.ServerHelloFrame, SNI: x.SNI, ALPN: nonNil(x.ALPN), ALPNChosen: x.ALPNChosen,
		Version: x.Version, Cipher: x.Cipher, JA3: x.JA3, JA3S: x.JA3S, JA4: x.JA4, Resumed: x.Resumed, Completed: x.Completed,
		HandshakeRTTms: x.HandshakeRTTms, Alerts: nonNil(x.Alerts), CertificateStatus: x.CertificateStatus, ChainID: x.ChainID, Issues: nonNil(x.Issues)}
	if len(x.Certificates) > 0 {
		c := x.Certificates[0]
		row.Leaf = &TLSLeaf{Subject: c.Subject, Issuer: c.Issuer, SANs: nonNil(c.SANs)[:min(len(c.SANs), 20)], NotBefore: c.NotBefore, NotAfter: c.NotAfter, SelfSigned: c.SelfSigned, SHA256: c.SHA256}
	}
	var frames []uint64
	for _, f := range []uint64{x.ClientHelloFrame, x.ServerHelloFrame} {
		if f != 0 {
			frames = append(frames, f)
		}
	}
	for _, al := range x.Alerts {
		frames = append(frames, al.Frame)
	}
	slices.Sort(frames)
	row.DisplayFilter = attack.FrameFilter(slices.Compact(frames))
	if detail {
		d := *x
		row.Detail = &d
	}
	return row
}
