package httpx

import (
	"maps"
	"slices"

	"github.com/pcapai/pcapai/flows"
)

// Merge folds b into a, for a pass split into shards: a and b have the same
// Config and saw disjoint sets of flows of one capture, each in frame order
// (every packet of a flow went to the same Analyzer). b must not be used
// afterwards. Once shards 1…N-1 are merged into shard 0, Finish returns
// what one Analyzer fed every packet in frame order returns, flow IDs
// included when the flows were renumbered before Finish.
//
// Counters and tables add up; requests and downloads are interleaved by
// frame; a server's Host and Software come from the earliest frame that
// set them. The caps are applied again as the single Analyzer applied
// them: the requests of the first MaxRequests frames are listed (the rest
// counted in RequestsLeftOut), and Finish keeps the first MaxNames
// methods, hosts, status codes, servers and downloads by first sight,
// counting the sightings of the names and servers it leaves out in
// Dropped.Names. This is exact as long as no shard filled one of its own
// MaxNames tables. When one did, a name (or server) that other shards saw
// first can have reached it after it was full: the names kept and their
// order are still exact, and so is the sum of their counts and
// Dropped.Names, but such a name's count can be low (Dropped.Names high by
// as much), a server can miss that shard's share (requests, answers,
// response times, Host, Software), and a download can be missing. The
// request list and the totals are always exact.
//
// MaxConns is not redistributed: each shard follows up to MaxConns
// connections at once. A shard's open connections are a subset of the
// whole capture's at every moment, so the result is the same whenever the
// single Analyzer would not have reached MaxConns; when it would have, the
// shards follow connections it dropped (Dropped.Conns is lower).
func (a *Analyzer) Merge(b *Analyzer) {
	if b == nil || b == a {
		return
	}
	a.totals.Requests += b.totals.Requests
	a.totals.Responses += b.totals.Responses
	a.totals.Connections += b.totals.Connections
	a.totals.Unanswered += b.totals.Unanswered
	a.totals.Orphans += b.totals.Orphans
	a.dropped.Conns += b.dropped.Conns
	a.dropped.Names += b.dropped.Names
	a.dropped.Pending += b.dropped.Pending
	a.dropped.LostSync += b.dropped.LostSync
	a.dropped.GapBytes += b.dropped.GapBytes
	a.dropped.BadHeaders += b.dropped.BadHeaders
	a.leftOut += b.leftOut

	idxA, idxB := a.mergeRequests(b)
	a.mergeDownloads(b, idxA, idxB)
	remapPending(a.conns, idxA)
	remapPending(b.conns, idxB)
	maps.Copy(a.conns, b.conns) // disjoint flows
	a.live += b.live

	mergeTallies(a.methods, b.methods)
	mergeTallies(a.hosts, b.hosts)
	mergeTallies(a.statuses, b.statuses)
	a.mergeServers(b)
	a.seq = max(a.seq, b.seq)
}

// mergeRequests interleaves the request lists by frame and re-applies
// MaxRequests. It returns where each request of a and of b went (-1: left
// out).
func (a *Analyzer) mergeRequests(b *Analyzer) (idxA, idxB []int) {
	na, nb := len(a.reqs), len(b.reqs)
	reqs := make([]Request, 0, na+nb)
	fl := make([]*flows.Flow, 0, na+nb)
	idxA, idxB = make([]int, na), make([]int, nb)
	for i, j := 0, 0; i < na || j < nb; {
		if j == nb || i < na && a.reqs[i].Frame <= b.reqs[j].Frame {
			idxA[i] = len(reqs)
			reqs, fl = append(reqs, a.reqs[i]), append(fl, a.reqFlow[i])
			i++
		} else {
			idxB[j] = len(reqs)
			reqs, fl = append(reqs, b.reqs[j]), append(fl, b.reqFlow[j])
			j++
		}
	}
	if n := a.cfg.MaxRequests; len(reqs) > n {
		a.leftOut += uint64(len(reqs) - n)
		clear(reqs[n:])
		clear(fl[n:])
		reqs, fl = reqs[:n], fl[:n]
		for _, idx := range [][]int{idxA, idxB} {
			for i, k := range idx {
				if k >= n {
					idx[i] = -1
				}
			}
		}
	}
	a.reqs, a.reqFlow = reqs, fl
	return idxA, idxB
}

// mergeDownloads interleaves the download lists by frame, without the
// downloads of requests mergeRequests left out (the single Analyzer lists
// a download only for a listed request). The MaxNames cap is applied by
// Finish: a download past it now may move up when a later merge leaves out
// the requests of earlier ones.
func (a *Analyzer) mergeDownloads(b *Analyzer, idxA, idxB []int) {
	type dl struct {
		d   Download
		req int
	}
	keep := func(ds []Download, reqs []int, idx []int) []dl {
		out := make([]dl, 0, len(ds))
		for i, d := range ds {
			if k := idx[reqs[i]]; k >= 0 {
				out = append(out, dl{d, k})
			}
		}
		return out
	}
	da, db := keep(a.downloads, a.dlReq, idxA), keep(b.downloads, b.dlReq, idxB)
	a.downloads, a.dlReq = make([]Download, 0, len(da)+len(db)), make([]int, 0, len(da)+len(db))
	for i, j := 0, 0; i < len(da) || j < len(db); {
		var x dl
		if j == len(db) || i < len(da) && da[i].d.Frame <= db[j].d.Frame {
			x = da[i]
			i++
		} else {
			x = db[j]
			j++
		}
		a.downloads, a.dlReq = append(a.downloads, x.d), append(a.dlReq, x.req)
	}
}

// remapPending points the pending requests of open connections at the
// merged request list.
func remapPending(conns map[*flows.Flow]*conn, idx []int) {
	for _, c := range conns {
		if c == nil {
			continue
		}
		for i := range c.pending {
			if k := c.pending[i].idx; k >= 0 {
				c.pending[i].idx = idx[k]
			}
		}
	}
}

// mergeTallies adds src's counts to dst and keeps the earlier first sight.
// The cap is applied by Finish (see firstSeen): a name past it now may be
// seen earlier in a shard merged later.
func mergeTallies[K comparable](dst, src map[K]*tally) {
	for k, t := range src {
		d := dst[k]
		if d == nil {
			dst[k] = t
			continue
		}
		d.n += t.n
		if t.first.before(d.first) {
			d.first = t.first
		}
	}
}

// firstSeen returns m, or when it holds more than limit entries (merged
// shards), a copy with the limit entries first seen first: those the
// single Analyzer kept. left sums the counts of the others, which the
// single Analyzer counted in Dropped.Names (count, server).
func firstSeen[K comparable, V any](m map[K]V, limit int, first func(V) mark, n func(V) uint64) (kept map[K]V, left uint64) {
	if len(m) <= limit {
		return m, 0
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(x, y K) int { return cmpMark(first(m[x]), first(m[y])) })
	kept = make(map[K]V, limit)
	for i, k := range keys {
		if i < limit {
			kept[k] = m[k]
		} else {
			left += n(m[k])
		}
	}
	return kept, left
}

// mergeServers combines the server tables: counts add up, the maximum
// response time is the larger, Host and Software come from the earlier
// frame that set them. Finish applies MaxNames.
func (a *Analyzer) mergeServers(b *Analyzer) {
	for ap, t := range b.servers {
		s := a.servers[ap]
		if s == nil {
			a.servers[ap] = t
			continue
		}
		s.Requests += t.Requests
		s.Responses += t.Responses
		s.sumResp += t.sumResp
		s.maxR = max(s.maxR, t.maxR)
		if t.first.before(s.first) {
			s.first = t.first
		}
		if t.Host != "" && (s.Host == "" || t.hostFrame < s.hostFrame) {
			s.Host, s.hostFrame = t.Host, t.hostFrame
		}
		if t.Software != "" && (s.Software == "" || t.swFrame < s.swFrame) {
			s.Software, s.swFrame = t.Software, t.swFrame
		}
	}
}

func cmpMark(x, y mark) int {
	switch {
	case x.before(y):
		return -1
	case y.before(x):
		return 1
	}
	return 0
}
