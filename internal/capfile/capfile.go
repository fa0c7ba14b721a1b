// Package capfile reads classic pcap and pcapng capture files, optionally
// gzip-compressed, as a stream of records. It sniffs the format from the
// first bytes, never from a file name, and keeps one reused buffer: a
// record's Data is valid until the next call to Next.
//
// Input is hostile: every length is checked before it is used, a record
// that claims more than MaxRecord bytes is an error naming its number and
// byte offset, and a file that ends inside a record yields io.ErrUnexpectedEOF
// wrapped the same way.
package capfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// MaxRecord is the largest record accepted (Wireshark's limit for
// ordinary link types is 262144 bytes; pcapng blocks may add their own
// headers and options on top).
const MaxRecord = 262144

// maxBlock bounds a pcapng block's total length.
const maxBlock = 16 << 20

// ErrUnknownFormat is returned when the input is neither pcap nor pcapng.
var ErrUnknownFormat = errors.New("unknown capture format")

// RecordError reports a problem reading record Frame (1-based) at byte
// Offset of the uncompressed stream.
type RecordError struct {
	Frame  uint64
	Offset int64
	Err    error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("record %d at byte offset %d: %v", e.Frame, e.Offset, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// Format is the capture file format, named as capinfos names it.
type Format uint8

const (
	PCAP     Format = iota + 1 // classic pcap, microsecond timestamps
	NsecPCAP                   // classic pcap, nanosecond timestamps
	PCAPNG
)

func (f Format) String() string {
	switch f {
	case PCAP:
		return "pcap"
	case NsecPCAP:
		return "nsecpcap"
	case PCAPNG:
		return "pcapng"
	}
	return "unknown"
}

// Interface describes one capture interface (one per classic pcap file).
type Interface struct {
	LinkType    uint16
	SnapLen     uint32
	TSResol     uint8 // pcapng if_tsresol as written: 6 = microseconds; high bit set = power of two
	TSOffset    int64 // seconds added to every timestamp (pcapng if_tsoffset)
	Name        string
	Description string
	Comment     string
	Section     int // 0-based pcapng section
}

// Precision returns the timestamp precision in decimal digits (6 for
// microseconds, 9 for nanoseconds); power-of-two resolutions are rounded up.
func (i Interface) Precision() int {
	if i.TSResol&0x80 != 0 {
		return int(float64(i.TSResol&0x7f)*0.30103 + 0.999)
	}
	return int(i.TSResol)
}

// Record is one packet record.
type Record struct {
	Data    []byte // captured bytes; valid until the next Next
	Time    int64  // Unix nanoseconds
	OrigLen int    // length on the wire
	Iface   int    // index into Interfaces (across sections)
	Offset  int64  // byte offset of the record (uncompressed stream)
}

// Reader reads records from a capture stream.
type Reader struct {
	br         source // a *bufio.Reader, or an *ahead after ReadAhead
	peekMax    int    // the most bytes br.Peek returns: bigger reads are copied
	gz         *gzip.Reader
	format     Format
	order      binary.ByteOrder
	off        int64
	frame      uint64
	buf        []byte
	ifaces     []Interface
	secBase    int // index of the current section's first interface
	sections   int
	comments   []string
	hardware   string
	os         string
	app        string
	nsec       bool
	compressed bool
}

const bufSize = 1 << 20

// minBufSize is the smallest read buffer NewReaderSize uses.
const minBufSize = 16 << 10

// NewReader sniffs the format of r (gzip-compressed or not) and reads its
// file header.
func NewReader(r io.Reader) (*Reader, error) { return NewReaderSize(r, 0) }

// NewReaderSize is NewReader for a stream of about size bytes (0 when
// unknown): its read buffer is no bigger than the stream needs, between
// 16 KiB and 1 MiB, so that a small capture does not cost a 1 MiB buffer.
// Records bigger than the buffer are read whole all the same.
func NewReaderSize(r io.Reader, size int64) (*Reader, error) {
	n := bufSize
	if size > 0 && size < bufSize {
		n = max(int(size+4095)&^4095, minBufSize)
	}
	br := bufio.NewReaderSize(r, n)
	rd := &Reader{br: br, peekMax: n}
	head, _ := br.Peek(4)
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		gz.Multistream(true)
		rd.gz, rd.compressed = gz, true
		rd.br = bufio.NewReaderSize(gz, n)
		head, _ = rd.br.Peek(4)
	}
	if len(head) < 4 {
		return nil, ErrUnknownFormat
	}
	switch {
	case bytes.Equal(head, []byte{0xd4, 0xc3, 0xb2, 0xa1}):
		rd.order = binary.LittleEndian
	case bytes.Equal(head, []byte{0xa1, 0xb2, 0xc3, 0xd4}):
		rd.order = binary.BigEndian
	case bytes.Equal(head, []byte{0x4d, 0x3c, 0xb2, 0xa1}):
		rd.order, rd.nsec = binary.LittleEndian, true
	case bytes.Equal(head, []byte{0xa1, 0xb2, 0x3c, 0x4d}):
		rd.order, rd.nsec = binary.BigEndian, true
	case bytes.Equal(head, []byte{0x0a, 0x0d, 0x0d, 0x0a}):
		rd.format = PCAPNG
		if err := rd.readSHB(); err != nil {
			return nil, err
		}
		return rd, nil
	default:
		return nil, ErrUnknownFormat
	}
	hdr, err := rd.read(24)
	if err != nil {
		return nil, fmt.Errorf("pcap file header: %w", unexpected(err))
	}
	rd.format = PCAP
	if rd.nsec {
		rd.format = NsecPCAP
	}
	lt := rd.order.Uint32(hdr[20:24])
	res := uint8(6)
	if rd.nsec {
		res = 9
	}
	rd.ifaces = []Interface{{LinkType: uint16(lt & 0xffff), SnapLen: rd.order.Uint32(hdr[16:20]), TSResol: res}}
	return rd, nil
}

// Format returns the file format.
func (r *Reader) Format() Format { return r.format }

// Compressed reports whether the stream was gzip-compressed.
func (r *Reader) Compressed() bool { return r.compressed }

// Interfaces returns the interfaces seen so far (pcapng declares them as it
// goes).
func (r *Reader) Interfaces() []Interface { return r.ifaces }

// Comments returns the section comments seen so far.
func (r *Reader) Comments() []string { return r.comments }

// Sections returns how many pcapng sections were seen (1 for pcap).
func (r *Reader) Sections() int {
	if r.format != PCAPNG {
		return 1
	}
	return r.sections
}

// Application returns the pcapng shb_userappl, shb_os and shb_hardware
// options of the last section.
func (r *Reader) Application() (app, os, hardware string) { return r.app, r.os, r.hardware }

// Offset returns the byte offset of the next record.
func (r *Reader) Offset() int64 { return r.off }

// read returns the next n bytes, from the bufio buffer when they fit (no
// copy) or from the reader's own buffer.
func (r *Reader) read(n int) ([]byte, error) {
	if n <= r.peekMax {
		b, err := r.br.Peek(n)
		if err != nil {
			if len(b) > 0 || err != io.EOF {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
			}
			r.br.Discard(len(b))
			r.off += int64(len(b))
			return nil, err
		}
		r.br.Discard(n)
		r.off += int64(n)
		return b, nil
	}
	if cap(r.buf) < n {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	m, err := io.ReadFull(r.br, b)
	r.off += int64(m)
	return b, err
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Next returns the next packet record. At the end of the stream it returns
// io.EOF; any other error is a *RecordError (or a gzip error) and the
// stream cannot be read further.
func (r *Reader) Next() (Record, error) {
	if r.format == PCAPNG {
		return r.nextNG()
	}
	start := r.off
	hdr, err := r.read(16)
	if err != nil {
		if err == io.EOF {
			return Record{}, io.EOF
		}
		return Record{}, &RecordError{Frame: r.frame + 1, Offset: start, Err: fmt.Errorf("record header: %w", unexpected(err))}
	}
	r.frame++
	sec := int64(r.order.Uint32(hdr[0:4]))
	frac := int64(r.order.Uint32(hdr[4:8]))
	capLen := r.order.Uint32(hdr[8:12])
	origLen := r.order.Uint32(hdr[12:16])
	if capLen > MaxRecord {
		return Record{}, &RecordError{Frame: r.frame, Offset: start, Err: fmt.Errorf("captured length %d exceeds the maximum of %d", capLen, MaxRecord)}
	}
	data, err := r.read(int(capLen))
	if err != nil {
		return Record{}, &RecordError{Frame: r.frame, Offset: start, Err: fmt.Errorf("record data (%d bytes): %w", capLen, unexpected(err))}
	}
	ns := frac * 1000
	if r.nsec {
		ns = frac
	}
	return Record{Data: data, Time: sec*1e9 + ns, OrigLen: int(origLen), Offset: start}, nil
}

// Ready reports whether the next record is already in the read buffer, whole:
// Next then returns it without reading the stream, so the Data of the
// records returned before stays valid too. A caller that wants several
// records at once calls Next for the first and then while Ready holds.
// Ready is false when unsure (a pcapng block that is not a packet, a header
// that Next would reject, the end of the stream): Next then decides.
func (r *Reader) Ready() bool {
	buffered := r.br.Buffered()
	if r.format == PCAPNG {
		if buffered < 8 {
			return false
		}
		head, _ := r.br.Peek(8)
		switch r.order.Uint32(head) {
		case bEPB, bPB, bSPB:
		default:
			return false // also a section header, whatever its byte order
		}
		n := r.order.Uint32(head[4:8])
		return n >= 12 && n <= maxBlock && int(n) <= buffered && int(n) <= r.peekMax
	}
	if buffered < 16 {
		return false
	}
	head, _ := r.br.Peek(16)
	capLen := r.order.Uint32(head[8:12])
	return capLen <= MaxRecord && 16+int(capLen) <= buffered && int(capLen) <= r.peekMax
}

// pcapng block types.
const (
	bSHB = 0x0A0D0D0A
	bIDB = 1
	bPB  = 2
	bSPB = 3
	bEPB = 6
)

func (r *Reader) readSHB() error {
	start := r.off
	head, err := r.br.Peek(12)
	if err != nil {
		return &RecordError{Frame: r.frame + 1, Offset: start, Err: fmt.Errorf("pcapng section header: %w", unexpected(err))}
	}
	switch binary.LittleEndian.Uint32(head[8:12]) {
	case 0x1A2B3C4D:
		r.order = binary.LittleEndian
	case 0x4D3C2B1A:
		r.order = binary.BigEndian
	default:
		return &RecordError{Frame: r.frame + 1, Offset: start, Err: errors.New("pcapng section header: bad byte-order magic")}
	}
	body, err := r.block()
	if err != nil {
		return err
	}
	if len(body) < 16 {
		return &RecordError{Frame: r.frame + 1, Offset: start, Err: errors.New("pcapng section header too short")}
	}
	r.sections++
	r.secBase = len(r.ifaces)
	r.opts(body[16:], func(code uint16, v []byte) {
		switch code {
		case 1:
			r.comments = append(r.comments, string(v))
		case 2:
			r.hardware = string(v)
		case 3:
			r.os = string(v)
		case 4:
			r.app = string(v)
		}
	})
	return nil
}

// block reads one pcapng block and returns its body (between the length
// fields).
func (r *Reader) block() ([]byte, error) {
	start := r.off
	head, err := r.br.Peek(8)
	if err != nil {
		if len(head) == 0 && err == io.EOF {
			return nil, io.EOF
		}
		return nil, &RecordError{Frame: r.frame + 1, Offset: start, Err: fmt.Errorf("block header: %w", unexpected(err))}
	}
	n := r.order.Uint32(head[4:8])
	if n < 12 || n%4 != 0 || n > maxBlock {
		return nil, &RecordError{Frame: r.frame + 1, Offset: start, Err: fmt.Errorf("bad pcapng block length %d", n)}
	}
	b, err := r.read(int(n))
	if err != nil {
		return nil, &RecordError{Frame: r.frame + 1, Offset: start, Err: fmt.Errorf("block of %d bytes: %w", n, unexpected(err))}
	}
	if r.order.Uint32(b[n-4:]) != n {
		return nil, &RecordError{Frame: r.frame + 1, Offset: start, Err: fmt.Errorf("pcapng block trailer length %d does not match %d", r.order.Uint32(b[n-4:]), n)}
	}
	return b[8 : n-4], nil
}

// opts calls fn for each option in b until opt_endofopt.
func (r *Reader) opts(b []byte, fn func(code uint16, v []byte)) {
	for len(b) >= 4 {
		code := r.order.Uint16(b[0:2])
		l := int(r.order.Uint16(b[2:4]))
		if code == 0 {
			return
		}
		b = b[4:]
		if l > len(b) {
			return
		}
		fn(code, b[:l])
		pad := (l + 3) &^ 3
		if pad > len(b) {
			return
		}
		b = b[pad:]
	}
}

func (r *Reader) nextNG() (Record, error) {
	for {
		start := r.off
		head, err := r.br.Peek(4)
		if err != nil {
			if len(head) == 0 && err == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, &RecordError{Frame: r.frame + 1, Offset: start, Err: fmt.Errorf("block header: %w", unexpected(err))}
		}
		if binary.LittleEndian.Uint32(head) == bSHB {
			if err := r.readSHB(); err != nil {
				return Record{}, err
			}
			continue
		}
		typ := r.order.Uint32(head)
		body, err := r.block()
		if err != nil {
			return Record{}, err
		}
		switch typ {
		case bIDB:
			if len(body) < 8 {
				return Record{}, &RecordError{Frame: r.frame + 1, Offset: start, Err: errors.New("interface description block too short")}
			}
			in := Interface{LinkType: r.order.Uint16(body[0:2]), SnapLen: r.order.Uint32(body[4:8]), TSResol: 6, Section: r.sections - 1}
			r.opts(body[8:], func(code uint16, v []byte) {
				switch code {
				case 1:
					in.Comment = string(v)
				case 2:
					in.Name = string(v)
				case 3:
					in.Description = string(v)
				case 9:
					if len(v) >= 1 {
						in.TSResol = v[0]
					}
				case 14:
					if len(v) >= 8 {
						in.TSOffset = int64(r.order.Uint64(v))
					}
				}
			})
			r.ifaces = append(r.ifaces, in)
		case bEPB, bPB:
			if len(body) < 20 {
				return Record{}, &RecordError{Frame: r.frame + 1, Offset: start, Err: errors.New("packet block too short")}
			}
			r.frame++
			var iface int
			if typ == bEPB {
				iface = int(r.order.Uint32(body[0:4]))
			} else {
				iface = int(r.order.Uint16(body[0:2]))
			}
			ts := uint64(r.order.Uint32(body[4:8]))<<32 | uint64(r.order.Uint32(body[8:12]))
			capLen := r.order.Uint32(body[12:16])
			origLen := r.order.Uint32(body[16:20])
			if int(capLen) > len(body)-20 {
				return Record{}, &RecordError{Frame: r.frame, Offset: start, Err: fmt.Errorf("captured length %d exceeds the block", capLen)}
			}
			gi := r.secBase + iface
			if iface < 0 || gi >= len(r.ifaces) {
				return Record{}, &RecordError{Frame: r.frame, Offset: start, Err: fmt.Errorf("packet names interface %d, which is not declared", iface)}
			}
			return Record{Data: body[20 : 20+capLen], Time: r.ifaces[gi].nanos(ts), OrigLen: int(origLen), Iface: gi, Offset: start}, nil
		case bSPB:
			if len(body) < 4 {
				return Record{}, &RecordError{Frame: r.frame + 1, Offset: start, Err: errors.New("simple packet block too short")}
			}
			r.frame++
			gi := r.secBase
			if gi >= len(r.ifaces) {
				return Record{}, &RecordError{Frame: r.frame, Offset: start, Err: errors.New("simple packet block before any interface")}
			}
			origLen := int(r.order.Uint32(body[0:4]))
			capLen := min(origLen, len(body)-4)
			if sl := int(r.ifaces[gi].SnapLen); sl > 0 && capLen > sl {
				capLen = sl
			}
			return Record{Data: body[4 : 4+capLen], OrigLen: origLen, Iface: gi, Offset: start}, nil
		default:
			// Statistics, name resolution, decryption secrets, custom: skipped.
		}
	}
}

// nanos converts a pcapng timestamp to Unix nanoseconds.
func (i *Interface) nanos(ts uint64) int64 {
	var ns uint64
	res := i.TSResol
	if res&0x80 == 0 {
		switch {
		case res == 9:
			ns = ts
		case res < 9:
			ns = ts * pow10[9-res]
		case res <= 19:
			ns = ts / pow10[res-9]
		}
	} else {
		n := uint(res & 0x7f)
		if n >= 64 {
			n = 63
		}
		sec := ts >> n
		frac := ts & (1<<n - 1)
		var fracNs uint64
		if n > 0 {
			hi, lo := bits.Mul64(frac, 1e9) // frac·1e9 needs up to 94 bits
			fracNs = hi<<(64-n) | lo>>n
		}
		ns = sec*1e9 + fracNs
	}
	return int64(ns) + i.TSOffset*1e9
}

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10}

// PCAPHeader returns the 24-byte global header of a classic little-endian
// microsecond pcap file (version 2.4, snaplen 65535) with the given link
// type: what the test helpers and the benchmark's synthetic capture write.
func PCAPHeader(linkType uint32) []byte {
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], linkType)
	return hdr
}
