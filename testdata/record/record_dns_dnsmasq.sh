#!/usr/bin/env bash
# Records testdata/dns_dnsmasq.pcap.
#
# pa-cli (10.99.7.1) and pa-srv (10.99.7.2) joined by a veth. dnsmasq in
# pa-srv is authoritative-only for pcapai.test (no upstream, --local so
# unknown names get NXDOMAIN). dig in pa-cli asks, over UDP: A, AAAA, TXT and
# MX for www/mail.pcapai.test and A for a name that does not exist
# (NXDOMAIN); then one A query over TCP (+tcp). Captured on the client veth.
# Needs root, iproute2, tcpdump, dnsmasq, dig; ethtool optional.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
NAME=dns_dnsmasq
CLI=pa-cli SRV=pa-srv
NSES="$CLI $SRV"
. "$HERE/netns.sh"
delns

veth_pair 10.99.7

ip netns exec $SRV timeout 40 dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --pid-file= --user=root --listen-address=10.99.7.2 --bind-interfaces --port=53 \
  --local=/pcapai.test/ \
  --host-record=www.pcapai.test,10.99.7.80,fd99:7::80 \
  --host-record=mail.pcapai.test,10.99.7.25 \
  --mx-host=pcapai.test,mail.pcapai.test,10 \
  --txt-record=www.pcapai.test,"v=pcapai test record" \
  >"$WORK/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
  ip netns exec $SRV ss -lun 2>/dev/null | grep -q '10.99.7.2:53' && break
  sleep 0.1
done

ip netns exec $CLI timeout 40 tcpdump --immediate-mode -Z root -i pa-cli0 -s 0 -U -w "$WORK/$NAME.pcap" >"$WORK/tcpdump.log" 2>&1 &
TDP=$!; PIDS+=($TDP)
for _ in $(seq 1 50); do grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
D="ip netns exec $CLI timeout 10 dig @10.99.7.2 +tries=1 +time=2 +noall +answer +comments"
$D www.pcapai.test A
$D www.pcapai.test AAAA
$D www.pcapai.test TXT
$D pcapai.test MX
$D nosuchhost.pcapai.test A || true
$D +tcp mail.pcapai.test A
sleep 0.5
kill -INT $TDP; wait $TDP 2>/dev/null || true
check_tcpdump "$WORK/tcpdump.log"
cp "$WORK/$NAME.pcap" "$TD/$NAME.pcap"
echo "wrote $TD/$NAME.pcap ($(stat -c %s "$TD/$NAME.pcap") bytes)"
