package pcapai

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/pcapai/pcapai/flows"
)

// One capture, several cores.
//
// With Options.Workers > 1 the calling goroutine only reads: each record is
// copied into the batch of one shard, chosen by flows.Shard from its raw
// bytes (a direction-independent hash of the IP pair for TCP; shard 0 for
// everything whose analyzers pair messages across addresses: UDP, ICMP,
// ARP, tunnels, DNS and SIP over TCP). Each shard is an engine of its own
// (decoder with its fragment state, flow table, and the analyzers that
// keep per-flow state: TLS, HTTP, credentials; shard 0 also runs DNS,
// DHCP, ICMP, ARP and SIP, whose traffic all reaches it). The cross-flow
// analyzers (overview, beacon, detect) run on one more goroutine that
// takes each shard's packets back in frame order, so they see exactly the
// sequence a single engine would. After the pass the flow tables are
// joined and renumbered in order of first frame, the per-flow analyzers of
// shards 1…n-1 are merged into shard 0's, and the Report is finished as
// in the single-engine pass: it is the same, byte for byte.

const (
	roundRecords = 1024    // records per round, over all shards
	roundBytes   = 1 << 20 // captured bytes per round
	maxWorkers   = 64
)

// globalModule reports whether an analyzer runs on the in-order goroutine.
func globalModule(name string) bool {
	return name == ModOverview || name == ModBeacon || name == ModDetect
}

// homeModule reports whether an analyzer runs on shard 0 only.
func homeModule(name string) bool {
	switch name {
	case ModDNS, ModDHCP, ModICMP, ModARP, ModSIP:
		return true
	}
	return false
}

// merger is a per-flow analyzer that folds the state of the same analyzer
// of another shard into its own.
type merger interface {
	merge(other module)
}

// shardMinBytes is the smallest capture that Workers = 0 splits. On the
// 2-core development machine one worker was faster up to about 100 MiB
// (synthetic captures, 10 MiB: 93 ms against 124 ms on two; 30 MiB:
// 155 against 182 ms; 100 MiB: 298 against 287 ms) and on every small
// capture tried (2.6 MB of SLL2: 0.7 against 6.7 ms); more cores lower
// the break-even point, so the bar sits below it.
const shardMinBytes = 64 << 20

// workersFor returns the workers of a pass over r: Options.Workers when
// set, else GOMAXPROCS, or one for a capture known to be smaller than
// shardMinBytes.
func (o *Options) workersFor(r *Reader) int {
	w := o.Workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
		if r != nil && r.sizeHint > 0 && r.sizeHint < shardMinBytes {
			w = 1
		}
	}
	return min(max(w, 1), maxWorkers)
}

type shardRec struct {
	frame uint64
	t     int64
	off   int
	n     int
	orig  int
	iface int
	lt    uint16
}

type inBatch struct {
	data []byte
	recs []shardRec
}

type outBatch struct {
	pkts []flows.Packet
	data []byte
	pay  []int // pkts index of each payload kept in data, in order
}

type round struct {
	ids    []uint8 // shard of each record, in frame order
	counts []int   // records per shard
}

// shardedPass reads r once and analyzes it on n shards plus the in-order
// goroutine; afterwards e holds the joined flow table, the merged
// analyzers in pass order and the summed decoder counts, ready for finish.
func (e *engine) shardedPass(ctx context.Context, r *Reader, n int) (passEnd, error) {
	tables := flows.NewTables(n, e.opts.MaxFlows)
	shards := make([]*engine, n)
	for i := range shards {
		s := &engine{opts: e.opts, table: tables[i], dec: e.newDecoder()}
		for _, m := range modules {
			if e.opts.enabled(m.name) && !globalModule(m.name) && (i == 0 || !homeModule(m.name)) {
				s.add(m.name, m.new(s))
			}
		}
		shards[i] = s
	}
	var g *engine
	for _, m := range modules {
		if e.opts.enabled(m.name) && globalModule(m.name) {
			if g == nil {
				g = &engine{opts: e.opts}
			}
			g.add(m.name, m.new(g))
		}
	}
	// The detect module sniffs the first payload of each flow direction.
	keepPayload := g != nil && e.opts.enabled(ModDetect)

	var ports flows.PortSet
	ports.Add(53, 5353, 5355, 5060, 5061)
	ports.Add(e.opts.DNS.ExtraPorts...)

	in := make([]chan *inBatch, n)
	out := make([]chan *outBatch, n)
	freeIn := make(chan *inBatch, 8*n)
	freeOut := make(chan *outBatch, 8*n)
	rounds := make(chan round, 4)
	freeRounds := make(chan round, 16)
	var wg sync.WaitGroup
	for i := range shards {
		in[i] = make(chan *inBatch, 2)
		if g != nil {
			out[i] = make(chan *outBatch, 2)
		}
		wg.Add(1)
		go func(s *engine, in <-chan *inBatch, out chan<- *outBatch) {
			defer wg.Done()
			for b := range in {
				var ob *outBatch
				if out != nil {
					select {
					case ob = <-freeOut:
						ob.pkts, ob.data, ob.pay = ob.pkts[:0], ob.data[:0], ob.pay[:0]
					default:
						ob = &outBatch{}
					}
				}
				for i := 0; i < len(b.recs); {
					n := s.decodeAhead(len(b.recs)-i, func(j int, p *flows.Packet) {
						rc := &b.recs[i+j]
						s.dec.Decode(b.data[rc.off:rc.off+rc.n], flows.LinkType(rc.lt), rc.frame, time.Unix(0, rc.t).UTC(), rc.orig, rc.iface, p)
					})
					i += n
					for j := range n {
						p := &s.pkts[j]
						s.observe(p)
						if ob == nil {
							continue
						}
						ob.pkts = append(ob.pkts, *p)
						q := &ob.pkts[len(ob.pkts)-1]
						// The in-order analyzers read neither the tunnels
						// (decoder-owned) nor payload beyond a flow's first.
						q.Payload, q.Tunnels = nil, nil
						if keepPayload && p.FirstPayload {
							ob.pay = append(ob.pay, len(ob.pkts)-1, len(ob.data), len(p.Payload))
							ob.data = append(ob.data, p.Payload...)
						}
					}
				}
				select {
				case freeIn <- b:
				default:
				}
				if ob != nil {
					for j := 0; j < len(ob.pay); j += 3 {
						off, l := ob.pay[j+1], ob.pay[j+2]
						ob.pkts[ob.pay[j]].Payload = ob.data[off : off+l : off+l]
					}
					out <- ob
				}
			}
			if out != nil {
				close(out)
			}
		}(shards[i], in[i], out[i])
	}
	if g != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obs := make([]*outBatch, n)
			next := make([]int, n)
			for rd := range rounds {
				for k, c := range rd.counts {
					if c > 0 {
						obs[k], next[k] = <-out[k], 0
					}
				}
				for _, k := range rd.ids {
					p := &obs[k].pkts[next[k]]
					next[k]++
					g.dispatchInOrder(p)
				}
				for k, c := range rd.counts {
					if c > 0 {
						select {
						case freeOut <- obs[k]:
						default:
						}
						obs[k] = nil
					}
				}
				select {
				case freeRounds <- rd:
				default:
				}
			}
		}()
	}

	newIn := func() *inBatch {
		select {
		case b := <-freeIn:
			b.data, b.recs = b.data[:0], b.recs[:0]
			return b
		default:
			return &inBatch{}
		}
	}
	newRound := func() round {
		select {
		case rd := <-freeRounds:
			rd.ids = rd.ids[:0]
			clear(rd.counts)
			return rd
		default:
			return round{ids: make([]uint8, 0, roundRecords), counts: make([]int, n)}
		}
	}
	cur := make([]*inBatch, n)
	for i := range cur {
		cur[i] = newIn()
	}
	rd := newRound()
	size := 0
	flush := func() {
		for i, b := range cur {
			if len(b.recs) > 0 {
				in[i] <- b
				cur[i] = newIn()
			}
		}
		if g != nil && len(rd.ids) > 0 {
			rounds <- rd
			rd = newRound()
		} else {
			rd.ids = rd.ids[:0]
			clear(rd.counts)
		}
		size = 0
	}
	end, err := e.read(ctx, r, func(rb *recBatch) (int, bool, error) {
		for i := range rb.n {
			rec, lt := &rb.recs[i], rb.lts[i]
			k := 0
			if h, ok := flows.Shard(rec.Data, flows.LinkType(lt), &ports); ok {
				k = int(h % uint64(n))
			}
			b := cur[k]
			b.recs = append(b.recs, shardRec{frame: rb.frame + uint64(i), t: rec.Time, off: len(b.data), n: len(rec.Data), orig: rec.OrigLen, iface: rec.Iface, lt: lt})
			b.data = append(b.data, rec.Data...)
			rd.ids = append(rd.ids, uint8(k))
			rd.counts[k]++
			size += len(rec.Data)
			if len(rd.ids) >= roundRecords || size >= roundBytes {
				flush()
			}
		}
		return rb.n, false, nil
	})
	flush()
	for i := range in {
		close(in[i])
	}
	close(rounds)
	wg.Wait()

	// Join: one flow table numbered as a single engine numbers it, per-flow
	// analyzers merged into shard 0's, every analyzer in pass order.
	joined := flows.JoinTables(tables...)
	home := shards[0]
	home.table = joined
	for _, s := range shards[1:] {
		for j, m := range home.mods {
			if mg, ok := m.(merger); ok {
				mg.merge(s.mods[slices.Index(s.names, home.names[j])])
			}
		}
	}
	e.mods, e.names = nil, nil
	for _, m := range modules {
		src := home
		if globalModule(m.name) {
			src = g
		}
		if src == nil {
			continue
		}
		if i := slices.Index(src.names, m.name); i >= 0 {
			e.add(m.name, src.mods[i])
		}
	}
	e.table = joined
	e.decStats = new(flows.DecodeStats)
	for _, s := range append(shards, g) {
		if s == nil {
			continue
		}
		if s.dec != nil {
			e.decStats.Add(s.dec.Stats())
		}
		e.panics += s.panics
		if e.lastErr == "" {
			e.lastErr = s.lastErr
		}
	}
	return end, err
}

// dispatchInOrder gives a packet copy to the in-order analyzers. The flow
// it points to belongs to a shard that may be updating it: these
// analyzers read only what is set when a flow starts (addresses, ports,
// protocol, first frame) and never call Packet.Done.
func (e *engine) dispatchInOrder(p *flows.Packet) { e.dispatchAll(p, false) }
