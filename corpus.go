package pcapai

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/pcapai/pcapai/attack"
)

// CorpusReport is the merged view of many captures ([AnalyzeCorpus]): one
// summary per file, the findings of every file (Evidence.File names it),
// and the hosts merged across files. Per-file Reports are not kept.
type CorpusReport struct {
	Version string        `json:"pcapai_version"`
	Totals  CorpusTotals  `json:"totals"`
	Files   []FileSummary `json:"files"` // sorted by path
	// Findings of all files, sorted as in a Report (severity, score,
	// time), ties in path order.
	Findings []attack.Finding `json:"findings"`
	// Hosts merged by address, highest risk first (at most
	// Options.MaxHosts; HostsTotal counts all).
	Hosts      []CorpusHost `json:"hosts"`
	HostsTotal int          `json:"hosts_total"`
}

// CorpusTotals adds up the files of a corpus.
type CorpusTotals struct {
	Files    int     `json:"files"`
	Failed   int     `json:"failed"` // files that could not be opened or read at all
	Packets  uint64  `json:"packets"`
	Bytes    uint64  `json:"bytes"`      // wire bytes of the packets
	FileSize int64   `json:"file_bytes"` // bytes of the files
	Flows    int     `json:"flows"`
	Findings int     `json:"findings"`
	ElapsedS float64 `json:"elapsed_s"` // wall time of the pass
}

// FileSummary is what a CorpusReport keeps of one file's Report.
type FileSummary struct {
	Path      string    `json:"path"`
	Format    string    `json:"format,omitempty"`
	FileSize  int64     `json:"file_size"`
	Packets   uint64    `json:"packets"`
	Bytes     uint64    `json:"bytes"`
	Flows     int       `json:"flows"`
	Findings  int       `json:"findings"`
	Hosts     int       `json:"hosts"`
	First     time.Time `json:"first,omitzero"`
	Last      time.Time `json:"last,omitzero"`
	Truncated bool      `json:"truncated,omitempty"`
	Warnings  []string  `json:"warnings,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// CorpusHost is a host merged over the files that saw it: counters added,
// risk combined as 1 − Π(1 − riskᵢ), roles and ports united.
type CorpusHost struct {
	Host
	Files []string `json:"files"` // paths that saw the host, sorted (first 16)
}

// AnalyzeCorpus analyzes captures in parallel and merges them. paths may
// name files or directories; a directory adds every capture below it
// (recognised by content: pcap, pcapng, gzip), in path order. At most
// GOMAXPROCS files are open at a time and each file's Report is reduced
// to its summary, findings and hosts as soon as it is done, so memory is
// bounded by the workers' passes plus the merged findings and hosts. The
// result does not depend on the number of workers or their timing. A file
// that fails is listed with its error; the error of AnalyzeCorpus is
// ctx's, or one for paths that name no capture.
func AnalyzeCorpus(ctx context.Context, paths []string, opts Options) (*CorpusReport, error) {
	start := time.Now()
	files, err := CaptureFiles(paths)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("pcapai: no capture files in the given paths")
	}
	sizes := make([]int64, len(files))
	var total int64
	for i, p := range files {
		if st, err := os.Stat(p); err == nil {
			sizes[i] = st.Size()
			total += st.Size()
		}
	}
	type part struct {
		sum      FileSummary
		findings []attack.Finding
		hosts    []Host
	}
	parts := make([]part, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	if opts.Workers == 0 && len(files) > 1 {
		opts.Workers = 1 // the files already share the cores
	}
	var (
		mu       sync.Mutex
		finished int64
		current  = make([]int64, workers)
	)
	progress := opts.Progress
	report := func(w int, done int64, final int64) {
		if progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if final >= 0 {
			finished += final
			current[w] = 0
		} else {
			current[w] = done
		}
		d := finished
		for _, c := range current {
			d += c
		}
		progress(min(d, total), total)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				o := opts
				if progress != nil {
					o.Progress = func(done, _ int64) { report(w, min(done, sizes[i]), -1) }
				}
				res := analyzeFile(ctx, files[i], o)
				report(w, 0, sizes[i])
				p := part{sum: FileSummary{Path: files[i], FileSize: sizes[i]}}
				if res.Err != nil {
					p.sum.Error = res.Err.Error()
				}
				if rep := res.Report; rep != nil {
					p.sum.Format, p.sum.Packets, p.sum.Bytes = rep.Capture.Format, rep.Capture.Packets, rep.Capture.Bytes
					p.sum.Flows, p.sum.Findings, p.sum.Hosts = len(rep.Flows), len(rep.Findings), rep.HostsTotal
					p.sum.First, p.sum.Last, p.sum.Truncated = rep.Capture.First, rep.Capture.Last, rep.Capture.Truncated
					p.sum.Warnings = rep.Warnings
					p.findings = rep.Findings
					for j := range p.findings {
						p.findings[j].Evidence.File = files[i]
					}
					p.hosts = rep.Hosts
				}
				parts[i] = p
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	cr := &CorpusReport{Version: Version, Files: make([]FileSummary, 0, len(files)), Findings: []attack.Finding{}, Hosts: []CorpusHost{}}
	hosts := map[netip.Addr]*CorpusHost{}
	for _, p := range parts {
		if p.sum.Path == "" {
			continue // not reached: cancelled
		}
		s := p.sum
		cr.Files = append(cr.Files, s)
		cr.Totals.Files++
		if s.Error != "" && s.Packets == 0 {
			cr.Totals.Failed++
		}
		cr.Totals.Packets += s.Packets
		cr.Totals.Bytes += s.Bytes
		cr.Totals.FileSize += s.FileSize
		cr.Totals.Flows += s.Flows
		cr.Findings = append(cr.Findings, p.findings...)
		for _, h := range p.hosts {
			mergeHost(hosts, h, s.Path)
		}
	}
	attack.Sort(cr.Findings)
	cr.Totals.Findings = len(cr.Findings)
	for _, h := range hosts {
		h.Risk = attack.Round(h.Risk)
		cr.Hosts = append(cr.Hosts, *h)
	}
	slices.SortFunc(cr.Hosts, func(a, b CorpusHost) int {
		return cmp.Or(cmp.Compare(b.Risk, a.Risk), cmp.Compare(b.BytesOut+b.BytesIn, a.BytesOut+a.BytesIn), a.Addr.Compare(b.Addr))
	})
	cr.HostsTotal = len(cr.Hosts)
	if mh := cmp.Or(opts.MaxHosts, 1000); len(cr.Hosts) > mh {
		cr.Hosts = cr.Hosts[:mh]
	}
	cr.Totals.ElapsedS = attack.Round(time.Since(start).Seconds())
	return cr, ctx.Err()
}

func mergeHost(m map[netip.Addr]*CorpusHost, h Host, file string) {
	c := m[h.Addr]
	if c == nil {
		h.RiskFactors = nil // indexes into one file's findings
		h.Names, h.Roles, h.ServedPorts = slices.Clone(h.Names), slices.Clone(h.Roles), slices.Clone(h.ServedPorts)
		m[h.Addr] = &CorpusHost{Host: h, Files: []string{file}}
		return
	}
	c.Risk = 1 - (1-c.Risk)*(1-h.Risk)
	if h.First.Before(c.First) {
		c.First = h.First
	}
	if h.Last.After(c.Last) {
		c.Last = h.Last
	}
	c.BytesOut += h.BytesOut
	c.BytesIn += h.BytesIn
	c.PacketsOut += h.PacketsOut
	c.PacketsIn += h.PacketsIn
	c.FlowsInitiated += h.FlowsInitiated
	c.FlowsAccepted += h.FlowsAccepted
	c.Peers = max(c.Peers, h.Peers) // peers are not additive across files: a lower bound
	c.Names = union(c.Names, h.Names, 16)
	c.Roles = union(c.Roles, h.Roles, 32)
	c.ServedPorts = union(c.ServedPorts, h.ServedPorts, 10)
	if len(c.Files) < 16 {
		c.Files = append(c.Files, file)
	}
}

func union(a, b []string, n int) []string {
	for _, s := range b {
		if !slices.Contains(a, s) && len(a) < n {
			a = append(a, s)
		}
	}
	slices.Sort(a)
	return a
}

// CaptureFiles expands paths: a file is kept as given, a directory adds
// every regular file below it whose first bytes are those of a pcap,
// pcapng or gzip file, sorted by path.
func CaptureFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && isCapture(path) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.Sort(found)
		out = append(out, found...)
	}
	return out, nil
}

var magics = [][]byte{
	{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // pcap µs
	{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // pcap ns
	{0x0a, 0x0d, 0x0d, 0x0a}, // pcapng section header
	{0x1f, 0x8b},             // gzip
}

func isCapture(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	n, _ := io.ReadFull(f, b[:])
	for _, m := range magics {
		if n >= len(m) && bytes.Equal(b[:len(m)], m) {
			return true
		}
	}
	return false
}
