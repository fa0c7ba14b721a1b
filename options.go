package pcapai

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/pcapai/pcapai/beacon"
	"github.com/pcapai/pcapai/dnsx"
	"github.com/pcapai/pcapai/tlsx"
)

// Options configures a pass. The zero value analyzes everything with the
// default caps.
type Options struct {
	// Modules chooses the analyzers by name (see [ModuleNames]); nil or
	// empty means all. The flow table always runs.
	Modules []string

	// MaxPackets stops the pass after this many records (0: no limit); the
	// Report says it stopped early.
	MaxPackets uint64

	// MaxFlows caps the flow table. Zero means flows.DefaultMaxFlows.
	MaxFlows int
	// MaxFragBytes caps bytes held for IP reassembly. Zero means 4 MiB.
	MaxFragBytes int
	// MaxFragDatagrams caps datagrams being reassembled. Zero means 4096.
	MaxFragDatagrams int
	// FragTimeout drops incomplete IP datagrams older than this. Zero
	// means 30 s.
	FragTimeout time.Duration

	// IOInterval is the bucket width of the IO graph. Zero chooses one so
	// that the capture fits in at most 1000 buckets.
	IOInterval time.Duration
	// TopN bounds the top-talker and top-flow lists. Zero means 20.
	TopN int

	// DNS tunes the DNS analyzer (thresholds and caps; zero means defaults).
	DNS dnsx.Config
	// Beacon tunes the beacon detector (ModBeacon).
	Beacon beacon.Config
	// Detect tunes the cross-flow detectors (ModDetect).
	Detect DetectConfig
	// MaxHosts bounds Report.Hosts. Zero means 1000.
	MaxHosts int
	// HostNames, when set, names a host in Report.Hosts (for example from
	// the capture's DNS answers or a DHCP lease).
	HostNames func(netip.Addr) []string
	// TLS configures the TLS/QUIC analyzer (session cap, known-bad JA3).
	TLS tlsx.Config

	// Progress, when set, is called every 4096 packets and once at the end
	// with the bytes of the file read so far and its size (0 for
	// NewReader; compressed bytes for a gzip capture). It runs on the
	// reading goroutine: keep it cheap. AnalyzeCorpus calls it with the
	// totals over all files, from several goroutines, serialised.
	Progress func(done, total int64)

	// Workers splits the decoding and analysis of one capture over this
	// many goroutines (by flow; see the README). Zero means
	// runtime.GOMAXPROCS(0) for a capture of 64 MiB or more, or of unknown
	// size, and 1 below that, where handing records between goroutines
	// costs more than it gains; 1 runs the whole pass on the calling
	// goroutine. The Report does not depend on it.
	Workers int

	// RevealSecrets shows cleartext credentials unmasked in findings.
	RevealSecrets bool

	// noRecover lets analyzer panics through (tests).
	noRecover bool
}

// Module names.
const (
	ModOverview = "overview"
	ModDNS      = "dns"
	ModDHCP     = "dhcp"
	ModICMP     = "icmp"
	ModARP      = "arp"
	// ModBeacon scores periodic connections (package beacon).
	ModBeacon = "beacon"
	// ModDetect runs the cross-flow detectors (scans, floods, ports,
	// transfers, lateral movement, anomalies). Host triage and the ATT&CK
	// matrix are computed after every module.
	ModDetect = "detect"
	ModTLS    = "tls"
	ModSIP    = "sip"
	ModCreds  = "creds"
	ModHTTP   = "http"
)

// modules is the ordered analyzer list of the pass: each sees every packet
// after the flow table and the modules before it, and finishes in the same
// order (cross-flow detectors last, so they see every other finding).
var modules = []struct {
	name string
	new  func(e *engine) module
}{
	{ModOverview, func(e *engine) module { return newOverview(&e.opts) }},
	{ModDNS, func(e *engine) module { return newDNSModule(&e.opts) }},
	{ModDHCP, newDHCPModule},
	{ModICMP, newICMPModule},
	{ModARP, newARPModule},
	{ModTLS, func(e *engine) module { return newTLSModule(&e.opts) }},
	{ModSIP, newSIPModule},
	{ModCreds, newCredsModule}, // before ModHTTP, which feeds it
	{ModHTTP, newHTTPModule},
	// Cross-flow detectors finish last: they see every other finding.
	{ModBeacon, func(e *engine) module { return newBeaconModule(&e.opts) }},
	{ModDetect, func(e *engine) module { return newDetectModule(&e.opts) }},
}

var allModules = func() []string {
	var n []string
	for _, m := range modules {
		n = append(n, m.name)
	}
	return n
}()

// ModuleNames returns the names Options.Modules accepts, in pass order.
func ModuleNames() []string { return slices.Clone(allModules) }

func (o *Options) enabled(name string) bool {
	return len(o.Modules) == 0 || slices.Contains(o.Modules, name)
}

func (o *Options) check() error {
	for _, m := range o.Modules {
		if m == "flows" {
			continue
		}
		if !slices.Contains(allModules, m) {
			return fmt.Errorf("pcapai: unknown module %q (have %v)", m, allModules)
		}
	}
	return nil
}

func (o *Options) topN() int {
	if o.TopN <= 0 {
		return 20
	}
	return o.TopN
}
