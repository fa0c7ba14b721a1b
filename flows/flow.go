package flows

import (
	"encoding/json"
	"math"
	"net/netip"
	"time"
)

// DirStats counts one direction of a flow.
type DirStats struct {
	Packets      uint64 `json:"packets"`
	Bytes        uint64 `json:"bytes"`         // original (wire) length of the frames
	PayloadBytes uint64 `json:"payload_bytes"` // transport payload captured
}

// Flow is one bidirectional conversation. Src is the initiator (for TCP the
// sender of the SYN; otherwise the sender of the first packet) and Dst the
// responder. The engine updates a Flow while packets arrive; read it from an
// analyzer's Observe or after the pass.
type Flow struct {
	ID         uint64         `json:"id"` // 1-based, in order of first packet
	Proto      Proto          `json:"proto"`
	Src        netip.AddrPort `json:"src"`
	Dst        netip.AddrPort `json:"dst"`
	Packets    uint64         `json:"packets"`
	Bytes      uint64         `json:"bytes"`
	First      time.Time      `json:"first"`
	Last       time.Time      `json:"last"`
	FirstFrame uint64         `json:"first_frame"`
	LastFrame  uint64         `json:"last_frame"`
	Fwd        DirStats       `json:"fwd"` // initiator → responder
	Rev        DirStats       `json:"rev"` // responder → initiator
	VLAN       uint16         `json:"vlan,omitempty"`
	Tunnel     Encap          `json:"tunnel,omitzero"` // innermost encapsulation the flow was seen in
	keyRev     bool           // the initiator is the key's B endpoint
	done       uint32         // analyzers (by engine slot) finished with the flow; see Packet.Done
	// App is the application protocol an analyzer recognised on the flow
	// ("dns", "tls", "http", …); empty when none did.
	App string `json:"app,omitempty"`
	// Names are the DNS names the initiator resolved to the responder's
	// address before or during the capture (set by the DNS analyzer).
	Names []string `json:"names,omitempty"`
	// TCP is set for TCP flows.
	*TCPStats

	tcp *tcpState
}

// Key returns the flow's canonical key.
func (f *Flow) Key() Key {
	k, _ := MakeKey(f.Proto, f.Src, f.Dst)
	return k
}

// Duration returns Last − First.
func (f *Flow) Duration() time.Duration { return f.Last.Sub(f.First) }

// DirOf returns the direction of a packet from src within the flow.
func (f *Flow) DirOf(src netip.AddrPort) Dir {
	if src == f.Src {
		return FromInitiator
	}
	return FromResponder
}

// DisplayFilter returns a Wireshark display filter for the flow's packets.
func (f *Flow) DisplayFilter() string { return DisplayFilter(f.Proto, f.Src, f.Dst) }

// MarshalJSON adds duration_ms and the rates to the flow's fields.
func (f *Flow) MarshalJSON() ([]byte, error) {
	type plain Flow
	d := f.Duration()
	var bps float64
	if d > 0 {
		bps = float64(f.Bytes*8) / d.Seconds()
	}
	return json.Marshal(struct {
		*plain
		DurationMS float64 `json:"duration_ms"`
		BitsPerSec float64 `json:"bits_per_sec"`
	}{(*plain)(f), round3(float64(d) / float64(time.Millisecond)), math.Round(bps)})
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// TCPStats is the TCP state and sequence analysis of a flow. Counts follow
// Wireshark's tcp.analysis.* definitions: a frame Wireshark marks
// tcp.analysis.retransmission is counted in Retransmissions, and so on.
type TCPStats struct {
	// State is Zeek's conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR,
	// RSTOS0, RSTRH, SH, SHR, OTH).
	State string `json:"state"`
	// History is Zeek's connection history: one letter per event, upper
	// case from the initiator, lower case from the responder.
	History                 string  `json:"history"`
	RTTms                   float64 `json:"rtt_ms"` // SYN to the ACK that completes the handshake (tcp.analysis.initial_rtt)
	Retransmissions         int     `json:"retransmissions"`
	FastRetransmissions     int     `json:"fast_retransmissions"`
	SpuriousRetransmissions int     `json:"spurious_retransmissions"`
	DupAcks                 int     `json:"dup_acks"`
	ZeroWindows             int     `json:"zero_windows"`
	OutOfOrder              int     `json:"out_of_order"`
	LostSegments            int     `json:"lost_segments"` // tcp.analysis.lost_segment: previous segment not captured
	AckedUnseen             int     `json:"acked_unseen"`  // tcp.analysis.ack_lost_segment
	KeepAlives              int     `json:"keep_alives"`
	WindowFull              int     `json:"window_full"`
	WindowUpdates           int     `json:"window_updates"`
}

// TCPAnalysis is the set of tcp.analysis flags of one segment.
type TCPAnalysis uint16

const (
	TARetransmission TCPAnalysis = 1 << iota
	TAFastRetransmission
	TASpuriousRetransmission
	TAOutOfOrder
	TALostSegment
	TAAckLostSegment
	TADupAck
	TAZeroWindow
	TAZeroWindowProbe
	TAZeroWindowProbeAck
	TAKeepAlive
	TAKeepAliveAck
	TAWindowUpdate
	TAWindowFull
)

// Has reports whether a has all flags of b.
func (a TCPAnalysis) Has(b TCPAnalysis) bool { return a&b == b }

// IsRetransmission reports whether Wireshark's tcp.analysis.retransmission
// field is present on the segment (plain, fast and spurious retransmissions).
func (a TCPAnalysis) IsRetransmission() bool {
	return a&(TARetransmission|TAFastRetransmission|TASpuriousRetransmission) != 0
}
