// Package pcapai reads packet captures (pcap, pcapng, gzip-compressed or not)
// and, in one streaming pass, turns them into the facts and findings a
// network-forensics analyst needs: capture information, bidirectional flows
// with Wireshark's TCP analysis, protocol views and detections mapped to
// MITRE ATT&CK, each with evidence (frame numbers, flows, a display filter).
//
// The entry points are [Open] or [NewReader] for the capture and [Analyze]
// for the [Report]; [Flows] returns only the flow table. Every analyzer is
// its own package (flows, attack, dnsx, tlsx, …); this package wires them
// into one pass, in a fixed order, and owns [Options] and [Report].
//
// Captures are hostile input: a packet that cannot be decoded is counted and
// skipped, a truncated or corrupt file yields the results up to the last good
// record and a warning naming the record and its byte offset, and every
// piece of state has a cap that is reported when it is hit.
package pcapai
