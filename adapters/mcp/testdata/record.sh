#!/bin/sh
# Records testdata/http_curl_loopback.pcap: curl fetching a page from
# python3 -m http.server over loopback (needs root for tcpdump).
set -eu
cd "$(dirname "$0")"
dir=$(mktemp -d)
echo "hello from pcapai" >"$dir/index.html"
(cd "$dir" && python3 -m http.server 18080 --bind 127.0.0.1 >/dev/null 2>&1) &
srv=$!
sleep 1
tcpdump -U -i lo -c 30 -w http_curl_loopback.pcap 'tcp portrange 18080-18081' >/dev/null 2>&1 &
dump=$!
sleep 1
curl -s http://127.0.0.1:18080/ >/dev/null
curl -s http://127.0.0.1:18080/missing >/dev/null
curl -s -m 1 http://127.0.0.1:18081/ >/dev/null || true
sleep 1
kill $dump $srv 2>/dev/null || true
wait 2>/dev/null || true
rm -rf "$dir"
