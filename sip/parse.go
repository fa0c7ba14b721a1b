package sip

import (
	"bytes"
	"strconv"
)

// message is one parsed SIP message; its slices alias the input.
type message struct {
	request    bool
	method     []byte // request method, or the CSeq method of a response
	uri        []byte
	status     int
	reason     []byte
	callID     []byte
	from, to   []byte
	contact    []byte
	userAgent  []byte
	server     []byte
	cseqNum    uint32
	cseqMethod []byte
	ctype      []byte
	auth       []byte // Authorization or Proxy-Authorization value
	clen       int    // Content-Length; -1 when absent
	body       []byte
	size       int // bytes of the whole message (start line to end of body)
}

// isToken reports whether b is a SIP method token (upper-case letters).
func isMethod(b []byte) bool {
	if len(b) == 0 || len(b) > 16 {
		return false
	}
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// looksSIP is the cheap check for SIP text: a request line
// "METHOD sip:… SIP/2.0" or a status line "SIP/2.0 NNN". It does not
// allocate.
func looksSIP(b []byte) bool {
	if len(b) < 12 || b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	if bytes.HasPrefix(b, []byte("SIP/2.0 ")) {
		return b[8] >= '1' && b[8] <= '6' && b[9] >= '0' && b[9] <= '9' && b[10] >= '0' && b[10] <= '9'
	}
	line := b
	if i := bytes.IndexByte(b[:min(len(b), 512)], '\n'); i >= 0 {
		line = b[:i]
	} else if len(b) > 512 {
		return false
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isMethod(line[:sp]) {
		return false
	}
	rest := line[sp+1:]
	if !bytes.HasSuffix(rest, []byte(" SIP/2.0")) {
		return false
	}
	return hasPrefixFold(rest, "sip:") || hasPrefixFold(rest, "sips:") || hasPrefixFold(rest, "tel:")
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && bytes.EqualFold(b[:len(p)], []byte(p))
}

// parseMessage parses the SIP message at the start of b. With stream set
// (TCP) the body must be complete per Content-Length; ok is false when the
// message is incomplete or invalid. Over UDP the body is the rest of the
// datagram (capped by Content-Length).
func parseMessage(b []byte, stream bool, m *message) bool {
	*m = message{clen: -1}
	end := bytes.Index(b, []byte("\r\n\r\n"))
	sep := 4
	if end < 0 {
		if end = bytes.Index(b, []byte("\n\n")); end < 0 {
			if stream {
				return false
			}
			end, sep = len(b), 0
		} else {
			sep = 2
		}
	}
	head := b[:end]
	nl := bytes.IndexByte(head, '\n')
	var first []byte
	if nl < 0 {
		first, head = head, nil
	} else {
		first, head = head[:nl], head[nl+1:]
	}
	first = bytes.TrimSuffix(first, []byte("\r"))
	if bytes.HasPrefix(first, []byte("SIP/2.0 ")) {
		if len(first) < 11 {
			return false
		}
		st, err := strconv.Atoi(string(first[8:11]))
		if err != nil || st < 100 || st > 699 {
			return false
		}
		m.status = st
		m.reason = bytes.TrimSpace(first[11:])
	} else {
		sp := bytes.IndexByte(first, ' ')
		if sp <= 0 || !isMethod(first[:sp]) {
			return false
		}
		m.request = true
		m.method = first[:sp]
		rest := first[sp+1:]
		if sp2 := bytes.LastIndexByte(rest, ' '); sp2 > 0 {
			m.uri = rest[:sp2]
		} else {
			return false
		}
	}
	for len(head) > 0 {
		var line []byte
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			line, head = head, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			continue
		}
		name := bytes.TrimSpace(line[:c])
		val := bytes.TrimSpace(line[c+1:])
		switch {
		case eq(name, "call-id") || eq(name, "i"):
			m.callID = val
		case eq(name, "from") || eq(name, "f"):
			m.from = val
		case eq(name, "to") || eq(name, "t"):
			m.to = val
		case eq(name, "contact") || eq(name, "m"):
			if m.contact == nil {
				m.contact = val
			}
		case eq(name, "user-agent"):
			m.userAgent = val
		case eq(name, "server"):
			m.server = val
		case eq(name, "cseq"):
			if sp := bytes.IndexByte(val, ' '); sp > 0 {
				n, err := strconv.ParseUint(string(val[:sp]), 10, 32)
				if err == nil {
					m.cseqNum = uint32(n)
				}
				m.cseqMethod = bytes.TrimSpace(val[sp+1:])
			}
		case eq(name, "content-type") || eq(name, "c"):
			m.ctype = val
		case eq(name, "content-length") || eq(name, "l"):
			n, err := strconv.Atoi(string(val))
			if err == nil && n >= 0 {
				m.clen = n
			}
		case eq(name, "authorization") || eq(name, "proxy-authorization"):
			m.auth = val
		}
	}
	if !m.request {
		m.method = m.cseqMethod
	}
	bodyStart := min(end+sep, len(b))
	rest := b[bodyStart:]
	switch {
	case m.clen >= 0 && m.clen <= len(rest):
		m.body = rest[:m.clen]
	case m.clen >= 0 && stream:
		return false
	case stream:
		m.body = nil
	default:
		m.body = rest
	}
	m.size = bodyStart + len(m.body)
	return true
}

func eq(b []byte, s string) bool { return len(b) == len(s) && bytes.EqualFold(b, []byte(s)) }

// uriOf returns the URI inside a From/To/Contact value
// ("\"Bob\" <sip:bob@x>;tag=1" → "sip:bob@x").
func uriOf(v []byte) []byte {
	if i := bytes.IndexByte(v, '<'); i >= 0 {
		if j := bytes.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	if i := bytes.IndexByte(v, ';'); i >= 0 {
		return bytes.TrimSpace(v[:i])
	}
	return v
}

// userOf returns the user part of a SIP URI ("sip:bob@x" → "bob").
func userOf(uri []byte) []byte {
	if i := bytes.IndexByte(uri, ':'); i >= 0 {
		uri = uri[i+1:]
	}
	if i := bytes.IndexByte(uri, '@'); i >= 0 {
		return uri[:i]
	}
	return nil
}

// digestParam returns a parameter of a Digest credentials value
// (`Digest username="alice", realm="x"`).
func digestParam(v []byte, name string) []byte {
	for len(v) > 0 {
		i := indexFold(v, name)
		if i < 0 {
			return nil
		}
		if i > 0 && v[i-1] != ' ' && v[i-1] != ',' && v[i-1] != '\t' {
			v = v[i+len(name):]
			continue
		}
		r := bytes.TrimLeft(v[i+len(name):], " \t")
		if len(r) == 0 || r[0] != '=' {
			v = v[i+len(name):]
			continue
		}
		r = bytes.TrimLeft(r[1:], " \t")
		if len(r) > 0 && r[0] == '"' {
			if j := bytes.IndexByte(r[1:], '"'); j >= 0 {
				return r[1 : j+1]
			}
			return r[1:]
		}
		if j := bytes.IndexAny(r, ", \t"); j >= 0 {
			return r[:j]
		}
		return r
	}
	return nil
}

func indexFold(b []byte, s string) int {
	n := len(s)
	for i := 0; i+n <= len(b); i++ {
		if bytes.EqualFold(b[i:i+n], []byte(s)) {
			return i
		}
	}
	return -1
}
