package tlsx

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/pcapai/pcapai/attack"
	"github.com/pcapai/pcapai/flows"
)

// Finding kinds.
const (
	KindExpired             = "tls_certificate_expired"
	KindSelfSigned          = "tls_self_signed_certificate"
	KindHostnameMismatch    = "tls_hostname_mismatch"
	KindMissingIntermediate = "tls_missing_intermediate"
	KindWeakCrypto          = "tls_weak_crypto"
	KindDeprecatedVersion   = "tls_deprecated_version"
	KindKnownBadJA3         = "tls_known_bad_ja3"
)

// maxEvidenceFlows bounds the flows named in one finding's evidence.
const maxEvidenceFlows = 10

type agg struct {
	f       attack.Finding
	frames  attack.FrameSet
	parts   []string
	seen    map[uint64]bool
	msgType int
	nflows  int
}

type aggs struct {
	m     map[string]*agg
	order []string
}

func (g *aggs) add(key string, proto attack.Finding, msgType int, s *Session, f *flows.Flow, frame uint64, fromServer bool, t time.Time) {
	if g.m == nil {
		g.m = map[string]*agg{}
	}
	x := g.m[key]
	if x == nil {
		x = &agg{f: proto, seen: map[uint64]bool{}, msgType: msgType}
		x.f.Source = "tlsx"
		x.f.First, x.f.Last = t, t
		x.f.Src, x.f.Dst = s.Client.Addr(), s.Server.Addr()
		if x.f.Techniques == nil {
			x.f.Techniques = []attack.TechniqueRef{}
		}
		g.m[key] = x
		g.order = append(g.order, key)
	}
	if frame != 0 {
		x.frames.Add(frame)
	}
	if t.Before(x.f.First) {
		x.f.First = t
	}
	if t.After(x.f.Last) {
		x.f.Last = t
	}
	if !x.seen[f.ID] {
		x.seen[f.ID] = true
		x.nflows++
		if len(x.parts) < maxEvidenceFlows {
			x.parts = append(x.parts, dirFilter(f, s, fromServer))
			x.f.Evidence.Flows = append(x.f.Evidence.Flows, attack.FlowRef{Proto: f.Proto.String(), Src: f.Src, Dst: f.Dst})
		}
	}
	if x.f.Src != s.Client.Addr() {
		x.f.Src = netip.Addr{}
	}
	if x.f.Dst != s.Server.Addr() {
		x.f.Dst = netip.Addr{}
	}
}

// dirFilter selects the packets one side of a session sent.
func dirFilter(f *flows.Flow, s *Session, fromServer bool) string {
	from := s.Client
	if fromServer {
		from = s.Server
	}
	ipf := "ip"
	if !from.Addr().Is4() {
		ipf = "ipv6"
	}
	p := f.Proto.String()
	return fmt.Sprintf("%s && %s.src==%s && %s.srcport==%d", flows.DisplayFilter(f.Proto, f.Src, f.Dst), ipf, from.Addr(), p, from.Port())
}

func (g *aggs) out() []attack.Finding {
	var fs []attack.Finding
	for _, k := range g.order {
		x := g.m[k]
		filter := fmt.Sprintf("tls.handshake.type==%d && (%s)", x.msgType, strings.Join(x.parts, ") || ("))
		if len(x.parts) > 1 {
			filter = fmt.Sprintf("tls.handshake.type==%d && ((%s))", x.msgType, strings.Join(x.parts, ") || ("))
		}
		ev := x.frames.Evidence(filter)
		ev.Flows = x.f.Evidence.Flows
		x.f.Evidence = ev
		x.f.Features = append(x.f.Features, attack.Feature{Name: "sessions", Value: float64(x.frames.Total())}, attack.Feature{Name: "flows", Value: float64(x.nflows)})
		fs = append(fs, x.f)
	}
	return fs
}

func (a *Analyzer) findings(r *Result) []attack.Finding {
	var g aggs
	for i := range r.Sessions {
		s := &r.Sessions[i]
		f := a.sessions[i].flow
		a.certFindings(&g, s, f)
		if s.ServerHelloFrame != 0 {
			v := a.sessions[i].sh.chosenVersion()
			if v < 0x0303 && v>>8 == 3 || v == 0x0002 || v == 0x0200 {
				sev, score := attack.Low, 0.3
				if v <= 0x0300 {
					sev, score = attack.Medium, 0.5
				}
				g.add("ver|"+s.Server.String()+"|"+s.Version, attack.Finding{
					Kind: KindDeprecatedVersion, Severity: sev, Score: score,
					Summary:  fmt.Sprintf("%s negotiated deprecated %s", s.Server, s.Version),
					Features: []attack.Feature{{Name: "version", Text: s.Version}},
				}, typeServerHello, s, f, s.ServerHelloFrame, true, s.Start)
			}
			c := a.sessions[i].sh.ciphers[0]
			if why := weakCipher(c); why != "" {
				g.add("cipher|"+s.Server.String()+"|"+s.Cipher, attack.Finding{
					Kind: KindWeakCrypto, Severity: attack.Medium, Score: 0.5,
					Summary:  fmt.Sprintf("%s negotiated weak cipher suite %s (%s)", s.Server, s.Cipher, why),
					Features: []attack.Feature{{Name: "cipher", Text: s.Cipher}},
				}, typeServerHello, s, f, s.ServerHelloFrame, true, s.Start)
			}
		}
		if label, ok := a.cfg.BadJA3[s.JA3]; ok && s.JA3 != "" {
			g.add("ja3|"+s.JA3+"|"+s.Client.Addr().String(), attack.Finding{
				Kind: KindKnownBadJA3, Severity: attack.High, Score: 0.8,
				Summary:    fmt.Sprintf("%s sent a ClientHello with JA3 %s listed as %s", s.Client.Addr(), s.JA3, label),
				Techniques: []attack.TechniqueRef{attack.Tech("T1573.002", 0.6)},
				Features:   []attack.Feature{{Name: "ja3", Text: s.JA3}, {Name: "label", Text: label}},
			}, typeClientHello, s, f, s.ClientHelloFrame, false, s.Start)
		}
	}
	fs := g.out()
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].First.Before(fs[j].First) })
	return fs
}

func (a *Analyzer) certFindings(g *aggs, s *Session, f *flows.Flow) {
	if len(s.Issues) == 0 {
		return
	}
	frame := a.sessions[s.Index].certFrame[1]
	t := a.sessions[s.Index].certTime
	leaf := s.Certificates[0]
	seen := map[string]bool{}
	for _, is := range s.Issues {
		key := s.ChainID + "|" + is.Kind
		var fd attack.Finding
		switch is.Kind {
		case "expired", "not_yet_valid":
			key = s.ChainID + "|expired"
			sev, score := attack.Low, 0.3
			if is.Position == 0 {
				sev, score = attack.Medium, 0.45
			}
			fd = attack.Finding{Kind: KindExpired, Severity: sev, Score: score,
				Summary:    fmt.Sprintf("%s presented a certificate outside its validity at capture time: %s", s.Server, is.Detail),
				Techniques: []attack.TechniqueRef{attack.Tech("T1608.003", 0.15)}}
		case "self_signed_leaf":
			fd = attack.Finding{Kind: KindSelfSigned, Severity: attack.Medium, Score: 0.5,
				Summary:    fmt.Sprintf("%s presented a self-signed certificate %s", s.Server, leaf.Subject),
				Techniques: []attack.TechniqueRef{attack.Tech("T1608.003", 0.3), attack.Tech("T1573.002", 0.3)}}
		case "hostname_mismatch":
			key += "|" + s.SNI
			fd = attack.Finding{Kind: KindHostnameMismatch, Severity: attack.Medium, Score: 0.5,
				Summary:    fmt.Sprintf("%s answered SNI %q with a certificate for %s", s.Server, s.SNI, names(leaf)),
				Techniques: []attack.TechniqueRef{attack.Tech("T1573.002", 0.25), attack.Tech("T1608.003", 0.2)}}
		case "missing_intermediate", "chain_order":
			key = s.ChainID + "|chain"
			fd = attack.Finding{Kind: KindMissingIntermediate, Severity: attack.Low, Score: 0.25,
				Summary: fmt.Sprintf("%s presented an incomplete certificate chain: %s", s.Server, is.Detail)}
		case "weak_key", "weak_signature":
			key = s.ChainID + "|weak"
			fd = attack.Finding{Kind: KindWeakCrypto, Severity: attack.Low, Score: 0.3,
				Summary: fmt.Sprintf("%s presented a certificate with weak cryptography: %s", s.Server, is.Detail)}
		default:
			continue
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		fd.Features = []attack.Feature{{Name: "chain_id", Text: s.ChainID}, {Name: "subject", Text: leaf.Subject}}
		if s.SNI != "" {
			fd.Features = append(fd.Features, attack.Feature{Name: "sni", Text: s.SNI})
		}
		g.add(key, fd, typeCertificate, s, f, frame, true, t)
	}
}

func names(c Certificate) string {
	if len(c.SANs) > 0 {
		return strings.Join(c.SANs, ", ")
	}
	return c.Subject
}
