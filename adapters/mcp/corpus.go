package mcp

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/pcapai/pcapai"
	"github.com/pcapai/pcapai/attack"
)

// CorpusArgs name the captures of analyze_corpus.
type CorpusArgs struct {
	Paths   []string `json:"paths,omitempty" jsonschema:"capture files under the allowed roots"`
	Dir     string   `json:"dir,omitempty" jsonschema:"a folder whose captures (matching pattern) are analyzed"`
	Pattern string   `json:"pattern,omitempty" jsonschema:"glob for dir; default *.pcap* (also matches .pcapng and .pcap.gz)"`
	Top     int      `json:"top,omitempty" jsonschema:"merged findings and talkers to show; default 20, at most 200"`
}

// Corpus is the merged view of several captures.
type Corpus struct {
	Files         []CorpusFile      `json:"files"`
	FilesTotal    int               `json:"files_total"`
	Failed        int               `json:"failed"`
	Packets       uint64            `json:"packets"`
	Bytes         uint64            `json:"bytes"`
	Flows         int               `json:"flows"`
	FindingsTotal int               `json:"findings_total"`
	BySeverity    map[string]int    `json:"by_severity"`
	Findings      []attack.Finding  `json:"findings" jsonschema:"the most severe findings of all files; evidence.file names the capture"`
	TopTalkers    []pcapai.Endpoint `json:"top_talkers" jsonschema:"top hosts by bytes over all files"`
	ElapsedMS     int64             `json:"elapsed_ms"`
	Bounds
}

// CorpusFile is one capture of the corpus.
type CorpusFile struct {
	Path      string    `json:"path"`
	Error     string    `json:"error,omitempty"`
	Format    string    `json:"format,omitempty"`
	Packets   uint64    `json:"packets"`
	Bytes     uint64    `json:"bytes"`
	Flows     int       `json:"flows"`
	Findings  int       `json:"findings"`
	First     time.Time `json:"first,omitzero"`
	Last      time.Time `json:"last,omitzero"`
	DurationS float64   `json:"duration_s"`
	Truncated bool      `json:"truncated,omitempty"`
	Warnings  int       `json:"warnings"`
}

func analyzeCorpus(s *Server, ctx context.Context, req mcpgo.CallToolRequest, a CorpusArgs) (Corpus, string, error) {
	top := a.Top
	if top <= 0 {
		top = 20
	}
	top = min(top, 200)
	var paths []string
	var shown []string
	for _, p := range a.Paths {
		real, err := s.capturePath(ctx, p)
		if err != nil {
			return Corpus{}, "", err
		}
		paths, shown = append(paths, real), append(shown, p)
	}
	if a.Dir != "" {
		dir, err := s.resolve(a.Dir)
		if err != nil {
			return Corpus{}, "", err
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return Corpus{}, "", errorf("dir %s is not a folder: pass a folder, or the files as paths", a.Dir)
		}
		pat := a.Pattern
		if pat == "" {
			pat = "*.pcap*"
		}
		if _, err := filepath.Match(pat, ""); err != nil {
			return Corpus{}, "", errorf("bad pattern %q: use a glob such as *.pcap*", pat)
		}
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		sort.Strings(m)
		for _, p := range m {
			real, err := s.resolve(p)
			if err != nil {
				continue // a symlink out of the roots
			}
			if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
				continue
			}
			paths, shown = append(paths, real), append(shown, p)
		}
	}
	if len(paths) == 0 {
		return Corpus{}, "", errorf("no captures: pass paths, or a dir holding files that match the pattern")
	}
	out := Corpus{FilesTotal: len(paths), BySeverity: map[string]int{}, Files: []CorpusFile{}, Findings: []attack.Finding{}, TopTalkers: []pcapai.Endpoint{}}
	if len(paths) > s.cfg.MaxCorpusFiles {
		out.Truncated = true
		out.Notes = append(out.Notes, fmt.Sprintf("only the first %d of %d files were analyzed (max_corpus_files)", s.cfg.MaxCorpusFiles, len(paths)))
		paths, shown = paths[:s.cfg.MaxCorpusFiles], shown[:s.cfg.MaxCorpusFiles]
	}
	start := time.Now()
	res := pcapai.AnalyzeFiles(ctx, paths, s.options())
	if ctx.Err() != nil {
		return Corpus{}, "", errorf("analyze_corpus was cancelled")
	}
	eps := map[netip.Addr]*pcapai.Endpoint{}
	var all []attack.Finding
	for i, fr := range res {
		cf := CorpusFile{Path: shown[i]}
		if fr.Err != nil {
			cf.Error = s.analysisError(shown[i], fr.Err).Error()
		}
		if r := fr.Report; r != nil {
			c := r.Capture
			cf.Format, cf.Packets, cf.Bytes, cf.Flows, cf.Findings = c.Format, c.Packets, c.Bytes, len(r.Flows), len(r.Findings)
			cf.First, cf.Last, cf.DurationS, cf.Truncated, cf.Warnings = c.First, c.Last, c.DurationS, c.Truncated, len(r.Warnings)
			out.Packets += c.Packets
			out.Bytes += c.Bytes
			out.Flows += len(r.Flows)
			for _, f := range r.Findings {
				f.Evidence.File = shown[i]
				all = append(all, f)
			}
			if r.Overview != nil {
				for _, e := range r.Overview.Endpoints {
					m := eps[e.Addr]
					if m == nil {
						m = &pcapai.Endpoint{Addr: e.Addr}
						eps[e.Addr] = m
					}
					m.TxPackets += e.TxPackets
					m.TxBytes += e.TxBytes
					m.RxPackets += e.RxPackets
					m.RxBytes += e.RxBytes
					m.Flows += e.Flows
				}
			}
		} else {
			out.Failed++
		}
		out.Files = append(out.Files, cf)
	}
	attack.Sort(all)
	out.FindingsTotal = len(all)
	out.BySeverity = bySeverity(all)
	out.Findings = append(out.Findings, all[:min(len(all), top)]...)
	for _, e := range eps {
		out.TopTalkers = append(out.TopTalkers, *e)
	}
	sort.Slice(out.TopTalkers, func(i, j int) bool {
		a, b := out.TopTalkers[i], out.TopTalkers[j]
		if x, y := a.TxBytes+a.RxBytes, b.TxBytes+b.RxBytes; x != y {
			return x > y
		}
		return a.Addr.Less(b.Addr)
	})
	out.TopTalkers = out.TopTalkers[:min(len(out.TopTalkers), top)]
	out.ElapsedMS = time.Since(start).Milliseconds()
	sum := fmt.Sprintf("%d captures (%d failed): %d packets, %d flows, %d findings in %d ms", len(out.Files), out.Failed, out.Packets, out.Flows, out.FindingsTotal, out.ElapsedMS)
	return out, sum, nil
}

func mcpGoVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/mark3labs/mcp-go" {
				return d.Version
			}
		}
	}
	return "v1.2.1"
}
