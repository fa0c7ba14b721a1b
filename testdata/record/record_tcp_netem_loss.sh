#!/usr/bin/env bash
# Records testdata/tcp_netem_loss.pcap (sender side) and
# testdata/tcp_netem_loss_rx.pcap (receiver side) of one bulk TCP transfer
# through an impaired link.
#
# Topology: pa-cli (10.99.2.1) --veth-- pa-rtr --veth-- pa-srv (10.99.2.2).
# pa-rtr holds no addresses; it runs a small userspace L2 bridge (python3,
# AF_PACKET) that applies netem-like impairments to frames going from client
# to server: 3% loss, 10 ms delay, 5% reordering (the 5% go out immediately
# and overtake the delayed ones; drawn independently per frame, netem's 50%
# correlation is not modelled because with it runs of reordered frames made the
# transfer and capture several times larger), with a fixed PRNG seed.
# It is the equivalent of `tc qdisc add dev X root netem loss 3% delay 10ms
# reorder 5% 50%`, used because this kernel is built without sch_netem; if
# PA_USE_NETEM=1 and the kernel has netem, the real qdisc is used on the
# bridge's egress veth instead and the relay forwards without impairment.
# Frames from server to client are forwarded unimpaired.
#
# The client (python3 socket) sends 150000 bytes to a python3 sink on port
# 5001, half-closes, waits for the sink's FIN. tcpdump captures on the
# client's veth (sender side) and on the server's veth (receiver side).
# Needs root, iproute2, tcpdump, python3, ethtool (offloads must be off so the
# relay sees real MTU-sized frames with complete checksums).
set -euo pipefail

# Timing is real, so the exact loss pattern varies run to run. Retry (at most
# 3 attempts) until tshark sees retransmissions and dup ACKs on the sender side
# and lost segments on the receiver side, with the capture under 280 KB.
if [ -z "${PA_INNER:-}" ]; then
  D=$(cd "$(dirname "$0")/.." && pwd)
  for attempt in 1 2 3; do
    PA_INNER=1 bash "$0" || { echo "attempt $attempt failed" >&2; continue; }
    tx=$(tshark -r "$D/tcp_netem_loss.pcap" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)
    da=$(tshark -r "$D/tcp_netem_loss.pcap" -Y tcp.analysis.duplicate_ack 2>/dev/null | wc -l)
    oo=$(tshark -r "$D/tcp_netem_loss.pcap" -Y tcp.analysis.out_of_order 2>/dev/null | wc -l)
    ls=$(tshark -r "$D/tcp_netem_loss_rx.pcap" -Y tcp.analysis.lost_segment 2>/dev/null | wc -l)
    echo "attempt $attempt: sender retrans=$tx dupack=$da ooo=$oo; receiver lost_segment=$ls"
    sz=$(stat -c %s "$D/tcp_netem_loss.pcap")
    if [ "$tx" -gt 0 ] && [ "$da" -gt 0 ] && [ "$oo" -gt 0 ] && [ "$ls" -gt 0 ] && [ "$sz" -lt 280000 ]; then exit 0; fi
  done
  echo "warning: counts still zero after 3 attempts" >&2
  exit 1
fi

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
NAME=tcp_netem_loss
CLI=pa-cli SRV=pa-srv RTR=pa-rtr
SEED=${PA_SEED:-4}
BYTES=${PA_BYTES:-150000}
NSES="$CLI $SRV $RTR"
. "$HERE/netns.sh"
delns
command -v ethtool >/dev/null || { echo "ethtool is required" >&2; exit 1; }

for ns in $CLI $SRV $RTR; do
  ip netns add $ns
  ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip netns exec $ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip netns exec $ns ip link set lo up
done
ip link add pa-cli0 netns $CLI type veth peer name pa-rtr0 netns $RTR
ip link add pa-srv0 netns $SRV type veth peer name pa-rtr1 netns $RTR
for pair in $CLI:pa-cli0 $SRV:pa-srv0 $RTR:pa-rtr0 $RTR:pa-rtr1; do
  ns=${pair%%:*} dev=${pair#*:}
  ip netns exec $ns ethtool -K $dev tx off tso off gso off gro off >/dev/null 2>&1 || true
  ip -n $ns link set $dev up
done
ip -n $CLI addr add 10.99.2.1/24 dev pa-cli0
ip -n $SRV addr add 10.99.2.2/24 dev pa-srv0
# Static neighbours: no ARP through the lossy relay.
CLIMAC=$(ip -n $CLI -o link show pa-cli0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
SRVMAC=$(ip -n $SRV -o link show pa-srv0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
ip -n $CLI neigh add 10.99.2.2 lladdr "$SRVMAC" dev pa-cli0 nud permanent
ip -n $SRV neigh add 10.99.2.1 lladdr "$CLIMAC" dev pa-srv0 nud permanent

IMPAIR=1
if [ "${PA_USE_NETEM:-0}" = 1 ] && ip netns exec $RTR tc qdisc add dev pa-rtr1 root netem \
     loss 3% delay 10ms reorder 5% 50% 2>/dev/null; then
  IMPAIR=0
  echo "using kernel netem on pa-rtr1"
fi

cat >"$WORK/relay.py" <<'PY'
# Userspace L2 bridge between two interfaces with netem-like impairment of
# frames travelling from IF_A to IF_B. Bounded by a wall-clock limit.
import heapq, random, select, socket, sys, time
if_a, if_b, seed, impair, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", float(sys.argv[5])
LOSS, DELAY, REORDER = 0.03, 0.010, 0.05
ETH_P_ALL, PACKET_OUTGOING = 0x0003, 4
rng = random.Random(seed)
def sock(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((ifname, 0))
    s.setblocking(False)
    return s
sa, sb = sock(if_a), sock(if_b)
print("relay ready", flush=True)
queue = []  # (due, seq, frame)
seq = 0
last_reorder = False
stats = {"fwd": 0, "drop": 0, "reorder": 0, "back": 0}
import signal
def _stop(*_):
    print("relay stats", stats, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, _stop)
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, fr = heapq.heappop(queue)
        sb.send(fr)
    timeout = max(0.0, min(0.05, (queue[0][0] - now) if queue else 0.05))
    r, _, _ = select.select([sa, sb], [], [], timeout)
    for s in r:
        for _ in range(64):
            try:
                fr, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            if s is sb:
                sa.send(fr)
                stats["back"] += 1
                continue
            if not impair:
                sb.send(fr)
                stats["fwd"] += 1
                continue
            if rng.random() < LOSS:
                stats["drop"] += 1
                continue
            # reorder decision: independent REORDER probability per frame
            last_reorder = rng.random() < REORDER
            stats["fwd"] += 1
            if last_reorder:
                stats["reorder"] += 1
                sb.send(fr)  # immediate: overtakes the delayed frames
            else:
                seq += 1
                heapq.heappush(queue, (time.monotonic() + DELAY, seq, fr))
for _, _, fr in sorted(queue):
    sb.send(fr)
print("relay stats", stats, flush=True)
PY

cat >"$WORK/sink.py" <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30)
n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
c.close(); s.close()
print("sink received", n, flush=True)
PY

cat >"$WORK/send.py" <<'PY'
import socket, sys
n = int(sys.argv[3])
data = bytes((i * 31 + (i >> 9)) & 0xff for i in range(n))
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
while c.recv(4096):
    pass
c.close()
print("sent", n, flush=True)
PY

ip netns exec $RTR timeout 60 python3 -u "$WORK/relay.py" pa-rtr0 pa-rtr1 "$SEED" "$IMPAIR" 40 >"$WORK/relay.log" 2>&1 &
RELAY=$!; PIDS+=($RELAY)
ip netns exec $SRV timeout 60 python3 -u "$WORK/sink.py" 10.99.2.2 5001 >"$WORK/sink.log" 2>&1 &
SINK=$!; PIDS+=($SINK)

ip netns exec $CLI timeout 60 tcpdump --immediate-mode -Z root -i pa-cli0 -s 0 -U -w "$WORK/tx.pcap" >"$WORK/tcpdump_tx.log" 2>&1 &
TD1=$!; PIDS+=($TD1)
ip netns exec $SRV timeout 60 tcpdump --immediate-mode -Z root -i pa-srv0 -s 0 -U -w "$WORK/rx.pcap" >"$WORK/tcpdump_rx.log" 2>&1 &
TD2=$!; PIDS+=($TD2)
for _ in $(seq 1 50); do
  grep -q 'listening on' "$WORK/tcpdump_tx.log" 2>/dev/null && grep -q 'listening on' "$WORK/tcpdump_rx.log" 2>/dev/null \
    && grep -q 'relay ready' "$WORK/relay.log" && ip netns exec $SRV ss -ltn | grep -q ':5001' && break
  sleep 0.1
done
sleep 0.3

ip netns exec $CLI timeout 40 python3 -u "$WORK/send.py" 10.99.2.2 5001 "$BYTES"
wait $SINK || true
cat "$WORK/sink.log"
sleep 0.5
kill -INT $TD1 $TD2
wait $TD1 2>/dev/null || true
wait $TD2 2>/dev/null || true
check_tcpdump "$WORK/tcpdump_tx.log"
check_tcpdump "$WORK/tcpdump_rx.log"
kill -TERM $RELAY 2>/dev/null || true
cat "$WORK/relay.log" || true

sleep 0.2
n=$(tshark -r "$WORK/tx.pcap" 2>/dev/null | wc -l)
[ "$n" -ge 100 ] || { ls -la "$WORK" >&2; cat "$WORK"/*.log >&2; }
[ "$n" -ge 100 ] || { echo "capture too short ($n frames)" >&2; exit 1; }
cp "$WORK/tx.pcap" "$TD/$NAME.pcap"
cp "$WORK/rx.pcap" "$TD/${NAME}_rx.pcap"
echo "wrote $TD/$NAME.pcap ($(stat -c %s "$TD/$NAME.pcap") bytes), $TD/${NAME}_rx.pcap ($(stat -c %s "$TD/${NAME}_rx.pcap") bytes)"
