// Package dnsx is the DNS analyzer of the pcapai pass: it reads DNS over
// UDP and TCP from [flows.Packet] values and emits a [Stats] view and
// ATT&CK-mapped findings.
//
// What it reads: UDP and TCP payloads on port 53 (and [Config.ExtraPorts]),
// 5353 (mDNS) and 5355 (LLMNR); mDNS and LLMNR are counted apart, as
// Wireshark dissects them as "mdns" and "llmnr". DNS over TCP is
// reassembled per flow and direction (in-order bytes, overlap trimmed, a
// gap drops the incomplete message, [Config.MaxTCPBuffer] per direction)
// and split at the two-byte length prefixes, so several messages in one
// segment and one message over several segments both count. Messages
// inside reassembled IP fragments are seen as any other datagram; copies
// quoted in ICMP errors are not counted.
//
// Parsing uses github.com/miekg/dns behind cheap checks (a 12-byte header;
// on extra ports also a plausible opcode and section counts). A message
// that fails to parse is counted in Malformed and what parsed before the
// error (header, questions) is still used: input is hostile and never
// fatal.
//
// What it emits: counts as Wireshark's dns fields give them (queries,
// responses, NXDOMAIN, query types and response codes by mnemonic,
// distinct and top question names), query/response pairing by client,
// server, ID and question with response times, retries, unanswered
// queries, TC responses and the TCP retries that follow, client and server
// tables, registered domains (public-suffix aware), answers with TTLs,
// EDNS buffer sizes and client subnets, and an address → names map
// ([Analyzer.NamesFor], [Stats.NamesFor]) so that flows can be attributed
// to the name the client resolved. The analyzer sets [flows.Flow.App] to
// "dns", "mdns" or "llmnr" on the flows it parses.
//
// Findings (each with features, frames, flows and a display filter):
//
//   - dns_dga (T1568.002): a client queries at least [Config.DGAMinNames]
//     names scoring at least [Config.DGANameScore] by [NameScore], or
//     [Config.DGAMinNXNames] NXDOMAIN names of a lower score, within
//     [Config.DGAWindow].
//   - dns_tunnel (T1071.004, T1572, and T1048.003 from
//     [Config.TunnelExfilBytes]): many distinct, long, high-entropy
//     subdomains under one registered domain from one client, weighed with
//     TXT/NULL/CNAME-type share and bytes moved.
//   - dns_nxdomain_burst (T1568.002, low confidence): a client gets
//     [Config.NXMinNames] distinct NXDOMAIN names and a failure rate of
//     [Config.NXMinRate].
//
// Every map is capped by a [Config] field; what a cap left out is counted
// in [Stats.Limits]. Only unicast DNS is paired and scored.
package dnsx
