package zeeklog

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/dhcp"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/httpx"
	"github.com/pcapai/pcapai/sip"
	"github.com/pcapai/pcapai/tlsx"
)

// Input is what the logs are written from: the sections of a finished
// Report (nil sections give empty logs).
type Input struct {
	File     string
	First    time.Time // capture's first and last packet (the #open and #close headers)
	Last     time.Time
	Flows    []*flows.Flow
	DNS      *dnsx.Stats
	TLS      *tlsx.Result
	HTTP     *httpx.Report
	DHCP     *dhcp.Result
	SIP      *sip.Report
	Findings []attack.Finding
	Hosts    []HostRow
}

type flowRef struct {
	proto    flows.Proto
	src, dst netip.AddrPort
}

// index finds flows by ID and by (proto, initiator, responder).
type index struct {
	byID  map[uint64]*flows.Flow
	byRef map[flowRef]*flows.Flow
}

func newIndex(fs []*flows.Flow) *index {
	ix := &index{byID: make(map[uint64]*flows.Flow, len(fs)), byRef: make(map[flowRef]*flows.Flow, len(fs))}
	for _, f := range fs {
		ix.byID[f.ID] = f
		r := flowRef{f.Proto, f.Src, f.Dst}
		if _, ok := ix.byRef[r]; !ok {
			ix.byRef[r] = f
		}
	}
	return ix
}

func (ix *index) uid(id uint64) any {
	if f := ix.byID[id]; f != nil {
		return f.UID()
	}
	return nil
}

func (ix *index) ref(proto string, src, dst netip.AddrPort) *flows.Flow {
	var p flows.Proto
	if p.UnmarshalText([]byte(proto)) != nil {
		return nil
	}
	if f := ix.byRef[flowRef{p, src, dst}]; f != nil {
		return f
	}
	return ix.byRef[flowRef{p, dst, src}]
}

func addr(a netip.Addr) any {
	if !a.IsValid() {
		return nil
	}
	return a.Unmap()
}

func port(ap netip.AddrPort) any { return uint64(ap.Port()) }

func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonzero[T ~int | ~int64 | ~uint64 | ~uint32](n T) any {
	if n == 0 {
		return nil
	}
	return uint64(n)
}

func zeekProto(p flows.Proto) string {
	switch p {
	case flows.TCP:
		return "tcp"
	case flows.UDP:
		return "udp"
	case flows.ICMP, flows.ICMPv6:
		return "icmp"
	}
	return "unknown_transport"
}

// service maps pcapai's App to Zeek's service names.
func service(app string) any {
	switch app {
	case "":
		return nil
	case "tls":
		return "ssl"
	}
	return app
}

const connFields = "ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port proto:enum service:string duration:interval orig_bytes:count resp_bytes:count conn_state:string local_orig:bool local_resp:bool missed_bytes:count history:string orig_pkts:count orig_ip_bytes:count resp_pkts:count resp_ip_bytes:count tunnel_parents:set[string]"

func connLog(in *Input) *table {
	t := &table{path: "conn", fields: fields(connFields)}
	for _, f := range in.Flows {
		var dur, ob, rb any
		if d := f.Duration(); d > 0 {
			dur, ob, rb = d.Seconds(), f.Fwd.PayloadBytes, f.Rev.PayloadBytes
		}
		state, hist := "", ""
		if f.TCPStats != nil {
			state, hist = f.State, f.History
		} else {
			switch {
			case f.Fwd.Packets > 0 && f.Rev.Packets > 0:
				state = "SF"
			case f.Fwd.Packets > 0:
				state = "S0"
			default:
				state = "SHR"
			}
			if f.Fwd.Packets > 0 {
				hist += "D"
			}
			if f.Rev.Packets > 0 {
				hist += "d"
			}
		}
		t.rows = append(t.rows, []any{f.First, f.UID(), addr(f.Src.Addr()), port(f.Src), addr(f.Dst.Addr()), port(f.Dst),
			zeekProto(f.Proto), service(f.App), dur, ob, rb, str(state), nil, nil, uint64(0), str(hist),
			f.Fwd.Packets, f.Fwd.Bytes, f.Rev.Packets, f.Rev.Bytes, []string{}})
	}
	return t
}

const dnsFields = "ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port proto:enum trans_id:count rtt:interval query:string qclass:count qclass_name:string qtype:count qtype_name:string rcode:count rcode_name:string AA:bool TC:bool RD:bool RA:bool Z:count answers:vector[string] TTLs:vector[interval] rejected:bool"

func qclassName(c uint16) string {
	switch c {
	case 1:
		return "C_INTERNET"
	case 3:
		return "C_CHAOS"
	case 4:
		return "C_HESIOD"
	case 254:
		return "C_NONE"
	case 255:
		return "C_ANY"
	}
	return fmt.Sprintf("unknown-%d", c)
}

func dnsLog(in *Input, ix *index) *table {
	t := &table{path: "dns", fields: fields(dnsFields)}
	if in.DNS == nil {
		return t
	}
	for _, x := range in.DNS.Transactions {
		var rtt, rcode, rcodeName, answers, ttls any
		answered := x.ResponseFrame != 0
		if answered {
			rcode, rcodeName = uint64(x.RCodeNum), x.RCode
			if x.QueryFrame != 0 {
				rtt = x.RTTMS / 1000
			}
			ttl := make([]float64, len(x.TTLs))
			for i, v := range x.TTLs {
				ttl[i] = float64(v)
			}
			if len(x.Answers) > 0 {
				answers, ttls = slices.Clone(x.Answers), ttl
			}
		}
		var query, qclass, qcn, qtype, qtn any
		if x.Query != "" || x.QTypeNum != 0 {
			query, qclass, qcn, qtype, qtn = x.Query, uint64(x.QClass), qclassName(x.QClass), uint64(x.QTypeNum), x.QType
		}
		t.rows = append(t.rows, []any{x.Time, ix.uid(x.FlowID), addr(x.Client.Addr()), port(x.Client), addr(x.Server.Addr()), port(x.Server),
			x.Transport, uint64(x.ID), rtt, query, qclass, qcn, qtype, qtn, rcode, rcodeName,
			x.AA, x.TC, x.RD, x.RA, uint64(x.Z), answers, ttls, answered && x.RCode == "REFUSED"})
	}
	return t
}

const sslFields = "ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port version:string cipher:string curve:string server_name:string resumed:bool last_alert:string next_protocol:string established:bool ssl_history:string cert_chain_fps:vector[string] client_cert_chain_fps:vector[string] subject:string issuer:string validation_status:string ja3:string ja3s:string ja4:string"

// zeekVersion writes "TLS 1.2" as Zeek's "TLSv12".
func zeekVersion(v string) any {
	switch v {
	case "":
		return nil
	case "SSL 3.0":
		return "SSLv3"
	}
	if rest, ok := strings.CutPrefix(v, "TLS "); ok {
		return "TLSv" + strings.ReplaceAll(rest, ".", "")
	}
	return v
}

func fps(cs []tlsx.Certificate) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.SHA256)
	}
	return out
}

func sslLog(in *Input, ix *index) *table {
	t := &table{path: "ssl", fields: fields(sslFields)}
	if in.TLS == nil {
		return t
	}
	for _, s := range in.TLS.Sessions {
		var alert, subj, iss any
		if n := len(s.Alerts); n > 0 {
			alert = str(s.Alerts[n-1].Description)
		}
		if len(s.Certificates) > 0 {
			subj, iss = str(s.Certificates[0].Subject), str(s.Certificates[0].Issuer)
		}
		t.rows = append(t.rows, []any{s.Start, ix.uid(s.FlowID), addr(s.Client.Addr()), port(s.Client), addr(s.Server.Addr()), port(s.Server),
			zeekVersion(s.Version), str(s.Cipher), str(s.KeyShareChosen), str(s.SNI), s.Resumed, alert, str(s.ALPNChosen), s.Completed, nil,
			fps(s.Certificates), fps(s.ClientCertificates), subj, iss, str(s.CertificateStatus), str(s.JA3), str(s.JA3S), str(s.JA4)})
	}
	return t
}

const x509Fields = "ts:time fingerprint:string certificate.version:count certificate.serial:string certificate.subject:string certificate.issuer:string certificate.not_valid_before:time certificate.not_valid_after:time certificate.key_alg:string certificate.sig_alg:string certificate.key_type:string certificate.key_length:count certificate.exponent:string certificate.curve:string san.dns:vector[string] san.uri:vector[string] san.email:vector[string] san.ip:vector[addr] basic_constraints.ca:bool basic_constraints.path_len:count host_cert:bool client_cert:bool"

var keyAlg = map[string]string{"RSA": "rsaEncryption", "ECDSA": "id-ecPublicKey", "Ed25519": "Ed25519", "DSA": "dsaEncryption"}

var sigAlg = map[string]string{
	"SHA1-RSA": "sha1WithRSAEncryption", "SHA256-RSA": "sha256WithRSAEncryption", "SHA384-RSA": "sha384WithRSAEncryption",
	"SHA512-RSA": "sha512WithRSAEncryption", "MD5-RSA": "md5WithRSAEncryption", "ECDSA-SHA1": "ecdsa-with-SHA1",
	"ECDSA-SHA256": "ecdsa-with-SHA256", "ECDSA-SHA384": "ecdsa-with-SHA384", "ECDSA-SHA512": "ecdsa-with-SHA512",
	"SHA256-RSAPSS": "rsassaPss", "SHA384-RSAPSS": "rsassaPss", "SHA512-RSAPSS": "rsassaPss", "Ed25519": "Ed25519",
}

func orRaw(m map[string]string, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	return str(k)
}

func x509Log(in *Input) *table {
	t := &table{path: "x509", fields: fields(x509Fields)}
	if in.TLS == nil {
		return t
	}
	seen := map[string]bool{}
	for _, s := range in.TLS.Sessions {
		for ci, cs := range [2][]tlsx.Certificate{s.Certificates, s.ClientCertificates} {
			for _, c := range cs {
				if c.SHA256 == "" || seen[c.SHA256] {
					continue
				}
				seen[c.SHA256] = true
				dns, uri, email, ips := []string{}, []string{}, []string{}, []string{}
				for _, san := range c.SANs {
					switch {
					case strings.Contains(san, "://"):
						uri = append(uri, san)
					case strings.Contains(san, "@"):
						email = append(email, san)
					default:
						if a, err := netip.ParseAddr(san); err == nil {
							ips = append(ips, a.String())
						} else {
							dns = append(dns, san)
						}
					}
				}
				var kt any
				switch c.KeyType {
				case "RSA":
					kt = "rsa"
				case "ECDSA":
					kt = "ecdsa"
				case "DSA":
					kt = "dsa"
				}
				var nb, na any
				if !c.NotBefore.IsZero() {
					nb, na = c.NotBefore, c.NotAfter
				}
				t.rows = append(t.rows, []any{s.Start, c.SHA256, nil, str(strings.ToUpper(c.Serial)), str(c.Subject), str(c.Issuer), nb, na,
					orRaw(keyAlg, c.KeyType), orRaw(sigAlg, c.SignatureAlgorithm), kt, nonzero(c.KeyBits), nil, nil,
					dns, uri, email, ips, c.IsCA, nil, ci == 0, ci == 1})
			}
		}
	}
	return t
}

const httpFields = "ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port trans_depth:count method:string host:string uri:string referrer:string version:string user_agent:string origin:string request_body_len:count response_body_len:count status_code:count status_msg:string info_code:count info_msg:string tags:set[enum] username:string password:string proxied:set[string] orig_fuids:vector[string] orig_filenames:vector[string] orig_mime_types:vector[string] resp_fuids:vector[string] resp_filenames:vector[string] resp_mime_types:vector[string]"

func mime(ct string) any {
	m, _, _ := strings.Cut(ct, ";")
	if m = strings.TrimSpace(strings.ToLower(m)); m == "" {
		return nil
	}
	return []string{m}
}

func httpLog(in *Input, ix *index) *table {
	t := &table{path: "http", fields: fields(httpFields)}
	if in.HTTP == nil {
		return t
	}
	depth := map[uint64]uint64{}
	for _, q := range in.HTTP.Requests {
		depth[q.FlowID]++
		var status, respLen, respMime any
		respLen = uint64(0)
		if r := q.Response; r != nil {
			status, respLen, respMime = uint64(r.Status), uint64(max(r.ContentLength, 0)), mime(r.ContentType)
		}
		t.rows = append(t.rows, []any{q.Time, ix.uid(q.FlowID), addr(q.Client.Addr()), port(q.Client), addr(q.Server.Addr()), port(q.Server),
			depth[q.FlowID], str(q.Method), str(q.Host), str(q.URI), str(q.Referer), str(strings.TrimPrefix(q.Version, "HTTP/")), str(q.UserAgent), nil,
			uint64(max(q.ContentLength, 0)), respLen, status, nil, nil, nil, []string{}, nil, nil, nil,
			nil, nil, mime(q.ContentType), nil, nil, respMime})
	}
	return t
}

const dhcpFields = "ts:time uids:set[string] client_addr:addr server_addr:addr mac:string host_name:string client_fqdn:string domain:string requested_addr:addr assigned_addr:addr lease_time:interval client_message:string server_message:string msg_types:vector[string] duration:interval"

func dhcpLog(in *Input) *table {
	t := &table{path: "dhcp", fields: fields(dhcpFields)}
	if in.DHCP == nil {
		return t
	}
	var dflows []*flows.Flow
	for _, f := range in.Flows {
		if f.Proto == flows.UDP && (f.Dst.Port() == 67 || f.Dst.Port() == 68) {
			dflows = append(dflows, f)
		}
	}
	for _, x := range in.DHCP.Transactions {
		if x.V6 {
			continue // Zeek's dhcp.log is DHCPv4 only
		}
		uids := []string{}
		for _, f := range dflows {
			for _, fr := range x.Frames {
				if fr >= f.FirstFrame && fr <= f.LastFrame {
					uids = append(uids, f.UID())
					break
				}
			}
		}
		slices.Sort(uids)
		var server, lease any
		if len(x.Servers) > 0 {
			server = addr(x.Servers[0])
		}
		if x.LeaseS > 0 {
			lease = float64(x.LeaseS)
		}
		t.rows = append(t.rows, []any{x.First, slices.Compact(uids), addr(x.ClientAddr), server, str(x.ClientMAC), str(x.Hostname), nil,
			str(x.Domain), addr(x.Requested), addr(x.Assigned), lease, nil, nil, slices.Clone(x.Messages), x.DurationMS / 1000})
	}
	return t
}

const sipFields = "ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port trans_depth:count method:string uri:string date:string request_from:string request_to:string response_from:string response_to:string reply_to:string call_id:string seq:string subject:string request_path:vector[string] response_path:vector[string] user_agent:string status_code:count status_msg:string warning:string request_body_len:count response_body_len:count content_type:string"

func sipLog(in *Input, ix *index) *table {
	t := &table{path: "sip", fields: fields(sipFields)}
	if in.SIP == nil {
		return t
	}
	for _, c := range in.SIP.Calls {
		var uid any
		for _, p := range []string{"udp", "tcp"} {
			if f := ix.ref(p, c.Caller, c.Callee); f != nil {
				uid = f.UID()
				break
			}
		}
		t.rows = append(t.rows, []any{c.Start, uid, addr(c.Caller.Addr()), port(c.Caller), addr(c.Callee.Addr()), port(c.Callee),
			uint64(1), "INVITE", str(c.To), nil, str(c.From), str(c.To), nil, nil, nil, str(c.CallID), nil, nil, nil, nil,
			str(c.UserAgent), nonzero(c.FinalStatus), nil, nil, nil, nil, nil})
	}
	return t
}

const noticeFields = "ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port fuid:string file_mime_type:string file_desc:string proto:enum note:enum msg:string sub:string src:addr dst:addr p:port n:count peer_descr:string actions:set[enum] email_dest:set[string] suppress_for:interval"

// noteName turns "port_scan" into "PcapAI::Port_Scan".
func noteName(kind string) string {
	parts := strings.Split(kind, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return "PcapAI::" + strings.Join(parts, "_")
}

func noticeLog(in *Input, ix *index) *table {
	t := &table{path: "notice", fields: fields(noticeFields)}
	for _, f := range in.Findings {
		var uid, oh, op, rh, rp, proto, p any
		if len(f.Evidence.Flows) > 0 {
			r := f.Evidence.Flows[0]
			oh, op, rh, rp = addr(r.Src.Addr()), port(r.Src), addr(r.Dst.Addr()), port(r.Dst)
			var pr flows.Proto
			if pr.UnmarshalText([]byte(r.Proto)) == nil {
				proto = zeekProto(pr)
			}
			if fl := ix.ref(r.Proto, r.Src, r.Dst); fl != nil {
				uid = fl.UID()
			}
			p = port(r.Dst)
		}
		techs := make([]string, len(f.Techniques))
		for i, x := range f.Techniques {
			techs[i] = x.ID
		}
		sub := fmt.Sprintf("severity=%s score=%.3f techniques=%s", f.Severity, f.Score, strings.Join(techs, ","))
		t.rows = append(t.rows, []any{f.First, uid, oh, op, rh, rp, nil, nil, nil, proto, noteName(f.Kind), f.Summary, sub,
			addr(f.Src), addr(f.Dst), p, uint64(f.Evidence.FramesTotal), str(f.Evidence.File), []string{"Notice::ACTION_LOG"}, []string{}, 3600.0})
	}
	return t
}

// tables returns every log of in, in a fixed order.
func tables(in *Input) []*table {
	ix := newIndex(in.Flows)
	ts := []*table{connLog(in), dnsLog(in, ix), sslLog(in, ix), x509Log(in), httpLog(in, ix), dhcpLog(in), sipLog(in, ix), noticeLog(in, ix)}
	for _, t := range ts {
		slices.SortStableFunc(t.rows, func(a, b []any) int { return cmp.Compare(a[0].(time.Time).UnixNano(), b[0].(time.Time).UnixNano()) })
	}
	return ts
}
