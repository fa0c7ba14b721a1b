package pcapai

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/capfile"
)

// Filter selects packets. Every set field must match (AND); within a list
// any element may match (OR). The zero Filter matches every packet.
type Filter struct {
	Hosts     []netip.Addr  // source or destination address (or ARP sender/target)
	Ports     []uint16      // TCP/UDP source or destination port
	Protocols []flows.Proto // IP protocol of the innermost header
	FlowIDs   []uint64      // flow ids as in Report.Flows
	From, To  time.Time     // capture time range, From inclusive, To exclusive
	// FirstFrame and LastFrame bound the frame numbers (inclusive; zero
	// means unbounded).
	FirstFrame, LastFrame uint64
	Frames                []uint64 // exact frame numbers (a finding's evidence)
	// TCPFlagsSet must all be set and TCPFlagsClear all clear (TCP only).
	TCPFlagsSet, TCPFlagsClear flows.TCPFlags
	// Contains matches a transport payload containing these bytes.
	Contains []byte
	// Regexp matches the transport payload (Go RE2 syntax, bytes).
	Regexp string
	// Limit bounds the packets returned (they are all counted). Zero
	// means 1000.
	Limit int
}

// FilterForFinding returns a Filter selecting a finding's evidence frames.
func FilterForFinding(f attack.Finding) Filter {
	return Filter{Frames: slices.Clone(f.Evidence.Frames)}
}

// PacketLine is one matching packet, summarised like tshark's default
// one-line output.
type PacketLine struct {
	Frame  uint64    `json:"frame"`
	Time   time.Time `json:"time"`
	Src    string    `json:"src"`
	Dst    string    `json:"dst"`
	Proto  string    `json:"proto"`
	Length int       `json:"length"`
	FlowID uint64    `json:"flow_id,omitempty"`
	Info   string    `json:"info"`
}

// FilterResult is the outcome of FilterPackets.
type FilterResult struct {
	Scanned   uint64       `json:"scanned"` // packets read
	Matched   uint64       `json:"matched"` // packets matching, all counted
	Packets   []PacketLine `json:"packets"` // the first Limit matches
	Truncated bool         `json:"truncated"`
}

type matcher struct {
	f      Filter
	re     *regexp.Regexp
	frames []uint64
}

func newMatcher(f Filter) (*matcher, error) {
	m := &matcher{f: f, frames: slices.Clone(f.Frames)}
	slices.Sort(m.frames)
	if f.Regexp != "" {
		re, err := regexp.Compile(f.Regexp)
		if err != nil {
			return nil, fmt.Errorf("pcapai: filter regexp: %w", err)
		}
		m.re = re
	}
	return m, nil
}

// done reports whether no later frame can match (frame bounds passed).
func (m *matcher) done(n uint64) bool {
	if m.f.LastFrame != 0 && n > m.f.LastFrame {
		return true
	}
	return len(m.frames) > 0 && n > m.frames[len(m.frames)-1]
}

func (m *matcher) match(p *flows.Packet) bool {
	f := &m.f
	if f.FirstFrame != 0 && p.Frame < f.FirstFrame || f.LastFrame != 0 && p.Frame > f.LastFrame {
		return false
	}
	if len(m.frames) > 0 {
		if _, ok := slices.BinarySearch(m.frames, p.Frame); !ok {
			return false
		}
	}
	if !f.From.IsZero() && p.Time.Before(f.From) || !f.To.IsZero() && !p.Time.Before(f.To) {
		return false
	}
	if len(f.Hosts) > 0 {
		ok := false
		for _, h := range f.Hosts {
			if h == p.Src || h == p.Dst || (p.Net == flows.NetARP && (h == p.ARPSenderIP || h == p.ARPTargetIP)) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.Ports) > 0 {
		if !p.L4 || (p.Proto != flows.TCP && p.Proto != flows.UDP) || !slices.Contains(f.Ports, p.SrcPort) && !slices.Contains(f.Ports, p.DstPort) {
			return false
		}
	}
	if len(f.Protocols) > 0 && !slices.Contains(f.Protocols, p.Proto) {
		return false
	}
	if len(f.FlowIDs) > 0 && (p.Flow == nil || !slices.Contains(f.FlowIDs, p.Flow.ID)) {
		return false
	}
	if f.TCPFlagsSet != 0 || f.TCPFlagsClear != 0 {
		if p.Proto != flows.TCP || !p.L4 || !p.Flags.Has(f.TCPFlagsSet) || p.Flags&f.TCPFlagsClear != 0 {
			return false
		}
	}
	if len(f.Contains) > 0 && !bytes.Contains(p.Payload, f.Contains) {
		return false
	}
	if m.re != nil && !m.re.Match(p.Payload) {
		return false
	}
	return true
}

// scan runs one pass (the flow table, no analyzer), calling fn for every
// matching packet with the raw record.
func scan(ctx context.Context, r *Reader, flt Filter, opts Options, fn func(p *flows.Packet, data []byte, ts int64, iface int, linkType uint16) error) (scanned, matched uint64, err error) {
	m, err := newMatcher(flt)
	if err != nil {
		return 0, 0, err
	}
	opts.Modules = []string{"flows"}
	e, err := newEngine(opts)
	if err != nil {
		return 0, 0, err
	}
	end, err := e.pass(ctx, r, func(p *flows.Packet, rec *capfile.Record, lt uint16) (bool, error) {
		if m.match(p) {
			matched++
			if err := fn(p, rec.Data, rec.Time, rec.Iface, lt); err != nil {
				return true, err
			}
		}
		return m.done(p.Frame + 1), nil
	})
	if err == nil {
		err = end.readErr
	}
	return end.n, matched, err
}

// FilterPackets reads the capture once and returns the packets matching f,
// with one-line summaries (at most f.Limit) and the total count.
func FilterPackets(ctx context.Context, r *Reader, f Filter, opts Options) (*FilterResult, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	res := &FilterResult{Packets: []PacketLine{}}
	var err error
	res.Scanned, res.Matched, err = scan(ctx, r, f, opts, func(p *flows.Packet, _ []byte, _ int64, _ int, _ uint16) error {
		if len(res.Packets) >= limit {
			res.Truncated = true
			return nil
		}
		res.Packets = append(res.Packets, summarize(p))
		return nil
	})
	return res, err
}

// Carve reads the capture once and writes the packets matching f as a
// pcapng to w, keeping each packet's bytes, original length, timestamp and
// link type (one interface per original interface). It returns how many
// packets it wrote.
func Carve(ctx context.Context, r *Reader, f Filter, w io.Writer, opts Options) (uint64, error) {
	var ng *pcapgo.NgWriter
	ids := map[int]int{}
	var written uint64
	_, _, err := scan(ctx, r, f, opts, func(p *flows.Packet, data []byte, ts int64, iface int, lt uint16) error {
		intf := pcapgo.NgInterface{Name: fmt.Sprintf("pcapai-carve-%d", iface), LinkType: layers.LinkType(lt), SnapLength: 262144}
		if ifs := r.cf.Interfaces(); iface < len(ifs) {
			if ifs[iface].Name != "" {
				intf.Name = ifs[iface].Name
			}
			if ifs[iface].SnapLen != 0 {
				intf.SnapLength = ifs[iface].SnapLen
			}
		}
		if ng == nil {
			var err error
			ng, err = pcapgo.NewNgWriterInterface(w, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "pcapai " + Version, Comment: "carved by pcapai"}})
			if err != nil {
				return err
			}
			ids[iface] = 0
		}
		id, ok := ids[iface]
		if !ok {
			var err error
			if id, err = ng.AddInterface(intf); err != nil {
				return err
			}
			ids[iface] = id
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: p.OrigLen, InterfaceIndex: id}
		written++
		return ng.WritePacket(ci, data)
	})
	if ng == nil && err == nil {
		// No match: still a valid, empty pcapng.
		var e2 error
		ng, e2 = pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{Name: "pcapai-carve", LinkType: layers.LinkTypeEthernet, SnapLength: 262144}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "pcapai " + Version}})
		if e2 != nil {
			return 0, e2
		}
	}
	if ng != nil {
		if e := ng.Flush(); err == nil {
			err = e
		}
	}
	return written, err
}

// summarize writes a packet's one-line summary.
func summarize(p *flows.Packet) PacketLine {
	l := PacketLine{Frame: p.Frame, Time: p.Time, Length: p.OrigLen}
	if p.Flow != nil {
		l.FlowID = p.Flow.ID
	}
	switch p.Net {
	case flows.NetARP:
		l.Proto = "arp"
		l.Src, l.Dst = p.ARPSenderIP.String(), p.ARPTargetIP.String()
		if p.ARPOp == 1 {
			l.Info = fmt.Sprintf("Who has %s? Tell %s", p.ARPTargetIP, p.ARPSenderIP)
		} else {
			l.Info = fmt.Sprintf("%s is at %x", p.ARPSenderIP, p.ARPSenderMAC)
		}
		return l
	case flows.NetIPv4, flows.NetIPv6:
	default:
		l.Proto = "eth"
		l.Info = fmt.Sprintf("ethertype 0x%04x", p.EtherType)
		return l
	}
	l.Src, l.Dst = p.Src.String(), p.Dst.String()
	l.Proto = p.Proto.String()
	var app string
	if p.Flow != nil {
		app = p.Flow.App
	}
	switch {
	case p.Proto == flows.TCP && p.L4:
		var b strings.Builder
		fmt.Fprintf(&b, "%d → %d [%s] Seq=%d Ack=%d Win=%d Len=%d", p.SrcPort, p.DstPort, flagNames(p.Flags), p.Seq, p.Ack, p.Window, len(p.Payload))
		l.Info = b.String()
	case p.Proto == flows.UDP && p.L4:
		l.Info = fmt.Sprintf("%d → %d Len=%d", p.SrcPort, p.DstPort, len(p.Payload))
	case (p.Proto == flows.ICMP || p.Proto == flows.ICMPv6) && p.L4:
		l.Info = icmpInfo(p)
	case p.Fragment:
		l.Info = "fragmented IP protocol"
	}
	if app != "" {
		l.Proto = app
	}
	return l
}

func flagNames(f flows.TCPFlags) string {
	var s []string
	for _, x := range []struct {
		f flows.TCPFlags
		n string
	}{{flows.FIN, "FIN"}, {flows.SYN, "SYN"}, {flows.RST, "RST"}, {flows.PSH, "PSH"}, {flows.ACK, "ACK"}, {flows.URG, "URG"}, {flows.ECE, "ECE"}, {flows.CWR, "CWR"}} {
		if f&x.f != 0 {
			s = append(s, x.n)
		}
	}
	if len(s) == 0 {
		return "<None>"
	}
	return strings.Join(s, ", ")
}

func icmpInfo(p *flows.Packet) string {
	switch {
	case p.Proto == flows.ICMP && p.ICMPType == 8, p.Proto == flows.ICMPv6 && p.ICMPType == 128:
		return fmt.Sprintf("Echo (ping) request id=0x%04x, seq=%d", p.ICMPID, p.ICMPSeq)
	case p.Proto == flows.ICMP && p.ICMPType == 0, p.Proto == flows.ICMPv6 && p.ICMPType == 129:
		return fmt.Sprintf("Echo (ping) reply id=0x%04x, seq=%d", p.ICMPID, p.ICMPSeq)
	case p.Proto == flows.ICMP && p.ICMPType == 3:
		return fmt.Sprintf("Destination unreachable (code %d)", p.ICMPCode)
	}
	return fmt.Sprintf("type %d code %d", p.ICMPType, p.ICMPCode)
}
