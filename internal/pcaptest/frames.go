package pcaptest

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/pcapai/pcapai/internal/capfile"
)

// TCPSeg describes one TCP segment for [EthTCP].
type TCPSeg struct {
	Src, Dst netip.AddrPort
	Seq, Ack uint32
	Flags    uint8 // FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
	Window   uint16
	Payload  []byte
}

// EthTCP builds an Ethernet/IPv4/TCP frame (checksums zero) for edge cases
// no recording produces on demand, such as sequence-number wraparound.
func EthTCP(s TCPSeg) []byte {
	var b bytes.Buffer
	b.Write([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00})
	tot := 20 + 20 + len(s.Payload)
	ip := make([]byte, 20)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(tot))
	ip[8] = 64
	ip[9] = 6
	src, dst := s.Src.Addr().As4(), s.Dst.Addr().As4()
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	b.Write(ip)
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], s.Src.Port())
	binary.BigEndian.PutUint16(tcp[2:], s.Dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], s.Seq)
	binary.BigEndian.PutUint32(tcp[8:], s.Ack)
	tcp[12] = 5 << 4
	tcp[13] = s.Flags
	w := s.Window
	if w == 0 && s.Flags&0x04 == 0 {
		w = 65535
	}
	binary.BigEndian.PutUint16(tcp[14:], w)
	b.Write(tcp)
	b.Write(s.Payload)
	return b.Bytes()
}

// PCAP returns a classic little-endian microsecond pcap file (Ethernet)
// holding frames, one per second from ts0 (Unix seconds).
func PCAP(ts0 uint32, frames ...[]byte) []byte {
	var b bytes.Buffer
	b.Write(capfile.PCAPHeader(1))
	for i, f := range frames {
		rh := make([]byte, 16)
		binary.LittleEndian.PutUint32(rh[0:], ts0+uint32(i))
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(f)))
		binary.LittleEndian.PutUint32(rh[12:], uint32(len(f)))
		b.Write(rh)
		b.Write(f)
	}
	return b.Bytes()
}
