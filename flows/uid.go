package flows

import (
	"crypto/sha256"
	"encoding/binary"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// UID returns a Zeek-style connection uid for the flow: "C" followed by
// base62 digits of 96 bits of a SHA-256 over the canonical key and the
// first frame. It is deterministic (the same capture gives the same uids)
// and the same in every log line about the flow.
func (f *Flow) UID() string {
	var b [16 + 16 + 2 + 2 + 1 + 8]byte
	k := f.Key()
	binary.BigEndian.PutUint64(b[0:], k.a.hi)
	binary.BigEndian.PutUint64(b[8:], k.a.lo)
	binary.BigEndian.PutUint64(b[16:], k.b.hi)
	binary.BigEndian.PutUint64(b[24:], k.b.lo)
	binary.BigEndian.PutUint16(b[32:], k.pa)
	binary.BigEndian.PutUint16(b[34:], k.pb)
	b[36] = byte(k.proto)
	binary.BigEndian.PutUint64(b[37:], f.FirstFrame)
	sum := sha256.Sum256(b[:])
	hi := binary.BigEndian.Uint32(sum[0:4])
	lo := binary.BigEndian.Uint64(sum[4:12])
	// 96 bits need at most 17 base62 digits; pad to 17 like Zeek's 18-char uids.
	var out [18]byte
	out[0] = 'C'
	for i := 17; i >= 1; i-- {
		// (hi:lo) divmod 62
		r := uint64(hi) % 62
		hi /= 62
		// combine remainder with lo: (r<<64 + lo) / 62, using 32-bit halves
		lhi := lo >> 32
		llo := lo & 0xffffffff
		x := r<<32 | lhi
		qhi := x / 62
		r = x % 62
		x = r<<32 | llo
		qlo := x / 62
		r = x % 62
		lo = qhi<<32 | qlo
		out[i] = base62[r]
	}
	return string(out[:])
}
