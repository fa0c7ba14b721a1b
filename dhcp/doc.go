// Package dhcp follows DHCPv4 (RFC 2131) and the basics of DHCPv6
// (RFC 8415) over a capture: every message by type, the transactions
// (DISCOVER → OFFER → REQUEST → ACK/NAK, by client MAC and transaction ID)
// with their timing, the leases servers assigned (MAC → IP → hostname over
// time) and the servers seen answering with what they hand out (router,
// DNS, domain, lease time).
//
// DHCP is recognised by UDP ports 67/68 plus the magic cookie (546/547 for
// DHCPv6); the analyzer sets [flows.Flow.App] to "dhcp". It reports
// findings for more than one server answering on a segment
// ("dhcp_rogue_server", T1557.003 DHCP Spoofing), many new client MACs in a
// short time ("dhcp_starvation"), NAK storms and DISCOVERs left unanswered
// ("dhcp_pool_exhausted"). INFORM messages from one client (as in a flood
// of INFORM/ACK pairs) are not starvation.
//
// Input is hostile: options are read with bounds checks, records cut by
// the snapshot length keep the options before the cut, and every map and
// list is capped by [Config] with the overflow counted in [Result].
package dhcp
