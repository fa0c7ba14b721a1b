package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pcapai/pcapai"
)

// cacheKey names one analysis: the same file, unchanged, with the same
// options.
type cacheKey struct {
	path  string // real path
	size  int64
	mtime int64
	opts  string
}

// flight is one analysis in progress or done. Waiters share it; the
// analysis is cancelled when every waiter has gone.
type flight struct {
	done    chan struct{}
	rep     *pcapai.Report
	err     error
	read    atomic.Int64 // bytes read so far, for progress
	size    int64
	waiters int
	cancel  context.CancelFunc
	used    time.Time
}

// reportCache keeps the last Reports, bounded by count, and runs at most
// one analysis per key at a time.
type reportCache struct {
	mu      sync.Mutex
	max     int
	entries map[cacheKey]*flight
	hits    atomic.Int64
	misses  atomic.Int64
}

func newReportCache(max int) *reportCache {
	if max <= 0 {
		max = 8
	}
	return &reportCache{max: max, entries: map[cacheKey]*flight{}}
}

// get returns the Report of path (already resolved), analysing it on the
// first call. progress, when set, is called while the analysis runs with the
// bytes read and the file size. cached says whether the answer came from
// the cache.
func (c *reportCache) get(ctx context.Context, path string, opts pcapai.Options, progress func(read, total int64)) (rep *pcapai.Report, cached bool, err error) {
	for range 3 {
		rep, cached, err = c.get1(ctx, path, opts, progress)
		// A shared analysis cancelled by its other callers as this one
		// joined: start again, unless this caller was cancelled too.
		if !errors.Is(err, context.Canceled) || ctx.Err() != nil {
			break
		}
	}
	return rep, cached, err
}

func (c *reportCache) get1(ctx context.Context, path string, opts pcapai.Options, progress func(read, total int64)) (rep *pcapai.Report, cached bool, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, err
	}
	if st.IsDir() {
		return nil, false, fmt.Errorf("%s is a directory, not a capture file", path)
	}
	key := cacheKey{path: path, size: st.Size(), mtime: st.ModTime().UnixNano(), opts: fmt.Sprintf("%v|%d|%d|%v", opts.Modules, opts.MaxPackets, opts.MaxFlows, opts.RevealSecrets)}

	c.mu.Lock()
	f := c.entries[key]
	if f != nil {
		select {
		case <-f.done:
			f.used = time.Now()
			c.mu.Unlock()
			c.hits.Add(1)
			return f.rep, true, f.err
		default:
		}
	} else {
		c.misses.Add(1)
		actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), size: st.Size(), cancel: cancel, used: time.Now()}
		c.entries[key] = f
		go c.run(actx, key, f, opts)
	}
	f.waiters++
	c.mu.Unlock()

	defer func() {
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			select {
			case <-f.done:
			default:
				f.cancel() // nobody wants it any more
			}
		}
		c.mu.Unlock()
	}()

	var tick <-chan time.Time
	if progress != nil {
		progress(f.read.Load(), f.size)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-f.done:
			if progress != nil && f.err == nil {
				progress(f.size, f.size)
			}
			return f.rep, false, f.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-tick:
			progress(f.read.Load(), f.size)
		}
	}
}

func (c *reportCache) run(ctx context.Context, key cacheKey, f *flight, opts pcapai.Options) {
	defer f.cancel()
	f.rep, f.err = analyzeFile(ctx, key.path, key.size, opts, &f.read)
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.err != nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
		delete(c.entries, key) // a cancelled pass is not the answer
	}
	close(f.done)
	c.evict()
}

// evict drops the least recently used finished entries past max.
func (c *reportCache) evict() {
	for len(c.entries) > c.max {
		var oldest cacheKey
		var of *flight
		for k, f := range c.entries {
			select {
			case <-f.done:
			default:
				continue
			}
			if of == nil || f.used.Before(of.used) {
				oldest, of = k, f
			}
		}
		if of == nil {
			return
		}
		delete(c.entries, oldest)
	}
}

func (c *reportCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// analyzeFile is pcapai.Open + pcapai.Analyze, reading through a counter
// so that progress can be reported.
func analyzeFile(ctx context.Context, path string, size int64, opts pcapai.Options, read *atomic.Int64) (*pcapai.Report, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r, err := pcapai.NewReader(&countingReader{r: fh, n: read})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rep, err := pcapai.Analyze(ctx, r, opts)
	if rep != nil {
		rep.File = path
		rep.Capture.FileSize = size
	}
	return rep, err
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
