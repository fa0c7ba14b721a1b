#!/usr/bin/env bash
# Records testdata/http_curl_local.pcap (+ .pcap.gz and .pcapng variants).
#
# Two network namespaces pa-cli (10.99.1.1) and pa-srv (10.99.1.2) joined by a
# veth pair. pa-srv runs `python3 -m http.server -p HTTP/1.1` serving a 20 KB
# file; pa-cli runs curl: one invocation fetching three URLs over a single
# keep-alive connection, then a second invocation (second TCP connection)
# fetching the file again plus a missing path (404). tcpdump captures on the
# client-side veth. Needs root, iproute2, tcpdump, curl, python3, editcap,
# gzip; ethtool optional (used to switch off segmentation offloads so every
# captured frame fits the 1500-byte MTU).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
NAME=http_curl_local
OUT="$TD/$NAME.pcap"
CLI=pa-cli SRV=pa-srv
NSES="$CLI $SRV"
. "$HERE/netns.sh"
delns

veth_pair 10.99.1

# Deterministic 20 KB payload (20480 bytes) and a small index page.
mkdir -p "$WORK/www"
python3 -c 'import sys
data = bytes((i * 7 + (i >> 8)) & 0xff for i in range(20480))
open(sys.argv[1] + "/file.bin", "wb").write(data)
open(sys.argv[1] + "/index.html", "w").write("<html><body>pcapai test page</body></html>\n")' "$WORK/www"

ip netns exec $SRV timeout 60 python3 -m http.server -p HTTP/1.1 -b 10.99.1.2 -d "$WORK/www" 8080 \
  >"$WORK/http.log" 2>&1 &
PIDS+=($!)

# Wait (bounded) for the server to listen.
for _ in $(seq 1 50); do
  ip netns exec $SRV ss -ltn 2>/dev/null | grep -q '10.99.1.2:8080' && break
  sleep 0.1
done

ip netns exec $CLI timeout 60 tcpdump --immediate-mode -Z root -i pa-cli0 -s 0 -U -w "$WORK/$NAME.pcap" >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP=$!
PIDS+=($TCPDUMP)
for _ in $(seq 1 50); do grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.3

U=http://10.99.1.2:8080
# Connection 1: three requests over one keep-alive connection.
ip netns exec $CLI timeout 20 curl -sS -o /dev/null -o /dev/null -o /dev/null \
  "$U/file.bin" "$U/index.html" "$U/file.bin"
sleep 0.3
# Connection 2: a new TCP connection, file again and a 404.
ip netns exec $CLI timeout 20 curl -sS -o /dev/null -o /dev/null "$U/file.bin" "$U/missing.txt" || true
sleep 1

kill -INT $TCPDUMP
wait $TCPDUMP 2>/dev/null || true
check_tcpdump "$WORK/tcpdump.log"

cp "$WORK/$NAME.pcap" "$OUT"
gzip -9 -n -c "$OUT" >"$OUT.gz"
editcap -F pcapng "$OUT" "$TD/$NAME.pcapng"
echo "wrote $OUT ($(stat -c %s "$OUT") bytes), $OUT.gz, $TD/$NAME.pcapng"
