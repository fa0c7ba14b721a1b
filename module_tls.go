package pcapai

import (
	"context"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/tlsx"
)

// tlsModule runs tlsx in the pass.
type tlsModule struct{ a *tlsx.Analyzer }

func newTLSModule(o *Options) module { return &tlsModule{tlsx.New(o.TLS)} }

func (m *tlsModule) observe(p *flows.Packet) { m.a.Observe(p) }

func (m *tlsModule) finish(_ *engine, r *Report) {
	res, fs := m.a.Finish()
	r.TLS = res
	r.Findings = append(r.Findings, fs...)
}

// TLSChains reads the capture once with the TLS analyzer alone and returns
// every distinct certificate chain presented in a TLS ≤ 1.2 handshake, with
// the sessions that presented it, in order of first use.
func TLSChains(ctx context.Context, r *Reader, opts Options) ([]tlsx.Chain, error) {
	opts.Modules = []string{ModTLS}
	rep, err := Analyze(ctx, r, opts)
	if rep == nil || rep.TLS == nil {
		return nil, err
	}
	return rep.TLS.Chains, err
}
