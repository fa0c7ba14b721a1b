#!/usr/bin/env bash
# Records testdata/vlan_tagged.pcap: 802.1Q-tagged (VLAN 42) Ethernet frames.
#
# The preferred recipe is a VLAN sub-interface (`ip link add link pa-cli0 name
# pa-cli0.42 type vlan id 42`) captured on the parent veth. This kernel has no
# 8021q support, so when that fails the script builds the same wire view with
# a userspace "switch": pa-cli (10.99.6.1) --access veth-- pa-rtr --access
# veth-- pa-srv (10.99.6.2), where pa-rtr holds a trunk veth pair
# pa-trk0/pa-trk1 and a python3 AF_PACKET relay that tags frames with VLAN 42
# (priority 0) when they enter the trunk and strips the tag when they leave
# it (the receiving kernel moves tags into packet metadata; the relay reads
# them back with PACKET_AUXDATA). tcpdump captures on the trunk end pa-trk0,
# so every frame carries an 802.1Q header (libpcap re-inserts the tag for
# received frames). Traffic: ARP, ping -c 3, a python3 UDP request/response,
# and one HTTP GET with curl to `python3 -m http.server`.
# With real 8021q support (PA_TRY_KERNEL_VLAN=1 and the vlan link works), the
# kernel VLAN device is used instead and the capture is on pa-cli0.
# Needs root, iproute2, tcpdump, ping, curl, python3, ethtool.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TD=$(dirname "$HERE")
NAME=vlan_tagged
CLI=pa-cli SRV=pa-srv RTR=pa-rtr
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

KERNEL_VLAN=0
if [ "${PA_TRY_KERNEL_VLAN:-1}" = 1 ]; then
  ip link add pa-cli0 netns $CLI type veth peer name pa-srv0 netns $SRV
  if ip -n $CLI link add link pa-cli0 name pa-cli0.42 type vlan id 42 2>/dev/null &&
     ip -n $SRV link add link pa-srv0 name pa-srv0.42 type vlan id 42 2>/dev/null; then
    KERNEL_VLAN=1
    for pair in $CLI:pa-cli0 $SRV:pa-srv0; do
      ns=${pair%%:*} dev=${pair#*:}
      ip netns exec $ns ethtool -K $dev tso off gso off gro off txvlan off rxvlan off >/dev/null 2>&1 || true
      ip -n $ns link set $dev up
      ip -n $ns link set $dev.42 up
    done
    ip -n $CLI addr add 10.99.6.1/24 dev pa-cli0.42
    ip -n $SRV addr add 10.99.6.2/24 dev pa-srv0.42
    CAPNS=$CLI CAPDEV=pa-cli0
    echo "using kernel 802.1Q devices"
  else
    echo "kernel has no 802.1Q support: using the userspace tagging relay"
    ip -n $CLI link del pa-cli0
  fi
fi

if [ $KERNEL_VLAN = 0 ]; then
  ip link add pa-cli0 netns $CLI type veth peer name pa-rtr0 netns $RTR
  ip link add pa-srv0 netns $SRV type veth peer name pa-rtr1 netns $RTR
  ip -n $RTR link add pa-trk0 type veth peer name pa-trk1
  for pair in $CLI:pa-cli0 $SRV:pa-srv0 $RTR:pa-rtr0 $RTR:pa-rtr1 $RTR:pa-trk0 $RTR:pa-trk1; do
    ns=${pair%%:*} dev=${pair#*:}
    ip netns exec $ns ethtool -K $dev tx off tso off gso off gro off >/dev/null 2>&1 || true
    ip -n $ns link set $dev up
  done
  ip -n $CLI addr add 10.99.6.1/24 dev pa-cli0
  ip -n $SRV addr add 10.99.6.2/24 dev pa-srv0
  CAPNS=$RTR CAPDEV=pa-trk0

  cat >"$WORK/vlanrelay.py" <<'PY'
# Two userspace bridges: access A <-> trunk A and trunk B <-> access B.
# Frames entering a trunk get an 802.1Q tag (VID 42); frames leaving it are
# forwarded untagged (only VID 42 is accepted). Bounded by a time limit.
import select, socket, struct, sys, time
VID, ETH_P_ALL, PACKET_OUTGOING = 42, 0x0003, 4
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10
limit = float(sys.argv[1])
def sock(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((name, 0)); s.setblocking(False)
    return s
acc_a, trk_a, trk_b, acc_b = (sock(n) for n in ("pa-rtr0", "pa-trk0", "pa-trk1", "pa-rtr1"))
peer = {acc_a: trk_a, trk_a: acc_a, trk_b: acc_b, acc_b: trk_b}
trunks = {trk_a, trk_b}
tag = struct.pack("!HH", 0x8100, VID)
stats = {"tagged": 0, "untagged": 0, "other_vlan": 0}
print("relay ready", flush=True)
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    r, _, _ = select.select(list(peer), [], [], 0.2)
    for s in r:
        for _ in range(64):
            try:
                fr, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(20))
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            if s in trunks:
                vid = None
                for lvl, typ, data in anc:
                    if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(data) >= 20:
                        st, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", data[:20])
                        if st & TP_STATUS_VLAN_VALID:
                            vid = tci & 0x0fff
                if vid is None and fr[12:14] == b"\x81\x00":   # tag still inline
                    vid = struct.unpack("!H", fr[14:16])[0] & 0x0fff
                    fr = fr[:12] + fr[16:]
                if vid != VID:
                    stats["other_vlan"] += 1
                    continue
                peer[s].send(fr)
                stats["untagged"] += 1
            else:
                peer[s].send(fr[:12] + tag + fr[12:])
                stats["tagged"] += 1
print("relay stats", stats, flush=True)
PY
  ip netns exec $RTR timeout 40 python3 -u "$WORK/vlanrelay.py" 12 >"$WORK/relay.log" 2>&1 &
  RELAY=$!; PIDS+=($RELAY)
  for _ in $(seq 1 50); do grep -q 'relay ready' "$WORK/relay.log" && break; sleep 0.1; done
fi

mkdir -p "$WORK/www"
echo "<html><body>pcapai vlan 42</body></html>" >"$WORK/www/index.html"
ip netns exec $SRV timeout 40 python3 -m http.server -b 10.99.6.2 -d "$WORK/www" 8080 >"$WORK/http.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/udp.py" <<'PY'
import socket, sys
if sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.99.6.2", 5300)); s.settimeout(20)
    print("listening", flush=True)
    d, a = s.recvfrom(2048); s.sendto(d.upper(), a)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(b"vlan forty-two", ("10.99.6.2", 5300)); print(s.recvfrom(2048)[0], flush=True)
PY
ip netns exec $SRV timeout 40 python3 -u "$WORK/udp.py" server >"$WORK/udp.log" 2>&1 &
PIDS+=($!)

ip netns exec $CAPNS timeout 40 tcpdump --immediate-mode -Z root -i $CAPDEV -s 0 -U -w "$WORK/$NAME.pcap" >"$WORK/tcpdump.log" 2>&1 &
TDP=$!; PIDS+=($TDP)
for _ in $(seq 1 50); do
  grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && grep -q listening "$WORK/udp.log" &&
    ip netns exec $SRV ss -ltn | grep -q ':8080' && break
  sleep 0.1
done
sleep 0.3
X="ip netns exec $CLI timeout 10"
$X ping -n -c 3 -i 0.2 10.99.6.2
$X python3 -u "$WORK/udp.py" client
$X curl -sS -o /dev/null -w 'http %{http_code}\n' http://10.99.6.2:8080/index.html
sleep 0.5
kill -INT $TDP; wait $TDP 2>/dev/null || true
check_tcpdump "$WORK/tcpdump.log"
[ -n "${RELAY:-}" ] && { kill -TERM $RELAY 2>/dev/null || true; }
cp "$WORK/$NAME.pcap" "$TD/$NAME.pcap"
echo "wrote $TD/$NAME.pcap ($(stat -c %s "$TD/$NAME.pcap") bytes)"
