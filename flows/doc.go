// Package flows is pcapai's view of the wire: the decoded packet ([Packet]),
// the canonical flow key ([Key]), the decoder that fills a Packet from a
// captured frame ([Decoder]) and the flow table ([Table]) that groups packets
// into bidirectional conversations and runs Wireshark's TCP sequence
// analysis on them.
//
// The decoder uses gopacket's DecodingLayerParser with one reused value per
// layer, so decoding an ordinary packet allocates nothing; IP fragments are
// reassembled with bounded memory (DecoderConfig), and tunnels (GRE, VXLAN,
// Geneve, IP-in-IP, MPLS, PPPoE) are followed with a second set of layers so
// an outer header is never overwritten before it is read. No gopacket type
// appears in this package's API.
//
// Flows follow tshark's conversation rules: a TCP SYN with a new initial
// sequence number on a finished address/port pair starts a new flow, so flow
// counts match `tshark -z conv,tcp`; the initiator is the SYN sender (for
// other protocols, the first sender). TCP counters ([TCPStats]) follow the
// definitions of Wireshark's tcp.analysis fields, and the state and history
// follow Zeek's conn.log.
//
// A caller that decodes several frames before the table sees them (the
// engine does, sixteen at a time) hands them to [Table.Prefetch] first: it
// reads their index slots and flow records together, so the waits for
// memory overlap, and Observe then reuses the keys it computed.
//
// Captures are hostile input: every header length is checked, a layer that
// fails marks the packet Truncated or Malformed ([Status]) and the pass goes
// on. A Packet is valid only until the next frame is decoded into it.
package flows
