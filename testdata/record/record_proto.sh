#!/bin/bash
# Records the dhcp/icmp/arp test captures inside network namespaces (root
# needed; no traffic leaves the namespaces). Every command is bounded.
#
#   dhcp_rogue_dnsmasq.pcap   two dnsmasq DHCP servers on one bridge (the
#                             legitimate 10.50.0.1 and a rogue 10.50.0.66),
#                             a busybox udhcpc client, a dhclient client, then
#                             a dhclient -6 DHCPv6 exchange (dnsmasq with
#                             router advertisements), then the rogue host
#                             sends gratuitous ARP replies claiming
#                             10.50.0.1 (ARP spoofing)
#   icmp_traceroute_netns.pcap h1 — r1 — r2 — h2: ping, UDP and ICMP
#                             traceroute, a closed UDP port (IPv4 and IPv6:
#                             ping -6, traceroute -6), an ICMP redirect from
#                             r1, an unroutable network, a ping sweep of 20
#                             hosts, and 20 random-payload echo requests
#
# Truth: testdata/record/truth_proto.py writes testdata/proto_truth.json
# from tshark's view of both files.
#
# Usage: testdata/record/record_proto.sh [outdir]   (default testdata/)
set -eu
OUT=$(realpath "${1:-$(dirname "$0")/..}")
P=pp_
cleanup() {
	for n in sw srv rog cli h1 h3 r1 r2 h2; do ip netns del $P$n 2>/dev/null || true; done
	rm -rf /tmp/${P}rec
}
trap cleanup EXIT
cleanup
mkdir -p /tmp/${P}rec
T=/tmp/${P}rec

# ---------- DHCP + ARP segment ----------
for n in sw srv rog cli; do
	ip netns add $P$n
	ip -n $P$n link set lo up
	ip netns exec $P$n sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
ip -n ${P}sw link add br0 type bridge
ip -n ${P}sw link set br0 up
i=0
for n in srv rog cli; do
	ip link add v$n netns ${P}sw type veth peer name eth0 netns $P$n
	ip -n ${P}sw link set v$n master br0 up
	ip -n $P$n link set eth0 address 02:00:00:00:00:0$((++i))
	ip -n $P$n link set eth0 up
done
ip -n ${P}srv addr add 10.50.0.1/24 dev eth0
ip -n ${P}srv addr add fd00:50::1/64 dev eth0 nodad
ip -n ${P}rog addr add 10.50.0.66/24 dev eth0
ip netns exec ${P}sw timeout 50 tcpdump -U -i br0 -w $T/dhcp.pcap -s 400 'udp port 67 or udp port 68 or udp port 546 or udp port 547 or arp or icmp6' 2>/dev/null &
TD=$!
sleep 1
ip netns exec ${P}srv timeout 30 dnsmasq -k -p 0 --dhcp-range=10.50.0.100,10.50.0.150,255.255.255.0,12h \
	--dhcp-range=fd00:50::100,fd00:50::1ff,64,1h --enable-ra \
	--dhcp-option=option:router,10.50.0.1 --dhcp-option=option:dns-server,10.50.0.1 --domain=lab.test \
	--no-ping --dhcp-leasefile=$T/srv.leases --pid-file=$T/srv.pid -i eth0 --bind-interfaces 2>/dev/null &
S1=$!
ip netns exec ${P}rog timeout 30 dnsmasq -k -p 0 --dhcp-range=10.50.0.200,10.50.0.250,255.255.255.0,1h \
	--dhcp-option=option:router,10.50.0.66 --dhcp-option=option:dns-server,10.50.0.66 \
	--no-ping --dhcp-leasefile=$T/rog.leases --pid-file=$T/rog.pid -i eth0 --bind-interfaces 2>/dev/null &
S2=$!
sleep 2
ip netns exec ${P}cli timeout 10 busybox udhcpc -i eth0 -n -q -t 3 -T 2 -x hostname:labclient -s /bin/true || true
sleep 1
ip netns exec ${P}cli timeout 10 dhclient -1 -v -sf /bin/true -lf $T/cli.leases -pf $T/cli.pid eth0 2>&1 | tail -3 || true
sleep 1
# DHCPv6 from the legitimate server (dnsmasq also sends router advertisements)
ip netns exec ${P}cli timeout 10 dhclient -6 -1 -v -sf /bin/true -lf $T/cli6.leases -pf $T/cli6.pid eth0 2>&1 | tail -3 || true
sleep 1
# the legitimate server's ARP: 10.50.0.1 is at 02:00:00:00:00:01
ip netns exec ${P}srv ping -c 1 -W 1 10.50.0.66 >/dev/null || true
# the rogue host claims 10.50.0.1 with its own MAC (gratuitous ARP replies)
ip netns exec ${P}rog python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
mac = bytes.fromhex("020000000002")
ip = socket.inet_aton("10.50.0.1")
bc = b"\xff" * 6
arp = bytes.fromhex("0001080006040002") + mac + ip + bc + ip
for _ in range(3):
    s.send(bc + mac + b"\x08\x06" + arp + b"\x00" * 18)
    time.sleep(0.2)
PY
sleep 1
kill $S1 $S2 2>/dev/null || true
sleep 1
kill $TD 2>/dev/null || true
wait $TD 2>/dev/null || true
cp $T/dhcp.pcap "$OUT/dhcp_rogue_dnsmasq.pcap"

# ---------- ICMP: h1 (+h3) — r1 — r2 — h2, IPv4 and IPv6 ----------
# r1 bridges h1 and h3 on one segment; r1 routes 10.60.9.0/24 via h3, so a
# packet from h1 to 10.60.9.1 leaves r1 on the interface it came in on and
# r1 sends h1 an ICMP redirect.
for n in h1 h3 r1 r2 h2; do ip netns add $P$n; ip -n $P$n link set lo up; done
ip -n ${P}r1 link add br0 type bridge
ip link add name eth0 netns ${P}h1 type veth peer name a netns ${P}r1
ip link add name eth0 netns ${P}h3 type veth peer name c netns ${P}r1
ip link add name b netns ${P}r1 type veth peer name a netns ${P}r2
ip link add name b netns ${P}r2 type veth peer name eth0 netns ${P}h2
ip -n ${P}r1 link set dev a master br0
ip -n ${P}r1 link set dev c master br0
ip -n ${P}h1 addr add 10.60.1.2/24 dev eth0
ip -n ${P}h3 addr add 10.60.1.3/24 dev eth0
ip -n ${P}r1 addr add 10.60.1.1/24 dev br0
ip -n ${P}r1 addr add 10.60.2.1/24 dev b
ip -n ${P}r2 addr add 10.60.2.2/24 dev a
ip -n ${P}r2 addr add 10.60.3.1/24 dev b
ip -n ${P}h2 addr add 10.60.3.2/24 dev eth0
ip -n ${P}h1 addr add fd00:1::2/64 dev eth0 nodad
ip -n ${P}r1 addr add fd00:1::1/64 dev br0 nodad
ip -n ${P}r1 addr add fd00:2::1/64 dev b nodad
ip -n ${P}r2 addr add fd00:2::2/64 dev a nodad
ip -n ${P}r2 addr add fd00:3::1/64 dev b nodad
ip -n ${P}h2 addr add fd00:3::2/64 dev eth0 nodad
for x in "h1 eth0" "h3 eth0" "r1 a" "r1 c" "r1 br0" "r1 b" "r2 a" "r2 b" "h2 eth0"; do set -- $x; ip -n $P$1 link set dev $2 up; done
ip -n ${P}h1 route add default via 10.60.1.1
ip -n ${P}h3 route add default via 10.60.1.1
ip -n ${P}h2 route add default via 10.60.3.1
ip -n ${P}r1 route add 10.60.3.0/24 via 10.60.2.2
ip -n ${P}r1 route add 10.60.9.0/24 via 10.60.1.3
ip -n ${P}r2 route add 10.60.1.0/24 via 10.60.2.1
ip -n ${P}h1 -6 route add default via fd00:1::1
ip -n ${P}h2 -6 route add default via fd00:3::1
ip -n ${P}r1 -6 route add fd00:3::/64 via fd00:2::2
ip -n ${P}r2 -6 route add fd00:1::/64 via fd00:2::1
for r in r1 r2; do
	ip netns exec $P$r sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=0
done
ip netns exec ${P}h2 sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
ip netns exec ${P}h1 timeout 60 tcpdump -U -i eth0 -w $T/icmp.pcap -s 1500 'icmp or udp or icmp6' 2>/dev/null &
TD=$!
sleep 1
H="ip netns exec ${P}h1"
$H ping -c 3 -i 0.2 10.60.3.2 >/dev/null
$H timeout 20 traceroute -n -q 1 -w 1 -m 5 10.60.3.2 || true
$H timeout 20 traceroute -I -n -q 1 -w 1 -m 5 10.60.3.2 || true
# a closed UDP port on h2
$H python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"probe", ("10.60.3.2", 9999))'
# IPv6: ping, UDP traceroute, a closed UDP port
$H ping -6 -c 2 -i 0.2 fd00:3::2 >/dev/null
$H timeout 20 traceroute -6 -n -q 1 -w 1 -m 5 fd00:3::2 || true
$H python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b"probe", ("fd00:3::2", 9999))'
# r1 redirects h1 to h3 for 10.60.9.0/24
$H ping -c 2 -i 0.2 -W 1 10.60.9.1 >/dev/null || true
# a network r1 has no route to
$H ping -c 1 -W 1 10.99.0.1 >/dev/null || true
# ping sweep of 20 hosts beyond r2 (no answers; r2 may report host unreachable)
for i in $(seq 10 29); do $H ping -c 1 -W 1 10.60.3.$i >/dev/null 2>&1 & done
wait $(jobs -p | grep -v "^$TD$") 2>/dev/null || true
sleep 3
# tunnel-like echo: random payloads of varying size
$H python3 - <<'PY'
import os, socket, struct, time
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
for seq in range(20):
    data = os.urandom(400 + 37 * seq)
    hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq)
    hdr = struct.pack("!BBHHH", 8, 0, csum(hdr + data), 0x4242, seq)
    s.sendto(hdr + data, ("10.60.3.2", 0))
    time.sleep(0.05)
PY
sleep 1
kill $TD 2>/dev/null || true
wait $TD 2>/dev/null || true
cp $T/icmp.pcap "$OUT/icmp_traceroute_netns.pcap"
ls -l "$OUT"/dhcp_rogue_dnsmasq.pcap "$OUT"/icmp_traceroute_netns.pcap
