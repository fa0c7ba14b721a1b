// Package beacon finds periodic connections — command-and-control
// "beacons" — from one host to one destination (address, protocol and
// port) in a capture.
//
// [Analyzer.Observe] sees every [flows.Packet] and records, per group
// (source address, destination address, protocol, destination port), the
// start time, first frame and size of each "connection": a new TCP flow
// opened by the source, or for UDP (DNS included) and other datagram
// protocols a datagram from the source after at least [Config.BurstGap] of
// silence in the group. [Analyzer.Finish] scores each group with enough
// connections and returns one [attack.Finding] of kind "beacon" per group
// scoring at least [Config.MinScore].
//
// # Score
//
// The score follows RITA's beacon analysis (activecm/rita,
// analysis/beacons.go): an interval part and a data-size part, each the
// mean of robust sub-scores.
//
//   - interval skew: 1 − |Bowley skewness| of the inter-arrival times
//     ((Q1 + Q3 − 2·median) / (Q3 − Q1)), as RITA;
//   - interval dispersion: 1 − 2·MAD/median of the inter-arrival times.
//     RITA uses 1 − MAD/median; the factor 2 is ours, so that memoryless
//     (Poisson) traffic, whose MAD is about 0.69 of its median, scores 0
//     while a beacon with ±30 % uniform jitter (MAD ≈ 0.18 of the period)
//     still scores about 0.65;
//   - coverage: (connections − 1) · median gap / the capture's time span,
//     the share of expected beats that were seen (RITA's connection-count
//     score, measured against the observed time span instead of a day);
//     missed beats lower it a little and leave the median untouched;
//   - size skew: 1 − |Bowley skewness| of the connection sizes;
//   - size dispersion: 1 − MAD/32 bytes of the sizes (RITA's);
//   - smallness: 1 − mode/65535 bytes (RITA's).
//
// The total is (2·interval + size) / 3 where interval and size are the means
// of their three sub-scores: RITA weighs the two equally, but a constant
// size alone (keep-alives) must not carry irregular traffic over the
// threshold. Last, the total is multiplied by a regularity gate,
// min(1, interval dispersion / 0.3): traffic whose gaps vary by more than
// about 35 % of their median (MAD) cannot reach the threshold however
// constant its sizes and however well it covers the capture (RITA's plain
// mean scores memoryless keep-alives above 0.7). Every sub-score is reported as a [attack.Feature].
//
// Groups with fewer than [Config.MinConnections] connections or a median
// gap under [Config.MinMedianGap] are not scored. A finding is high when the
// score reaches [Config.HighScore] with at least [Config.HighConnections]
// connections, else medium. Techniques: T1071 (T1071.001 for HTTP/TLS
// ports, T1071.004 for DNS), plus T1573 for TLS ports, with the score as
// confidence.
//
// Memory is bounded: at most [Config.MaxGroups] groups (further groups are
// counted in Result.GroupsDropped) and [Config.MaxEvents] connections per
// group (further connections of the group are counted, not kept). Input is
// hostile: nothing in a packet is trusted beyond its header fields.
package beacon
