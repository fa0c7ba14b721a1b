#!/usr/bin/env bash
# Records testdata/tcp_zero_window.pcap.
#
# pa-cli (10.99.3.1) and pa-srv (10.99.3.2) joined by a veth. A python3
# receiver in pa-srv listens on port 5002 with SO_RCVBUF set to 4096 bytes
# (before listen, so the advertised window is small), accepts, and does not
# read for 1.5 s; the python3 client in pa-cli sends 60000 bytes, so the
# receive window fills and the receiver advertises a zero window while the
# sender sends zero-window probes. The receiver then drains the socket
# slowly (4 KB reads, 20 ms apart, bounded), which produces window updates,
# and both sides close with FIN. tcpdump captures on the client's veth.
# Needs root, iproute2, tcpdump, python3; ethtool optional (offloads off).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
NAME=tcp_zero_window
CLI=pa-cli SRV=pa-srv
NSES="$CLI $SRV"
. "$HERE/netns.sh"
delns

veth_pair 10.99.3

cat >"$WORK/recv.py" <<'PY'
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("10.99.3.2", 5002)); s.listen(1); s.settimeout(20)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(20)
time.sleep(1.5)                      # stop reading: window goes to zero
n = 0
for _ in range(2000):                # bounded slow drain
    d = c.recv(4096)
    if not d:
        break
    n += len(d)
    time.sleep(0.02)
c.close(); s.close()
print("received", n, flush=True)
PY
cat >"$WORK/send.py" <<'PY'
import socket
data = bytes((i * 13) & 0xff for i in range(60000))
c = socket.create_connection(("10.99.3.2", 5002), timeout=20)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
while c.recv(4096):
    pass
c.close()
print("sent", len(data), flush=True)
PY

ip netns exec $SRV timeout 30 python3 -u "$WORK/recv.py" >"$WORK/recv.log" 2>&1 &
RECV=$!; PIDS+=($RECV)
ip netns exec $CLI timeout 30 tcpdump --immediate-mode -Z root -i pa-cli0 -s 0 -U -w "$WORK/$NAME.pcap" >"$WORK/tcpdump.log" 2>&1 &
TDP=$!; PIDS+=($TDP)
for _ in $(seq 1 50); do
  grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && grep -q listening "$WORK/recv.log" && break
  sleep 0.1
done
sleep 0.3
ip netns exec $CLI timeout 25 python3 -u "$WORK/send.py"
wait $RECV || true
cat "$WORK/recv.log"
sleep 0.5
kill -INT $TDP; wait $TDP 2>/dev/null || true
check_tcpdump "$WORK/tcpdump.log"
cp "$WORK/$NAME.pcap" "$TD/$NAME.pcap"
echo "wrote $TD/$NAME.pcap ($(stat -c %s "$TD/$NAME.pcap") bytes)"
