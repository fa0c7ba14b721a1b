package pcapai

import (
	"context"
	"runtime"
	"sync"
)

// FileResult is the outcome of one file of [AnalyzeFiles].
type FileResult struct {
	Path   string
	Report *Report // nil when the file could not be opened or read at all
	Err    error
}

// AnalyzeFiles analyzes several captures in parallel (at most GOMAXPROCS at
// a time) and returns their results in the order of paths. With several
// paths and Options.Workers zero, each file is analyzed on one goroutine.
func AnalyzeFiles(ctx context.Context, paths []string, opts Options) []FileResult {
	out := make([]FileResult, len(paths))
	if opts.Workers == 0 && len(paths) > 1 {
		opts.Workers = 1 // the files already share the cores
	}
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = analyzeFile(ctx, p, opts)
		}()
	}
	wg.Wait()
	return out
}

func analyzeFile(ctx context.Context, path string, opts Options) FileResult {
	r, err := Open(path)
	if err != nil {
		return FileResult{Path: path, Err: err}
	}
	defer r.Close()
	rep, err := Analyze(ctx, r, opts)
	return FileResult{Path: path, Report: rep, Err: err}
}
