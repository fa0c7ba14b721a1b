package tlsx

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"time"
)

// Config configures the analyzer. The zero value uses the defaults.
type Config struct {
	// MaxSessions caps the sessions kept in the result; further sessions
	// are counted (Result.SessionsDropped) and still counted in the hello
	// totals. Zero means 10000.
	MaxSessions int
	// MaxFlows caps the TCP and the QUIC flows followed at once (flows
	// that may carry a handshake); when full, finished flows are forgotten
	// first. Zero means 65536.
	MaxFlows int
	// MaxStreamBytes caps the bytes reassembled per flow direction; a
	// handshake that does not fit is reported as far as it was read.
	// Zero means 64 KiB.
	MaxStreamBytes int
	// MaxBufferedBytes caps the bytes all reassembly buffers hold
	// together; a direction that would pass it stops being followed
	// (counted in Limits.BufferFull). Zero means 64 MiB.
	MaxBufferedBytes int
	// IdleTimeout stops following a handshake whose flow saw no packet for
	// this long (capture time), giving its buffers back (counted in
	// Limits.IdleExpired). Zero means 2 minutes.
	IdleTimeout time.Duration
	// BadJA3 maps JA3 hashes of known-bad clients to a label ("Trickbot",
	// …); a ClientHello with one of them raises a known_bad_ja3 finding.
	// tlsx ships no list: nil means none.
	BadJA3 map[string]string
}

func (c *Config) maxSessions() int {
	if c.MaxSessions <= 0 {
		return 10000
	}
	return c.MaxSessions
}

func (c *Config) maxFlows() int {
	if c.MaxFlows <= 0 {
		return 65536
	}
	return c.MaxFlows
}

// Result is the TLS section of a Report.
type Result struct {
	ClientHellos        int `json:"client_hellos"` // ClientHello messages seen (TLS and QUIC)
	ServerHellos        int `json:"server_hellos"` // ServerHello messages (HelloRetryRequests included)
	CertificateMessages int `json:"certificate_messages"`
	// Sessions in order of their first handshake message.
	Sessions        []Session `json:"sessions"`
	SessionsDropped int       `json:"sessions_dropped"` // past Config.MaxSessions
	// Chains are the distinct certificate lists presented, by first use.
	Chains []Chain `json:"chains"`
	Limits Limits  `json:"limits"`
}

// Limits reports the analyzer's caps and how often they were hit.
type Limits struct {
	MaxSessions  int    `json:"max_sessions"`
	MaxFlows     int    `json:"max_flows"`
	FlowsDropped uint64 `json:"flows_dropped"` // flows not followed (MaxFlows)
	// Sweeps counts how often a full flow table forgot finished flows
	// (a later packet of a forgotten flow is not analysed again).
	Sweeps           int `json:"sweeps"`
	MaxStreamBytes   int `json:"max_stream_bytes"`
	StreamTruncated  int `json:"stream_truncated"` // directions that hit MaxStreamBytes before the handshake ended
	MaxBufferedBytes int `json:"max_buffered_bytes"`
	BufferFull       int `json:"buffer_full"`  // directions dropped because MaxBufferedBytes was reached
	IdleExpired      int `json:"idle_expired"` // followed flows left unfinished for longer than Config.IdleTimeout (the capture's end included)
	ParseErrors      int `json:"parse_errors"` // handshake messages that did not parse
}

// Session is one TLS (or QUIC) handshake.
type Session struct {
	Index     int            `json:"index"`     // position in Result.Sessions
	FlowID    uint64         `json:"flow_id"`   // flows.Flow.ID
	Transport string         `json:"transport"` // "tcp" or "quic"
	Client    netip.AddrPort `json:"client"`
	Server    netip.AddrPort `json:"server"`
	Start     time.Time      `json:"start"`

	ClientHelloFrame uint64 `json:"client_hello_frame,omitempty"`
	ServerHelloFrame uint64 `json:"server_hello_frame,omitempty"`

	SNI              string   `json:"sni,omitempty"`
	ALPN             []string `json:"alpn"`                  // offered
	ALPNChosen       string   `json:"alpn_chosen,omitempty"` // from a TLS ≤ 1.2 ServerHello; encrypted in TLS 1.3
	OfferedVersions  []string `json:"offered_versions"`
	Version          string   `json:"version,omitempty"`      // negotiated: "TLS 1.2"
	VersionCode      string   `json:"version_code,omitempty"` // "0x0303" (supported_versions honoured)
	OfferedCiphers   []string `json:"offered_ciphers"`
	Cipher           string   `json:"cipher,omitempty"`
	Groups           []string `json:"groups"`           // supported_groups offered
	KeyShareGroups   []string `json:"key_share_groups"` // client key shares
	KeyShareChosen   string   `json:"key_share_chosen,omitempty"`
	ClientExtensions []uint16 `json:"client_extensions"`
	ServerExtensions []uint16 `json:"server_extensions"`

	// Resumption: ResumptionOffered when the client sent a session ID,
	// ticket or pre-shared key; Resumed when the server accepted one (TLS
	// ≤ 1.2: echoed the session ID; TLS 1.3: pre_shared_key selected).
	ResumptionOffered bool `json:"resumption_offered"`
	Resumed           bool `json:"resumed"`
	HelloRetry        bool `json:"hello_retry,omitempty"`

	HandshakeRTTms float64 `json:"handshake_rtt_ms"` // ClientHello to ServerHello
	Alerts         []Alert `json:"alerts"`
	// Completed: TLS ≤ 1.2 both sides sent ChangeCipherSpec; TLS 1.3 both
	// sides sent encrypted records. Always false for QUIC (only the
	// Initial packets are readable).
	Completed bool `json:"completed"`

	JA3        string `json:"ja3,omitempty"`
	JA3String  string `json:"ja3_string,omitempty"`
	JA3S       string `json:"ja3s,omitempty"`
	JA3SString string `json:"ja3s_string,omitempty"`
	JA4        string `json:"ja4,omitempty"`

	// CertificateStatus is "observed", "not_observable" (TLS 1.3 and QUIC
	// encrypt certificates), "absent" (TLS ≤ 1.2 and none seen) or
	// "unknown" (no ServerHello).
	CertificateStatus  string        `json:"certificate_status"`
	Certificates       []Certificate `json:"certificates"`        // server's, as sent
	ClientCertificates []Certificate `json:"client_certificates"` // client authentication
	ChainID            string        `json:"chain_id,omitempty"`  // Chain.ID of Certificates
	Issues             []Issue       `json:"issues"`              // chain checks of Certificates
}

// Alert is one TLS alert record.
type Alert struct {
	Frame       uint64 `json:"frame"`
	From        string `json:"from"`        // "client" or "server"
	Level       string `json:"level"`       // "warning", "fatal" or "encrypted"
	Description string `json:"description"` // "handshake_failure", … ("" when encrypted)
}

// Chain is one distinct list of certificates and the sessions that
// presented it.
type Chain struct {
	ID           string        `json:"id"` // SHA-256 over the certificates' SHA-256s, 16 hex digits
	Certificates []Certificate `json:"certificates"`
	// Issues are the chain checks (as of the first session presenting
	// it; hostname checks for every SNI it was presented for).
	Issues   []Issue      `json:"issues"`
	Sessions []SessionRef `json:"sessions"`
}

// SessionRef names a session that presented a chain.
type SessionRef struct {
	Index  int            `json:"index"` // Result.Sessions index
	FlowID uint64         `json:"flow_id"`
	Client netip.AddrPort `json:"client"`
	Server netip.AddrPort `json:"server"`
	SNI    string         `json:"sni,omitempty"`
	Time   time.Time      `json:"time"`
}

func versionName(v uint16) string {
	switch v {
	case 0x0002, 0x0200:
		return "SSL 2.0"
	case 0x0300:
		return "SSL 3.0"
	case 0x0301, 0x0302, 0x0303, 0x0304:
		return tls.VersionName(v)
	case 0xfeff:
		return "DTLS 1.0"
	case 0xfefd:
		return "DTLS 1.2"
	}
	if v>>8 == 0x7f { // TLS 1.3 drafts
		return fmt.Sprintf("TLS 1.3 draft %d", v&0xff)
	}
	return fmt.Sprintf("0x%04X", v)
}

func groupName(g uint16) string {
	switch g {
	case 23:
		return "secp256r1"
	case 24:
		return "secp384r1"
	case 25:
		return "secp521r1"
	case 29:
		return "x25519"
	case 30:
		return "x448"
	case 256:
		return "ffdhe2048"
	case 257:
		return "ffdhe3072"
	case 0x6399:
		return "X25519Kyber768Draft00"
	case 0x11ec:
		return "X25519MLKEM768"
	}
	if isGREASE(g) {
		return "GREASE"
	}
	return fmt.Sprintf("0x%04x", g)
}

var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
	22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
	42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
	46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
	50: "decode_error", 51: "decrypt_error", 60: "export_restriction", 70: "protocol_version",
	71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 115: "unknown_psk_identity", 116: "certificate_required",
	120: "no_application_protocol",
}

func alertName(d uint8) string {
	if n, ok := alertNames[d]; ok {
		return n
	}
	return fmt.Sprintf("alert_%d", d)
}
