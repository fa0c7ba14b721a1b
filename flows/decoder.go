package flows

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// DecodeStats counts how packets decoded.
type DecodeStats struct {
	Packets     uint64    `json:"packets"`
	OK          uint64    `json:"ok"`
	Truncated   uint64    `json:"truncated"`   // cut by the snapshot length inside a header
	Malformed   uint64    `json:"malformed"`   // a header is invalid
	Unsupported uint64    `json:"unsupported"` // link type or network protocol not decoded
	Fragments   FragStats `json:"fragments"`
}

// Add adds o's counts to s.
func (s *DecodeStats) Add(o DecodeStats) {
	s.Packets += o.Packets
	s.OK += o.OK
	s.Truncated += o.Truncated
	s.Malformed += o.Malformed
	s.Unsupported += o.Unsupported
	f := &s.Fragments
	f.Fragments += o.Fragments.Fragments
	f.Reassembled += o.Fragments.Reassembled
	f.Overlaps += o.Fragments.Overlaps
	f.TimedOut += o.Fragments.TimedOut
	f.Dropped += o.Fragments.Dropped
}

// layerSet is one instance of every gopacket layer the decoder uses, with
// parsers starting at each entry point. The decoder has two sets: one for
// the outer packet and one for tunnelled packets, so a header is never
// overwritten by the header it encapsulates before it is read.
type layerSet struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	ip4   layers.IPv4
	ip6   layers.IPv6
	arp   layers.ARP
	tcp   tcpLayer
	udp   udpLayer
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6

	pEth, pSLL, pIP4, pIP6 *gopacket.DecodingLayerParser
}

// tcpLayer and udpLayer end the parse at the transport header: the decoder
// follows what UDP carries itself (afterUDP) and nothing above TCP, and
// layers.TCP's and layers.UDP's NextLayerType look both ports up in a
// 64k-entry table, a cache miss on most packets.
type (
	tcpLayer struct{ layers.TCP }
	udpLayer struct{ layers.UDP }
)

func (*tcpLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }
func (*udpLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

func newLayerSet() *layerSet {
	s := &layerSet{}
	dl := []gopacket.DecodingLayer{&s.eth, &s.dot1q, &s.sll, &s.ip4, &s.ip6, &s.arp, &s.tcp, &s.udp, &s.icmp4, &s.icmp6}
	mk := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		// A slice indexed by layer type, not the default map: one index
		// per layer instead of a hash lookup.
		var c gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
		for _, l := range dl {
			c = c.Put(l)
		}
		p.SetDecodingLayerContainer(c)
		p.IgnoreUnsupported = true
		return p
	}
	s.pEth, s.pSLL, s.pIP4, s.pIP6 = mk(layers.LayerTypeEthernet), mk(layers.LayerTypeLinuxSLL), mk(layers.LayerTypeIPv4), mk(layers.LayerTypeIPv6)
	return s
}

// Decoder turns captured frames into [Packet] views with gopacket's
// DecodingLayerParser: one decode per packet, reused layers, no allocation
// for ordinary packets. IP fragments are reassembled (bounded); GRE, VXLAN,
// Geneve, MPLS, PPPoE, 802.1Q/802.1ad, Linux SLL/SLL2, NULL/loopback and raw
// IP are followed. A Decoder is not safe for concurrent use.
type Decoder struct {
	outer, inner *layerSet
	decoded      []gopacket.LayerType
	tunnels      [MaxTunnels]Tunnel // what Packet.Tunnels holds
	frag         *defragmenter
	stats        DecodeStats
	// CatchPanics turns a panic in a gopacket layer into a Malformed packet
	// (the default). Tests set it false to see the panic.
	CatchPanics bool
}

// DecoderConfig bounds the decoder's state.
type DecoderConfig struct {
	// MaxFragBytes caps bytes held for IP reassembly. Zero means 4 MiB.
	MaxFragBytes int
	// MaxFragDatagrams caps datagrams being reassembled. Zero means 4096.
	MaxFragDatagrams int
	// FragTimeout drops incomplete datagrams older than this (capture
	// time). Zero means 30 s.
	FragTimeout time.Duration
}

// NewDecoder returns a decoder.
func NewDecoder(cfg DecoderConfig) *Decoder {
	d := &Decoder{outer: newLayerSet(), inner: newLayerSet(), decoded: make([]gopacket.LayerType, 0, 16), CatchPanics: true}
	d.frag = newDefragmenter(cfg)
	for _, s := range []*layerSet{d.outer, d.inner} {
		for _, p := range []*gopacket.DecodingLayerParser{s.pEth, s.pSLL, s.pIP4, s.pIP6} {
			p.IgnorePanic = false
		}
	}
	return d
}

// Stats returns the decode counters so far.
func (d *Decoder) Stats() DecodeStats {
	s := d.stats
	s.Fragments = d.frag.stats
	return s
}

// Decode fills p from one captured frame. frame, ts, origLen, iface and lt
// come from the capture record. p is reset first; data must stay valid while
// p is used.
func (d *Decoder) Decode(data []byte, lt LinkType, frame uint64, ts time.Time, origLen, iface int, p *Packet) {
	*p = Packet{Frame: frame, Time: ts, CapLen: len(data), OrigLen: origLen, Iface: iface, LinkType: lt, WScale: -1}
	d.stats.Packets++
	if d.CatchPanics {
		defer func() {
			if r := recover(); r != nil {
				p.Status = Malformed
				p.L4, p.Payload, p.Proto = false, nil, 0
				d.count(p)
			}
		}()
	}
	d.decodeLink(data, lt, p)
	d.count(p)
}

func (d *Decoder) count(p *Packet) {
	switch p.Status {
	case OK:
		d.stats.OK++
	case Truncated:
		d.stats.Truncated++
	case Malformed:
		d.stats.Malformed++
	case Unsupported:
		d.stats.Unsupported++
	}
}

func (d *Decoder) fail(p *Packet) {
	if p.Status != OK {
		return
	}
	if p.CapLen < p.OrigLen {
		p.Status = Truncated
	} else {
		p.Status = Malformed
	}
}

func (d *Decoder) decodeLink(data []byte, lt LinkType, p *Packet) {
	s := d.outer
	switch lt {
	case LinkEthernet:
		d.run(s, s.pEth, data, p)
	case LinkSLL:
		d.run(s, s.pSLL, data, p)
	case LinkSLL2:
		if len(data) < 20 {
			p.addLayer(LayerSLL2)
			d.fail(p)
			return
		}
		p.addLayer(LayerSLL2)
		if data[11] == 6 {
			p.HasMAC = true
			copy(p.SrcMAC[:], data[12:18])
		}
		d.etherType(s, binary.BigEndian.Uint16(data[0:2]), data[20:], p)
	case LinkNull, LinkLoop:
		if len(data) < 4 {
			p.addLayer(LayerNull)
			d.fail(p)
			return
		}
		p.addLayer(LayerNull)
		switch nullFamily(lt, data) {
		case 2:
			d.run(s, s.pIP4, data[4:], p)
		case 10, 24, 28, 30:
			d.run(s, s.pIP6, data[4:], p)
		default:
			p.Status = Unsupported
		}
	case LinkRaw, LinkRawAlt12, LinkRawAlt14, LinkIPv4, LinkIPv6:
		d.rawIP(s, data, p)
	default:
		p.Status = Unsupported
	}
}

func (d *Decoder) rawIP(s *layerSet, data []byte, p *Packet) {
	if len(data) == 0 {
		d.fail(p)
		return
	}
	switch data[0] >> 4 {
	case 4:
		d.run(s, s.pIP4, data, p)
	case 6:
		d.run(s, s.pIP6, data, p)
	default:
		p.Status = Unsupported
	}
}

// etherType continues decoding after a link header that named an EtherType.
func (d *Decoder) etherType(s *layerSet, et uint16, data []byte, p *Packet) {
	p.EtherType = et
	switch layers.EthernetType(et) {
	case layers.EthernetTypeIPv4:
		d.run(s, s.pIP4, data, p)
	case layers.EthernetTypeIPv6:
		d.run(s, s.pIP6, data, p)
	case layers.EthernetTypeARP, layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ:
		// Rare after SLL2 or MPLS: decode with a fake Ethernet header is not
		// possible without copying, so decode the layer directly.
		if layers.EthernetType(et) == layers.EthernetTypeARP {
			if err := s.arp.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
				p.addLayer(LayerARP)
				d.fail(p)
				return
			}
			d.fillARP(&s.arp, p)
			return
		}
		if err := s.dot1q.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
			p.addLayer(LayerVLAN)
			d.fail(p)
			return
		}
		d.addVLAN(s.dot1q.VLANIdentifier, p)
		d.etherType(s, uint16(s.dot1q.Type), s.dot1q.Payload, p)
	case 0x8847, 0x8848:
		d.mpls(s, data, p)
	case 0x8864:
		d.pppoe(s, data, p)
	default:
		p.Net = NetOther
	}
}

func (d *Decoder) addVLAN(id uint16, p *Packet) {
	p.addLayer(LayerVLAN)
	if p.NVLAN < len(p.VLANs) {
		p.VLANs[p.NVLAN] = id
	}
	p.NVLAN++
}

func (d *Decoder) fillARP(a *layers.ARP, p *Packet) {
	p.addLayer(LayerARP)
	p.Net = NetARP
	p.ARPOp = a.Operation
	if len(a.SourceHwAddress) == 6 {
		copy(p.ARPSenderMAC[:], a.SourceHwAddress)
	}
	if len(a.DstHwAddress) == 6 {
		copy(p.ARPTargetMAC[:], a.DstHwAddress)
	}
	if len(a.SourceProtAddress) == 4 {
		p.ARPSenderIP = netip.AddrFrom4([4]byte(a.SourceProtAddress))
	}
	if len(a.DstProtAddress) == 4 {
		p.ARPTargetIP = netip.AddrFrom4([4]byte(a.DstProtAddress))
	}
}

func (d *Decoder) mpls(s *layerSet, data []byte, p *Packet) {
	p.addLayer(LayerMPLS)
	for {
		if len(data) < 4 {
			d.fail(p)
			return
		}
		bottom := data[2]&1 != 0
		data = data[4:]
		if bottom {
			break
		}
	}
	if len(data) == 0 {
		d.fail(p)
		return
	}
	switch data[0] >> 4 {
	case 4:
		d.run(s, s.pIP4, data, p)
	case 6:
		d.run(s, s.pIP6, data, p)
	case 0:
		// Pseudowire control word, then Ethernet.
		if len(data) < 4 {
			d.fail(p)
			return
		}
		d.run(s, s.pEth, data[4:], p)
	default:
		p.Status = Unsupported
	}
}

func (d *Decoder) pppoe(s *layerSet, data []byte, p *Packet) {
	p.addLayer(LayerPPPoE)
	if len(data) < 8 {
		d.fail(p)
		return
	}
	switch binary.BigEndian.Uint16(data[6:8]) {
	case 0x0021:
		d.run(s, s.pIP4, data[8:], p)
	case 0x0057:
		d.run(s, s.pIP6, data[8:], p)
	default:
		p.Status = Unsupported
	}
}

// run decodes data with parser pr of layer set s, fills p, and follows what
// the parser does not: fragments, IPv6 extension headers, tunnels.
func (d *Decoder) run(s *layerSet, pr *gopacket.DecodingLayerParser, data []byte, p *Packet) {
	err := pr.DecodeLayers(data, &d.decoded)
	var last gopacket.LayerType
	for _, lt := range d.decoded {
		d.fill(s, lt, p)
		last = lt
	}
	if err != nil {
		// The layer after the last decoded one failed.
		if len(d.decoded) == 0 {
			switch pr {
			case s.pEth:
				p.addLayer(LayerEthernet)
			case s.pSLL:
				p.addLayer(LayerSLL)
			case s.pIP4:
				p.addLayer(LayerIPv4)
			case s.pIP6:
				p.addLayer(LayerIPv6)
			}
		}
		d.failedAfter(s, last, p)
		return
	}
	switch last {
	case layers.LayerTypeEthernet:
		d.afterEtherType(s, uint16(s.eth.EthernetType), s.eth.Payload, p)
	case layers.LayerTypeDot1Q:
		d.afterEtherType(s, uint16(s.dot1q.Type), s.dot1q.Payload, p)
	case layers.LayerTypeLinuxSLL:
		d.afterEtherType(s, uint16(s.sll.EthernetType), s.sll.Payload, p)
	case layers.LayerTypeIPv4:
		ip := &s.ip4
		if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
			d.fragment4(s, ip, p)
			return
		}
		d.afterIP(s, uint8(ip.Protocol), ip.Payload, p)
	case layers.LayerTypeIPv6:
		nh := s.ip6.NextHeader
		if s.ip6.HopByHop != nil {
			nh = s.ip6.HopByHop.NextHeader
		}
		d.ipv6Ext(s, uint8(nh), s.ip6.Payload, p)
	case layers.LayerTypeUDP:
		d.afterUDP(s, p)
	case layers.LayerTypeTCP, layers.LayerTypeICMPv4, layers.LayerTypeICMPv6:
		if len(p.Payload) > 0 {
			p.addLayer(LayerData)
		}
	}
}

// failedAfter handles a decode error in the layer after last.
func (d *Decoder) failedAfter(s *layerSet, last gopacket.LayerType, p *Packet) {
	switch last {
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
		// The transport header is cut or invalid.
		switch p.Proto {
		case TCP:
			p.addLayer(LayerTCP)
		case UDP:
			p.addLayer(LayerUDP)
		case ICMP:
			p.addLayer(LayerICMP)
		case ICMPv6:
			p.addLayer(LayerICMPv6)
		}
	}
	d.fail(p)
}

func (d *Decoder) afterEtherType(s *layerSet, et uint16, payload []byte, p *Packet) {
	p.EtherType = et
	switch et {
	case 0x8847, 0x8848:
		d.mpls(s, payload, p)
	case 0x8864:
		d.pppoe(s, payload, p)
	default:
		if p.Net == NetNone {
			p.Net = NetOther
		}
	}
}

// fill copies the fields of one decoded layer into p.
func (d *Decoder) fill(s *layerSet, lt gopacket.LayerType, p *Packet) {
	switch lt {
	case layers.LayerTypeEthernet:
		p.addLayer(LayerEthernet)
		if len(s.eth.SrcMAC) == 6 && !p.HasMAC {
			p.HasMAC = true
			copy(p.SrcMAC[:], s.eth.SrcMAC)
			copy(p.DstMAC[:], s.eth.DstMAC)
		}
		p.EtherType = uint16(s.eth.EthernetType)
	case layers.LayerTypeDot1Q:
		d.addVLAN(s.dot1q.VLANIdentifier, p)
		p.EtherType = uint16(s.dot1q.Type)
	case layers.LayerTypeLinuxSLL:
		p.addLayer(LayerSLL)
		if s.sll.AddrLen == 6 && len(s.sll.Addr) >= 6 && !p.HasMAC {
			p.HasMAC = true
			copy(p.SrcMAC[:], s.sll.Addr)
		}
		p.EtherType = uint16(s.sll.EthernetType)
	case layers.LayerTypeARP:
		d.fillARP(&s.arp, p)
	case layers.LayerTypeIPv4:
		if p.Net == NetIPv4 || p.Net == NetIPv6 {
			d.pushTunnel(EncapIPinIP, Key{}, p)
		}
		ip := &s.ip4
		p.addLayer(LayerIPv4)
		p.Net = NetIPv4
		p.Src = netip.AddrFrom4([4]byte(ip.SrcIP))
		p.Dst = netip.AddrFrom4([4]byte(ip.DstIP))
		p.TTL = ip.TTL
		p.IPID = uint32(ip.Id)
		p.DF = ip.Flags&layers.IPv4DontFragment != 0
		p.IPLen = int(ip.Length)
		p.l4Len = int(ip.Length) - int(ip.IHL)*4
		p.Proto = Proto(ip.Protocol)
		p.IPChecksumBad = len(ip.Contents) >= 20 && ipv4ChecksumBad(ip.Contents, ip.Checksum)
	case layers.LayerTypeIPv6:
		if p.Net == NetIPv4 || p.Net == NetIPv6 {
			d.pushTunnel(EncapIPinIP, Key{}, p)
		}
		ip := &s.ip6
		p.addLayer(LayerIPv6)
		p.Net = NetIPv6
		p.Src = netip.AddrFrom16([16]byte(ip.SrcIP))
		p.Dst = netip.AddrFrom16([16]byte(ip.DstIP))
		p.TTL = ip.HopLimit
		p.IPLen = int(ip.Length) + 40
		p.l4Len = int(ip.Length)
		p.Proto = Proto(ip.NextHeader)
		if ip.HopByHop != nil {
			p.Proto = Proto(ip.HopByHop.NextHeader)
			p.l4Len -= ip.HopByHop.ActualLength
		}
	case layers.LayerTypeTCP:
		t := &s.tcp.TCP
		p.addLayer(LayerTCP)
		p.L4 = true
		p.Proto = TCP
		p.SrcPort, p.DstPort = uint16(t.SrcPort), uint16(t.DstPort)
		p.Seq, p.Ack, p.Window = t.Seq, t.Ack, t.Window
		p.Flags = tcpFlags(t)
		p.Payload = t.Payload
		p.tcpPayloadLen = len(t.Payload)
		if n := p.l4Len - int(t.DataOffset)*4; p.l4Len > 0 && n >= 0 {
			p.tcpPayloadLen = n
		}
		for i := range t.Options {
			o := &t.Options[i]
			switch o.OptionType {
			case layers.TCPOptionKindMSS:
				if len(o.OptionData) == 2 {
					p.MSS = binary.BigEndian.Uint16(o.OptionData)
				}
			case layers.TCPOptionKindWindowScale:
				if len(o.OptionData) == 1 {
					ws := o.OptionData[0]
					if ws > 14 {
						ws = 14
					}
					p.WScale = int8(ws)
				}
			case layers.TCPOptionKindSACKPermitted:
				p.SACKPerm = true
			case layers.TCPOptionKindTimestamps:
				if len(o.OptionData) == 8 {
					p.HasTS = true
					p.TSVal = binary.BigEndian.Uint32(o.OptionData)
					p.TSEcr = binary.BigEndian.Uint32(o.OptionData[4:])
				}
			}
		}
	case layers.LayerTypeUDP:
		u := &s.udp.UDP
		p.addLayer(LayerUDP)
		p.L4 = true
		p.Proto = UDP
		p.SrcPort, p.DstPort = uint16(u.SrcPort), uint16(u.DstPort)
		p.Payload = u.Payload
	case layers.LayerTypeICMPv4:
		c := &s.icmp4
		p.addLayer(LayerICMP)
		p.L4 = true
		p.Proto = ICMP
		p.ICMPType, p.ICMPCode = c.TypeCode.Type(), c.TypeCode.Code()
		p.ICMPID, p.ICMPSeq = c.Id, c.Seq
		p.Payload = c.Payload
	case layers.LayerTypeICMPv6:
		c := &s.icmp6
		p.addLayer(LayerICMPv6)
		p.L4 = true
		p.Proto = ICMPv6
		p.ICMPType, p.ICMPCode = c.TypeCode.Type(), c.TypeCode.Code()
		body := c.Payload // after type, code, checksum
		if len(body) >= 4 {
			p.ICMPID = binary.BigEndian.Uint16(body[0:2])
			p.ICMPSeq = binary.BigEndian.Uint16(body[2:4])
			p.Payload = body[4:]
		} else {
			p.Payload = nil
		}
	}
}

// tcpFlags reads the flag bits as they are on the wire (TCPFlags has the
// same layout: FIN in bit 0 … CWR in bit 7, NS in bit 8).
func tcpFlags(t *layers.TCP) TCPFlags {
	if len(t.Contents) < 14 {
		return 0
	}
	return TCPFlags(t.Contents[12]&1)<<8 | TCPFlags(t.Contents[13])
}

func ipv4ChecksumBad(hdr []byte, want uint16) bool {
	if want == 0 {
		return false // offloaded or not computed
	}
	var sum uint32
	for i := 0; i+1 < len(hdr); i += 2 {
		if i == 10 {
			continue
		}
		sum += uint32(hdr[i])<<8 | uint32(hdr[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum) != want
}

// ipv6Ext walks IPv6 extension headers the parser stopped at.
func (d *Decoder) ipv6Ext(s *layerSet, nh uint8, data []byte, p *Packet) {
	for i := 0; i < 8; i++ {
		switch nh {
		case 0, 43, 60, 51: // hop-by-hop, routing, destination options, AH
			if len(data) < 8 {
				d.fail(p)
				return
			}
			n := (int(data[1]) + 1) * 8
			if nh == 51 {
				n = (int(data[1]) + 2) * 4
			}
			if len(data) < n {
				d.fail(p)
				return
			}
			nh, data = data[0], data[n:]
			p.Proto = Proto(nh)
			p.l4Len -= n
			continue
		case 44: // fragment
			if len(data) < 8 {
				d.fail(p)
				return
			}
			p.addLayer(LayerFragment)
			next := data[0]
			off := binary.BigEndian.Uint16(data[2:4])
			more := off&1 != 0
			id := binary.BigEndian.Uint32(data[4:8])
			p.Proto = Proto(next)
			p.IPID = id
			if off>>3 == 0 && !more {
				// Atomic fragment: not really fragmented.
				nh, data = next, data[8:]
				p.l4Len -= 8
				continue
			}
			d.fragment(s, next, id, int(off>>3)*8, more, data[8:], p)
			return
		}
		break
	}
	d.afterIP(s, nh, data, p)
}

// afterIP decodes a transport header the parser did not reach (after IPv6
// extension headers or reassembly), or follows GRE.
func (d *Decoder) afterIP(s *layerSet, proto uint8, data []byte, p *Packet) {
	p.Proto = Proto(proto)
	var err error
	switch Proto(proto) {
	case TCP:
		if err = s.tcp.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			d.fill(s, layers.LayerTypeTCP, p)
			if len(p.Payload) > 0 {
				p.addLayer(LayerData)
			}
		} else {
			p.addLayer(LayerTCP)
		}
	case UDP:
		if err = s.udp.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			d.fill(s, layers.LayerTypeUDP, p)
			d.afterUDP(s, p)
		} else {
			p.addLayer(LayerUDP)
		}
	case ICMP:
		if err = s.icmp4.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			d.fill(s, layers.LayerTypeICMPv4, p)
		} else {
			p.addLayer(LayerICMP)
		}
	case ICMPv6:
		if err = s.icmp6.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			d.fill(s, layers.LayerTypeICMPv6, p)
		} else {
			p.addLayer(LayerICMPv6)
		}
	case GRE:
		d.gre(data, p)
		return
	case 4: // IPv4 in IP: the parser follows it; reached only after reassembly
		d.pushTunnel(EncapIPinIP, Key{}, p)
		d.run(d.inner, d.inner.pIP4, data, p)
		return
	case 41:
		d.pushTunnel(EncapIPinIP, Key{}, p)
		d.run(d.inner, d.inner.pIP6, data, p)
		return
	case 59: // no next header
	default:
		p.addLayer(LayerOtherIP)
		p.Payload = data
	}
	if err != nil {
		d.fail(p)
	}
}

// afterUDP follows UDP-borne tunnels (VXLAN on 4789, Geneve on 6081).
func (d *Decoder) afterUDP(s *layerSet, p *Packet) {
	data := p.Payload
	switch {
	case p.DstPort == 4789 || p.SrcPort == 4789:
		if len(data) < 8 || data[0]&0x08 == 0 {
			break
		}
		vni := uint32(data[4])<<16 | uint32(data[5])<<8 | uint32(data[6])
		k, _ := p.Key()
		d.pushTunnel(EncapVXLAN, k, p)
		p.Tunnels[len(p.Tunnels)-1].VNI = vni
		p.addLayer(LayerVXLAN)
		d.resetL3(p)
		d.run(d.inner, d.inner.pEth, data[8:], p)
		return
	case p.DstPort == 6081 || p.SrcPort == 6081:
		if len(data) < 8 || data[0]>>6 != 0 {
			break
		}
		optLen := int(data[0]&0x3f) * 4
		if len(data) < 8+optLen {
			break
		}
		proto := binary.BigEndian.Uint16(data[2:4])
		vni := uint32(data[4])<<16 | uint32(data[5])<<8 | uint32(data[6])
		k, _ := p.Key()
		d.pushTunnel(EncapGeneve, k, p)
		p.Tunnels[len(p.Tunnels)-1].VNI = vni
		p.addLayer(LayerGeneve)
		d.resetL3(p)
		inner := data[8+optLen:]
		switch proto {
		case 0x6558:
			d.run(d.inner, d.inner.pEth, inner, p)
		case 0x0800:
			d.run(d.inner, d.inner.pIP4, inner, p)
		case 0x86dd:
			d.run(d.inner, d.inner.pIP6, inner, p)
		default:
			p.Status = Unsupported
		}
		return
	}
	if len(data) > 0 {
		p.addLayer(LayerData)
	}
}

// gre decodes a GRE header and the packet it carries.
func (d *Decoder) gre(data []byte, p *Packet) {
	p.addLayer(LayerGRE)
	if len(data) < 4 {
		d.fail(p)
		return
	}
	flags := binary.BigEndian.Uint16(data[0:2])
	proto := binary.BigEndian.Uint16(data[2:4])
	n := 4
	if flags&0x8000 != 0 || flags&0x4000 != 0 { // checksum or routing present
		n += 4
	}
	var key uint32
	if flags&0x2000 != 0 {
		if len(data) >= n+4 {
			key = binary.BigEndian.Uint32(data[n:])
		}
		n += 4
	}
	if flags&0x1000 != 0 {
		n += 4
	}
	if flags&0x4000 != 0 || flags&0x0007 == 1 {
		// Source routing or GRE version 1 (PPTP): not followed.
		if flags&0x0007 == 1 {
			p.Status = Unsupported
			return
		}
	}
	if len(data) < n {
		d.fail(p)
		return
	}
	if len(p.Tunnels) >= MaxTunnels {
		p.Status = Unsupported
		return
	}
	d.pushTunnel(EncapGRE, Key{}, p)
	p.Tunnels[len(p.Tunnels)-1].VNI = key
	d.resetL3(p)
	inner := data[n:]
	switch proto {
	case 0x0800:
		d.run(d.inner, d.inner.pIP4, inner, p)
	case 0x86dd:
		d.run(d.inner, d.inner.pIP6, inner, p)
	case 0x6558:
		d.run(d.inner, d.inner.pEth, inner, p)
	case 0x8847, 0x8848:
		d.mpls(d.inner, inner, p)
	default:
		p.Status = Unsupported
	}
}

// pushTunnel records the current network layer as an encapsulation hop.
func (d *Decoder) pushTunnel(kind Encap, outer Key, p *Packet) {
	if len(p.Tunnels) >= MaxTunnels {
		return
	}
	n := len(p.Tunnels)
	d.tunnels[n] = Tunnel{Kind: kind, Outer: outer, OuterSrc: p.SrcAddrPort(), OuterDst: p.DstAddrPort()}
	p.Tunnels = d.tunnels[:n+1]
}

// resetL3 clears the network and transport fields before an inner packet
// is decoded into p.
func (d *Decoder) resetL3(p *Packet) {
	p.Net, p.Src, p.Dst, p.TTL, p.IPID, p.DF = NetNone, netip.Addr{}, netip.Addr{}, 0, 0, false
	p.Fragment, p.Reassembled, p.IPLen, p.IPChecksumBad = false, false, 0, false
	p.Proto, p.SrcPort, p.DstPort, p.L4, p.Payload, p.tcpPayloadLen, p.l4Len = 0, 0, 0, false, nil, 0, 0
	p.Seq, p.Ack, p.Flags, p.Window, p.WScale, p.MSS = 0, 0, 0, 0, -1, 0
	p.ICMPType, p.ICMPCode, p.ICMPID, p.ICMPSeq = 0, 0, 0, 0
}

func (d *Decoder) fragment4(s *layerSet, ip *layers.IPv4, p *Packet) {
	p.addLayer(LayerFragment)
	d.fragment(s, uint8(ip.Protocol), uint32(ip.Id), int(ip.FragOffset)*8, ip.Flags&layers.IPv4MoreFragments != 0, ip.Payload, p)
}

// fragment hands one IP fragment to the defragmenter and, when it completes
// a datagram, decodes the datagram's transport header.
func (d *Decoder) fragment(s *layerSet, proto uint8, id uint32, off int, more bool, data []byte, p *Packet) {
	p.Fragment = true
	p.Proto = Proto(proto)
	full, ok := d.frag.add(p, proto, id, off, more, data)
	if !ok {
		return
	}
	p.Reassembled = true
	p.l4Len = len(full)
	d.afterIP(s, proto, full, p)
}

// nullFamily returns the address family of a NULL or LOOP header (at least
// 4 bytes): LOOP's is big-endian; NULL's is in the capturing host's byte
// order, told by which end holds the small value.
func nullFamily(lt LinkType, data []byte) uint32 {
	if lt == LinkLoop || data[0] == 0 {
		return binary.BigEndian.Uint32(data)
	}
	return binary.LittleEndian.Uint32(data)
}
