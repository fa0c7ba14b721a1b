package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// prompt is one prompt template: a request for a workflow over the tools.
type prompt struct {
	name, desc string
	args       []string // the first is required
	text       func(a map[string]string) string
}

var prompts = []prompt{
	{"triage_capture", "First look at a capture: what happened, what is suspicious, what to check next.", []string{"path"},
		func(a map[string]string) string {
			return fmt.Sprintf("Triage the capture %q with the pcapai tools. Call analyze first. Summarise the capture (time span, hosts, protocols), "+
				"then list the findings by severity with their evidence (frame numbers and display filter, so I can check them in Wireshark). "+
				"Follow the next_steps analyze suggests when they add something. End with what to look at next. Do not guess beyond the tool answers.", a["path"])
		}},
	{"investigate_host", "Everything a capture says about one IP address.", []string{"path", "host"},
		func(a map[string]string) string {
			return fmt.Sprintf("Investigate host %s in the capture %q. Use list_flows with host=%s (sorted by bytes, then by first), tcp_issues with host=%s and list_findings with host=%s "+
				"(and host_timeline if it is available). Describe who it talked to, on which ports and protocols, how much, when, and what is unusual; cite flows and frames.", a["host"], a["path"], a["host"], a["host"], a["host"])
		}},
	{"dns_investigation", "DNS in a capture: names, failures, tunnelling and odd resolvers.", []string{"path"},
		func(a map[string]string) string {
			return fmt.Sprintf("Investigate DNS in the capture %q. Use dns_stats if the server has it (see capabilities); otherwise list_flows with port=53 and app=dns. "+
				"Report the resolvers, the busiest clients, failing names, unusual record types or long names (tunnelling), and the findings of kind dns_* from list_findings with their evidence.", a["path"])
		}},
	{"tls_audit", "TLS in a capture: versions, ciphers, certificates and their problems.", []string{"path"},
		func(a map[string]string) string {
			return fmt.Sprintf("Audit TLS in the capture %q. Use tls_sessions if the server has it (see capabilities); otherwise list_flows with port=443. "+
				"Report server names, versions and cipher suites, expired, self-signed or incomplete certificate chains, and TLS findings from list_findings, citing frames.", a["path"])
		}},
	{"incident_report", "A written incident report from a capture's findings, mapped to ATT&CK.", []string{"path"},
		func(a map[string]string) string {
			return fmt.Sprintf("Write an incident report for the capture %q. Call analyze, list_findings (min_severity=low) and attack_matrix. "+
				"Sections: summary, timeline (UTC), affected hosts, activity by ATT&CK tactic and technique, evidence (frames, display filters) and recommended actions. "+
				"State plainly when the tools found nothing.", a["path"])
		}},
}

func (s *Server) addPrompts() {
	for _, p := range prompts {
		opts := []mcpgo.PromptOption{mcpgo.WithPromptDescription(p.desc)}
		for i, a := range p.args {
			ao := []mcpgo.ArgumentOption{mcpgo.ArgumentDescription(argHelp[a])}
			if i == 0 || a == "host" {
				ao = append(ao, mcpgo.RequiredArgument())
			}
			opts = append(opts, mcpgo.WithArgument(a, ao...))
		}
		s.mcp.AddPrompt(mcpgo.NewPrompt(p.name, opts...), func(_ context.Context, req mcpgo.GetPromptRequest) (*mcpgo.GetPromptResult, error) {
			for _, a := range p.args {
				if strings.TrimSpace(req.Params.Arguments[a]) == "" {
					return nil, fmt.Errorf("prompt %s needs the argument %q", p.name, a)
				}
			}
			return mcpgo.NewGetPromptResult(p.desc, []mcpgo.PromptMessage{
				mcpgo.NewPromptMessage(mcpgo.RoleUser, mcpgo.NewTextContent(p.text(req.Params.Arguments))),
			}), nil
		})
	}
}

var argHelp = map[string]string{
	"path": "capture file under an allowed root",
	"host": "IP address to investigate",
}

// maxListedCaptures bounds the resources listed at start.
const maxListedCaptures = 200

// maxWalkEntries bounds the start-up walk of the roots.
const maxWalkEntries = 20000

// captureExt reports whether name looks like a capture.
func captureExt(name string) bool {
	n := strings.ToLower(name)
	n = strings.TrimSuffix(n, ".gz")
	for _, e := range []string{".pcap", ".pcapng", ".cap", ".pcap0", ".dmp"} {
		if strings.HasSuffix(n, e) {
			return true
		}
	}
	return false
}

// addResources lists the captures under the roots (bounded, at start) as
// resources whose contents are their capture_info, and serves any Report as
// pcapai://report/{path}.
func (s *Server) addResources() {
	n, visited := 0, 0
	for _, root := range s.roots {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if visited++; visited > maxWalkEntries {
				return fs.SkipAll // a huge root: list what was seen
			}
			if err != nil || n >= maxListedCaptures {
				if d != nil && d.IsDir() && err != nil {
					return fs.SkipDir
				}
				if n >= maxListedCaptures {
					return fs.SkipAll
				}
				return nil
			}
			if d.IsDir() {
				if rel, _ := filepath.Rel(root, p); strings.Count(rel, string(filepath.Separator)) >= 4 || (d.Name() != "." && strings.HasPrefix(d.Name(), ".") && p != root) || d.Name() == "node_modules" {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || !captureExt(d.Name()) {
				return nil
			}
			n++
			rel := p
			if r, err := filepath.Rel(s.roots[0], p); err == nil && !strings.HasPrefix(r, "..") {
				rel = r
			}
			s.captures = append(s.captures, rel)
			uri := "pcapai://report/" + url.PathEscape(p)
			s.mcp.AddResource(mcpgo.NewResource(uri, filepath.Base(p),
				mcpgo.WithResourceDescription("pcapai Report of "+p+" (bounded JSON; analyzed on first read)"),
				mcpgo.WithMIMEType("application/json")), s.readReport)
			return nil
		})
	}
	s.mcp.AddResourceTemplate(mcpgo.NewResourceTemplate("pcapai://report/{path}", "pcapai Report",
		mcpgo.WithTemplateDescription("The full pcapai Report of a capture (path URL-escaped), bounded to 1 MiB of JSON"),
		mcpgo.WithTemplateMIMEType("application/json")), s.readReport)
}

const maxResourceBytes = 1 << 20

func (s *Server) readReport(ctx context.Context, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
	raw, ok := strings.CutPrefix(req.Params.URI, "pcapai://report/")
	if !ok {
		return nil, fmt.Errorf("unknown resource %s", req.Params.URI)
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, fmt.Errorf("bad resource path: %v", err)
	}
	l, err := s.report(ctx, mcpgo.CallToolRequest{}, p)
	if err != nil {
		return nil, err
	}
	v, _, err := fit(l.rep, maxResourceBytes, "")
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)}}, nil
}

// pathCompleter completes the path argument of prompts with the captures
// under the roots.
type pathCompleter struct{ s *Server }

func (c pathCompleter) CompletePromptArgument(_ context.Context, _ string, arg mcpgo.CompleteArgument, _ mcpgo.CompleteContext) (*mcpgo.Completion, error) {
	out := &mcpgo.Completion{Values: []string{}}
	if arg.Name != "path" {
		return out, nil
	}
	for _, p := range c.s.captures {
		if strings.HasPrefix(p, arg.Value) || strings.Contains(filepath.Base(p), arg.Value) {
			out.Total++
			if len(out.Values) < 100 {
				out.Values = append(out.Values, p)
			}
		}
	}
	out.HasMore = out.Total > len(out.Values)
	return out, nil
}
