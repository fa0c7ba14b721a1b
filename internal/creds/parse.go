package creds

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"
)

// Mask hides a secret: its first and last character and its length
// ("p******d (8)"); secrets of one or two characters show only stars.
func Mask(s string) string {
	r := []rune(s)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n <= 2:
		return strings.Repeat("*", n) + " (" + itoa(n) + ")"
	}
	return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1]) + " (" + itoa(n) + ")"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func b64(s []byte) ([]byte, bool) {
	s = bytes.TrimSpace(s)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		raw := bytes.TrimRight(s, "=")
		out = make([]byte, base64.RawStdEncoding.DecodedLen(len(raw)))
		n, err = base64.RawStdEncoding.Decode(out, raw)
		if err != nil {
			return nil, false
		}
	}
	return out[:n], true
}

// ParseBasic decodes an HTTP Basic credentials value ("Basic dXNlcjpwdw==").
func ParseBasic(v []byte) (user, pass string, ok bool) {
	if len(v) < 6 || !bytes.EqualFold(v[:6], []byte("basic ")) {
		return "", "", false
	}
	d, ok := b64(v[6:])
	if !ok {
		return "", "", false
	}
	i := bytes.IndexByte(d, ':')
	if i < 0 {
		return "", "", false
	}
	return string(d[:i]), string(d[i+1:]), true
}

// ParseDigestUser returns the username of a Digest credentials value.
func ParseDigestUser(v []byte) (string, bool) {
	if len(v) < 7 || !bytes.EqualFold(v[:7], []byte("digest ")) {
		return "", false
	}
	rest := v[7:]
	for len(rest) > 0 {
		i := indexFold(rest, "username")
		if i < 0 {
			return "", false
		}
		r := bytes.TrimLeft(rest[i+8:], " \t")
		if i > 0 && !bytes.ContainsRune([]byte(" ,\t"), rune(rest[i-1])) || len(r) == 0 || r[0] != '=' {
			rest = rest[i+8:]
			continue
		}
		r = bytes.TrimLeft(r[1:], " \t")
		if len(r) > 0 && r[0] == '"' {
			if j := bytes.IndexByte(r[1:], '"'); j >= 0 {
				return string(r[1 : j+1]), true
			}
			return string(r[1:]), true
		}
		if j := bytes.IndexAny(r, ", \t"); j >= 0 {
			r = r[:j]
		}
		return string(r), true
	}
	return "", false
}

func indexFold(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return i
		}
	}
	return -1
}

var passFields = []string{"password", "passwd", "pass", "pwd", "pw", "passphrase", "secret", "pin", "passcode"}
var userFields = []string{"username", "user", "login", "email", "uname", "userid", "user_id", "log", "account", "name", "usr"}

func fieldMatch(name string, list []string) bool {
	n := strings.ToLower(name)
	for _, f := range list {
		if n == f || strings.HasSuffix(n, "_"+f) || strings.HasSuffix(n, "["+f+"]") || strings.HasPrefix(n, f+"_") {
			return true
		}
	}
	return strings.Contains(n, "password") || (list[0] == "username" && strings.Contains(n, "username"))
}

// ParseForm finds a password-like field in an urlencoded form body or
// query string and the user name beside it.
func ParseForm(b []byte) (user, pass, field string, ok bool) {
	for _, kv := range bytes.Split(b, []byte("&")) {
		k, v, _ := bytes.Cut(kv, []byte("="))
		ks, err := url.QueryUnescape(string(k))
		if err != nil {
			continue
		}
		vs, err := url.QueryUnescape(string(v))
		if err != nil {
			vs = string(v)
		}
		switch {
		case !ok && fieldMatch(ks, passFields) && vs != "":
			pass, field, ok = vs, ks, true
		case user == "" && fieldMatch(ks, userFields):
			user = vs
		}
	}
	return user, pass, field, ok
}

// ParseAuthPlain decodes SASL PLAIN ("authzid\0authcid\0passwd", base64).
func ParseAuthPlain(s []byte) (user, pass string, ok bool) {
	d, ok := b64(s)
	if !ok {
		return "", "", false
	}
	parts := bytes.Split(d, []byte{0})
	if len(parts) != 3 {
		return "", "", false
	}
	return string(parts[1]), string(parts[2]), true
}

// ParseSNMPCommunity reads the version and community of an SNMPv1/v2c
// message (BER: SEQUENCE { INTEGER version, OCTET STRING community, … }).
func ParseSNMPCommunity(b []byte) (version int, community string, ok bool) {
	if len(b) < 7 || b[0] != 0x30 {
		return 0, "", false
	}
	i := 1
	_, n, good := berLen(b[i:])
	if !good {
		return 0, "", false
	}
	i += n
	if i+3 > len(b) || b[i] != 0x02 || b[i+1] != 1 {
		return 0, "", false
	}
	v := int(b[i+2])
	if v != 0 && v != 1 {
		return 0, "", false // v3 has no community
	}
	i += 3
	if i >= len(b) || b[i] != 0x04 {
		return 0, "", false
	}
	i++
	l, n, good := berLen(b[i:])
	if !good || i+n+l > len(b) || l > 255 {
		return 0, "", false
	}
	i += n
	return v, string(b[i : i+l]), true
}

func berLen(b []byte) (l, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, true
	}
	k := int(b[0] & 0x7f)
	if k == 0 || k > 3 || len(b) < 1+k {
		return 0, 0, false
	}
	for _, c := range b[1 : 1+k] {
		l = l<<8 | int(c)
	}
	return l, 1 + k, true
}

// imapArgs splits an IMAP LOGIN's arguments (atoms or quoted strings).
func imapArgs(b []byte) []string {
	var out []string
	for len(out) < 4 {
		b = bytes.TrimLeft(b, " ")
		if len(b) == 0 {
			break
		}
		if b[0] == '"' {
			var s []byte
			i := 1
			for ; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' && i+1 < len(b) {
					i++
				}
				s = append(s, b[i])
			}
			out = append(out, string(s))
			b = b[min(i+1, len(b)):]
			continue
		}
		j := bytes.IndexByte(b, ' ')
		if j < 0 {
			j = len(b)
		}
		out = append(out, string(b[:j]))
		b = b[j:]
	}
	return out
}
