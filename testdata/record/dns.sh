#!/bin/bash
# Records the dnsx test captures in testdata/ from real programs: dnsmasq as
# the resolver/authoritative server and dig as the client, in two network
# namespaces joined by a veth pair (no traffic leaves the namespaces).
# Needs root, iproute2, dnsmasq, dig, tcpdump, python3. Every loop is bounded.
#
#   sudo testdata/record/dns.sh        # writes testdata/dns_*.pcap
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$PWD
C=dnsx-cli S=dnsx-srv
cleanup() {
	[ -n "${DNSMASQ_PID:-}" ] && kill "$DNSMASQ_PID" 2>/dev/null || true
	ip netns del $C 2>/dev/null || true
	ip netns del $S 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $C; ip netns add $S
ip link add veth-c netns $C type veth peer name veth-s netns $S
ip -n $C addr add 10.53.0.2/24 dev veth-c; ip -n $S addr add 10.53.0.1/24 dev veth-s
ip -n $C link set veth-c up; ip -n $S link set veth-s up
ip -n $C link set lo up; ip -n $S link set lo up
# 10.53.0.9 is a DNS server that never answers: its frames leave the
# client (a static neighbour entry) and no host takes them.
ip -n $C neigh add 10.53.0.9 lladdr 02:00:00:00:00:09 dev veth-c nud permanent

HOSTS=()
for i in $(seq 1 40); do HOSTS+=(--host-record=big.test,10.53.1.$i); done
ip netns exec $S dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
	--interface=veth-s --listen-address=10.53.0.1 --log-facility=/dev/null \
	--address=/www.example.test/10.53.0.80 --address=/akamaiedge.net/10.53.0.81 \
	--address=/this-is-a-rather-long-but-perfectly-normal-host-name.example.test/10.53.0.82 \
	--txt-record=txt.example.test,"v=spf1 -all" --address=/tunnel.test/10.53.0.99 --local=/test/ --local=/com/ \
	--server=/fail.test/10.53.0.1#5999 "${HOSTS[@]}" &
DNSMASQ_PID=$!
sleep 1
DIG="ip netns exec $C dig @10.53.0.1 +tries=1 +timeout=2"

rec() { # rec NAME: start tcpdump in the client namespace
	ip netns exec $C tcpdump -i veth-c -w "$OUT/$1" -U -s 0 'port 53' 2>/dev/null &
	TCPDUMP_PID=$!
	sleep 1
}
stop() { sleep 1; kill -INT $TCPDUMP_PID; wait $TCPDUMP_PID 2>/dev/null || true; }

# 1. resolver scenarios: A over UDP and TCP, TXT, NXDOMAIN, SERVFAIL, an
#    unreachable server (two tries, no answer), a TC answer retried over TCP.
rec dns_dnsmasq_mixed.pcap
$DIG www.example.test A >/dev/null
$DIG +tcp www.example.test A >/dev/null
$DIG txt.example.test TXT >/dev/null
$DIG nosuch.example.test A >/dev/null
ip netns exec $C dig @10.53.0.1 +tries=1 +timeout=6 x.fail.test A >/dev/null || true
$DIG refused.org A >/dev/null || true
ip netns exec $C dig @10.53.0.9 +tries=2 +timeout=1 unreachable.example.test A >/dev/null || true
$DIG +noedns big.test A >/dev/null
$DIG this-is-a-rather-long-but-perfectly-normal-host-name.example.test A >/dev/null
stop

# 2. a DNS tunnel made like iodine/dnscat: a file's bytes in base32 chunks
#    of 3 labels, queried as TXT and NULL under one domain (80 queries).
rec dns_tunnel_dig.pcap
python3 - <<'PY' > /tmp/dnsx-names
import base64, hashlib
data = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(160))  # 5 KiB payload
b32 = base64.b32encode(data).decode().rstrip("=").lower()
chunk = 90
for seq, off in enumerate(range(0, len(b32), chunk)):
    c = b32[off:off+chunk]
    labels = [c[i:i+30] for i in range(0, len(c), 30)]
    print(("TXT" if seq % 2 == 0 else "NULL"), ".".join(labels + ["%04x" % seq, "t.tunnel.test"]))
PY
while read -r qt name; do $DIG "$name" "$qt" >/dev/null || true; done < <(head -n 80 /tmp/dnsx-names)
stop

# 3. a DGA-infected client: 40 names from a seeded generator under .com,
#    all NXDOMAIN.
rec dns_dga_nxdomain.pcap
python3 - <<'PY' > /tmp/dnsx-dga
s = 0x5eed
out = []
for i in range(40):
    n = ""
    for j in range(10 + i % 6):
        s = (s * 1103515245 + 12345) & 0x7fffffff
        n += "abcdefghijklmnopqrstuvwxyz0123456789"[(s >> 16) % 36]
    out.append(n + ".com")
print("\n".join(out))
PY
while read -r name; do $DIG "$name" A >/dev/null || true; done < <(head -n 40 /tmp/dnsx-dga)
stop

# 4. benign look-alikes: 60 CDN edge names under akamaiedge.net and long
#    normal names; none must be reported.
rec dns_benign_cdn.pcap
for i in $(seq 1 60); do $DIG "e$((1000 + i * 37)).dscb.akamaiedge.net" A >/dev/null; done
for w in alpha bravo charlie delta echo; do $DIG "this-is-a-rather-long-but-perfectly-normal-host-name.example.test" A >/dev/null; $DIG "www.example.test" AAAA >/dev/null; done
stop
ls -l "$OUT"/dns_*.pcap
