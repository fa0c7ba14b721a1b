package pcapai

import (
	"context"
	"io"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
	"github.com/pcapai/pcapai/tlsx"
)

// Reader is an open capture. A Reader is read once: [Analyze] and the other
// entry points consume it. It is not safe for concurrent use.
type Reader struct {
	name     string
	size     int64
	closer   io.Closer
	cf       *capfile.Reader
	used     bool
	read     *countReader
	regular  bool  // a regular file: reads never wait for bytes not yet written
	sizeHint int64 // bytes of the capture when known (a file, a bytes.Reader), else 0
}

// countReader counts the bytes read from the file (compressed bytes for a
// gzip capture), for Options.Progress. The count is atomic: with read-ahead
// the file is read on another goroutine.
type countReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Open opens a capture file. The format (pcap, nanosecond pcap, pcapng, any
// of them gzip-compressed) is sniffed from its first bytes. A file that is
// not a capture gives an error wrapping [ErrUnknownFormat].
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: errIsDir}
	}
	cr := &countReader{r: f}
	var size int64
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	cf, err := capfile.NewReaderSize(cr, size)
	if err != nil {
		f.Close()
		return nil, readError(path, err)
	}
	return &Reader{name: path, size: st.Size(), closer: f, cf: cf, read: cr, regular: st.Mode().IsRegular(), sizeHint: st.Size()}, nil
}

type dirError struct{}

func (dirError) Error() string { return "is a directory, not a capture file" }

var errIsDir error = dirError{}

// NewReader reads a capture from r (the format is sniffed as by [Open]).
func NewReader(r io.Reader) (*Reader, error) {
	var hint int64
	var regular bool
	switch s := r.(type) {
	case interface{ Len() int }: // bytes.Reader, bytes.Buffer, strings.Reader
		hint = int64(s.Len())
	case interface{ Stat() (os.FileInfo, error) }: // an *os.File, standard input redirected from a file
		if st, err := s.Stat(); err == nil && st.Mode().IsRegular() {
			hint, regular = st.Size(), true
		}
	}
	cr := &countReader{r: r}
	cf, err := capfile.NewReaderSize(cr, hint)
	if err != nil {
		return nil, readError("", err)
	}
	return &Reader{cf: cf, read: cr, sizeHint: hint, regular: regular}, nil
}

// Name returns the file name given to Open, or "" for NewReader.
func (r *Reader) Name() string { return r.name }

// Size returns the file size in bytes (0 for NewReader).
func (r *Reader) Size() int64 { return r.size }

// bytesRead returns how many bytes of the file were read so far.
func (r *Reader) bytesRead() int64 {
	if r.read == nil {
		return 0
	}
	return r.read.n.Load()
}

// readAhead reports whether a pass should read the capture on a goroutine
// of its own: for a gzip-compressed capture (decompression is the costly
// part, and overlaps the analysis) of 1 MiB or more, or of unknown size,
// when there is a second core to run it. A plain file is read on the
// pass's goroutine: handing its chunks to another core cost more than the
// read itself saved (pcapbench, 1 GiB, flow pass 0.69 → 0.74 s), while a
// gzip capture gained (1 worker, 100 MiB compressed 2:1, 1.33 → 1.06 s).
func (r *Reader) readAhead() bool {
	return runtime.GOMAXPROCS(0) > 1 && r.cf.Compressed() && (r.sizeHint == 0 || r.sizeHint >= readAheadMin)
}

// readAheadMin is the smallest compressed capture read ahead (tests lower it).
var readAheadMin int64 = 1 << 20

// Close closes the file opened by Open; it is a no-op for NewReader.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}

// Analyze reads the capture once and returns its Report. It honours ctx
// (checked every few thousand packets) and returns the partial Report with
// ctx's error when cancelled. A read error after the first record is not
// an error of Analyze: the Report covers the records before it and carries
// a warning (and Capture.Truncated).
func Analyze(ctx context.Context, r *Reader, opts Options) (*Report, error) {
	e, err := newEngine(opts)
	if err != nil {
		return nil, err
	}
	return e.run(ctx, r)
}

// Flows reads the capture once and returns only its flow table, in order of
// first packet.
func Flows(ctx context.Context, r *Reader, opts Options) ([]*flows.Flow, error) {
	opts.Modules = []string{"flows"}
	rep, err := Analyze(ctx, r, opts)
	if rep == nil {
		return nil, err
	}
	return rep.Flows, err
}

// DNSStats reads the capture once with only the DNS analyzer and returns
// its DNS view (nil findings: run [Analyze] for those).
func DNSStats(ctx context.Context, r *Reader, opts Options) (*dnsx.Stats, error) {
	opts.Modules = []string{ModDNS}
	rep, err := Analyze(ctx, r, opts)
	if rep == nil {
		return nil, err
	}
	return rep.DNS, err
}

// TLSChains reads the capture once with the TLS analyzer alone and returns
// every distinct certificate chain presented in a TLS ≤ 1.2 handshake, with
// the sessions that presented it, in order of first use.
func TLSChains(ctx context.Context, r *Reader, opts Options) ([]tlsx.Chain, error) {
	opts.Modules = []string{ModTLS}
	rep, err := Analyze(ctx, r, opts)
	if rep == nil || rep.TLS == nil {
		return nil, err
	}
	return rep.TLS.Chains, err
}

// MapATTACK reads the capture once with every module and returns the
// ATT&CK matrix of its findings (as Report.Attack). Use attack.Map on a
// Report's Findings to rebuild it after filtering.
func MapATTACK(ctx context.Context, r *Reader, opts Options) (attack.Matrix, error) {
	rep, err := Analyze(ctx, r, opts)
	if rep == nil {
		return attack.Matrix{}, err
	}
	return rep.Attack, err
}
