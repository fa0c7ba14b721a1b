package detect

import (
	"bytes"

	"github.com/pcapai/pcapai/flows"
)

var httpMethods = [][]byte{
	[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "), []byte("DELETE "),
	[]byte("OPTIONS "), []byte("CONNECT "), []byte("PATCH "), []byte("HTTP/1."),
}

var sipMethods = [][]byte{
	[]byte("INVITE sip:"), []byte("REGISTER sip:"), []byte("OPTIONS sip:"), []byte("BYE sip:"),
	[]byte("ACK sip:"), []byte("CANCEL sip:"), []byte("SUBSCRIBE sip:"), []byte("NOTIFY sip:"), []byte("SIP/2.0 "),
}

// Sniff names the application protocol of a flow's first payload from its
// first bytes: "tls" (a handshake record header), "http" (a request line or
// a status line), "ssh" ("SSH-2.0-" or "SSH-1.99-"), "sip" (a request or
// status line), "dns" (UDP only: a plausible header with one question). It
// returns "" when nothing matches.
func Sniff(proto flows.Proto, b []byte) string {
	if len(b) >= 6 && b[0] == 0x16 && b[1] == 3 && b[2] <= 4 && (b[5] == 1 || b[5] == 2) {
		return "tls"
	}
	if bytes.HasPrefix(b, []byte("SSH-2.0-")) || bytes.HasPrefix(b, []byte("SSH-1.99-")) {
		return "ssh"
	}
	for _, m := range sipMethods {
		if bytes.HasPrefix(b, m) {
			return "sip"
		}
	}
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, m) {
			// A request line ends in " HTTP/1.x" before its CRLF.
			if m[0] == 'H' && m[1] == 'T' {
				return "http"
			}
			end := bytes.IndexByte(b, '\n')
			if end < 0 {
				end = len(b)
			}
			if bytes.Contains(b[:end], []byte(" HTTP/1.")) {
				return "http"
			}
		}
	}
	if proto == flows.UDP && looksDNS(b) {
		return "dns"
	}
	return ""
}

// looksDNS accepts a DNS query header with exactly one question whose name
// is made of valid labels.
func looksDNS(b []byte) bool {
	if len(b) < 17 {
		return false
	}
	if b[2]&0x80 != 0 || b[2]&0x78 != 0 { // a standard query, not a response
		return false
	}
	if b[4] != 0 || b[5] != 1 || b[6] != 0 || b[7] != 0 || b[8] != 0 || b[9] != 0 {
		return false
	}
	i := 12
	for n := 0; n < 128; n++ {
		if i >= len(b) {
			return false
		}
		l := int(b[i])
		if l == 0 {
			return i > 12 && i+5 <= len(b)
		}
		if l > 63 || i+1+l > len(b) {
			return false
		}
		for _, c := range b[i+1 : i+1+l] {
			if c <= ' ' || c >= 0x7f {
				return false
			}
		}
		i += 1 + l
	}
	return false
}

// OwnPort reports whether port is a registered or customary port of app.
func OwnPort(app string, proto flows.Proto, port uint16) bool {
	switch app {
	case "tls":
		switch port {
		case 443, 8443, 465, 587, 993, 995, 636, 853, 989, 990, 992, 994, 5061, 5986, 3389, 8883, 6697, 4433, 25, 110, 143, 21, 389, 5223, 9443:
			return true
		}
	case "http":
		switch port {
		case 80, 8080, 8000, 8008, 8081, 8888, 3128, 591, 81, 5985, 3000, 5000, 9000, 631, 1900:
			return true
		}
	case "ssh":
		return port == 22
	case "sip":
		return port == 5060 || port == 5061
	case "dns":
		return port == 53 || port == 5353 || port == 5355 || port == 137 // NBNS uses the DNS wire format
	}
	return false
}

// cleartextPort reports whether port belongs to a well-known cleartext
// protocol whose first payload should not look random.
func cleartextPort(proto flows.Proto, port uint16) bool {
	if proto == flows.UDP {
		return port == 53 || port == 123 || port == 161 || port == 514 || port == 69
	}
	switch port {
	case 80, 8080, 21, 23, 25, 53, 110, 143, 79, 113, 6667, 5060:
		return true
	}
	return false
}
