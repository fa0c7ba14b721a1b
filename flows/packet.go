package flows

import (
	"net/netip"
	"time"
)

// LinkType is a pcap LINKTYPE_ value (1 Ethernet, 113 Linux SLL, …).
type LinkType uint16

// Link types the decoder understands.
const (
	LinkNull     LinkType = 0   // BSD loopback, host-order address family
	LinkEthernet LinkType = 1   // Ethernet II / 802.3
	LinkRaw      LinkType = 101 // raw IPv4 or IPv6
	LinkRawAlt12 LinkType = 12  // raw IP on some BSDs (DLT_RAW = 12)
	LinkRawAlt14 LinkType = 14  // raw IP on OpenBSD
	LinkLoop     LinkType = 108 // OpenBSD loopback, network-order address family
	LinkSLL      LinkType = 113 // Linux cooked capture v1
	LinkIPv4     LinkType = 228 // raw IPv4
	LinkIPv6     LinkType = 229 // raw IPv6
	LinkSLL2     LinkType = 276 // Linux cooked capture v2
)

// String returns the name Wireshark's encapsulation list uses.
func (l LinkType) String() string {
	switch l {
	case LinkNull:
		return "null"
	case LinkEthernet:
		return "ether"
	case LinkRaw, LinkRawAlt12, LinkRawAlt14:
		return "rawip"
	case LinkLoop:
		return "loop"
	case LinkSLL:
		return "linux-sll"
	case LinkIPv4:
		return "rawip4"
	case LinkIPv6:
		return "rawip6"
	case LinkSLL2:
		return "linux-sll2"
	}
	return "linktype-" + itoa(int(l))
}

// MarshalText writes the link type's name.
func (l LinkType) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// TCPFlags holds the TCP header flag bits as they are on the wire
// (FIN 0x001 … CWR 0x080, NS 0x100).
type TCPFlags uint16

const (
	FIN TCPFlags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
	NS
)

// Has reports whether all bits of f2 are set in f.
func (f TCPFlags) Has(f2 TCPFlags) bool { return f&f2 == f2 }

// String returns the flags as tcpdump letters ("S", "S.", "FP.", …).
func (f TCPFlags) String() string {
	var b []byte
	for _, x := range [...]struct {
		f TCPFlags
		c byte
	}{{SYN, 'S'}, {FIN, 'F'}, {RST, 'R'}, {PSH, 'P'}, {URG, 'U'}, {ECE, 'E'}, {CWR, 'W'}, {ACK, '.'}} {
		if f&x.f != 0 {
			b = append(b, x.c)
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// Dir is the direction of a packet within its flow.
type Dir uint8

const (
	FromInitiator Dir = iota // initiator → responder
	FromResponder            // responder → initiator
)

// Status says how far a packet could be decoded.
type Status uint8

const (
	OK          Status = iota // decoded as far as the decoder goes
	Truncated                 // cut by the snapshot length before a header ended
	Malformed                 // a header is invalid
	Unsupported               // link type or network protocol not decoded
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Truncated:
		return "truncated"
	case Malformed:
		return "malformed"
	case Unsupported:
		return "unsupported"
	}
	return "status-" + itoa(int(s))
}

// Net is the network layer a packet carries.
type Net uint8

const (
	NetNone Net = iota
	NetIPv4
	NetIPv6
	NetARP
	NetOther // an EtherType the decoder does not follow
)

// Encap is one kind of encapsulation a packet went through.
type Encap uint8

const (
	EncapGRE Encap = iota + 1
	EncapVXLAN
	EncapGeneve
	EncapIPinIP
	EncapMPLS
	EncapPPPoE
)

func (e Encap) String() string {
	switch e {
	case EncapGRE:
		return "gre"
	case EncapVXLAN:
		return "vxlan"
	case EncapGeneve:
		return "geneve"
	case EncapIPinIP:
		return "ipip"
	case EncapMPLS:
		return "mpls"
	case EncapPPPoE:
		return "pppoe"
	}
	return "encap-" + itoa(int(e))
}

// MarshalText writes the encapsulation's name.
func (e Encap) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// Tunnel is one encapsulation hop of a packet, outermost first.
type Tunnel struct {
	Kind Encap
	// Outer is the outer transport flow for UDP-borne tunnels (VXLAN,
	// Geneve): the packet also counts toward that flow. Zero otherwise.
	Outer Key
	// OuterSrc and OuterDst are the outer IP endpoints (zero for MPLS/PPPoE).
	OuterSrc, OuterDst netip.AddrPort
	VNI                uint32 // VXLAN/Geneve network identifier, GRE key
}

// Layer names one decoded protocol layer.
type Layer uint8

const (
	LayerEthernet Layer = iota + 1
	LayerVLAN
	LayerMPLS
	LayerPPPoE
	LayerSLL
	LayerSLL2
	LayerNull
	LayerIPv4
	LayerIPv6
	LayerARP
	LayerGRE
	LayerVXLAN
	LayerGeneve
	LayerTCP
	LayerUDP
	LayerICMP
	LayerICMPv6
	LayerFragment
	LayerOtherIP // an IP protocol not decoded further
	LayerData    // payload bytes after the last decoded layer
)

var layerNames = [...]string{"", "eth", "vlan", "mpls", "pppoe", "sll", "sll2", "null", "ip", "ipv6", "arp", "gre", "vxlan", "geneve", "tcp", "udp", "icmp", "icmpv6", "ipfrag", "ipproto", "data"}

// String returns the layer's Wireshark protocol name ("eth", "ip", "tcp").
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "layer-" + itoa(int(l))
}

// MaxLayers bounds the layers recorded per packet.
const MaxLayers = 16

func (p *Packet) addLayer(l Layer) {
	if p.NLayers < MaxLayers {
		p.Layers[p.NLayers] = l
		p.NLayers++
	}
}

// MaxTunnels bounds how many encapsulations the decoder follows.
const MaxTunnels = 4

// Packet is the decoded view of one frame, refilled by [Decoder.Decode] for
// every record. Slices alias the read buffer: a Packet is valid only until
// the next record is read, and an analyzer copies what it keeps. Fields are
// set as their comments say; others hold their zero value.
type Packet struct {
	Frame    uint64    // 1-based record number, as Wireshark numbers frames
	Time     time.Time // capture time, UTC
	CapLen   int       // bytes captured
	OrigLen  int       // bytes on the wire
	Iface    int       // pcapng interface index; 0 for pcap
	LinkType LinkType

	Status Status // decode outcome; see Decoder for counting

	// Link layer: valid iff HasMAC.
	HasMAC         bool
	SrcMAC, DstMAC [6]byte
	VLANs          [2]uint16 // outer first
	NVLAN          int       // VLAN tags seen (may exceed len(VLANs))

	// Tunnels are the encapsulations the packet came through, outermost
	// first (at most MaxTunnels). Like Payload, the slice belongs to the
	// decoder and is valid until the next record.
	Tunnels []Tunnel

	Net Net // network layer of the innermost packet

	// IP: valid iff Net is NetIPv4 or NetIPv6 (innermost header).
	Src, Dst      netip.Addr
	TTL           uint8  // TTL or hop limit
	IPID          uint32 // IPv4 identification, IPv6 fragment identification
	DF            bool   // IPv4 don't-fragment
	Fragment      bool   // this record is an IP fragment
	Reassembled   bool   // transport fields come from a reassembled datagram completed by this record
	IPLen         int    // IP total length (header and payload) of the innermost header
	IPChecksumBad bool   // IPv4 header checksum wrong (meaningful when CapLen covers the header)

	Proto   Proto  // IP protocol of the innermost header; 0 if none
	SrcPort uint16 // TCP/UDP source port
	DstPort uint16 // TCP/UDP destination port

	// TCP: valid iff Proto is TCP and L4 is true.
	Seq, Ack     uint32
	Flags        TCPFlags
	Window       uint16
	WScale       int8   // window-scale option; -1 if absent
	MSS          uint16 // MSS option; 0 if absent
	SACKPerm     bool
	TSVal, TSEcr uint32
	HasTS        bool

	// ICMP (v4 and v6): valid iff Proto is ICMP or ICMPv6 and L4 is true.
	ICMPType, ICMPCode uint8
	ICMPID, ICMPSeq    uint16 // echo request/reply identifier and sequence

	// ARP: valid iff Net is NetARP.
	ARPOp                      uint16
	ARPSenderMAC, ARPTargetMAC [6]byte
	ARPSenderIP, ARPTargetIP   netip.Addr

	EtherType uint16 // innermost EtherType seen (0 if none)

	// L4 is true when the transport header was decoded.
	L4 bool
	// Payload is the transport payload (TCP/UDP data; the ICMP message body
	// after the first 8 bytes), limited to what was captured.
	Payload []byte

	slot uint8 // 1-based engine slot of the analyzer being called; 0 outside
	// Set by Table.Prefetch for pre's Observe: the packet's key, its
	// direction in it and the key's hash in pre's index.
	pre           *Table
	key           Key
	keyRev        bool
	hash          uint64
	l4Len         int // transport length declared by the IP header(s)
	tcpPayloadLen int // TCP payload length by the IP and TCP headers (may exceed len(Payload))

	// Layers lists the protocol layers decoded, outermost first, for the
	// protocol hierarchy; NLayers of them are set.
	Layers  [MaxLayers]Layer
	NLayers int

	// Set by the engine after the flow table saw the packet.
	Flow *Flow // nil when the packet has no flow (ARP, non-IP, table full)
	Dir  Dir
	// FirstPayload is set on the first packet with payload in its
	// direction of the flow.
	FirstPayload bool
	// TCP holds the sequence analysis of this segment (valid iff Flow is a
	// TCP flow).
	TCP TCPAnalysis
}

// Key returns the packet's canonical flow key and whether the packet runs
// from the key's B endpoint to A. It is zero when the packet has no
// transport flow.
func (p *Packet) Key() (Key, bool) {
	if p.Net != NetIPv4 && p.Net != NetIPv6 {
		return Key{}, false
	}
	var sp, dp uint16
	switch p.Proto {
	case TCP, UDP:
		if !p.L4 {
			return Key{}, false
		}
		sp, dp = p.SrcPort, p.DstPort
	case ICMP, ICMPv6:
		if p.L4 && isEcho(p.Proto, p.ICMPType) {
			sp, dp = p.ICMPID, p.ICMPID
		}
	case 0:
		return Key{}, false
	}
	return makeKey(p.Proto, p.Src, sp, p.Dst, dp)
}

func isEcho(p Proto, t uint8) bool {
	if p == ICMP {
		return t == 8 || t == 0
	}
	return t == 128 || t == 129
}

// MaxSlots is how many analyzers can use [Packet.Done]; analyzers in later
// slots see every packet.
const MaxSlots = 32

// Done tells the engine that the analyzer it is calling needs no more
// packets of p's flow: the engine skips that analyzer for the flow's later
// packets (a new flow on the same addresses and ports starts afresh). An
// analyzer calls it once nothing later in the flow can matter to it (the
// payload is not its protocol, the handshake is over) and drops its own
// state for the flow at the same time. Done reports whether the engine
// will skip the flow: it does nothing outside the engine (and for a packet
// without a flow), where an analyzer that must ignore the rest of the flow
// has to remember that itself.
func (p *Packet) Done() bool {
	if p.Flow != nil && p.slot > 0 {
		p.Flow.done |= 1 << (p.slot - 1)
		return true
	}
	return false
}

// Wants reports whether the analyzer in engine slot i (0-based) still
// wants packets of p's flow, and makes it the analyzer [Packet.Done]
// refers to. The engine calls it before each analyzer; slot -1 ends the
// dispatch.
func (p *Packet) Wants(i int) bool {
	if i < 0 || i >= MaxSlots {
		p.slot = 0
		return true
	}
	p.slot = uint8(i + 1)
	return p.Flow == nil || p.Flow.done&(1<<i) == 0
}

// SrcAddrPort returns the packet's source address and port.
func (p *Packet) SrcAddrPort() netip.AddrPort { return netip.AddrPortFrom(p.Src, p.SrcPort) }

// DstAddrPort returns the packet's destination address and port.
func (p *Packet) DstAddrPort() netip.AddrPort { return netip.AddrPortFrom(p.Dst, p.DstPort) }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
