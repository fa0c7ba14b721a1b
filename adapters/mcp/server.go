package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/dnsx"
)

// Name is the server name announced to clients.
const Name = "pcapai-mcp"

// Config configures a Server. The zero value serves the working directory
// with the default limits.
type Config struct {
	// Roots are the folders whose captures may be read. Empty means the
	// working directory.
	Roots []string
	// Modules are the analyzers to run (see pcapai.ModuleNames); empty
	// means all.
	Modules []string
	// MaxPackets stops each analysis after this many packets (0: no limit).
	MaxPackets uint64
	// MaxFlows caps each flow table. Zero means the library default.
	MaxFlows int
	// CacheSize is how many Reports are kept. Zero means 8.
	CacheSize int
	// RevealSecrets shows cleartext credentials unmasked.
	RevealSecrets bool
	// MaxAnswerBytes bounds the JSON of one answer. Zero means 48 KiB.
	MaxAnswerBytes int
	// SummaryOnly leaves the JSON out of the text content: clients that
	// read structuredContent then get a one-line text. By default the text
	// holds the summary and the JSON, for clients that read only text.
	SummaryOnly bool
	// AllowURL lets path be an http(s) URL, downloaded with the caps below.
	AllowURL bool
	// AllowPrivateURL allows downloads from private and loopback addresses.
	AllowPrivateURL bool
	// MaxURLBytes caps a download. Zero means 256 MiB.
	MaxURLBytes int64
	// URLTimeout bounds a download. Zero means 60 s.
	URLTimeout time.Duration
	// MaxCorpusFiles bounds analyze_corpus. Zero means 256.
	MaxCorpusFiles int
	// OutDir is where carve_pcap writes. Empty means a pcapai-carved
	// folder under the first root (created on the first carve).
	OutDir string
}

// Server is the pcapai MCP server: the tool table over one Report cache.
type Server struct {
	cfg       Config
	roots     []string
	cache     *reportCache
	mcp       *server.MCPServer
	tmpDir    string
	dlMu      sync.Mutex
	downloads map[string]string
	tools     []string // advertised, in table order
	planned   []PlannedTool
	captures  []string // under the roots, listed at start (bounded)
}

// New builds the server with every tool whose library call exists.
func New(cfg Config) (s *Server, err error) {
	roots, err := resolveRoots(cfg.Roots)
	if err != nil {
		return nil, fmt.Errorf("mcp: %w", err)
	}
	s = &Server{} // filled below; the completion provider holds it
	if cfg.MaxAnswerBytes <= 0 {
		cfg.MaxAnswerBytes = 48 << 10
	}
	if cfg.MaxURLBytes <= 0 {
		cfg.MaxURLBytes = 256 << 20
	}
	if cfg.URLTimeout <= 0 {
		cfg.URLTimeout = 60 * time.Second
	}
	if cfg.MaxCorpusFiles <= 0 {
		cfg.MaxCorpusFiles = 256
	}
	for _, m := range cfg.Modules {
		if m != "flows" && !slices.Contains(pcapai.ModuleNames(), m) {
			return nil, fmt.Errorf("mcp: unknown module %q (have flows, %s)", m, strings.Join(pcapai.ModuleNames(), ", "))
		}
	}
	*s = Server{cfg: cfg, roots: roots, cache: newReportCache(cfg.CacheSize), downloads: map[string]string{}}
	if cfg.AllowURL {
		if s.tmpDir, err = os.MkdirTemp("", "pcapai-mcp-"); err != nil {
			return nil, err
		}
	}
	s.mcp = server.NewMCPServer(Name, pcapai.Version,
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithPromptCapabilities(false),
		server.WithRecovery(),
		server.WithLogging(),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(pathCompleter{s}),
		server.WithResourceRecovery(),
		server.WithInstructions(instructions),
	)
	for _, t := range toolTable {
		if t.build == nil {
			s.planned = append(s.planned, PlannedTool{Name: t.name, Needs: t.needs})
			continue
		}
		st, ok := t.build(s, t)
		if !ok {
			s.planned = append(s.planned, PlannedTool{Name: t.name, Needs: t.needs})
			continue
		}
		s.mcp.AddTool(st.Tool, st.Handler)
		s.tools = append(s.tools, t.name)
	}
	s.addPrompts()
	s.addResources()
	return s, nil
}

// MCP returns the configured mcp-go server, for a transport.
func (s *Server) MCP() *server.MCPServer { return s.mcp }

// Tools returns the names of the advertised tools.
func (s *Server) Tools() []string { return append([]string(nil), s.tools...) }

// Close removes downloaded captures.
func (s *Server) Close() error {
	if s.tmpDir != "" {
		return os.RemoveAll(s.tmpDir)
	}
	return nil
}

const instructions = `pcapai-mcp analyzes packet captures (pcap, pcapng, gzip) under the allowed roots.
Start with analyze (triage) on a capture, then drill down with list_flows, tcp_issues, list_findings, host_timeline and the protocol tools (dns_stats, tls_sessions, http_requests, dhcp_activity, icmp_activity, sip_calls, find_beacons).
filter_packets shows matching packets; carve_pcap writes them (or a finding's evidence) to a new pcapng for Wireshark.
Every answer is bounded: follow "cursor" to page, and cite evidence (frames, display_filter) so a human can check it in Wireshark.
Call capabilities to see the roots, limits and which tools this build has.`

func (s *Server) options() pcapai.Options {
	// DNS lists as long as one page can show: the tools bound them.
	return pcapai.Options{Modules: s.cfg.Modules, MaxPackets: s.cfg.MaxPackets, MaxFlows: s.cfg.MaxFlows, RevealSecrets: s.cfg.RevealSecrets,
		DNS: dnsx.Config{TopN: maxLimit}}
}

// loaded is a Report with how it was obtained.
type loaded struct {
	rep    *pcapai.Report
	cached bool
	took   time.Duration
}

func (l loaded) how() string {
	if l.cached {
		return "cached"
	}
	return fmt.Sprintf("analyzed in %d ms", l.took.Milliseconds())
}

// report returns the (cached) Report of the capture at path, sending
// progress notifications when the client asked for them.
func (s *Server) report(ctx context.Context, req mcpgo.CallToolRequest, path string) (loaded, error) {
	real, err := s.capturePath(ctx, path)
	if err != nil {
		return loaded{}, err
	}
	var progress func(read, total int64)
	if m := req.Params.Meta; m != nil && m.ProgressToken != nil {
		srv := server.ServerFromContext(ctx)
		tok := m.ProgressToken
		progress = func(read, total int64) {
			if srv == nil {
				return
			}
			_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
				"progressToken": tok, "progress": read, "total": total,
				"message": fmt.Sprintf("analyzing %s: %d of %d bytes", path, read, total),
			})
		}
	}
	start := time.Now()
	rep, cached, err := s.cache.get(ctx, real, s.options(), progress)
	if err != nil {
		return loaded{}, s.analysisError(path, err)
	}
	return loaded{rep: rep, cached: cached, took: time.Since(start)}, nil
}

// analysisError turns a library error into a message that says what to do.
func (s *Server) analysisError(path string, err error) error {
	var te *toolError
	var re *pcapai.ReadError
	switch {
	case errors.As(err, &te):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errorf("analysis of %s was cancelled", path)
	case errors.Is(err, pcapai.ErrUnknownFormat):
		return errorf("%s is not a capture file (pcapai reads pcap, pcapng and their gzip): check the path, or convert it with editcap", path)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf("%s ends before its first packet record (the file header is cut short): the copy is incomplete; copy it again or check it with capinfos", path)
	case errors.As(err, &re):
		return errorf("%s could not be read: %v; the file may be truncated or corrupt, try it in capinfos", path, err)
	case errors.Is(err, os.ErrNotExist):
		return errorf("%s does not exist under %s", path, s.rootsText())
	case errors.Is(err, os.ErrPermission):
		return errorf("%s cannot be read: permission denied", path)
	}
	return errorf("%s: %v", path, err)
}

// tool is one row of the tool table.
type tool struct {
	name string
	desc string
	// needs names the library call or Report field a planned tool waits
	// for; build is nil until it exists.
	needs    string
	readOnly bool
	build    func(s *Server, t tool) (server.ServerTool, bool)
}

// typed wires a handler with typed arguments and result: the input schema
// from A, the output schema from R (with honest overrides), arguments
// checked strictly, the answer bounded to the size budget, failures and
// panics as tool results.
func typed[A, R any](fn func(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a A) (R, string, error)) func(s *Server, t tool) (server.ServerTool, bool) {
	return func(s *Server, t tool) (server.ServerTool, bool) {
		in := argSchema[A]()
		out := mustSchema[R]()
		mt := newTool(t, in, out)
		h := func(ctx context.Context, req mcpgo.CallToolRequest) (res *mcpgo.CallToolResult, err error) {
			defer func() {
				if r := recover(); r != nil {
					res = mcpgo.NewToolResultError(fmt.Sprintf("%s: internal error (%v); the server keeps running, please report it with the capture: %s", t.name, r, firstLine(string(debug.Stack()))))
					err = nil
				}
			}()
			var a A
			if err := bindStrict(req, &a); err != nil {
				return mcpgo.NewToolResultError(fmt.Sprintf("%s: bad arguments: %v; see the tool's input schema (tools/list)", t.name, strings.TrimPrefix(err.Error(), "json: "))), nil
			}
			r, summary, err := fn(s, ctx, req, a)
			if err != nil {
				return mcpgo.NewToolResultError(t.name + ": " + err.Error()), nil
			}
			return s.answer(r, summary)
		}
		return server.ServerTool{Tool: mt, Handler: h}, true
	}
}

func newTool(t tool, in, out json.RawMessage) mcpgo.Tool {
	return mcpgo.NewTool(t.name,
		mcpgo.WithDescription(t.desc),
		mcpgo.WithRawInputSchema(in),
		func(t *mcpgo.Tool) { t.InputSchema.Type = "" }, // the raw schema replaces it
		mcpgo.WithRawOutputSchema(out),
		mcpgo.WithReadOnlyHintAnnotation(t.readOnly),
		mcpgo.WithIdempotentHintAnnotation(t.readOnly), // carving twice writes two files
		mcpgo.WithDestructiveHintAnnotation(false),
		mcpgo.WithOpenWorldHintAnnotation(false),
	)
}

func firstLine(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, "panic(") && i+2 < len(lines) {
			return strings.TrimSpace(lines[i+2])
		}
	}
	return ""
}

// bindStrict decodes the arguments into a, refusing unknown names.
func bindStrict(req mcpgo.CallToolRequest, a any) error {
	raw := req.GetRawArguments()
	if raw == nil {
		raw = map[string]any{}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	if string(b) == "null" {
		b = []byte("{}")
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	return d.Decode(a)
}

// answer serializes r within the size budget: structured content plus a
// text with the summary (and the JSON unless SummaryOnly).
func (s *Server) answer(r any, summary string) (*mcpgo.CallToolResult, error) {
	var key string
	if p, ok := r.(paged); ok {
		key = p.listKey()
	}
	v, notes, err := fit(r, s.cfg.MaxAnswerBytes, key)
	if err != nil {
		return mcpgo.NewToolResultError("internal error: " + err.Error()), nil
	}
	if len(notes) > 0 {
		summary += " (answer trimmed to the size budget: " + strings.Join(notes, "; ") + ")"
	}
	b, _ := json.Marshal(v)
	if len(b) > s.cfg.MaxAnswerBytes {
		// Only an answer made of huge objects rather than lists gets here.
		return mcpgo.NewToolResultError(fmt.Sprintf("the answer is %d bytes even after trimming, over the budget of %d: narrow it with filters or a smaller limit", len(b), s.cfg.MaxAnswerBytes)), nil
	}
	text := summary
	if !s.cfg.SummaryOnly {
		text += "\n\n" + string(b)
	}
	return &mcpgo.CallToolResult{
		Content:           []mcpgo.Content{mcpgo.NewTextContent(text)},
		StructuredContent: v,
	}, nil
}

// paged is a result with one list that limit and cursor page through.
type paged interface{ listKey() string }
