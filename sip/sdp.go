package sip

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
)

// sdpMedia is one m= section of an SDP body.
type sdpMedia struct {
	kind  string // "audio", "video"
	addr  netip.Addr
	port  uint16
	proto string // "RTP/AVP"
	pts   []uint8
	maps  map[uint8]rtpMap
}

type rtpMap struct {
	name  string
	clock uint32
}

// parseSDP reads the media sections of an SDP body (RFC 8866). Connection
// addresses at media level override the session's. Unknown lines are
// skipped; at most 16 media sections are read.
func parseSDP(b []byte) []sdpMedia {
	var out []sdpMedia
	var sess netip.Addr
	cur := -1
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		line = bytes.TrimRight(line, "\r ")
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		v := line[2:]
		switch line[0] {
		case 'c':
			f := bytes.Fields(v)
			if len(f) < 3 {
				continue
			}
			as := string(f[2])
			if i := strings.IndexByte(as, '/'); i >= 0 {
				as = as[:i]
			}
			a, err := netip.ParseAddr(as)
			if err != nil {
				continue
			}
			if cur < 0 {
				sess = a
			} else {
				out[cur].addr = a
			}
		case 'm':
			if len(out) >= 16 {
				cur = len(out) - 1
				continue
			}
			f := bytes.Fields(v)
			if len(f) < 3 {
				continue
			}
			ps := f[1]
			if i := bytes.IndexByte(ps, '/'); i >= 0 {
				ps = ps[:i]
			}
			port, err := strconv.ParseUint(string(ps), 10, 16)
			if err != nil {
				continue
			}
			m := sdpMedia{kind: string(f[0]), port: uint16(port), proto: string(f[2]), addr: sess}
			for _, x := range f[3:] {
				if pt, err := strconv.ParseUint(string(x), 10, 7); err == nil && len(m.pts) < 32 {
					m.pts = append(m.pts, uint8(pt))
				}
			}
			out = append(out, m)
			cur = len(out) - 1
		case 'a':
			if cur < 0 || !bytes.HasPrefix(v, []byte("rtpmap:")) {
				continue
			}
			r := v[len("rtpmap:"):]
			sp := bytes.IndexByte(r, ' ')
			if sp <= 0 {
				continue
			}
			pt, err := strconv.ParseUint(string(r[:sp]), 10, 7)
			if err != nil {
				continue
			}
			enc := bytes.TrimSpace(r[sp+1:])
			parts := bytes.Split(enc, []byte("/"))
			rm := rtpMap{name: string(parts[0])}
			if len(parts) > 1 {
				if c, err := strconv.ParseUint(string(parts[1]), 10, 32); err == nil {
					rm.clock = uint32(c)
				}
			}
			if out[cur].maps == nil {
				out[cur].maps = map[uint8]rtpMap{}
			}
			if len(out[cur].maps) < 32 {
				out[cur].maps[uint8(pt)] = rm
			}
		}
	}
	for i := range out {
		if !out[i].addr.IsValid() {
			out[i].addr = sess
		}
	}
	return out
}

// staticPT are the RFC 3551 static payload types.
var staticPT = map[uint8]rtpMap{
	0: {"PCMU", 8000}, 3: {"GSM", 8000}, 4: {"G723", 8000}, 5: {"DVI4", 8000},
	6: {"DVI4", 16000}, 7: {"LPC", 8000}, 8: {"PCMA", 8000}, 9: {"G722", 8000},
	10: {"L16", 44100}, 11: {"L16", 44100}, 12: {"QCELP", 8000}, 13: {"CN", 8000},
	14: {"MPA", 90000}, 15: {"G728", 8000}, 16: {"DVI4", 11025}, 17: {"DVI4", 22050},
	18: {"G729", 8000}, 25: {"CelB", 90000}, 26: {"JPEG", 90000}, 28: {"nv", 90000},
	31: {"H261", 90000}, 32: {"MPV", 90000}, 33: {"MP2T", 90000}, 34: {"H263", 90000},
}

// codec returns the encoding of pt in m (rtpmap first, then the static
// table).
func (m *sdpMedia) codec(pt uint8) rtpMap {
	if r, ok := m.maps[pt]; ok {
		if r.clock == 0 {
			r.clock = 8000
		}
		return r
	}
	if r, ok := staticPT[pt]; ok {
		return r
	}
	return rtpMap{name: "pt" + strconv.Itoa(int(pt))}
}
