package pcapai

import (
	"context"

	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/flows"
)

type dnsModule struct{ a *dnsx.Analyzer }

func newDNSModule(o *Options) module { return &dnsModule{a: dnsx.New(o.DNS)} }

func (m *dnsModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m *dnsModule) finish(e *engine, r *Report) {
	st, fs := m.a.Finish()
	r.DNS = st
	// Attribution: which names the client resolved to the server it
	// connected to (Zeek and RITA users expect the name beside the flow).
	for _, f := range r.Flows {
		if f.App != "dns" && f.App != "mdns" && f.App != "llmnr" {
			f.Names = st.NamesFor(f.Src.Addr(), f.Dst.Addr())
		}
	}
	r.Findings = append(r.Findings, fs...)
}

// DNSStats reads the capture once with only the DNS analyzer and returns
// its DNS view (nil findings: run [Analyze] for those).
func DNSStats(ctx context.Context, r *Reader, opts Options) (*dnsx.Stats, error) {
	opts.Modules = []string{ModDNS}
	rep, err := Analyze(ctx, r, opts)
	if rep == nil {
		return nil, err
	}
	return rep.DNS, err
}
