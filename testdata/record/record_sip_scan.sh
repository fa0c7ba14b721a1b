#!/bin/bash
# Records testdata/sip_scan_nmap.pcap between two network namespaces:
# client 10.80.0.1; a minimal python3 SIP responder on UDP 5060 of
# 10.80.0.2–10.80.0.13 (200 to OPTIONS; 401 with a Digest challenge to a
# REGISTER without credentials, and again to one with credentials, as
# for a wrong password).
#   1. nmap -sU -p 5060 --script sip-methods 10.80.0.2-13  (OPTIONS sweep,
#      User-Agent "Nmap NSE")
#   2. nmap -sU -p 5060 --script sip-brute 10.80.0.2 with 2 users × 6
#      passwords (REGISTER brute force, every attempt answered 401)
# Run as root from the repository root: testdata/record/record_sip_scan.sh
set -eu
OUT=${OUT:-testdata}
TMP=$(mktemp -d)
A=ssa$$ B=ssb$$
cleanup() {
  for p in ${PIDS:-}; do kill $p 2>/dev/null || true; done
  ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add sa$$ type veth peer name sb$$
ip link set sa$$ netns $A; ip link set sb$$ netns $B
ip -n $A addr add 10.80.0.1/24 dev sa$$
for i in $(seq 2 13); do ip -n $B addr add 10.80.0.$i/24 dev sb$$; done
for n in $A $B; do ip -n $n link set lo up; done
ip -n $A link set sa$$ up; ip -n $B link set sb$$ up

cat > "$TMP/responder.py" <<'PY'
import select, socket
socks = []
for i in range(2, 14):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.80.0.%d" % i, 5060)); socks.append(s)
while True:
    for s in select.select(socks, [], [], 30)[0]:
        data, peer = s.recvfrom(65535)
        text = data.decode("latin-1")
        lines = text.split("\r\n")
        if not lines or not lines[0].endswith("SIP/2.0"):
            continue
        method = lines[0].split(" ")[0]
        keep = [l for l in lines[1:] if l.split(":")[0].lower() in ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")]
        auth = any(l.lower().startswith("authorization:") for l in lines)
        if method == "REGISTER" and not auth:
            status, extra = "401 Unauthorized", ['WWW-Authenticate: Digest algorithm=MD5, realm="lab", nonce="abc123"']
        elif method == "REGISTER":  # wrong password: a new challenge
            status, extra = "401 Unauthorized", ['WWW-Authenticate: Digest algorithm=MD5, realm="lab", nonce="def456"']
        else:
            status, extra = "200 OK", ["Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REGISTER"]
        resp = "\r\n".join(["SIP/2.0 " + status] + keep + extra + ["Server: lab-responder", "Content-Length: 0", "", ""])
        s.sendto(resp.encode("latin-1"), peer)
PY
printf 'alice\nbob\n' > "$TMP/users"
printf '123456\npassword\nqwerty\nletmein\nsecret\nsip\n' > "$TMP/pass"
ip netns exec $B timeout 120 /usr/bin/python3 "$TMP/responder.py" & PIDS="$!"
ip netns exec $B timeout 120 tcpdump -q -i sb$$ -s 0 -U -w "$TMP/cap.pcap" udp port 5060 2>/dev/null & TD=$!
sleep 3
ip netns exec $A timeout 60 nmap -n -Pn -sU -p 5060 --script sip-methods 10.80.0.2-13 >/dev/null
ip netns exec $A timeout 60 nmap -n -Pn -sU -p 5060 --script sip-brute --script-args "userdb=$TMP/users,passdb=$TMP/pass,unpwdb.timelimit=30s" 10.80.0.2 >/dev/null
sleep 1; kill $TD; wait $TD 2>/dev/null || true
cp "$TMP/cap.pcap" "$OUT/sip_scan_nmap.pcap"
ls -l "$OUT/sip_scan_nmap.pcap"
