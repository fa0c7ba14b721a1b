#!/usr/bin/env bash
# Records testdata/tcp_port_reuse.pcap.
#
# pa-cli (10.99.4.1) and pa-srv (10.99.4.2) joined by a veth. A python3
# server on port 8000 answers each connection with "reply N\n" and then closes
# first (so the server, not the client, holds TIME_WAIT). The python3 client
# binds source port 40000 (SO_REUSEADDR) for each of four successive
# connections to 10.99.4.2:8000: connections 1-3 send "hello N", read the
# reply to EOF and close with FIN; connection 4 sends "hello 4" and aborts
# with SO_LINGER 0 (RST) before the server answers. All four share the same
# 4-tuple, so tshark must split them into four conversations/streams (SYN on
# a reused port). tcpdump captures on the client's veth. Needs root,
# iproute2, tcpdump, python3; ethtool optional.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
NAME=tcp_port_reuse
CLI=pa-cli SRV=pa-srv
NSES="$CLI $SRV"
. "$HERE/netns.sh"
delns

veth_pair 10.99.4

cat >"$WORK/server.py" <<'PY'
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.4.2", 8000)); s.listen(4); s.settimeout(20)
print("listening", flush=True)
for n in range(1, 5):
    c, peer = s.accept(); c.settimeout(5)
    try:
        d = c.recv(100)
        if n == 4:
            time.sleep(0.3)          # client aborts with RST meanwhile
            c.recv(100)
        c.sendall(b"reply %d\n" % n)
    except OSError as e:
        print("conn", n, "error", e, flush=True)
    c.close()                        # server closes first on 1-3
print("server done", flush=True)
s.close()
PY
cat >"$WORK/client.py" <<'PY'
import socket, struct, time
for n in range(1, 5):
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("10.99.4.1", 40000))
    c.settimeout(5)
    c.connect(("10.99.4.2", 8000))
    c.sendall(b"hello %d\n" % n)
    if n < 4:
        buf = b""
        while True:
            d = c.recv(100)
            if not d:
                break
            buf += d
        c.close()
        print("conn", n, buf, flush=True)
    else:
        time.sleep(0.1)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()                    # RST
        print("conn", n, "reset", flush=True)
    time.sleep(0.2)
PY

ip netns exec $SRV timeout 30 python3 -u "$WORK/server.py" >"$WORK/server.log" 2>&1 &
SRVP=$!; PIDS+=($SRVP)
ip netns exec $CLI timeout 30 tcpdump --immediate-mode -Z root -i pa-cli0 -s 0 -U -w "$WORK/$NAME.pcap" >"$WORK/tcpdump.log" 2>&1 &
TDP=$!; PIDS+=($TDP)
for _ in $(seq 1 50); do
  grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && grep -q listening "$WORK/server.log" && break
  sleep 0.1
done
sleep 0.3
ip netns exec $CLI timeout 20 python3 -u "$WORK/client.py"
wait $SRVP || true
cat "$WORK/server.log"
sleep 0.5
kill -INT $TDP; wait $TDP 2>/dev/null || true
check_tcpdump "$WORK/tcpdump.log"
cp "$WORK/$NAME.pcap" "$TD/$NAME.pcap"
echo "wrote $TD/$NAME.pcap ($(stat -c %s "$TD/$NAME.pcap") bytes)"
