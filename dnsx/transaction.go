package dnsx

import (
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/pcapai/pcapai/flows"
)

// Transaction is one unicast DNS query with its response, the row of a
// Zeek dns.log. Kept only when Config.Transactions is set, at most that
// many, in order of the first frame. A response whose query was not
// captured is a Transaction of its own (QueryFrame zero).
type Transaction struct {
	Frame         uint64         `json:"frame"`                    // first frame: the query's, else the response's
	QueryFrame    uint64         `json:"query_frame,omitempty"`    // zero when the query was not captured
	ResponseFrame uint64         `json:"response_frame,omitempty"` // zero when unanswered
	Time          time.Time      `json:"time"`
	FlowID        uint64         `json:"flow_id"`
	Client        netip.AddrPort `json:"client"`
	Server        netip.AddrPort `json:"server"`
	Transport     string         `json:"transport"` // "udp" or "tcp"
	ID            uint16         `json:"id"`
	Query         string         `json:"query"` // as on the wire, no trailing dot
	QClass        uint16         `json:"qclass"`
	QType         string         `json:"qtype"` // "A", "TYPE65399"
	QTypeNum      uint16         `json:"qtype_num"`
	RCode         string         `json:"rcode,omitempty"` // set when answered
	RCodeNum      uint8          `json:"rcode_num"`
	AA            bool           `json:"aa"`
	TC            bool           `json:"tc"`
	RD            bool           `json:"rd"`
	RA            bool           `json:"ra"`
	Z             uint8          `json:"z"`
	Answers       []string       `json:"answers,omitempty"` // answer section data, in order
	TTLs          []uint32       `json:"ttls_s,omitempty"`
	RTTMS         float64        `json:"rtt_ms,omitempty"`

	flow *flows.Flow
}

// record starts the Transaction of a query (resp false) or of a response
// with no captured query, returning its index or -1 past the cap.
func (a *Analyzer) record(p *flows.Packet, m *dns.Msg, b []byte, overTCP, resp bool) int {
	if len(a.txs) >= a.cfg.Transactions {
		if a.cfg.Transactions > 0 {
			a.lim.TransactionsDropped++
		}
		return -1
	}
	t := Transaction{Frame: p.Frame, Time: p.Time, Client: p.SrcAddrPort(), Server: p.DstAddrPort(), Transport: "udp",
		ID: uint16(b[0])<<8 | uint16(b[1]), RD: b[2]&0x01 != 0, Z: (b[3] >> 4) & 0x7}
	if resp {
		t.Client, t.Server = t.Server, t.Client
	} else {
		t.QueryFrame = p.Frame
	}
	if overTCP {
		t.Transport = "tcp"
	}
	t.flow = p.Flow // numbered at Finish
	if len(m.Question) > 0 {
		q := &m.Question[0]
		t.Query, t.QClass, t.QTypeNum, t.QType = wireName(q.Name), q.Qclass, q.Qtype, typeName(q.Qtype)
	}
	a.txs = append(a.txs, t)
	return len(a.txs) - 1
}

// answer fills Transaction i from its response.
func (a *Analyzer) answer(i int, p *flows.Packet, m *dns.Msg, b []byte, rcode uint8, rtt time.Duration) {
	if i < 0 || i >= len(a.txs) {
		return
	}
	t := &a.txs[i]
	t.ResponseFrame = p.Frame
	t.RCodeNum, t.RCode = rcode, rcodeName(rcode)
	t.AA, t.TC, t.RA = b[2]&0x04 != 0, b[2]&0x02 != 0, b[3]&0x80 != 0
	if rtt >= 0 && t.QueryFrame != 0 {
		t.RTTMS = ms(rtt)
	}
	for _, rr := range m.Answer {
		h := rr.Header()
		t.Answers = append(t.Answers, rdata(rr))
		t.TTLs = append(t.TTLs, h.Ttl)
	}
}

// rdata is an answer record's data as Zeek's dns.log shows it.
func rdata(rr dns.RR) string {
	switch r := rr.(type) {
	case *dns.A:
		if a, ok := netip.AddrFromSlice(r.A.To4()); ok {
			return a.String()
		}
	case *dns.AAAA:
		if a, ok := netip.AddrFromSlice(r.AAAA.To16()); ok {
			return a.String()
		}
	case *dns.CNAME:
		return strings.TrimSuffix(r.Target, ".")
	case *dns.PTR:
		return strings.TrimSuffix(r.Ptr, ".")
	case *dns.NS:
		return strings.TrimSuffix(r.Ns, ".")
	case *dns.MX:
		return strings.TrimSuffix(r.Mx, ".")
	case *dns.TXT:
		return "TXT " + strings.Join(r.Txt, " ")
	}
	h := rr.Header()
	return "<" + typeName(h.Rrtype) + ">" + strings.TrimSpace(strings.TrimPrefix(rr.String(), h.String()))
}
