package httpx

import (
	"bytes"
	"strconv"
)

var methods = []string{"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH", "SUBSCRIBE", "NOTIFY", "MKACTIVITY", "CHECKOUT", "MERGE", "PURGE", "BPROPFIND"}

// isRequestStart reports whether b starts like an HTTP/1.x request line
// ("GET "). It does not allocate.
func isRequestStart(b []byte) bool {
	if len(b) < 4 || b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	sp := bytes.IndexByte(b[:min(len(b), 12)], ' ')
	if sp <= 0 {
		return false
	}
	m := b[:sp]
	for _, x := range methods {
		if string(m) == x {
			return true
		}
	}
	return false
}

// isResponseStart reports whether b starts like an HTTP/1.x status line.
func isResponseStart(b []byte) bool {
	return len(b) >= 12 && bytes.HasPrefix(b, []byte("HTTP/1.")) && b[8] == ' '
}

// head is a parsed HTTP/1.x header block; slices alias the input.
type head struct {
	request       bool
	method, uri   []byte
	version       []byte
	status        int
	host          []byte
	userAgent     []byte
	referer       []byte
	server        []byte
	contentType   []byte
	contentLength int64 // -1 when absent
	chunked       bool
	authorization []byte
	disposition   []byte
	contentRange  []byte
	connClose     bool
}

// parseHead parses a complete header block (start line through the empty
// line, which may be absent at the end of b).
func parseHead(b []byte, h *head) bool {
	*h = head{contentLength: -1}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		nl = len(b)
	}
	first := bytes.TrimRight(b[:nl], "\r")
	rest := b[min(nl+1, len(b)):]
	if bytes.HasPrefix(first, []byte("HTTP/1.")) {
		if len(first) < 12 {
			return false
		}
		st, err := strconv.Atoi(string(first[9:12]))
		if err != nil || st < 100 || st > 999 {
			return false
		}
		h.status = st
		h.version = first[:8]
	} else {
		sp := bytes.IndexByte(first, ' ')
		if sp <= 0 {
			return false
		}
		h.request = true
		h.method = first[:sp]
		r := first[sp+1:]
		if sp2 := bytes.LastIndexByte(r, ' '); sp2 >= 0 && bytes.HasPrefix(r[sp2+1:], []byte("HTTP/")) {
			h.uri, h.version = r[:sp2], r[sp2+1:]
		} else {
			h.uri = r // HTTP/0.9
		}
	}
	for len(rest) > 0 {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			continue
		}
		name, val := line[:c], bytes.TrimSpace(line[c+1:])
		switch {
		case eq(name, "host"):
			h.host = val
		case eq(name, "user-agent"):
			h.userAgent = val
		case eq(name, "referer"):
			h.referer = val
		case eq(name, "server"):
			h.server = val
		case eq(name, "content-type"):
			h.contentType = val
		case eq(name, "content-length"):
			if n, err := strconv.ParseInt(string(val), 10, 64); err == nil && n >= 0 {
				h.contentLength = n
			}
		case eq(name, "transfer-encoding"):
			h.chunked = bytes.Contains(bytes.ToLower(val), []byte("chunked"))
		case eq(name, "authorization"), eq(name, "proxy-authorization"):
			h.authorization = val
		case eq(name, "content-disposition"):
			h.disposition = val
		case eq(name, "content-range"):
			h.contentRange = val
		case eq(name, "connection"):
			h.connClose = bytes.EqualFold(val, []byte("close"))
		}
	}
	return true
}

func eq(b []byte, s string) bool { return len(b) == len(s) && bytes.EqualFold(b, []byte(s)) }

// headerEnd returns the length of the header block at the start of b
// (including the empty line), or -1 when it is not complete.
func headerEnd(b []byte) int {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		if j := bytes.Index(b, []byte("\n\n")); j >= 0 && j < i {
			return j + 2
		}
		return i + 4
	}
	if j := bytes.Index(b, []byte("\n\n")); j >= 0 {
		return j + 2
	}
	return -1
}

// parseChunkSize reads a chunk-size line ("1a3f;ext\r\n"); n is the line
// length, -1 when incomplete, and ok false when invalid.
func parseChunkSize(b []byte) (size int64, n int, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(b) > 1024 {
			return 0, 0, false
		}
		return 0, -1, true
	}
	line := bytes.TrimRight(b[:i], "\r")
	if j := bytes.IndexByte(line, ';'); j >= 0 {
		line = line[:j]
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || len(line) > 15 {
		return 0, 0, false
	}
	v, err := strconv.ParseInt(string(line), 16, 64)
	if err != nil || v < 0 {
		return 0, 0, false
	}
	return v, i + 1, true
}
