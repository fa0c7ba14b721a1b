package dhcp

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
)

// Ports and framing of DHCPv4 (RFC 2131) and DHCPv6 (RFC 8415).
const (
	ServerPort   = 67
	ClientPort   = 68
	V6ClientPort = 546
	V6ServerPort = 547

	fixedLen = 236 // BOOTP header before the magic cookie
)

var magicCookie = [4]byte{99, 130, 83, 99}

// MsgType is a DHCPv4 message type (option 53).
type MsgType uint8

// DHCPv4 message types.
const (
	Discover MsgType = 1 + iota
	Offer
	Request
	Decline
	Ack
	Nak
	Release
	Inform
)

var typeNames = [...]string{"", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
	"FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE", "BULKLEASEQUERY", "LEASEQUERYDONE",
	"ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS"}

// String returns the type's name as tshark prints it, upper case ("DISCOVER").
func (t MsgType) String() string {
	if int(t) < len(typeNames) && t != 0 {
		return typeNames[t]
	}
	if t == 0 {
		return "BOOTP"
	}
	return "TYPE-" + strconv.Itoa(int(t))
}

// MarshalText writes the type's name.
func (t MsgType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var errShort = errors.New("dhcp: message too short")
var errCookie = errors.New("dhcp: no magic cookie")

// msg is one parsed DHCPv4 message. Byte slices alias the packet.
type msg struct {
	op        uint8
	xid       uint32
	secs      uint16
	ciaddr    netip.Addr
	yiaddr    netip.Addr
	siaddr    netip.Addr
	giaddr    netip.Addr
	chaddr    [6]byte
	typ       MsgType // 0 when option 53 is absent (plain BOOTP or cut)
	requested netip.Addr
	serverID  netip.Addr
	subnet    netip.Addr
	leaseS    uint32
	hasLease  bool
	routers   []byte // 4-byte addresses
	dns       []byte // 4-byte addresses
	domain    []byte
	hostname  []byte
	vendor    []byte
	prl       []byte
	relayInfo []byte // option 82
	optErr    bool   // options ran past the end
}

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

// looksV4 is the cheap test: long enough and carrying the magic cookie.
func looksV4(b []byte) bool {
	return len(b) >= fixedLen+4 && [4]byte(b[fixedLen:fixedLen+4]) == magicCookie && (b[0] == 1 || b[0] == 2)
}

// parseV4 decodes a DHCPv4 message. It never reads past b and tolerates
// options cut by the snapshot length (optErr is set and the options read so
// far are kept).
func parseV4(b []byte, m *msg) error {
	*m = msg{}
	if len(b) < fixedLen {
		return errShort
	}
	m.op = b[0]
	m.xid = binary.BigEndian.Uint32(b[4:8])
	m.secs = binary.BigEndian.Uint16(b[8:10])
	m.ciaddr = addr4(b[12:16])
	m.yiaddr = addr4(b[16:20])
	m.siaddr = addr4(b[20:24])
	m.giaddr = addr4(b[24:28])
	if b[1] == 1 && b[2] == 6 { // Ethernet
		copy(m.chaddr[:], b[28:34])
	}
	if len(b) < fixedLen+4 || [4]byte(b[fixedLen:fixedLen+4]) != magicCookie {
		return errCookie
	}
	opts := b[fixedLen+4:]
	for i := 0; i < len(opts); {
		code := opts[i]
		if code == 0 {
			i++
			continue
		}
		if code == 255 {
			break
		}
		if i+1 >= len(opts) {
			m.optErr = true
			break
		}
		n := int(opts[i+1])
		if i+2+n > len(opts) {
			m.optErr = true
			break
		}
		v := opts[i+2 : i+2+n]
		i += 2 + n
		switch code {
		case 53:
			if n >= 1 {
				m.typ = MsgType(v[0])
			}
		case 50:
			if n == 4 {
				m.requested = addr4(v)
			}
		case 54:
			if n == 4 {
				m.serverID = addr4(v)
			}
		case 1:
			if n == 4 {
				m.subnet = addr4(v)
			}
		case 51:
			if n == 4 {
				m.leaseS, m.hasLease = binary.BigEndian.Uint32(v), true
			}
		case 3:
			m.routers = v[:n/4*4]
		case 6:
			m.dns = v[:n/4*4]
		case 15:
			m.domain = v
		case 12:
			m.hostname = v
		case 60:
			m.vendor = v
		case 55:
			m.prl = v
		case 82:
			m.relayInfo = v
		}
	}
	return nil
}

// V6 message types (RFC 8415 §7.3).
var v6Names = [...]string{"", "SOLICIT", "ADVERTISE", "REQUEST", "CONFIRM", "RENEW", "REBIND", "REPLY", "RELEASE",
	"DECLINE", "RECONFIGURE", "INFORMATION-REQUEST", "RELAY-FORW", "RELAY-REPL"}

func v6Name(t uint8) string {
	if t != 0 && int(t) < len(v6Names) {
		return v6Names[t]
	}
	return "TYPE-" + strconv.Itoa(int(t))
}

// msg6 is the part of a DHCPv6 message pcapai reports.
type msg6 struct {
	typ      uint8
	xid      uint32 // 24 bits
	serverID []byte // DUID
	clientID []byte
	addrs    [4]netip.Addr // IA addresses (IA_NA/IA_TA → IAADDR)
	naddrs   int
	dns      [4]netip.Addr
	ndns     int
}

func looksV6(b []byte) bool { return len(b) >= 4 && b[0] >= 1 && b[0] <= 13 }

// parseV6 decodes a client/server DHCPv6 message (relay messages only
// give their type).
func parseV6(b []byte, m *msg6) error {
	*m = msg6{}
	if len(b) < 4 {
		return errShort
	}
	m.typ = b[0]
	if m.typ == 12 || m.typ == 13 {
		return nil
	}
	m.xid = uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	m.walk(b[4:], 0)
	return nil
}

func (m *msg6) walk(opts []byte, depth int) {
	for len(opts) >= 4 {
		code := binary.BigEndian.Uint16(opts[0:2])
		n := int(binary.BigEndian.Uint16(opts[2:4]))
		if 4+n > len(opts) {
			return
		}
		v := opts[4 : 4+n]
		opts = opts[4+n:]
		switch code {
		case 1:
			m.clientID = v
		case 2:
			m.serverID = v
		case 3: // IA_NA: IAID, T1, T2, options
			if n >= 12 && depth == 0 {
				m.walk(v[12:], depth+1)
			}
		case 4: // IA_TA: IAID, options
			if n >= 4 && depth == 0 {
				m.walk(v[4:], depth+1)
			}
		case 5: // IAADDR
			if n >= 24 && m.naddrs < len(m.addrs) {
				m.addrs[m.naddrs] = netip.AddrFrom16([16]byte(v[:16]))
				m.naddrs++
			}
		case 23:
			for i := 0; i+16 <= n && m.ndns < len(m.dns); i += 16 {
				m.dns[m.ndns] = netip.AddrFrom16([16]byte(v[i : i+16]))
				m.ndns++
			}
		}
	}
}
