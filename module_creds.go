package pcapai

import (
	"fmt"

	"github.com/pcapai/pcapai/flows"
	"github.com/pcapai/pcapai/internal/creds"
)

// credsModule wires the cleartext-credentials detector into the pass. It
// adds only findings (kind cleartext_credentials); the http module, later
// in the pass, hands it each HTTP request.
type credsModule struct{ d *creds.Detector }

func newCredsModule(e *engine) module {
	return &credsModule{d: creds.New(creds.Config{RevealSecrets: e.opts.RevealSecrets})}
}

func (m *credsModule) observe(p *flows.Packet) { m.d.Observe(p) }

func (m *credsModule) finish(_ *engine, r *Report) {
	fs, dropped := m.d.Findings()
	r.Findings = append(r.Findings, fs...)
	if dropped > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("creds: %d further credentials not reported (cap reached)", dropped))
	}
}
