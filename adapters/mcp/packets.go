package mcp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// ---- host_timeline

// TimelineArgs choose the host and page its events.
type TimelineArgs struct {
	Path   string `json:"path" jsonschema:"capture file under an allowed root"`
	IP     string `json:"ip" jsonschema:"the host's IP address"`
	Kind   string `json:"kind,omitempty" jsonschema:"only events of this kind: first_seen, first_contact, finding, transfer, last_seen"`
	Limit  int    `json:"limit,omitempty" jsonschema:"rows per answer; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// TimelineResult is one host's story.
type TimelineResult struct {
	File   string                 `json:"file"`
	IP     netip.Addr             `json:"ip"`
	Host   *pcapai.Host           `json:"host,omitempty" jsonschema:"the host's triage row: roles, risk and what raised it, traffic"`
	Events []pcapai.TimelineEvent `json:"events" jsonschema:"events in time order, each with evidence"`
	Page
}

func (TimelineResult) listKey() string { return "events" }

var timelineKinds = []string{"first_seen", "first_contact", "finding", "transfer", "last_seen"}

func hostTimeline(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a TimelineArgs) (TimelineResult, string, error) {
	if a.IP == "" {
		return TimelineResult{}, "", errorf("ip is required: the host's IP address (see analyze's hosts_at_risk or top_talkers)")
	}
	ip, err := netip.ParseAddr(strings.Trim(a.IP, "[] "))
	if err != nil {
		return TimelineResult{}, "", errorf("ip %q is not an IP address (e.g. 192.0.2.10 or 2001:db8::1)", a.IP)
	}
	ip = ip.Unmap()
	if a.Kind != "" && !slices.Contains(timelineKinds, a.Kind) {
		return TimelineResult{}, "", errorf("unknown kind %q: use %s", a.Kind, strings.Join(timelineKinds, ", "))
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return TimelineResult{}, "", err
	}
	ev := pcapai.HostTimeline(l.rep, ip)
	if ev == nil {
		return TimelineResult{}, "", errorf("%s does not appear in %s: pick an address from analyze (top_talkers, hosts_at_risk) or list_flows", ip, a.Path)
	}
	if a.Kind != "" {
		ev = filter(ev, func(e *pcapai.TimelineEvent) bool { return e.Kind == a.Kind })
	}
	p, off, end, err := page(len(ev), a.Cursor, a.Limit)
	if err != nil {
		return TimelineResult{}, "", err
	}
	out := TimelineResult{File: a.Path, IP: ip, Events: append([]pcapai.TimelineEvent{}, ev[off:end]...), Page: p}
	for i := range l.rep.Hosts {
		if l.rep.Hosts[i].Addr == ip {
			h := l.rep.Hosts[i]
			out.Host = &h
			break
		}
	}
	nf := 0
	for _, e := range ev {
		if e.Kind == "finding" {
			nf++
		}
	}
	sum := fmt.Sprintf("%s: %s has %d events (%d findings)", a.Path, ip, len(ev), nf)
	if out.Host != nil {
		sum += fmt.Sprintf(", risk %.2f, roles %s", out.Host.Risk, strings.Join(out.Host.Roles, ","))
	}
	if len(ev) > 0 {
		sum += fmt.Sprintf(", %s → %s", fmtTime(ev[0].Time), fmtTime(ev[len(ev)-1].Time))
	}
	if p.Cursor != "" {
		sum += "; more with cursor " + p.Cursor
	}
	return out, sum + " (" + l.how() + ")", nil
}

// ---- filter_packets

// PacketFilter mirrors pcapai.Filter: every set field must match (AND),
// within a list any element may (OR).
type PacketFilter struct {
	Hosts         []string `json:"hosts,omitempty" jsonschema:"IP addresses: the packet's source or destination (or ARP sender/target) is one of them"`
	Ports         []int    `json:"ports,omitempty" jsonschema:"TCP/UDP ports: source or destination is one of them"`
	Protocols     []string `json:"protocols,omitempty" jsonschema:"IP protocols of the innermost header: tcp, udp, icmp, icmpv6, sctp, gre, ip-proto-N"`
	FlowIDs       []uint64 `json:"flow_ids,omitempty" jsonschema:"flow ids as list_flows shows them"`
	From          string   `json:"from,omitempty" jsonschema:"capture time, RFC 3339 (2026-01-02T15:04:05Z), inclusive"`
	To            string   `json:"to,omitempty" jsonschema:"capture time, RFC 3339, exclusive"`
	FirstFrame    uint64   `json:"first_frame,omitempty" jsonschema:"lowest frame number (1-based, inclusive)"`
	LastFrame     uint64   `json:"last_frame,omitempty" jsonschema:"highest frame number (inclusive)"`
	Frames        []uint64 `json:"frames,omitempty" jsonschema:"exact frame numbers (a finding's evidence frames)"`
	TCPFlagsSet   []string `json:"tcp_flags_set,omitempty" jsonschema:"TCP flags that must all be set: SYN, ACK, FIN, RST, PSH, URG, ECE, CWR, NS"`
	TCPFlagsClear []string `json:"tcp_flags_clear,omitempty" jsonschema:"TCP flags that must all be clear"`
	Contains      string   `json:"contains,omitempty" jsonschema:"the transport payload contains this text"`
	ContainsHex   string   `json:"contains_hex,omitempty" jsonschema:"the transport payload contains these bytes, in hex (0d0a or 0d:0a)"`
	Regex         string   `json:"regex,omitempty" jsonschema:"Go RE2 regular expression the transport payload matches"`
}

func (f *PacketFilter) empty() bool {
	return len(f.Hosts) == 0 && len(f.Ports) == 0 && len(f.Protocols) == 0 && len(f.FlowIDs) == 0 && f.From == "" && f.To == "" &&
		f.FirstFrame == 0 && f.LastFrame == 0 && len(f.Frames) == 0 && len(f.TCPFlagsSet) == 0 && len(f.TCPFlagsClear) == 0 &&
		f.Contains == "" && f.ContainsHex == "" && f.Regex == ""
}

var tcpFlagNames = map[string]flows.TCPFlags{"FIN": flows.FIN, "SYN": flows.SYN, "RST": flows.RST, "PSH": flows.PSH, "ACK": flows.ACK, "URG": flows.URG, "ECE": flows.ECE, "CWR": flows.CWR, "NS": flows.NS}

func parseFlags(arg string, names []string) (flows.TCPFlags, error) {
	var f flows.TCPFlags
	for _, n := range names {
		b, ok := tcpFlagNames[strings.ToUpper(strings.TrimSpace(n))]
		if !ok {
			return 0, errorf("%s: unknown TCP flag %q: use SYN, ACK, FIN, RST, PSH, URG, ECE, CWR or NS", arg, n)
		}
		f |= b
	}
	return f, nil
}

// toFilter checks the arguments and builds the library's Filter.
func (f *PacketFilter) toFilter() (pcapai.Filter, error) {
	var out pcapai.Filter
	for _, h := range f.Hosts {
		a, err := netip.ParseAddr(strings.Trim(h, "[] "))
		if err != nil {
			return out, errorf("hosts: %q is not an IP address (e.g. 192.0.2.10 or 2001:db8::1; prefixes are not accepted here)", h)
		}
		out.Hosts = append(out.Hosts, a.Unmap())
	}
	for _, p := range f.Ports {
		if p < 0 || p > 65535 {
			return out, errorf("ports: %d is out of range 0–65535", p)
		}
		out.Ports = append(out.Ports, uint16(p))
	}
	for _, p := range f.Protocols {
		var pr flows.Proto
		if err := pr.UnmarshalText([]byte(strings.ToLower(p))); err != nil {
			return out, errorf("protocols: unknown protocol %q: use tcp, udp, icmp, icmpv6, sctp, gre or ip-proto-N", p)
		}
		out.Protocols = append(out.Protocols, pr)
	}
	out.FlowIDs = slices.Clone(f.FlowIDs)
	var err error
	if out.From, err = parseTime("from", f.From); err != nil {
		return out, err
	}
	if out.To, err = parseTime("to", f.To); err != nil {
		return out, err
	}
	if !out.From.IsZero() && !out.To.IsZero() && !out.From.Before(out.To) {
		return out, errorf("from %s is not before to %s", f.From, f.To)
	}
	if f.LastFrame != 0 && f.FirstFrame > f.LastFrame {
		return out, errorf("first_frame %d is after last_frame %d", f.FirstFrame, f.LastFrame)
	}
	out.FirstFrame, out.LastFrame = f.FirstFrame, f.LastFrame
	if slices.Contains(f.Frames, 0) {
		return out, errorf("frames: frame numbers start at 1")
	}
	out.Frames = slices.Clone(f.Frames)
	if out.TCPFlagsSet, err = parseFlags("tcp_flags_set", f.TCPFlagsSet); err != nil {
		return out, err
	}
	if out.TCPFlagsClear, err = parseFlags("tcp_flags_clear", f.TCPFlagsClear); err != nil {
		return out, err
	}
	if out.TCPFlagsSet&out.TCPFlagsClear != 0 {
		return out, errorf("tcp_flags_set and tcp_flags_clear share a flag: no packet can match")
	}
	if f.Contains != "" && f.ContainsHex != "" {
		return out, errorf("give contains or contains_hex, not both")
	}
	if f.Contains != "" {
		out.Contains = []byte(f.Contains)
	}
	if f.ContainsHex != "" {
		b, err := hex.DecodeString(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimPrefix(strings.ToLower(f.ContainsHex), "0x")))
		if err != nil || len(b) == 0 {
			return out, errorf("contains_hex %q is not hex bytes (e.g. 0d0a0d0a)", f.ContainsHex)
		}
		out.Contains = b
	}
	if f.Regex != "" {
		if _, err := regexp.Compile(f.Regex); err != nil {
			return out, errorf("regex %q: %v (Go RE2 syntax)", f.Regex, err)
		}
		out.Regexp = f.Regex
	}
	return out, nil
}

func parseTime(arg, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, errorf("%s %q is not an RFC 3339 time (e.g. 2026-01-02T15:04:05.5Z; capture_info shows first and last)", arg, v)
	}
	return t.UTC(), nil
}

// FilterPacketsArgs are a structured filter and a page.
type FilterPacketsArgs struct {
	Path string `json:"path" jsonschema:"capture file under an allowed root"`
	PacketFilter
	Limit  int    `json:"limit,omitempty" jsonschema:"packets per answer; default 50, at most 1000"`
	Cursor string `json:"cursor,omitempty" jsonschema:"cursor of the previous answer"`
}

// PacketList is a page of matching packets.
type PacketList struct {
	File    string              `json:"file"`
	Scanned uint64              `json:"scanned" jsonschema:"packets read"`
	Packets []pcapai.PacketLine `json:"packets" jsonschema:"matching packets summarised like tshark's one-line output"`
	// DisplayFilter selects the frames shown in Wireshark.
	DisplayFilter string `json:"display_filter,omitempty" jsonschema:"Wireshark display filter selecting the packets shown"`
	Page
}

func (PacketList) listKey() string { return "packets" }

// openCapture resolves path and opens it for one library pass.
func (s *Server) openCapture(ctx context.Context, path string) (*pcapai.Reader, error) {
	real, err := s.capturePath(ctx, path)
	if err != nil {
		return nil, err
	}
	r, err := pcapai.Open(real)
	if err != nil {
		return nil, s.analysisError(path, err)
	}
	return r, nil
}

func filterPackets(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a FilterPacketsArgs) (PacketList, string, error) {
	f, err := a.PacketFilter.toFilter()
	if err != nil {
		return PacketList{}, "", err
	}
	// Validate the cursor and limit before reading.
	if _, _, _, err := page(0, a.Cursor, a.Limit); err != nil {
		return PacketList{}, "", err
	}
	limit := a.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	off := 0
	if a.Cursor != "" {
		fmt.Sscan(a.Cursor, &off)
	}
	f.Limit = off + limit
	r, err := s.openCapture(ctx, a.Path)
	if err != nil {
		return PacketList{}, "", err
	}
	defer r.Close()
	start := time.Now()
	res, err := pcapai.FilterPackets(ctx, r, f, s.options())
	var re *pcapai.ReadError
	cut := ""
	if errors.As(err, &re) && res != nil {
		// A capture cut inside a record: the packets before the cut.
		cut, err = re.Error(), nil
	}
	if err != nil {
		return PacketList{}, "", s.analysisError(a.Path, err)
	}
	p, o, end, _ := page(int(res.Matched), a.Cursor, limit)
	o, end = min(o, len(res.Packets)), min(end, len(res.Packets))
	out := PacketList{File: a.Path, Scanned: res.Scanned, Packets: append([]pcapai.PacketLine{}, res.Packets[o:end]...), Page: p}
	if len(out.Packets) > 0 {
		fr := make([]uint64, len(out.Packets))
		for i, pl := range out.Packets {
			fr[i] = pl.Frame
		}
		out.DisplayFilter = attack.FrameFilter(fr)
	}
	sum := fmt.Sprintf("%s: %d of %d packets match, showing %d from %d", a.Path, res.Matched, res.Scanned, end-o, o)
	if cut != "" {
		out.Truncated = true
		out.Notes = append(out.Notes, "the capture is cut short: packets after the damage were not read: "+cut)
		sum += "; TRUNCATED capture, read up to the damage"
	}
	if p.Cursor != "" {
		sum += "; more with cursor " + p.Cursor
	}
	return out, fmt.Sprintf("%s (scanned in %d ms)", sum, time.Since(start).Milliseconds()), nil
}

// ---- carve_pcap

// CarveArgs choose the packets to write: a finding, every finding of a
// kind, a filter, or a finding narrowed by a filter.
type CarveArgs struct {
	Path    string `json:"path" jsonschema:"capture file under an allowed root"`
	Finding *int   `json:"finding,omitempty" jsonschema:"index of the finding in the capture's findings (list_findings order, from 0): its evidence frames"`
	Kind    string `json:"kind,omitempty" jsonschema:"finding kind (e.g. port_scan): the evidence frames of every finding of that kind"`
	PacketFilter
	Name string `json:"name,omitempty" jsonschema:"file name of the new pcapng in the output folder (letters, digits, . _ -); default one derived from the capture; an existing file is never overwritten"`
}

// CarveResult says what was written.
type CarveResult struct {
	File          string           `json:"file"`
	Output        string           `json:"output" jsonschema:"absolute path of the new pcapng"`
	Packets       uint64           `json:"packets" jsonschema:"packets written"`
	Bytes         int64            `json:"bytes" jsonschema:"size of the new file"`
	Findings      []attack.Finding `json:"findings" jsonschema:"the findings whose evidence was carved (at most 10 shown)"`
	FindingsTotal int              `json:"findings_total"`
	DisplayFilter string           `json:"display_filter,omitempty" jsonschema:"Wireshark display filter selecting the carved frames in the original capture (frame-based selections)"`
	Bounds
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$`)

// outDir returns the real output folder, creating it.
func (s *Server) outDir() (string, error) {
	d := s.cfg.OutDir
	if d == "" {
		d = filepath.Join(s.roots[0], "pcapai-carved")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", errorf("cannot create the output folder %s: %v", d, err)
	}
	real, err := filepath.EvalSymlinks(d)
	if err != nil {
		return "", errorf("output folder %s: %v", d, err)
	}
	return real, nil
}

func carvePcap(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a CarveArgs) (CarveResult, string, error) {
	f, err := a.PacketFilter.toFilter()
	if err != nil {
		return CarveResult{}, "", err
	}
	if a.Name != "" && (!safeName.MatchString(a.Name) || strings.Contains(a.Name, "..")) {
		return CarveResult{}, "", errorf("name %q: use a plain file name of letters, digits, '.', '_' and '-' (no folders)", a.Name)
	}
	if a.Finding == nil && a.Kind == "" && a.PacketFilter.empty() {
		return CarveResult{}, "", errorf("say what to carve: finding (an index from list_findings), kind (a finding kind), or a filter (hosts, ports, protocols, flow_ids, from/to, frames, …)")
	}
	if (a.Finding != nil || a.Kind != "") && len(a.Frames) > 0 {
		return CarveResult{}, "", errorf("frames and finding/kind both choose frames: give one of them")
	}
	l, err := s.report(ctx, req, a.Path)
	if err != nil {
		return CarveResult{}, "", err
	}
	out := CarveResult{File: a.Path, Findings: []attack.Finding{}}
	var chosen []attack.Finding
	switch {
	case a.Finding != nil:
		i := *a.Finding
		if i < 0 || i >= len(l.rep.Findings) {
			return CarveResult{}, "", errorf("finding %d does not exist: %s has %d findings (0–%d); see list_findings", i, a.Path, len(l.rep.Findings), len(l.rep.Findings)-1)
		}
		if a.Kind != "" && l.rep.Findings[i].Kind != a.Kind {
			return CarveResult{}, "", errorf("finding %d is a %s, not a %s", i, l.rep.Findings[i].Kind, a.Kind)
		}
		chosen = l.rep.Findings[i : i+1]
	case a.Kind != "":
		kinds := map[string]bool{}
		for _, x := range l.rep.Findings {
			kinds[x.Kind] = true
			if x.Kind == a.Kind {
				chosen = append(chosen, x)
			}
		}
		if len(chosen) == 0 {
			have := make([]string, 0, len(kinds))
			for k := range kinds {
				have = append(have, k)
			}
			sort.Strings(have)
			return CarveResult{}, "", errorf("%s has no finding of kind %q (kinds present: %s)", a.Path, a.Kind, strings.Join(append(have, "none")[:max(len(have), 1)], ", "))
		}
	}
	if len(chosen) > 0 {
		capped := 0
		for _, x := range chosen {
			ff := pcapai.FilterForFinding(x)
			f.Frames = append(f.Frames, ff.Frames...)
			if x.Evidence.FramesTotal > len(x.Evidence.Frames) {
				capped += x.Evidence.FramesTotal - len(x.Evidence.Frames)
			}
		}
		slices.Sort(f.Frames)
		f.Frames = slices.Compact(f.Frames)
		if len(f.Frames) == 0 {
			return CarveResult{}, "", errorf("the chosen findings list no evidence frames: carve with a filter instead (hosts, from/to)")
		}
		if capped > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("evidence lists are capped: %d more frames of these findings are not listed and not carved; carve with a filter (hosts, from/to) to get all", capped))
		}
		out.FindingsTotal = len(chosen)
		out.Findings = append(out.Findings, chosen[:min(len(chosen), 10)]...)
		out.Truncated = len(chosen) > 10
	}
	if len(f.Frames) > 0 {
		out.DisplayFilter = attack.FrameFilter(f.Frames)
	}
	dir, err := s.outDir()
	if err != nil {
		return CarveResult{}, "", err
	}
	fh, dst, err := createNew(dir, a.Name, defaultCarveName(a, chosen))
	if err != nil {
		return CarveResult{}, "", err
	}
	r, err := s.openCapture(ctx, a.Path)
	if err != nil {
		fh.Close()
		os.Remove(dst)
		return CarveResult{}, "", err
	}
	defer r.Close()
	n, err := pcapai.Carve(ctx, r, f, fh, s.options())
	var re *pcapai.ReadError
	if errors.As(err, &re) {
		// A capture cut inside a record: the packets before the cut.
		out.Truncated = true
		out.Notes = append(out.Notes, "the capture is cut short: packets after the damage were not read: "+re.Error())
		err = nil
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return CarveResult{}, "", s.analysisError(a.Path, err)
	}
	st, err := os.Stat(dst)
	if err == nil {
		out.Bytes = st.Size()
	}
	out.Output, out.Packets = dst, n
	sum := fmt.Sprintf("%s: wrote %d packets (%d bytes) to %s", a.Path, n, out.Bytes, dst)
	if len(chosen) > 0 {
		sum += fmt.Sprintf(" from %d finding(s), first: [%s] %s", len(chosen), chosen[0].Severity, chosen[0].Summary)
	}
	if n == 0 {
		sum += "; no packet matched: the file is an empty pcapng"
	}
	return out, sum, nil
}

func defaultCarveName(a CarveArgs, chosen []attack.Finding) string {
	base := filepath.Base(a.Path)
	for _, ext := range []string{".gz", ".pcapng", ".pcap", ".cap"} {
		base = strings.TrimSuffix(base, ext)
	}
	base = regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(base, "_")
	switch {
	case a.Finding != nil:
		return fmt.Sprintf("%s-finding%d-%s", base, *a.Finding, chosen[0].Kind)
	case a.Kind != "":
		return fmt.Sprintf("%s-%s", base, chosen[0].Kind)
	}
	return base + "-filtered"
}

// createNew creates dir/name (.pcapng added) without ever replacing a
// file: a given name that exists is an error, a default name gets a
// number.
func createNew(dir, name, def string) (*os.File, string, error) {
	try := func(n string) (*os.File, string, error) {
		if !strings.HasSuffix(n, ".pcapng") {
			n += ".pcapng"
		}
		p := filepath.Join(dir, n)
		if filepath.Dir(p) != dir {
			return nil, "", errorf("name %q leaves the output folder", n)
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		return fh, p, err
	}
	if name != "" {
		fh, p, err := try(name)
		if errors.Is(err, os.ErrExist) {
			return nil, "", errorf("%s already exists and is never overwritten: choose another name, or leave name out", p)
		}
		if err != nil {
			return nil, "", errorf("cannot create %s: %v", p, err)
		}
		return fh, p, nil
	}
	for i := 1; i < 10000; i++ {
		n := def
		if i > 1 {
			n = fmt.Sprintf("%s-%d", def, i)
		}
		fh, p, err := try(n)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", errorf("cannot create %s: %v", p, err)
		}
		return fh, p, nil
	}
	return nil, "", errorf("the output folder %s holds 10000 files named %s-N: clean it up or give a name", dir, def)
}
