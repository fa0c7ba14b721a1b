// Package tlsx is the TLS and QUIC analyzer of the pcapai pass: it follows
// handshakes on any port (TLS is recognised by its record header, not by
// port 443) and reports sessions, fingerprints and certificate chains.
//
// For TCP it reassembles the first [Config.MaxStreamBytes] of each
// direction with a bounded in-order [flows.Stream] (out-of-order segments,
// retransmissions, overlaps and sequence wraparound handled), parses the
// record layer and the handshake messages with cryptobyte, and stops
// following a flow once its handshake is over, so later packets cost a map
// lookup. For QUIC v1 (RFC 9000/9001) and v2 (RFC 9369) it decrypts the
// Initial packets with the keys derived from the client's Destination
// Connection ID and reads the ClientHello and ServerHello from their
// CRYPTO frames, which may span several packets.
//
// Per session ([Session]) it reports client and server, SNI, ALPN,
// offered and negotiated versions (supported_versions honoured), cipher
// suites, groups and key shares, extensions, resumption, the
// ClientHello→ServerHello time, alerts and whether the handshake completed,
// and the JA3, JA3S and JA4 fingerprints (JA4 is the BSD-licensed client
// fingerprint of FoxIO's JA4 specification; the rest of JA4+ is under
// another license and is not implemented). Certificates of TLS ≤ 1.2
// handshakes are parsed with crypto/x509 and checked as data, not trust:
// order and linkage, missing intermediates, self-signed leaves, validity at
// the capture's own time, the SNI against the leaf, weak keys and
// signatures. TLS 1.3 and QUIC encrypt certificates: those sessions say
// "not_observable". Findings ([KindExpired], …) carry Wireshark frame
// numbers and a display filter selecting them.
//
// A pass split by flow across several Analyzers (one per shard) is folded
// back with [Analyzer.Merge]; what tlsx reports depends on each flow's own
// packets only (a handshake is abandoned after [Config.IdleTimeout] of
// its flow's silence, whatever the other flows do), so the merged result
// is the one-Analyzer result while the caps shared by the flows are not
// reached.
//
// Input is hostile: every length is checked before use, every map and
// buffer is capped by [Config] and the caps hit are counted in [Limits].
// Not covered: SSLv2 ClientHellos, STARTTLS (TLS after a plaintext
// prologue), DTLS, alerts and renegotiation after the handshake, and
// QUIC packets after the Initials.
package tlsx
