#!/bin/bash
# Records the SIP test captures between two network namespaces (veth pair,
# 10.77.0.1 caller ↔ 10.77.0.2 callee) with real SIPp user agents:
#   sip_call_sipp.pcap       sipp -sn uas ↔ sipp -sn uac_pcap (one call,
#                            INVITE/100/180/200/ACK, 7 s of G.711 A-law RTP
#                            from the shipped g711a.pcap, BYE/200)
#   sip_call_tcp_sipp.pcap   sipp -sn uas ↔ sipp -sn uac over TCP (-t t1):
#                            one call with SDP, no media
#   sip_auth_fail_sipp.pcap  a REGISTER scenario: 8 REGISTERs with Digest
#                            credentials for "alice", the first 7 answered
#                            401, the last 403
# Run as root from the repository root: testdata/record/record_sip.sh
set -eu
OUT=${OUT:-testdata}
TMP=$(mktemp -d)
A=sipa$$ B=sipb$$
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va$$ type veth peer name vb$$
ip link set va$$ netns $A; ip link set vb$$ netns $B
ip -n $A addr add 10.77.0.1/24 dev va$$; ip -n $B addr add 10.77.0.2/24 dev vb$$
for n in $A $B; do ip -n $n link set lo up; done
ip -n $A link set va$$ up; ip -n $B link set vb$$ up

capture() { # file, command...
  local f=$1; shift
  ip netns exec $B timeout 100 tcpdump -q -i vb$$ -s 0 -U -w "$TMP/cap.pcap" ${CAPFILTER:-udp} 2>/dev/null & local td=$!
  sleep 1
  "$@"
  sleep 1; kill $td; wait $td 2>/dev/null || true
  cp "$TMP/cap.pcap" "$OUT/$f"
}

# 1. A call with RTP.
mkdir -p "$TMP/pcap"; ln -s /usr/share/sip-tester/*.pcap "$TMP/pcap/"
call() {
  (cd "$TMP" && ip netns exec $B timeout 30 sipp -sn uas -i 10.77.0.2 -p 5060 -m 1 -nostdin >"$TMP/uas.log" 2>&1) & local uas=$!
  sleep 1
  (cd "$TMP" && ip netns exec $A timeout 30 sipp -sn uac_pcap 10.77.0.2:5060 -i 10.77.0.1 -p 5061 -mi 10.77.0.1 -mp 6000 -s 1001 -m 1 -nostdin >/dev/null 2>&1) || true
  wait $uas || true
}
if [ -z "${ONLY_TCP:-}" ]; then capture sip_call_sipp.pcap call; fi

# 1b. A call over TCP.
calltcp() {
  (cd "$TMP" && ip netns exec $B timeout 30 sipp -sn uas -t t1 -i 10.77.0.2 -p 5060 -m 1 -nostdin >"$TMP/uas.log" 2>&1) & local uas=$!
  sleep 1
  (cd "$TMP" && ip netns exec $A timeout 30 sipp -sn uac -t t1 10.77.0.2:5060 -i 10.77.0.1 -p 5061 -s 1002 -m 1 -nostdin >/dev/null 2>&1) || true
  wait $uas || true
}
CAPFILTER=tcp capture sip_call_tcp_sipp.pcap calltcp

# 2. Failed authentication.
N=8
{
  echo '<?xml version="1.0" encoding="ISO-8859-1" ?><scenario name="register with bad credentials">'
  for i in $(seq 1 $N); do cat <<XML
<send retrans="500"><![CDATA[
REGISTER sip:10.77.0.2 SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: <sip:alice@10.77.0.2>;tag=[call_number]
To: <sip:alice@10.77.0.2>
Call-ID: [call_id]
CSeq: $i REGISTER
Contact: <sip:alice@[local_ip]:[local_port]>
Authorization: Digest username="alice", realm="lab", nonce="n$i", uri="sip:10.77.0.2", response="0123456789abcdef0123456789abcd$((10 + i))"
Max-Forwards: 70
User-Agent: pcapai-test-uac
Expires: 3600
Content-Length: 0

]]></send>
<recv response="$([ $i -lt $N ] && echo 401 || echo 403)"/>
XML
  done
  echo '</scenario>'
} > "$TMP/uac_auth.xml"
{
  echo '<?xml version="1.0" encoding="ISO-8859-1" ?><scenario name="registrar rejecting">'
  for i in $(seq 1 $N); do
    if [ $i -lt $N ]; then code="401 Unauthorized"; extra='WWW-Authenticate: Digest realm="lab", nonce="n'$((i + 1))'", algorithm=MD5'; else code="403 Forbidden"; extra=""; fi
    cat <<XML
<recv request="REGISTER"/>
<send><![CDATA[
SIP/2.0 $code
[last_Via:]
[last_From:]
[last_To:];tag=reg[pid]
[last_Call-ID:]
[last_CSeq:]
$extra
Content-Length: 0

]]></send>
XML
  done
  echo '</scenario>'
} > "$TMP/uas_auth.xml"
auth() {
  (cd "$TMP" && ip netns exec $B timeout 90 sipp -sf uas_auth.xml -i 10.77.0.2 -p 5060 -m 1 -nostdin >"$TMP/uas.log" 2>&1) & local uas=$!
  sleep 1
  (cd "$TMP" && ip netns exec $A timeout 90 sipp -sf uac_auth.xml 10.77.0.2:5060 -i 10.77.0.1 -p 5061 -m 1 -nostdin >/dev/null 2>&1) || true
  wait $uas || true
}
if [ -z "${ONLY_TCP:-}" ]; then capture sip_auth_fail_sipp.pcap auth; fi
ls -l "$OUT"/sip_*.pcap
