package creds

import (
	"cmp"
	"maps"
	"slices"

	"github.com/pcapai/pcapai/attack"
)

// Merge folds b into d, for a pass split into shards: d and b have the same
// Config and saw disjoint sets of flows of one capture, each in frame order
// (every packet of a flow, and the HTTP requests of that flow, went to the
// same Detector). b must not be used afterwards. Once shards 1…N-1 are
// merged into shard 0, Findings returns what one Detector fed every packet
// in frame order returns.
//
// A credential seen by both detectors is combined as the single Detector
// built it: first and last sightings, frames and flows interleaved by
// frame (within their caps), the verdict of the later frame. Findings then
// keeps the first MaxCredentials credentials by first sight and counts
// every sighting of the others as dropped, as Observe does. A credential
// is keyed by its client address and server endpoint, so a split by
// address pair keeps each one in one shard and the result is exact, caps
// included. With a finer split it is exact as long as no shard reached
// MaxCredentials on its own; when one did, the credentials kept are still
// the same, but one that reached that shard after it was full misses the
// sightings (frames, flows, verdict) it had there, and the dropped count is
// high by as many.
//
// MaxConns is not redistributed: each shard follows up to MaxConns login
// conversations at once. A shard's open conversations are a subset of the
// whole capture's at every moment, so the result is the same whenever the
// single Detector would not have reached MaxConns; when it would have, the
// shards read conversations it skipped.
func (d *Detector) Merge(b *Detector) {
	if b == nil || b == d {
		return
	}
	d.dropped += b.dropped
	maps.Copy(d.conns, b.conns) // disjoint flows
	d.live += b.live
	for k, c := range b.creds {
		if x := d.creds[k]; x != nil {
			x.merge(c)
		} else {
			d.creds[k] = c
		}
	}
	// Findings applies MaxCredentials: a credential past it now may be
	// seen earlier by a detector merged later.
}

// byFirstSight orders credentials as the single Detector would have
// created them: by frame, then by insertion within the frame (one frame
// belongs to one flow, so to one detector of a sharded pass).
func byFirstSight(x, y *cred) int {
	return cmp.Or(cmp.Compare(x.firstFrame, y.firstFrame), cmp.Compare(x.order, y.order))
}

// merge folds o, the same credential seen on other flows, into c.
func (c *cred) merge(o *cred) {
	e, l := c, o // earlier and later first sight
	if byFirstSight(o, c) < 0 {
		e, l = o, c
	}
	// With disjoint flows, l's first flow differs from e's; a nil flow
	// (a sighting without one) never makes a credential multi-flow.
	multi := e.multi || l.multi || l.fl != nil && l.fl != e.fl
	refs, refFrames := mergeRefs(e, l)
	frames := mergeFrames(c.frames, o.frames)
	m := *e
	m.multi, m.refs, m.refFrames, m.frames = multi, refs, refFrames, frames
	m.nFrames, m.adds = c.nFrames+o.nFrames, c.adds+o.adds
	if o.lastFrame > c.lastFrame {
		m.last, m.lastFrame = o.last, o.lastFrame
	} else {
		m.last, m.lastFrame = c.last, c.lastFrame
	}
	if o.outcomeFrame > c.outcomeFrame {
		m.Outcome, m.outcomeFrame = o.Outcome, o.outcomeFrame
	} else {
		m.Outcome, m.outcomeFrame = c.Outcome, c.outcomeFrame
	}
	*c = m
}

// mergeRefs interleaves two credentials' flows by the frame each was first
// seen, keeping the first sighting of each and at most maxRefs.
func mergeRefs(x, y *cred) ([]attack.FlowRef, []uint64) {
	refs := make([]attack.FlowRef, 0, min(len(x.refs)+len(y.refs), maxRefs))
	frames := make([]uint64, 0, cap(refs))
	add := func(r attack.FlowRef, n uint64) {
		if !slices.Contains(refs, r) {
			refs, frames = append(refs, r), append(frames, n)
		}
	}
	i, j := 0, 0
	for (i < len(x.refs) || j < len(y.refs)) && len(refs) < maxRefs {
		if j == len(y.refs) || i < len(x.refs) && x.refFrames[i] <= y.refFrames[j] {
			add(x.refs[i], x.refFrames[i])
			i++
		} else {
			add(y.refs[j], y.refFrames[j])
			j++
		}
	}
	return refs, frames
}

// mergeFrames interleaves two frame lists (each in frame order) and keeps
// the first attack.DefaultMaxFrames.
func mergeFrames(x, y []uint64) []uint64 {
	out := make([]uint64, 0, min(len(x)+len(y), attack.DefaultMaxFrames))
	i, j := 0, 0
	for (i < len(x) || j < len(y)) && len(out) < attack.DefaultMaxFrames {
		if j == len(y) || i < len(x) && x[i] <= y[j] {
			out = append(out, x[i])
			i++
		} else {
			out = append(out, y[j])
			j++
		}
	}
	return out
}
