#!/bin/bash
# Records testdata/snmp_community_netsnmp.pcap: net-snmp's snmpget sends an
# SNMPv1 and an SNMPv2c GetRequest (communities "public" and "Sn1ffMe!")
# and an SNMPv3 one (no community) from 10.81.0.1 to 10.81.0.2:161 in a
# second namespace; no agent listens there, so each request is answered by
# an ICMP port unreachable. Run as root from the repository root.
set -eu
OUT=${OUT:-testdata}
TMP=$(mktemp -d)
A=sna$$ B=snb$$
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add na$$ type veth peer name nb$$
ip link set na$$ netns $A; ip link set nb$$ netns $B
ip -n $A addr add 10.81.0.1/24 dev na$$; ip -n $B addr add 10.81.0.2/24 dev nb$$
ip -n $A link set na$$ up; ip -n $B link set nb$$ up
ip netns exec $B timeout 30 tcpdump -q -i nb$$ -s 0 -U -w "$TMP/cap.pcap" udp port 161 2>/dev/null & TD=$!
sleep 2
export MIBS= MIBDIRS=/nonexistent
ip netns exec $A snmpget -v1 -c public -r 0 -t 1 10.81.0.2 1.3.6.1.2.1.1.1.0 >/dev/null 2>&1 || true
ip netns exec $A snmpget -v2c -c 'Sn1ffMe!' -r 0 -t 1 10.81.0.2 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 || true
ip netns exec $A snmpget -v3 -l noAuthNoPriv -u monitor -r 0 -t 1 10.81.0.2 1.3.6.1.2.1.1.1.0 >/dev/null 2>&1 || true
sleep 1; kill $TD; wait $TD 2>/dev/null || true
cp "$TMP/cap.pcap" "$OUT/snmp_community_netsnmp.pcap"
ls -l "$OUT/snmp_community_netsnmp.pcap"
