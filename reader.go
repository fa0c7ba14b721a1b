package pcapai

import (
	"io"
	"os"

	"github.com/pcapai/pcapai/internal/capfile"
)

// Reader is an open capture. A Reader is read once: [Analyze] and the other
// entry points consume it. It is not safe for concurrent use.
type Reader struct {
	name   string
	size   int64
	closer io.Closer
	cf     *capfile.Reader
	used   bool
	read   *countReader
}

// countReader counts the bytes read from the file (compressed bytes for a
// gzip capture), for Options.Progress.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
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
	cf, err := capfile.NewReader(cr)
	if err != nil {
		f.Close()
		return nil, readError(path, err)
	}
	return &Reader{name: path, size: st.Size(), closer: f, cf: cf, read: cr}, nil
}

type dirError struct{}

func (dirError) Error() string { return "is a directory, not a capture file" }

var errIsDir error = dirError{}

// NewReader reads a capture from r (the format is sniffed as by [Open]).
func NewReader(r io.Reader) (*Reader, error) {
	cr := &countReader{r: r}
	cf, err := capfile.NewReader(cr)
	if err != nil {
		return nil, readError("", err)
	}
	return &Reader{cf: cf, read: cr}, nil
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
	return r.read.n
}

// Close closes the file opened by Open; it is a no-op for NewReader.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}
