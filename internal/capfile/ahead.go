package capfile

import (
	"errors"
	"io"
	"sync"
)

// source is what the record parser reads from: a bufio.Reader, or an
// ahead reader once ReadAhead started one.
type source interface {
	Peek(n int) ([]byte, error)
	Discard(n int) (int, error)
	Read(p []byte) (int, error)
	Buffered() int // bytes Peek returns without reading the stream
}

// Read-ahead chunks: big enough that a record seldom straddles two; at most
// aheadChunks+2 of them exist (the filled ones waiting and the two the
// parser's views may point into).
const (
	aheadChunk  = 512 << 10
	aheadChunks = 3
)

type chunk struct {
	buf []byte
	n   int
	err error // after buf[:n]: io.EOF at the end of the stream, or the read error
}

// ahead serves the record parser from chunks that a goroutine reads (and,
// for a gzip capture, decompresses) while the caller works on the records
// before them. Peek returns a view into a chunk, so a record is copied
// only when it straddles two chunks. Views stay valid until the parser has
// moved two chunks further: a record's bytes outlive the next record's
// header read, as with bufio.
type ahead struct {
	cur  []byte // what Peek reads first: a chunk's unread bytes, or a join
	rest []byte // behind a join: the unread bytes of the chunk it ended in
	err  error  // the stream's end, once every chunk is consumed

	joins [2][]byte // straddling records, alternately (a view of the last survives the next)
	nj    int

	size     int  // bytes per chunk
	whole    bool // fill each chunk whole (a file), or hand over each read (a stream)
	full     chan chunk
	free     chan []byte
	held     [2][]byte // the chunks the views may still point into, oldest first
	stop     chan struct{}
	stopOnce sync.Once
}

// ReadAhead makes the Reader read its stream on a goroutine of its own,
// up to three chunks of at most 512 KiB ahead of the records returned by
// Next, so that gzip decompression (or a slow source) overlaps the caller's work on a
// second core. Stop ends the goroutine (once a read in progress returns);
// it must be called when reading is over, at the end of the stream or not,
// and Next must not be called after it.
// With file set the source is a file, whose reads never wait for bytes not
// yet written: each chunk is filled whole. Otherwise each read of the
// source makes a chunk, so that the records of a live stream are not held
// back. A Reader reads ahead at most once: a second call returns a no-op
// stop.
func (r *Reader) ReadAhead(file bool) (stop func()) {
	if _, ok := r.br.(*ahead); ok {
		return func() {}
	}
	a := newAhead(r.br, aheadChunk, file)
	r.br = a
	r.peekMax = bufSize // Peek joins chunks for any size
	return a.close
}

func newAhead(src source, size int, whole bool) *ahead {
	a := &ahead{
		size:  size,
		whole: whole,
		full:  make(chan chunk, aheadChunks),
		free:  make(chan []byte, aheadChunks),
		stop:  make(chan struct{}),
	}
	go a.fill(src)
	return a
}

// fill reads src into chunks until the end of the stream, an error or stop.
func (a *ahead) fill(src source) {
	defer close(a.full)
	made := 0
	for {
		var buf []byte
		select {
		case buf = <-a.free:
		case <-a.stop:
			return
		default:
			if made < aheadChunks+2 {
				buf = make([]byte, a.size)
				made++
			} else {
				select {
				case buf = <-a.free:
				case <-a.stop:
					return
				}
			}
		}
		// A file's chunk is filled whole: few chunks, few hand-overs. A
		// stream's takes one read, so that on a stream still being written
		// (a live capture through a pipe) the records read so far go on at
		// once instead of waiting for a full chunk. The source's own error
		// ends the stream (io.EOF, io.ErrUnexpectedEOF for a cut gzip
		// stream); a source that keeps returning nothing is an error.
		n, empty := 0, 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
			switch {
			case m > 0:
				empty = 0
			case err == nil:
				if empty++; empty == 100 {
					err = io.ErrNoProgress
				}
			}
			if n > 0 && !a.whole {
				break
			}
		}
		select {
		case a.full <- chunk{buf: buf, n: n, err: err}:
		case <-a.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// close ends the reading goroutine without waiting for a read in progress
// (a live stream may not deliver its next bytes for a long time): the
// goroutine returns when that read does.
func (a *ahead) close() {
	a.stopOnce.Do(func() { close(a.stop) })
}

// next returns the next bytes of the stream behind cur and rest, and
// whether there are any; at the end a.err says why.
func (a *ahead) next() ([]byte, bool) {
	if a.rest != nil {
		b := a.rest
		a.rest = nil
		return b, true
	}
	for a.err == nil {
		c, ok := <-a.full
		if !ok {
			a.err = errors.New("capfile: read after Stop")
			break
		}
		// The oldest held chunk is two moves behind: no view points into it.
		if old := a.held[0]; old != nil {
			select {
			case a.free <- old:
			default:
			}
		}
		a.held[0], a.held[1] = a.held[1], c.buf
		if c.err != nil {
			a.err = c.err
		}
		if c.n > 0 {
			return c.buf[:c.n], true
		}
	}
	return nil, false
}

// Peek returns the next n bytes without consuming them; with fewer at the
// end of the stream, it returns those and the reason, as bufio does.
func (a *ahead) Peek(n int) ([]byte, error) {
	if n <= len(a.cur) {
		return a.cur[:n], nil
	}
	if len(a.cur) == 0 {
		b, ok := a.next()
		if !ok {
			return nil, a.err
		}
		a.cur = b
		if n <= len(b) {
			return b[:n], nil
		}
	}
	// The bytes straddle chunks: join them.
	j := append(a.joins[a.nj][:0], a.cur...)
	for len(j) < n {
		b, ok := a.next()
		if !ok {
			a.cur, a.joins[a.nj] = j, j
			a.nj ^= 1
			return j, a.err
		}
		m := min(n-len(j), len(b))
		j = append(j, b[:m]...)
		if m < len(b) {
			a.rest = b[m:]
		}
	}
	a.cur, a.joins[a.nj] = j, j
	a.nj ^= 1
	return j, nil
}

// Buffered returns how many bytes Peek returns as a view of what is already
// read, without moving to another chunk or joining.
func (a *ahead) Buffered() int { return len(a.cur) }

// Discard skips n bytes.
func (a *ahead) Discard(n int) (int, error) {
	d := 0
	for d < n {
		if len(a.cur) == 0 {
			b, ok := a.next()
			if !ok {
				return d, a.err
			}
			a.cur = b
		}
		m := min(n-d, len(a.cur))
		a.cur = a.cur[m:]
		d += m
	}
	if len(a.cur) == 0 && a.rest != nil {
		a.cur, a.rest = a.rest, nil
	}
	return d, nil
}

// Read copies the next bytes into p.
func (a *ahead) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(a.cur) == 0 {
		b, ok := a.next()
		if !ok {
			return 0, a.err
		}
		a.cur = b
	}
	n := copy(p, a.cur)
	a.Discard(n)
	return n, nil
}
