// Package sip analyzes SIP signalling (RFC 3261) over UDP and TCP and the
// RTP media (RFC 3550) its SDP bodies announce.
//
// SIP is recognised by its text, on any port: a request line
// "METHOD sip:… SIP/2.0" or a status line "SIP/2.0 NNN". The [Analyzer]
// counts messages by method and status, follows INVITE dialogs into [Call]s
// (setup time, duration, final status, SDP offers and answers) and
// recognises the RTP and RTCP flows whose endpoints SDP announced, measuring
// each RTP stream (packets, sequence gaps and loss, RFC 3550 interarrival
// jitter with the clock rate of the payload type or SDP rtpmap). It sets
// [flows.Flow].App to "sip", "rtp" or "rtcp".
//
// Findings: sip_auth_failure and sip_brute_force (403, or 401/407 answering
// a request that carried credentials; T1110, T1110.001), sip_scan (scanner
// user agents such as SIPVicious' "friendly-scanner", or OPTIONS/REGISTER/
// INVITE sweeps; T1595) and sip_unusual_destination (INVITEs to
// international numbers, a toll-fraud sign; no technique).
//
// Input is hostile: parsers check bounds and every table is capped by
// [Config]; RTP without an SDP announcement is not looked for. SIP over TCP
// is reassembled in capture order with a per-direction cap.
package sip
