package pcapai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
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

// A precomputer is a module whose finish is costly and can be computed
// from the finished pass alone. The engine finishes the other modules in
// order first, then runs every precompute at once, each on a goroutine of
// its own, then calls the precomputers' finish in module order. precompute
// reads the Report and the flows and writes neither; finish writes what it
// computed (and computes it first when precompute was not called).
type precomputer interface {
	module
	precompute(e *engine, r *Report)
}

type engine struct {
	opts    Options
	dec     *flows.Decoder
	table   *flows.Table
	mods    []module
	names   []string
	batch   recBatch
	pkts    [batchLen]flows.Packet // the batch's decoded packets
	cap     capState
	panics  uint64
	lastErr string
	// decStats replaces dec's counts after a sharded pass (the sum over
	// the shards' decoders).
	decStats *flows.DecodeStats
}

func newEngine(opts Options) (*engine, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	e := &engine{opts: opts, table: flows.NewTable(opts.MaxFlows)}
	e.dec = e.newDecoder()
	for _, m := range modules {
		if opts.enabled(m.name) {
			e.add(m.name, m.new(e))
		}
	}
	return e, nil
}

func (e *engine) newDecoder() *flows.Decoder {
	o := &e.opts
	d := flows.NewDecoder(flows.DecoderConfig{MaxFragBytes: o.MaxFragBytes, MaxFragDatagrams: o.MaxFragDatagrams, FragTimeout: o.FragTimeout})
	d.CatchPanics = !o.noRecover
	return d
}

func (e *engine) decodeStats() flows.DecodeStats {
	if e.decStats != nil {
		return *e.decStats
	}
	return e.dec.Stats()
}

func (e *engine) add(name string, m module) {
	e.mods = append(e.mods, m)
	e.names = append(e.names, name)
}

// observe runs one decoded packet through the flow table and every module.
func (e *engine) observe(p *flows.Packet) {
	e.table.Observe(p)
	e.dispatch(p)
}

// dispatch gives a packet the flow table has seen to every module.
func (e *engine) dispatch(p *flows.Packet) {
	e.dispatchAll(p, true)
	p.Wants(-1)
}

// dispatchAll gives p to every module; with wants, only to those not done
// with its flow.
func (e *engine) dispatchAll(p *flows.Packet, wants bool) {
	if e.opts.noRecover {
		for i, m := range e.mods {
			if !wants || p.Wants(i) {
				m.observe(p)
			}
		}
		return
	}
	for i := 0; i < len(e.mods); {
		i = e.safeDispatch(p, i, wants)
	}
}

// safeDispatch gives p to the modules from start on, under one deferred
// recover per packet rather than one per module. A module that panics is
// recorded and skipped for this packet; it returns the index to go on from.
func (e *engine) safeDispatch(p *flows.Packet, start int, wants bool) (next int) {
	i := start
	defer func() {
		if r := recover(); r != nil {
			e.panics++
			if e.lastErr == "" {
				e.lastErr = fmt.Sprintf("analyzer %s panicked on frame %d: %v\n%s", e.names[i], p.Frame, r, firstLines(string(debug.Stack()), 12))
			}
			next = i + 1
		}
	}()
	for ; i < len(e.mods); i++ {
		if !wants || p.Wants(i) { // else the analyzer is done with this flow
			e.mods[i].observe(p)
		}
	}
	return i
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// passEnd says how a pass over a capture ended.
type passEnd struct {
	n       uint64 // records read
	readErr error  // the read error that ended the pass early; nil at EOF
	maxed   bool   // Options.MaxPackets stopped the pass
}

// batchLen is how many records a pass reads before the flow table sees
// them: enough that the table's memory reads for a batch overlap (see
// flows.Table.Prefetch), few enough that the batch's packet views stay in
// the CPU's first-level cache.
const batchLen = 16

// recBatch is records read together; their Data stay valid until the next
// batch is read.
type recBatch struct {
	recs  [batchLen]capfile.Record
	lts   [batchLen]uint16 // link type of each record
	frame uint64           // frame number of recs[0]
	n     int
}

// pass reads r once: every record is counted in the capture info, decoded
// and given to the flow table, then to visit, which may stop the pass. It
// honours ctx (checked every 4096 records, with a progress report) and
// Options.MaxPackets. The error is ctx's or visit's; a read error ends the
// pass without one (see passEnd.readErr).
//
// Records come in batches (see read): a batch's packets are decoded, then
// the flow table prefetches their flows, then each packet goes to the
// table and to visit in frame order, as if one at a time.
func (e *engine) pass(ctx context.Context, r *Reader, visit func(p *flows.Packet, rec *capfile.Record, linkType uint16) (stop bool, err error)) (end passEnd, err error) {
	return e.read(ctx, r, func(b *recBatch) (int, bool, error) {
		for i := 0; i < b.n; {
			n := e.decodeAhead(b.n-i, func(j int, p *flows.Packet) {
				rec := &b.recs[i+j]
				e.dec.Decode(rec.Data, flows.LinkType(b.lts[i+j]), b.frame+uint64(i+j), time.Unix(0, rec.Time).UTC(), rec.OrigLen, rec.Iface, p)
			})
			for j := range n {
				p := &e.pkts[j]
				e.table.Observe(p)
				if stop, err := visit(p, &b.recs[i+j], b.lts[i+j]); err != nil || stop {
					return i + j + 1, true, err
				}
			}
			i += n
		}
		return b.n, false, nil
	})
}

// decodeAhead decodes up to batchLen of the next n records into e.pkts,
// the j-th by decode(j, &e.pkts[j]), and has the flow table prefetch them;
// it returns how many it decoded. It stops after a packet that came
// through a tunnel: its Tunnels belong to the decoder, which the next
// Decode would overwrite before the packet is seen.
func (e *engine) decodeAhead(n int, decode func(j int, p *flows.Packet)) int {
	k := 0
	for k < min(n, batchLen) {
		p := &e.pkts[k]
		decode(k, p)
		k++
		if len(p.Tunnels) > 0 {
			break
		}
	}
	e.table.Prefetch(e.pkts[:k])
	return k
}

// read is the loop of every pass: it reads each record of r once, counts
// it in the capture info and hands it to visit, in batches of up to
// batchLen records that are all in the read buffer at once (the first
// record of a batch may have been read from the stream; the others were
// already buffered, see capfile.Reader.Ready). visit returns how many of
// the batch's records it used, all of them unless it stops the pass. It
// honours ctx (checked every 4096 records, with a progress report) and
// Options.MaxPackets.
func (e *engine) read(ctx context.Context, r *Reader, visit func(b *recBatch) (used int, stop bool, err error)) (end passEnd, err error) {
	if r == nil || r.cf == nil {
		return end, errors.New("pcapai: nil Reader")
	}
	if r.used {
		return end, fmt.Errorf("pcapai: %s: the Reader was already read; open the capture again", r.displayName())
	}
	r.used = true
	cf := r.cf
	e.cap.init(cf)
	if r.readAhead() {
		defer cf.ReadAhead(r.regular)()
	}
	b := &e.batch
	for {
		b.n, b.frame = 0, end.n+1
		var last error // the context's error, returned after the batch
		done := false
		for b.n < batchLen {
			if b.n > 0 && !cf.Ready() {
				break // reading on could move the batch's bytes
			}
			// After Ready, so a batch that ends here does not check (and
			// report progress) again when the next one starts.
			if end.n&4095 == 4095 {
				if err := ctx.Err(); err != nil {
					last, done = err, true
					break
				}
				if e.opts.Progress != nil {
					e.opts.Progress(r.bytesRead(), r.size)
				}
			}
			rec, err := cf.Next()
			if err != nil {
				if err != io.EOF {
					end.readErr = readError(r.name, err)
				}
				done = true
				break
			}
			if e.opts.MaxPackets > 0 && end.n >= e.opts.MaxPackets {
				end.maxed, done = true, true
				break
			}
			end.n++
			b.recs[b.n] = rec
			b.lts[b.n] = e.cap.record(cf, &b.recs[b.n])
			b.n++
		}
		if b.n > 0 {
			used, stop, err := visit(b)
			if err != nil || stop {
				end.n -= uint64(b.n - used)
				return end, err
			}
		}
		if done {
			return end, last
		}
	}
}

func (e *engine) run(ctx context.Context, r *Reader) (*Report, error) {
	var end passEnd
	var err error
	if w := e.opts.workersFor(r); w > 1 {
		end, err = e.shardedPass(ctx, r, w)
	} else {
		end, err = e.pass(ctx, r, func(p *flows.Packet, _ *capfile.Record, _ uint16) (bool, error) {
			e.dispatch(p)
			return false, nil
		})
	}
	if end.n == 0 && err != nil && !errors.Is(err, ctx.Err()) {
		return nil, err // no pass at all: nil or used Reader
	}
	rep := &Report{Version: Version, File: r.name, Warnings: []string{}, Findings: []attack.Finding{}}
	if end.readErr != nil {
		rep.Capture.Truncated = true
		rep.Warnings = append(rep.Warnings, end.readErr.Error()+"; results cover the records before it")
	}
	if end.maxed {
		rep.StoppedEarly = true
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("stopped after %d packets (MaxPackets)", end.n))
	}
	e.finish(r.cf, r, rep)
	if e.opts.Progress != nil {
		e.opts.Progress(r.bytesRead(), r.size)
	}
	return rep, err
}

func (r *Reader) displayName() string {
	if r.name == "" {
		return "capture"
	}
	return r.name
}

// precomputeAll runs the precompute methods at once. A panic in one is
// raised again on the caller's goroutine once all have returned, as it
// would have been without the goroutines.
func precomputeAll(e *engine, rep *Report, pre []precomputer) {
	var wg sync.WaitGroup
	panics := make([]any, len(pre))
	for i, p := range pre {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			p.precompute(e, rep)
		})
	}
	wg.Wait()
	for _, v := range panics {
		if v != nil {
			panic(v)
		}
	}
}

func (e *engine) finish(cf *capfile.Reader, r *Reader, rep *Report) {
	e.cap.fill(cf, r, &rep.Capture)
	rep.Decode = e.decodeStats()
	rep.Flows = e.table.Flows()
	if rep.Flows == nil {
		rep.Flows = []*flows.Flow{}
	}
	var pre []precomputer
	for _, m := range e.mods {
		if p, ok := m.(precomputer); ok {
			pre = append(pre, p)
			continue
		}
		m.finish(e, rep)
	}
	if len(pre) > 1 && runtime.GOMAXPROCS(0) > 1 {
		precomputeAll(e, rep, pre)
	}
	for _, p := range pre {
		p.finish(e, rep)
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
