package pcapai

import (
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
