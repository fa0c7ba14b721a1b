package pcapai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
)

// module is one analyzer of the pass: it sees every packet once, after the
// flow table, and writes its section of the Report at the end.
type module interface {
	observe(p *flows.Packet)
	finish(e *engine, r *Report)
}

type engine struct {
	opts    Options
	dec     *flows.Decoder
	table   *flows.Table
	mods    []module
	names   []string
	pkt     flows.Packet
	cap     capState
	panics  uint64
	lastErr string
}

func newEngine(opts Options) (*engine, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	e := &engine{
		opts:  opts,
		dec:   flows.NewDecoder(flows.DecoderConfig{MaxFragBytes: opts.MaxFragBytes, MaxFragDatagrams: opts.MaxFragDatagrams, FragTimeout: opts.FragTimeout}),
		table: flows.NewTable(opts.MaxFlows),
	}
	e.dec.CatchPanics = !opts.noRecover
	for _, m := range modules {
		if opts.enabled(m.name) {
			e.add(m.name, m.new(e))
		}
	}
	return e, nil
}

func (e *engine) add(name string, m module) {
	e.mods = append(e.mods, m)
	e.names = append(e.names, name)
}

// observe runs one decoded packet through the flow table and every module.
func (e *engine) observe(p *flows.Packet) {
	e.table.Observe(p)
	for i, m := range e.mods {
		if !p.Wants(i) {
			continue // the analyzer is done with this flow
		}
		if e.opts.noRecover {
			m.observe(p)
			continue
		}
		e.safeObserve(i, m, p)
	}
	p.Wants(-1)
}

func (e *engine) safeObserve(i int, m module, p *flows.Packet) {
	defer func() {
		if r := recover(); r != nil {
			e.panics++
			if e.lastErr == "" {
				e.lastErr = fmt.Sprintf("analyzer %s panicked on frame %d: %v\n%s", e.names[i], p.Frame, r, firstLines(string(debug.Stack()), 12))
			}
		}
	}()
	m.observe(p)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func (e *engine) run(ctx context.Context, r *Reader) (*Report, error) {
	if r == nil || r.cf == nil {
		return nil, errors.New("pcapai: nil Reader")
	}
	if r.used {
		return nil, fmt.Errorf("pcapai: %s: the Reader was already read; open the capture again", r.displayName())
	}
	r.used = true
	rep := &Report{Version: Version, File: r.name, Warnings: []string{}, Findings: []attack.Finding{}}
	cf := r.cf
	e.cap.init(cf)
	var ctxErr error
	var n uint64
	for {
		if n&4095 == 4095 {
			if ctx.Err() != nil {
				ctxErr = ctx.Err()
				break
			}
			if e.opts.Progress != nil {
				e.opts.Progress(r.bytesRead(), r.size)
			}
		}
		rec, err := cf.Next()
		if err != nil {
			if err != io.EOF {
				rep.Capture.Truncated = true
				rep.Warnings = append(rep.Warnings, readError(r.name, err).Error()+"; results cover the records before it")
			}
			break
		}
		if e.opts.MaxPackets > 0 && n >= e.opts.MaxPackets {
			rep.StoppedEarly = true
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("stopped after %d packets (MaxPackets)", n))
			break
		}
		n++
		lt := e.cap.record(cf, &rec)
		e.dec.Decode(rec.Data, flows.LinkType(lt), n, time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface, &e.pkt)
		e.observe(&e.pkt)
	}
	e.finish(cf, r, rep)
	if e.opts.Progress != nil {
		e.opts.Progress(r.bytesRead(), r.size)
	}
	return rep, ctxErr
}

func (r *Reader) displayName() string {
	if r.name == "" {
		return "capture"
	}
	return r.name
}

func (e *engine) finish(cf *capfile.Reader, r *Reader, rep *Report) {
	e.cap.fill(cf, r, &rep.Capture)
	rep.Decode = e.dec.Stats()
	rep.Flows = e.table.Flows()
	if rep.Flows == nil {
		rep.Flows = []*flows.Flow{}
	}
	for _, m := range e.mods {
		m.finish(e, rep)
	}
	attack.Sort(rep.Findings)
	triage(e, rep)
	fs := rep.Decode.Fragments
	rep.Limits = Limits{
		MaxFlows:       e.table.MaxFlows,
		FlowsDropped:   e.table.Dropped(),
		MaxFragBytes:   e.opts.MaxFragBytes,
		FragDropped:    fs.Dropped,
		FragTimedOut:   fs.TimedOut,
		AnalyzerPanics: e.panics,
		MaxPackets:     e.opts.MaxPackets,
	}
	if rep.Limits.MaxFlows == 0 {
		rep.Limits.MaxFlows = flows.DefaultMaxFlows
	}
	if rep.Limits.MaxFragBytes == 0 {
		rep.Limits.MaxFragBytes = 4 << 20
	}
	if d := e.table.Dropped(); d > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("flow table full (%d flows): %d packets of further flows were not tracked; raise Options.MaxFlows", rep.Limits.MaxFlows, d))
	}
	if fs.Dropped > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("IP reassembly cap hit: %d fragments dropped; raise Options.MaxFragBytes", fs.Dropped))
	}
	if e.panics > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d analyzer panics were caught; first: %s", e.panics, e.lastErr))
	}
}
