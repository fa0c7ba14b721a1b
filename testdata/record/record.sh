#!/bin/bash
# Records the detection test captures in network namespaces (run as root
# from the repository root): testdata/record/record.sh
# Each capture has a truth file written by the scripts that made the traffic.
set -u
cd "$(dirname "$0")/.."
R=$PWD/record
cleanup() { for ns in dc ds sa sb ua ub; do ip netns del $ns 2>/dev/null; done; }
cleanup
pair() { # pair NS1 NS2 IF1 IF2
  ip netns add $1; ip netns add $2
  ip link add $3 netns $1 type veth peer name $4 netns $2
  ip -n $1 link set $3 up; ip -n $2 link set $4 up
  ip -n $1 link set lo up; ip -n $2 link set lo up
  ip netns exec $1 ethtool -K $3 tx off rx off tso off gso off gro off >/dev/null 2>&1
  ip netns exec $2 ethtool -K $4 tx off rx off tso off gso off gro off >/dev/null 2>&1
}

# 1. beacon + benign irregular traffic. Client 10.0.0.10 (internal),
# servers 198.51.100.7 (beacon, HTTP 8000 and UDP 9999) and 198.51.100.8
# (benign, HTTP 8080): documentation addresses stand for the Internet.
beacon() {
  pair dc ds vc vs
  ip -n dc addr add 10.0.0.10/24 dev vc; ip -n dc route add 198.51.100.0/24 dev vc
  ip -n ds addr add 198.51.100.7/24 dev vs; ip -n ds addr add 198.51.100.8/24 dev vs; ip -n ds route add 10.0.0.0/24 dev vs
  ip netns exec ds python3 -m http.server 8000 --bind 198.51.100.7 >/dev/null 2>&1 & P1=$!
  ip netns exec ds python3 -m http.server 8080 --bind 198.51.100.8 >/dev/null 2>&1 & P2=$!
  ip netns exec ds python3 $R/udp_echo.py 198.51.100.7 9999 & P3=$!
  sleep 4
  ip netns exec dc tcpdump -i vc -w beacon_http_jitter.pcap -U 2>/dev/null & T=$!
  sleep 4
  ip netns exec dc python3 $R/irregular_client.py http://198.51.100.8:8080/ 2.0 40 $R/irregular.truth.json & C2=$!
  ip netns exec dc python3 $R/beacon_client.py http://198.51.100.7:8000/ 198.51.100.7 9999 2.0 0.3 40 $R/beacon.truth.json
  wait $C2; sleep 1; kill $T; wait $T; kill $P1 $P2 $P3
}

# 2. nmap SYN scan of 10.0.1.2 ports 1-200 (listeners on 22 and 80), then
# a ping sweep of 10.0.2.1-30 routed via 10.0.1.2 (10.0.2.1-5 answer).
scan() {
  pair sa sb va vb
  ip -n sa addr add 10.0.1.1/24 dev va; ip -n sb addr add 10.0.1.2/24 dev vb
  ip -n sa route add 10.0.2.0/24 via 10.0.1.2
  for i in 1 2 3 4 5; do ip -n sb addr add 10.0.2.$i/32 dev lo; done
  ip netns exec sb python3 $R/banner_server.py 10.0.1.2 22 SSH-2.0-OpenSSH_9.2 >/dev/null 2>&1 & P1=$!
  ip netns exec sb python3 -m http.server 80 --bind 10.0.1.2 >/dev/null 2>&1 & P2=$!
  sleep 4
  ip netns exec sa tcpdump -i va -w scan_nmap_syn.pcap -U 'not arp' 2>/dev/null & T=$!
  sleep 4
  ip netns exec sa nmap -n -Pn -sS -p 1-200 10.0.1.2 > $R/scan.nmap.txt
  sleep 1; kill $T; wait $T
  ip netns exec sa tcpdump -i va -w sweep_ping.pcap -U 'not arp' 2>/dev/null & T=$!
  sleep 4
  for i in $(seq 1 30); do ip netns exec sa ping -c1 -W1 10.0.2.$i >/dev/null; done; sleep 1
  kill $T; wait $T 2>/dev/null; kill $P1 $P2
}

# 3. a 1.2 MB upload from 10.0.3.1 to 203.0.113.9:8080 (external), then
# lateral movement 10.0.3.1 → 10.0.3.5 on 445, 3389, 5985 and 22, and an
# SSH banner and a TLS server on non-standard ports (2222, 4444).
upload() {
  pair ua ub xa xb
  ip -n ua addr add 10.0.3.1/24 dev xa; ip -n ub addr add 10.0.3.5/24 dev xb
  ip -n ub addr add 203.0.113.9/24 dev xb; ip -n ua route add 203.0.113.0/24 dev xa; ip -n ub route add 10.0.3.0/24 dev xb 2>/dev/null
  ip netns exec ub python3 $R/put_server.py 203.0.113.9 8080 >/dev/null 2>&1 & P1=$!
  PIDS=()
  for p in 445 3389 5985; do ip netns exec ub python3 $R/banner_server.py 10.0.3.5 $p "" >/dev/null 2>&1 & PIDS+=($!); done
  ip netns exec ub python3 $R/banner_server.py 10.0.3.5 22 SSH-2.0-OpenSSH_9.2 >/dev/null 2>&1 & PIDS+=($!)
  ip netns exec ub python3 $R/banner_server.py 203.0.113.9 2222 SSH-2.0-OpenSSH_9.2 >/dev/null 2>&1 & PIDS+=($!)
  openssl req -x509 -newkey rsa:2048 -nodes -keyout /tmp/k.pem -out /tmp/c.pem -subj /CN=x -days 2 2>/dev/null
  ip netns exec ub openssl s_server -accept 203.0.113.9:4444 -key /tmp/k.pem -cert /tmp/c.pem -www >/dev/null 2>&1 & PIDS+=($!)
  sleep 4
  head -c 1200000 /dev/urandom > /tmp/up.bin
  ip netns exec ua tcpdump -i xa -s 128 -w upload_lateral.pcap -U 'not arp' 2>/dev/null & T=$!
  sleep 4
  ip netns exec ua curl -s -T /tmp/up.bin http://203.0.113.9:8080/up.bin -o /dev/null
  for p in 445 3389 5985 22; do ip netns exec ua python3 -c "
import socket,sys; s=socket.create_connection(('10.0.3.5',$p)); s.sendall(b'\x00'*48); s.settimeout(2)
try: s.recv(4096); s.recv(4096)
except Exception: pass
s.close()"; done
  ip netns exec ua python3 -c "
import socket; s=socket.create_connection(('203.0.113.9',2222)); s.recv(100); s.sendall(b'SSH-2.0-OpenSSH_9.2\r\n'); s.close()"
  ip netns exec ua curl -sk https://203.0.113.9:4444/ -o /dev/null
  sleep 1; kill $T; wait $T; kill $P1 "${PIDS[@]}"
}
case "${1:-all}" in
  beacon) beacon;; scan) scan;; upload) upload;;
  all) beacon; scan; upload;;
esac
cleanup
