#!/usr/bin/env bash
# Records testdata/udp_icmp_mix.pcap.
#
# pa-cli (10.99.5.1, fd99:5::1) and pa-srv (10.99.5.2, fd99:5::2) joined by a
# veth (IPv6 addresses added with nodad). pa-srv runs a python3 UDP echo
# server on port 7777 (v4 and v6). Sequence, captured on the client's veth:
#  1. three UDP request/response exchanges over IPv4 (python3 client, one
#     socket, source port 45000), and two over IPv6 (source port 45001);
#  2. ping -c 3 10.99.5.2 and ping -6 -c 3 fd99:5::2;
#  3. one UDP datagram to the closed port 9 over IPv4 and one over IPv6
#     (ICMP / ICMPv6 port unreachable);
#  4. ping -c 2 -s 4000 10.99.5.2 (IPv4 fragments both ways, MTU 1500);
#  5. one 3000-byte UDP datagram over IPv6 to the echo server, echoed back
#     (IPv6 fragment headers both ways).
# Needs root, iproute2, tcpdump, ping, python3; ethtool optional.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
NAME=udp_icmp_mix
CLI=pa-cli SRV=pa-srv
NSES="$CLI $SRV"
. "$HERE/netns.sh"
delns

ip netns add $CLI
ip netns add $SRV
ip link add pa-cli0 netns $CLI type veth peer name pa-srv0 netns $SRV
for ns in $CLI $SRV; do
  dev=pa-${ns#pa-}0
  # Keep IPv6 but quiet: no router solicitations, no RA processing.
  ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_ra=0
  ip netns exec $ns sysctl -qw net.ipv6.conf.default.accept_ra=0
  ip netns exec $ns sysctl -qw net.ipv6.conf.default.router_solicitations=0
  ip netns exec $ns sysctl -qw net.ipv6.conf.$dev.router_solicitations=0 2>/dev/null || true
  ip netns exec $ns sysctl -qw net.ipv4.icmp_ratelimit=0
  ip netns exec $ns sysctl -qw net.ipv6.icmp.ratelimit=0
  ip netns exec $ns ip link set lo up
  if command -v ethtool >/dev/null; then
    ip netns exec $ns ethtool -K $dev tso off gso off gro off >/dev/null 2>&1 || true
  fi
done
ip -n $CLI addr add 10.99.5.1/24 dev pa-cli0
ip -n $SRV addr add 10.99.5.2/24 dev pa-srv0
ip -n $CLI addr add fd99:5::1/64 dev pa-cli0 nodad
ip -n $SRV addr add fd99:5::2/64 dev pa-srv0 nodad
ip -n $CLI link set pa-cli0 up
ip -n $SRV link set pa-srv0 up
# Wait (bounded) until the link-local addresses are usable too.
for _ in $(seq 1 30); do
  ip -n $CLI -6 addr show dev pa-cli0 | grep -q tentative || break
  sleep 0.1
done

cat >"$WORK/echo.py" <<'PY'
import select, socket, time
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s4.bind(("10.99.5.2", 7777))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s6.bind(("fd99:5::2", 7777))
print("listening", flush=True)
deadline = time.monotonic() + 25
while time.monotonic() < deadline:
    r, _, _ = select.select([s4, s6], [], [], 0.5)
    for s in r:
        d, a = s.recvfrom(65535)
        s.sendto(d, a)
PY
cat >"$WORK/udpcli.py" <<'PY'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
s.bind((sys.argv[3], int(sys.argv[4])))
size = int(sys.argv[5]) if len(sys.argv) > 5 else 0
for i in range(int(sys.argv[2])):
    msg = (b"pcapai udp %d " % i).ljust(size, b"x")
    s.sendto(msg, (sys.argv[1], 7777))
    d, _ = s.recvfrom(65535)
    print("echo", len(d), flush=True)
PY
cat >"$WORK/closed.py" <<'PY'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(1)
s.connect((sys.argv[1], 9))
s.send(b"anyone on port 9?")
try:
    s.recv(100)
except OSError as e:
    print("closed port:", e, flush=True)
PY

ip netns exec $SRV timeout 40 python3 -u "$WORK/echo.py" >"$WORK/echo.log" 2>&1 &
PIDS+=($!)
ip netns exec $CLI timeout 40 tcpdump --immediate-mode -Z root -i pa-cli0 -s 0 -U -w "$WORK/$NAME.pcap" >"$WORK/tcpdump.log" 2>&1 &
TDP=$!; PIDS+=($TDP)
for _ in $(seq 1 50); do
  grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && grep -q listening "$WORK/echo.log" && break
  sleep 0.1
done
sleep 0.3
X="ip netns exec $CLI timeout 10"
$X python3 -u "$WORK/udpcli.py" 10.99.5.2 3 10.99.5.1 45000
$X python3 -u "$WORK/udpcli.py" fd99:5::2 2 fd99:5::1 45001
$X ping -n -c 3 -i 0.2 10.99.5.2
$X ping -6 -n -c 3 -i 0.2 fd99:5::2
$X python3 -u "$WORK/closed.py" 10.99.5.2
$X python3 -u "$WORK/closed.py" fd99:5::2
$X ping -n -c 2 -i 0.2 -s 4000 10.99.5.2
$X python3 -u "$WORK/udpcli.py" fd99:5::2 1 fd99:5::1 45002 3000
sleep 0.5
kill -INT $TDP; wait $TDP 2>/dev/null || true
check_tcpdump "$WORK/tcpdump.log"
cp "$WORK/$NAME.pcap" "$TD/$NAME.pcap"
echo "wrote $TD/$NAME.pcap ($(stat -c %s "$TD/$NAME.pcap") bytes)"
