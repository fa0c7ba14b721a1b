// Package icmp follows ICMP and ICMPv6 over a capture: message counts by
// type, echo request/reply pairing by identifier and sequence (RTT and
// loss per pair of hosts, payload sizes and entropy, replies that do not
// mirror their request), destination-unreachable messages with the quoted
// datagram parsed back to its flow ([ParseQuoted]), traceroutes rebuilt
// from time-exceeded messages (hop TTLs from the probes when they are in
// the capture), redirects and IPv6 router advertisements.
//
// Findings: "icmp_tunnel" (T1095, T1572: large, high-entropy, varying or
// non-mirrored echo payloads, sustained volume), "ping_sweep" (T1018,
// T1595.001), "icmp_flood" (T1498.001) and "icmp_redirect" (T1557). Each
// carries Wireshark frame numbers and a display filter; filters use the
// "===" (all equal) operator so that an ICMP error quoting an echo is not
// selected as an echo.
//
// Input is hostile: quoted headers are read with bounds checks and every
// table is capped by [Config], with the overflow counted in [Result].
package icmp
