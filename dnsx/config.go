package dnsx

import "time"

// Config tunes the analyzer. The zero value uses every default; each field
// says its default ("Zero means …"). Thresholds are inclusive (≥).
type Config struct {
	// TopN bounds the top-name, top-domain, client and server lists of the
	// result. Zero means 20.
	TopN int

	// MaxNames caps the distinct query names counted exactly (for
	// distinct_qnames and the top lists). Zero means 100000.
	MaxNames int
	// MaxPending caps queries waiting for their response. Zero means 65536.
	MaxPending int
	// MaxHosts caps the client and the server tables each. Zero means 10000.
	MaxHosts int
	// MaxDomains caps the (client, registered domain) pairs tracked for
	// tunnel detection. Zero means 65536.
	MaxDomains int
	// MaxSubdomains caps the distinct subdomains remembered per (client,
	// domain) pair; further ones are counted as new without being stored.
	// Zero means 4096.
	MaxSubdomains int
	// MaxAnswers caps the distinct answer records kept. Zero means 20000.
	MaxAnswers int
	// MaxAddrNames caps the addresses of the address → names map used for
	// attribution. Zero means 65536.
	MaxAddrNames int
	// MaxTCPFlows caps the TCP DNS flows reassembled at once. Zero means 4096.
	MaxTCPFlows int
	// MaxTCPBuffer caps the bytes buffered per TCP direction while a
	// length-prefixed message is incomplete. Zero means 65537 (one largest
	// message with its length prefix).
	MaxTCPBuffer int
	// MaxRTTSamples caps the response times kept for percentiles. Zero
	// means 100000.
	MaxRTTSamples int
	// Transactions keeps up to this many per-query records in
	// Stats.Transactions (Zeek's dns.log needs them). Zero keeps none.
	Transactions int
	// MaxHitsPerClient caps the suspicious names remembered per client for
	// the DGA and NXDOMAIN detectors. Zero means 2048.
	MaxHitsPerClient int

	// ExtraPorts are further UDP/TCP ports whose payloads are parsed as
	// unicast DNS when they pass the header checks (53 always is; 5353 is
	// mDNS and 5355 LLMNR, reported apart). Nil means none.
	ExtraPorts []uint16

	// DGANameScore is the per-name DGA score from which a name counts as
	// algorithmically generated. Zero means 0.65.
	DGANameScore float64
	// DGAMinNames is how many distinct such names one client must query
	// within DGAWindow to be flagged. Zero means 10.
	DGAMinNames int
	// DGAMinNXNames is how many distinct NXDOMAIN names scoring at least
	// DGANXNameScore one client must query within DGAWindow to be flagged
	// even when fewer than DGAMinNames reach DGANameScore. Zero means 25.
	DGAMinNXNames int
	// DGANXNameScore is the lower name score an NXDOMAIN name needs to count
	// toward DGAMinNXNames. Zero means 0.45.
	DGANXNameScore float64
	// DGAWindow is the sliding window of the DGA detector. Zero means 5 min.
	DGAWindow time.Duration

	// TunnelMinSubdomains is how many distinct subdomains one client must
	// query under one registered domain before tunnelling is scored.
	// Zero means 50.
	TunnelMinSubdomains int
	// TunnelMinQueryBytes also makes a (client, domain) pair a candidate
	// when its query names total at least this many bytes, whatever the
	// subdomain count. Zero means 65536.
	TunnelMinQueryBytes int
	// TunnelMinScore is the tunnel score a candidate pair needs to be
	// reported. Zero means 0.5.
	TunnelMinScore float64
	// TunnelLongLabel is the subdomain label length counted as long.
	// Zero means 24.
	TunnelLongLabel int
	// TunnelExfilBytes is the total of query names and response payloads to
	// one domain from which a tunnel also maps to T1048.003 (exfiltration
	// over an unencrypted non-C2 protocol). Zero means 262144.
	TunnelExfilBytes int

	// NXMinNames is how many distinct NXDOMAIN names one client must get to
	// be reported for an NXDOMAIN burst. Zero means 20.
	NXMinNames int
	// NXMinRate is the share of a client's responses that must be failures
	// (NXDOMAIN, SERVFAIL, REFUSED) for the burst to be reported. Zero
	// means 0.3.
	NXMinRate float64
}

func orInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func orFloat(v, d float64) float64 {
	if v <= 0 {
		return d
	}
	return v
}

func (c Config) withDefaults() Config {
	c.TopN = orInt(c.TopN, 20)
	c.MaxNames = orInt(c.MaxNames, 100000)
	c.MaxPending = orInt(c.MaxPending, 65536)
	c.MaxHosts = orInt(c.MaxHosts, 10000)
	c.MaxDomains = orInt(c.MaxDomains, 65536)
	c.MaxSubdomains = orInt(c.MaxSubdomains, 4096)
	c.MaxAnswers = orInt(c.MaxAnswers, 20000)
	c.MaxAddrNames = orInt(c.MaxAddrNames, 65536)
	c.MaxTCPFlows = orInt(c.MaxTCPFlows, 4096)
	c.MaxTCPBuffer = orInt(c.MaxTCPBuffer, 65537)
	c.MaxRTTSamples = orInt(c.MaxRTTSamples, 100000)
	c.MaxHitsPerClient = orInt(c.MaxHitsPerClient, 2048)
	c.DGANameScore = orFloat(c.DGANameScore, 0.65)
	c.DGAMinNames = orInt(c.DGAMinNames, 10)
	c.DGAMinNXNames = orInt(c.DGAMinNXNames, 25)
	c.DGANXNameScore = orFloat(c.DGANXNameScore, 0.45)
	if c.DGAWindow <= 0 {
		c.DGAWindow = 5 * time.Minute
	}
	c.TunnelMinSubdomains = orInt(c.TunnelMinSubdomains, 50)
	c.TunnelMinQueryBytes = orInt(c.TunnelMinQueryBytes, 65536)
	c.TunnelMinScore = orFloat(c.TunnelMinScore, 0.5)
	c.TunnelLongLabel = orInt(c.TunnelLongLabel, 24)
	c.TunnelExfilBytes = orInt(c.TunnelExfilBytes, 262144)
	c.NXMinNames = orInt(c.NXMinNames, 20)
	c.NXMinRate = orFloat(c.NXMinRate, 0.3)
	return c
}
