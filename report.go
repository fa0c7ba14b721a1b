package pcapai

import (
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/beacon"
	"github.com/pcapai/pcapai/dhcp"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/icmp"
	"github.com/pcapai/pcapai/internal/arp"
	"github.com/pcapai/pcapai/sip"
	"github.com/pcapai/pcapai/tlsx"
)

// Version is the pcapai release.
const Version = "0.1.0"

// Report is the result of a pass: the JSON contract the CLI and the MCP
// server serialize unchanged. Slices are sorted and times are UTC.
type Report struct {
	Version string            `json:"pcapai_version"`
	File    string            `json:"file,omitempty"`
	Capture CaptureInfo       `json:"capture"`
	Decode  flows.DecodeStats `json:"decode"`
	// Flows in order of first packet.
	Flows    []*flows.Flow    `json:"flows"`
	Overview *Overview        `json:"overview,omitempty"`
	DNS      *dnsx.Stats      `json:"dns,omitempty"`
	DHCP     *dhcp.Result     `json:"dhcp,omitempty"`
	ICMP     *icmp.Result     `json:"icmp,omitempty"`
	ARP      *arp.Result      `json:"arp,omitempty"`
	TLS      *tlsx.Result     `json:"tls,omitempty"`
	SIP      *sip.Report      `json:"sip,omitempty"`
	HTTP     *HTTP            `json:"http,omitempty"`
	Findings []attack.Finding `json:"findings"`
	// Attack is the ATT&CK matrix of Findings (its indexes point into
	// Findings).
	Attack attack.Matrix `json:"attack"`
	// Hosts is the per-host triage, highest risk first (at most
	// Options.MaxHosts; HostsTotal counts all).
	Hosts      []Host         `json:"hosts"`
	HostsTotal int            `json:"hosts_total"`
	Beacon     *beacon.Result `json:"beacon,omitempty"`
	Detect     *DetectStats   `json:"detect,omitempty"`
	Limits     Limits         `json:"limits"`
	// StoppedEarly is set when Options.MaxPackets ended the pass.
	StoppedEarly bool     `json:"stopped_early,omitempty"`
	Warnings     []string `json:"warnings"`
}

// Limits reports the caps of the pass and how often each was hit.
type Limits struct {
	MaxFlows       int    `json:"max_flows"`
	FlowsDropped   uint64 `json:"flows_dropped"` // packets of flows past MaxFlows
	MaxFragBytes   int    `json:"max_frag_bytes"`
	FragDropped    uint64 `json:"frag_dropped"`
	FragTimedOut   uint64 `json:"frag_timed_out"`
	AnalyzerPanics uint64 `json:"analyzer_panics"`
	MaxPackets     uint64 `json:"max_packets,omitempty"`
}

// CaptureInfo describes the capture file, like capinfos.
type CaptureInfo struct {
	Format             string          `json:"format"` // "pcap", "nsecpcap", "pcapng"
	Compressed         bool            `json:"compressed,omitempty"`
	FileSize           int64           `json:"file_size,omitempty"`
	LinkTypes          []string        `json:"link_types"` // distinct, in interface order
	Interfaces         []InterfaceInfo `json:"interfaces"`
	Sections           int             `json:"sections"`
	Packets            uint64          `json:"packets"`
	Bytes              uint64          `json:"bytes"`          // sum of original (wire) lengths
	CapturedBytes      uint64          `json:"captured_bytes"` // sum of captured lengths (capinfos "data size")
	First              time.Time       `json:"first,omitzero"`
	Last               time.Time       `json:"last,omitzero"`
	DurationS          float64         `json:"duration_s"`
	ByteRate           float64         `json:"bytes_per_s"`
	BitRate            float64         `json:"bits_per_s"`
	PacketRate         float64         `json:"packets_per_s"`
	AvgPacketSize      float64         `json:"avg_packet_size"`
	SnapLen            uint32          `json:"snaplen"`
	TimestampPrecision string          `json:"timestamp_precision"` // "microseconds (6)"
	TimeOrdered        bool            `json:"time_ordered"`        // capinfos "strict time order"
	SnapTruncated      uint64          `json:"snap_truncated"`      // records shorter than on the wire
	Comments           []string        `json:"comments,omitempty"`
	Application        string          `json:"application,omitempty"`
	OS                 string          `json:"os,omitempty"`
	Hardware           string          `json:"hardware,omitempty"`
	// Truncated is set when the file ended inside a record or a record
	// was invalid: the results cover the records before it.
	Truncated bool `json:"truncated,omitempty"`
}

// InterfaceInfo is one capture interface.
type InterfaceInfo struct {
	Index       int    `json:"index"`
	LinkType    string `json:"link_type"` // "ether"
	LinkTypeNum uint16 `json:"link_type_num"`
	SnapLen     uint32 `json:"snaplen"`
	Precision   int    `json:"timestamp_digits"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Comment     string `json:"comment,omitempty"`
	Packets     uint64 `json:"packets"`
}
