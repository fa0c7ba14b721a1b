// Package detect holds pcapai's cross-flow detectors: port scans and host
// sweeps, SYN floods and RST storms, application protocols on ports that
// are not their own and unknown high-entropy payloads on well-known ports,
// long connections, large outbound transfers, fan-out to many external
// hosts, lateral movement between internal hosts, and packet anomalies
// (impossible TCP flag combinations, bad IPv4 header checksums, overlapping
// IP fragments).
//
// [Detector.Observe] sees every [flows.Packet] and keeps only bounded
// per-source and per-destination tallies (frame sets of SYNs, RSTs, echo
// requests and anomalies) and a note for flows whose first payload bytes
// are remarkable; [Detector.Finish] reads the finished flow table and
// returns [attack.Finding]s with Wireshark frame numbers, flows and a
// display filter that selects exactly the frames counted in
// Evidence.FramesTotal. Every threshold is a [Config] field with its
// default; each finding lists the features it rests on.
//
// Input is hostile: payload sniffing reads at most the first bytes of the
// first payload of each direction of a flow and never trusts a length.
package detect
