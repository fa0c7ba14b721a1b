package capfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// FuzzAhead checks Peek, Discard and Read of the read-ahead source against
// the stream itself, with chunks small enough that most reads straddle
// several of them.
func FuzzAhead(f *testing.F) {
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), []byte{4 << 2, 3<<2 | 1, 9 << 2, 5<<2 | 2, 40 << 2, 63<<2 | 1, 1<<2 | 2}, uint8(3))
	f.Add(bytes.Repeat([]byte{0xa1}, 300), []byte{63 << 2, 63<<2 | 1, 63<<2 | 2, 0, 1, 2}, uint8(0))
	f.Fuzz(func(t *testing.T, data, ops []byte, size uint8) {
		a := newAhead(bufio.NewReaderSize(bytes.NewReader(data), 16), 1+int(size%64), size&64 != 0)
		defer a.close()
		pos := 0
		for i, op := range ops {
			n := int(op >> 2)
			rem := len(data) - pos
			switch op & 3 {
			case 0:
				b, err := a.Peek(n)
				if want := data[pos : pos+min(n, rem)]; !bytes.Equal(b, want) || (err != nil) != (n > rem) {
					t.Fatalf("op %d: Peek(%d) at %d = %q, %v; want %q", i, n, pos, b, err, want)
				}
			case 1:
				d, err := a.Discard(n)
				if d != min(n, rem) || (err != nil) != (n > rem) {
					t.Fatalf("op %d: Discard(%d) at %d of %d = %d, %v", i, n, pos, len(data), d, err)
				}
				pos += d
			default:
				p := make([]byte, n)
				m, err := a.Read(p)
				switch {
				case n == 0 && m == 0:
				case rem == 0 && m == 0 && err == io.EOF:
				case rem > 0 && m >= 1 && m <= min(n, rem) && err == nil && bytes.Equal(p[:m], data[pos:pos+m]):
				default:
					t.Fatalf("op %d: Read(%d bytes) at %d of %d = %d, %v", i, n, pos, len(data), m, err)
				}
				pos += m
			}
		}
	})
}

// records reads every record of raw, through read-ahead chunks of size
// bytes (filled whole or one read each) when size > 0, and returns them
// (copied) and the final error.
func records(t *testing.T, raw []byte, size int, whole bool) ([]Record, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	if size > 0 {
		a := newAhead(r.br, size, whole)
		r.br = a
		defer a.close()
	}
	var out []Record
	for {
		rec, err := r.Next()
		if err != nil {
			return out, err
		}
		rec.Data = bytes.Clone(rec.Data)
		out = append(out, rec)
	}
}

// ngBlock returns a little-endian pcapng block of type typ.
func ngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

// ngEPB returns an enhanced packet block of data on interface 0.
func ngEPB(data []byte) []byte {
	h := make([]byte, 20) // interface, timestamp high and low, captured and original length
	binary.LittleEndian.PutUint32(h[8:], 1)
	binary.LittleEndian.PutUint32(h[12:], uint32(len(data)))
	binary.LittleEndian.PutUint32(h[16:], uint32(len(data)))
	return ngBlock(6, append(h, data...))
}

func pcapRecord(t, n int) []byte {
	b := make([]byte, 16+n)
	binary.LittleEndian.PutUint32(b[0:], uint32(1700000000+t))
	binary.LittleEndian.PutUint32(b[8:], uint32(n))
	binary.LittleEndian.PutUint32(b[12:], uint32(n))
	for i := range n {
		b[16+i] = byte(t + i)
	}
	return b
}

// TestReadAheadRecords: every record, offset and error is the same with
// read-ahead as without, for the captures in testdata (pcap, pcapng, gzip)
// and for built ones: records larger than the parser's buffer, and a file
// cut inside a record.
func TestReadAheadRecords(t *testing.T) {
	inputs := map[string][]byte{}
	files, _ := filepath.Glob("../../testdata/*.pcap*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = b
	}
	if len(inputs) == 0 {
		t.Fatal("no captures in testdata")
	}
	big := PCAPHeader(1)
	for i, n := range []int{60, MaxRecord, 1500, bufSize/2 + 7, 0, 9000} {
		big = append(big, pcapRecord(i, n)...)
	}
	inputs["big records"] = big
	inputs["cut in a record"] = big[:len(big)-100]
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(big)
	w.Close()
	inputs["big records, gzip"] = gz.Bytes()
	// A pcapng block bigger than the parser's buffer is read, not peeked.
	ng := ngBlock(0x0A0D0D0A, []byte{0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	ng = append(ng, ngBlock(1, []byte{1, 0, 0, 0, 0, 0, 0, 0})...)
	for _, n := range []int{100, bufSize + 4096, 60} {
		ng = append(ng, ngEPB(pcapRecord(n, n)[16:])...)
	}
	inputs["pcapng block over the buffer"] = ng
	for name, raw := range inputs {
		want, wantErr := records(t, raw, 0, false)
		for _, size := range []int{1, 7, 4096, aheadChunk} {
			for _, whole := range []bool{true, false} {
				got, err := records(t, raw, size, whole)
				if len(got) != len(want) || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
					t.Fatalf("%s, chunks of %d (whole %v): %d records, %v; want %d, %v", name, size, whole, len(got), err, len(want), wantErr)
				}
				for i := range want {
					if !bytes.Equal(got[i].Data, want[i].Data) || got[i].Time != want[i].Time || got[i].Offset != want[i].Offset ||
						got[i].OrigLen != want[i].OrigLen || got[i].Iface != want[i].Iface {
						t.Fatalf("%s, chunks of %d (whole %v): record %d differs", name, size, whole, i+1)
					}
				}
			}
		}
	}
}

// TestReadAheadStop: stopping before the end of the stream ends the
// reading goroutine; Next after Stop fails instead of hanging.
func TestReadAheadStop(t *testing.T) {
	raw := PCAPHeader(1)
	for i := range 5000 {
		raw = append(raw, pcapRecord(i, 1000)...)
	}
	before := runtime.NumGoroutine()
	r, err := NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	stop := r.ReadAhead(true)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	stop()
	stop()
	for range bufSize {
		if _, err := r.Next(); err != nil {
			var re *RecordError
			if !errors.As(err, &re) {
				t.Fatalf("Next after stop: %v; want a RecordError", err)
			}
			break
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after stop; want %d", n, before)
	}
}

// TestReadAheadStopLiveStream: on a stream that is still being written
// (a pipe from a live capture), the records written so far are read at
// once, and stop returns at once although the reading goroutine waits for
// more bytes; it ends when the stream does.
func TestReadAheadStopLiveStream(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		w := gzip.NewWriter(pw)
		w.Write(PCAPHeader(1))
		for i := range 3 {
			w.Write(pcapRecord(i, 100))
		}
		w.Flush() // the records so far reach the reader; the stream stays open
	}()
	done := make(chan error, 1)
	go func() {
		r, err := NewReader(pr)
		if err != nil {
			done <- err
			return
		}
		stop := r.ReadAhead(false)
		for range 3 {
			if _, err := r.Next(); err != nil {
				done <- err
				return
			}
		}
		stop()
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the records of a live stream, or stop, waited for more of the stream")
	}
}

// TestSmallBuffer: a Reader sized for a small stream (a 64 KiB buffer)
// reads the same records as a 1 MiB one, records bigger than its buffer
// included (they are copied rather than peeked).
func TestSmallBuffer(t *testing.T) {
	big := PCAPHeader(1)
	for i, n := range []int{60, MaxRecord, 1500, minBufSize + 1, 9000} {
		big = append(big, pcapRecord(i, n)...)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(big)
	w.Close()
	for name, raw := range map[string][]byte{"pcap": big, "gzip": gz.Bytes()} {
		want, wantErr := records(t, raw, 0, false)
		r, err := NewReaderSize(bytes.NewReader(raw), int64(len(raw)/100))
		if err != nil {
			t.Fatal(err)
		}
		if r.peekMax != minBufSize {
			t.Fatalf("%s: buffer %d; want %d", name, r.peekMax, minBufSize)
		}
		var got []Record
		for {
			rec, err := r.Next()
			if err != nil {
				if err != wantErr {
					t.Fatalf("%s: ends with %v; want %v", name, err, wantErr)
				}
				break
			}
			rec.Data = bytes.Clone(rec.Data)
			got = append(got, rec)
		}
		if len(got) != len(want) || len(got) != 5 {
			t.Fatalf("%s: %d records; want %d (5)", name, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i].Data, want[i].Data) || got[i].Offset != want[i].Offset || got[i].Time != want[i].Time {
				t.Fatalf("%s: record %d differs", name, i+1)
			}
		}
	}
}

// stuckReader returns nothing and no error, forever.
type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

// failReader fails with err.
type failReader struct{ err error }

func (f failReader) Read([]byte) (int, error) { return 0, f.err }

// TestReadAheadBadSource: a source that fails mid-stream, or returns
// nothing forever, ends the records with the same error as without
// read-ahead, naming the record and its offset, and does not hang.
func TestReadAheadBadSource(t *testing.T) {
	head := append(PCAPHeader(1), pcapRecord(0, 100)...)
	head = append(head, pcapRecord(1, 100)[:50]...) // the second record is cut where the source fails
	errDisk := errors.New("disk on fire")
	for name, tail := range map[string]io.Reader{"failing": failReader{errDisk}, "stuck": stuckReader{}} {
		var errs [2]error
		for i, ahead := range []bool{false, true} {
			done := make(chan error, 1)
			go func() {
				r, err := NewReader(io.MultiReader(bytes.NewReader(head), tail))
				if err != nil {
					done <- err
					return
				}
				if ahead {
					defer r.ReadAhead(false)()
				}
				for {
					if _, err := r.Next(); err != nil {
						done <- err
						return
					}
				}
			}()
			select {
			case errs[i] = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s source, read-ahead %v: Next hangs", name, ahead)
			}
		}
		var re *RecordError
		if !errors.As(errs[1], &re) || re.Frame != 2 || re.Offset != 24+16+100 || errs[0].Error() != errs[1].Error() {
			t.Errorf("%s source: read ahead %v; without %v; want the same RecordError for frame 2 at offset 140", name, errs[1], errs[0])
		}
	}
}
