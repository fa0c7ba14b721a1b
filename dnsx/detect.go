package dnsx

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/pcapai/pcapai/attack"
)

// Finding kinds.
const (
	FindingDGA           = "dns_dga"            // a client queries many generated-looking names
	FindingTunnel        = "dns_tunnel"         // a client moves data through names under one domain
	FindingNXDomainBurst = "dns_nxdomain_burst" // a client gets many NXDOMAIN / failed answers
)

// ATT&CK techniques of the detectors.
const (
	techDGA      = "T1568.002" // Dynamic Resolution: Domain Generation Algorithms
	techDNSC2    = "T1071.004" // Application Layer Protocol: DNS
	techTunnel   = "T1572"     // Protocol Tunneling
	techExfilAlt = "T1048.003" // Exfiltration Over Unencrypted Non-C2 Protocol
)

const source = "dnsx"

func (a *Analyzer) detect() []attack.Finding {
	var out []attack.Finding
	clients := make([]netip.Addr, 0, len(a.clients))
	for ad := range a.clients {
		clients = append(clients, ad)
	}
	slices.SortFunc(clients, netip.Addr.Compare)
	for _, c := range clients {
		h := a.clients[c]
		if f, ok := a.dga(h); ok {
			out = append(out, f)
		}
		if f, ok := a.nxBurst(h); ok {
			out = append(out, f)
		}
	}
	keys := make([]pairKey, 0, len(a.pairs))
	for k := range a.pairs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y pairKey) int {
		return cmp.Or(x.client.Compare(y.client), cmp.Compare(x.domain, y.domain))
	})
	for _, k := range keys {
		if f, ok := a.tunnel(k, a.pairs[k]); ok {
			out = append(out, f)
		}
	}
	return out
}

func sortedHits(h *host) []*hit {
	hs := make([]*hit, 0, len(h.hits))
	for _, x := range h.hits {
		hs = append(hs, x)
	}
	slices.SortFunc(hs, func(x, y *hit) int { return cmp.Or(x.t.Compare(y.t), cmp.Compare(x.name, y.name)) })
	return hs
}

// maxWindow returns the largest number of hits passing keep within any
// window of the DGA width, and the hits of that window.
func (a *Analyzer) maxWindow(hs []*hit, keep func(*hit) bool) []*hit {
	var sel []*hit
	for _, x := range hs {
		if keep(x) {
			sel = append(sel, x)
		}
	}
	best, bi, bj := 0, 0, 0
	i := 0
	for j := range sel {
		for sel[j].t.Sub(sel[i].t) > a.cfg.DGAWindow {
			i++
		}
		if j-i+1 > best {
			best, bi, bj = j-i+1, i, j+1
		}
	}
	return sel[bi:bj]
}

func (a *Analyzer) dga(h *host) (attack.Finding, bool) {
	if len(h.hits) == 0 {
		return attack.Finding{}, false
	}
	hs := sortedHits(h)
	high := a.maxWindow(hs, func(x *hit) bool { return x.score >= a.cfg.DGANameScore })
	nx := a.maxWindow(hs, func(x *hit) bool { return x.nx && x.score >= a.cfg.DGANXNameScore })
	var win []*hit
	switch {
	case len(high) >= a.cfg.DGAMinNames:
		win = high
	case len(nx) >= a.cfg.DGAMinNXNames:
		win = nx
	default:
		return attack.Finding{}, false
	}
	var fs attack.FrameSet
	var sum float64
	nxn := 0
	examples := make([]string, 0, 5)
	for _, x := range win {
		sum += x.score
		if x.nx {
			nxn++
		}
		for _, fr := range x.frames {
			fs.Add(fr)
		}
		if len(examples) < 5 {
			examples = append(examples, x.name)
		}
	}
	mean := sum / float64(len(win))
	nxShare := float64(nxn) / float64(len(win))
	volume := clamp01(float64(len(win)) / float64(4*a.cfg.DGAMinNames))
	score := clamp01(0.45*mean + 0.25*nxShare + 0.3*volume + 0.1)
	frames := fs.Frames()
	return attack.Finding{
		Kind:       FindingDGA,
		Severity:   attack.SeverityFor(score),
		Score:      attack.Round(score),
		Summary:    sprintf("%s queried %d generated-looking names in %s (%d NXDOMAIN), e.g. %s", h.addr, len(win), a.cfg.DGAWindow, nxn, strings.Join(examples, ", ")),
		Source:     source,
		Src:        h.addr,
		First:      win[0].t,
		Last:       win[len(win)-1].t,
		Techniques: []attack.TechniqueRef{attack.Tech(techDGA, attack.Round(0.5+0.4*score))},
		Features: []attack.Feature{
			feat("names_in_window", float64(len(win))),
			feat("nxdomain_names", float64(nxn)),
			feat("mean_name_score", mean),
			feat("name_score_threshold", a.cfg.DGANameScore),
			feat("window_s", a.cfg.DGAWindow.Seconds()),
			{Name: "examples", Text: strings.Join(examples, " ")},
		},
		Evidence: fs.Evidence(attack.FrameFilter(frames), flowRefs(h.flows)...),
	}, true
}

func (a *Analyzer) nxBurst(h *host) (attack.Finding, bool) {
	hs := sortedHits(h)
	var nx []*hit
	for _, x := range hs {
		if x.nx {
			nx = append(nx, x)
		}
	}
	fails := h.nxdomain + h.servfail + h.refused
	if len(nx) < a.cfg.NXMinNames || h.responses == 0 {
		return attack.Finding{}, false
	}
	rate := float64(fails) / float64(h.responses)
	if rate < a.cfg.NXMinRate {
		return attack.Finding{}, false
	}
	score := clamp01(0.3 + 0.4*rate + 0.3*clamp01(float64(len(nx))/float64(5*a.cfg.NXMinNames)))
	examples := make([]string, 0, 5)
	for _, x := range nx[:min(5, len(nx))] {
		examples = append(examples, x.name)
	}
	frames := h.failFrames.Frames()
	return attack.Finding{
		Kind:       FindingNXDomainBurst,
		Severity:   attack.SeverityFor(score * 0.8),
		Score:      attack.Round(score),
		Summary:    sprintf("%s got %d failed answers of %d (%.0f%%) for %d distinct NXDOMAIN names, e.g. %s", h.addr, fails, h.responses, 100*rate, len(nx), strings.Join(examples, ", ")),
		Source:     source,
		Src:        h.addr,
		First:      nx[0].t,
		Last:       nx[len(nx)-1].t,
		Techniques: []attack.TechniqueRef{attack.Tech(techDGA, 0.3)},
		Features: []attack.Feature{
			feat("nxdomain_names", float64(len(nx))),
			feat("failure_rate", rate),
			feat("responses", float64(h.responses)),
			feat("nxdomain", float64(h.nxdomain)),
			feat("servfail", float64(h.servfail)),
			feat("refused", float64(h.refused)),
			{Name: "examples", Text: strings.Join(examples, " ")},
		},
		Evidence: h.failFrames.Evidence(attack.FrameFilter(frames), flowRefs(h.flows)...),
	}, true
}

func (a *Analyzer) tunnel(k pairKey, pr *pair) (attack.Finding, bool) {
	uniq := uint64(len(pr.subs)) + pr.subsOver
	if uniq < uint64(a.cfg.TunnelMinSubdomains) && pr.queryBytes < uint64(a.cfg.TunnelMinQueryBytes) {
		return attack.Finding{}, false
	}
	if strings.HasSuffix(k.domain, "arpa") || strings.HasSuffix(k.domain, "local") {
		return attack.Finding{}, false
	}
	var ent, avgSub float64
	if pr.entropyN > 0 {
		ent = pr.entropySum / float64(pr.entropyN)
		avgSub = float64(pr.nameBytes) / float64(pr.entropyN)
	}
	uniqShare := clamp01(float64(uniq) / float64(max(pr.queries, 1)))
	typeShare := float64(pr.tunnelTypes) / float64(max(pr.queries, 1))
	longShare := clamp01(float64(pr.longLabels) / float64(max(pr.entropyN, 1)))
	lenF := clamp01((avgSub - 10) / 30)
	entF := clamp01((ent - 3) / 1.5)
	total := pr.queryBytes + pr.respBytes
	volF := clamp01(float64(total) / float64(a.cfg.TunnelExfilBytes))
	score := 0.25*lenF + 0.2*entF + 0.15*uniqShare + 0.15*typeShare + 0.1*longShare + 0.15*volF
	if score < a.cfg.TunnelMinScore {
		return attack.Finding{}, false
	}
	// Corroboration: a hundred or more names, nearly all distinct, mostly
	// of the record types tunnels carry data in (NULL, TXT, CNAME), is
	// what tools such as iodine and dnscat2 produce and ordinary clients
	// do not.
	corroborated := uniq >= 100 && uniqShare >= 0.9 && typeShare >= 0.5
	if corroborated {
		score = min(1, score+0.2)
	}
	types := make([]string, 0, len(pr.qtypes))
	for t := range pr.qtypes {
		types = append(types, typeName(t))
	}
	slices.Sort(types)
	techs := []attack.TechniqueRef{attack.Tech(techDNSC2, 0.5+0.4*score), attack.Tech(techTunnel, 0.4+0.4*score)}
	if total >= uint64(a.cfg.TunnelExfilBytes) {
		techs = append(techs, attack.Tech(techExfilAlt, 0.3+0.4*volF))
	}
	frames := pr.frames.Frames()
	return attack.Finding{
		Kind:     FindingTunnel,
		Severity: attack.SeverityFor(score + 0.1),
		Score:    attack.Round(score),
		Summary: sprintf("%s sent %d queries with %d distinct subdomains of %s (mean %.0f chars, entropy %.2f bits/char, types %s): %d bytes out, %d bytes in",
			k.client, pr.queries, uniq, k.domain, avgSub, ent, strings.Join(types, ","), pr.queryBytes, pr.respBytes),
		Source:     source,
		Src:        k.client,
		First:      pr.first,
		Last:       pr.last,
		Techniques: techs,
		Features: []attack.Feature{
			{Name: "domain", Text: k.domain},
			feat("corroborated", b2f(corroborated)),
			feat("unique_subdomains", float64(uniq)),
			feat("queries", float64(pr.queries)),
			feat("mean_subdomain_len", avgSub),
			feat("max_label_len", float64(pr.maxLabel)),
			feat("max_name_len", float64(pr.maxName)),
			feat("subdomain_entropy", ent),
			feat("tunnel_type_share", typeShare),
			feat("long_label_share", longShare),
			feat("query_bytes", float64(pr.queryBytes)),
			feat("response_bytes", float64(pr.respBytes)),
			{Name: "qtypes", Text: strings.Join(types, ",")},
		},
		Evidence: pr.frames.Evidence(attack.FrameFilter(frames), flowRefs(pr.flows)...),
	}, true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
