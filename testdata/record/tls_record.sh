#!/usr/bin/env bash
# Records the tlsx test captures (testdata/tls_*.pcap) between two network
# namespaces: openssl s_server on 10.99.0.1:4433 (not 443: tlsx detects TLS
# by its record header) and curl on 10.99.0.2, captured with tcpdump on the
# client side. It builds a root CA, an intermediate and leaves with openssl,
# then writes testdata/tls_truth.json from tshark's view of each file.
# Run as root from the repository root: testdata/record/tls_record.sh
# Existing captures are kept: delete one to record it again.
set -euo pipefail
OUT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'ip netns del tlsrec_s 2>/dev/null || true; ip netns del tlsrec_c 2>/dev/null || true; rm -rf "$W"' EXIT
cd "$W"

# --- PKI ---------------------------------------------------------------
cat > ca.cnf <<'CNF'
[ca]
default_ca = CA
[CA]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = pol
copy_extensions = copy
unique_subject = no
[pol]
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_leaf]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
touch index.txt; echo 1000 > serial
ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }
ec root.key; ec int.key; ec leaf.key
openssl req -x509 -new -key root.key -subj "/CN=pcapai Test Root CA" -days 3650 -sha256 \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign -out root.pem
openssl req -new -key int.key -subj "/CN=pcapai Test Intermediate CA" -out int.csr
openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 -sha256 \
  -extfile ca.cnf -extensions v3_ca -out int.pem
openssl req -new -key leaf.key -subj "/CN=server.test" -addext "subjectAltName=DNS:server.test" -out leaf.csr
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 365 -sha256 \
  -extfile <(printf 'subjectAltName=DNS:server.test\nbasicConstraints=CA:false\n') -out leaf.pem
# Expired leaf: valid 2020-01-01 .. 2021-01-01 (openssl ca takes explicit dates).
openssl ca -batch -config ca.cnf -cert int.pem -keyfile int.key -in leaf.csr -extensions v3_leaf \
  -startdate 20200101000000Z -enddate 20210101000000Z -notext -out expired.pem 2>/dev/null
# Self-signed leaf with a weak 1024-bit RSA key and a SHA-1 signature.
openssl req -x509 -newkey rsa:1024 -nodes -keyout self.key -subj "/CN=selfsigned.test" -days 365 -sha1 \
  -addext "subjectAltName=DNS:selfsigned.test" -out self.pem 2>/dev/null

# --- network -------------------------------------------------------------
ip netns add tlsrec_s; ip netns add tlsrec_c
ip link add vs netns tlsrec_s type veth peer name vc netns tlsrec_c
ip -n tlsrec_s addr add 10.99.0.1/24 dev vs; ip -n tlsrec_c addr add 10.99.0.2/24 dev vc
ip -n tlsrec_s link set vs up; ip -n tlsrec_c link set vc up
ip -n tlsrec_s link set lo up; ip -n tlsrec_c link set lo up
ip netns exec tlsrec_c ethtool -K vc tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec tlsrec_s ethtool -K vs tso off gso off gro off >/dev/null 2>&1 || true

# record NAME SERVER_NS CLIENT_NS IFACE SERVER_IP "s_server args" "curl args"
record() {
  local name=$1 sns=$2 cns=$3 ifc=$4 ip=$5 sargs=$6 cargs=$7
  [ -e "$OUT/$name.pcap" ] && return # delete a capture to record it again
  ip netns exec "$sns" timeout 20 openssl s_server -accept 4433 -naccept 1 -www -quiet $sargs >/dev/null 2>&1 &
  local spid=$!
  sleep 0.5
  ip netns exec "$cns" timeout 20 tcpdump -i "$ifc" -s 0 -U -w "$OUT/$name.pcap" tcp port 4433 >/dev/null 2>&1 &
  local tpid=$!
  sleep 1
  ip netns exec "$cns" timeout 15 curl -s -o /dev/null --max-time 10 \
    --resolve server.test:4433:$ip --resolve other.test:4433:$ip --resolve selfsigned.test:4433:$ip $cargs || true
  sleep 1
  kill "$tpid" 2>/dev/null || true; wait "$tpid" 2>/dev/null || true
  kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
}
V="tlsrec_s tlsrec_c vc 10.99.0.1"
record tls_valid_chain_tls12 $V "-cert leaf.pem -key leaf.key -cert_chain int.pem -tls1_2" "--cacert root.pem --tlsv1.2 --tls-max 1.2 https://server.test:4433/"
record tls_expired_cert $V "-cert expired.pem -key leaf.key -cert_chain int.pem -tls1_2" "-k --tlsv1.2 --tls-max 1.2 https://server.test:4433/"
record tls_self_signed $V "-cert self.pem -key self.key -tls1_2 -cipher DEFAULT:@SECLEVEL=0" "-k --tlsv1.2 --tls-max 1.2 --ciphers DEFAULT:@SECLEVEL=0 https://selfsigned.test:4433/"
record tls_hostname_mismatch $V "-cert leaf.pem -key leaf.key -cert_chain int.pem -tls1_2" "-k --tlsv1.2 --tls-max 1.2 https://other.test:4433/"
record tls_missing_intermediate $V "-cert leaf.pem -key leaf.key -tls1_2" "--cacert root.pem --tlsv1.2 --tls-max 1.2 https://server.test:4433/"
record tls_13 $V "-cert leaf.pem -key leaf.key -cert_chain int.pem" "--cacert root.pem --tlsv1.3 https://server.test:4433/"

# Resumption: two openssl s_client connections, the second resuming the
# first's session (TLS 1.2: session ID; TLS 1.3: a ticket, PSK).
# record_resume NAME "version flag"
record_resume() {
  local name=$1 ver=$2
  [ -e "$OUT/$name.pcap" ] && return
  ip netns exec tlsrec_s timeout 20 openssl s_server -accept 4433 -naccept 2 -www -quiet -cert leaf.pem -key leaf.key -cert_chain int.pem $ver >/dev/null 2>&1 &
  local spid=$!
  sleep 0.5
  ip netns exec tlsrec_c timeout 20 tcpdump -i vc -s 0 -U -w "$OUT/$name.pcap" tcp port 4433 >/dev/null 2>&1 &
  local tpid=$!
  sleep 1
  (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) | ip netns exec tlsrec_c timeout 10 openssl s_client -connect 10.99.0.1:4433 -servername server.test $ver -sess_out sess.pem -quiet >/dev/null 2>&1 || true
  (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) | ip netns exec tlsrec_c timeout 10 openssl s_client -connect 10.99.0.1:4433 -servername server.test $ver -sess_in sess.pem -quiet >/dev/null 2>&1 || true
  sleep 1
  kill "$tpid" 2>/dev/null || true; wait "$tpid" 2>/dev/null || true
  kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
}
# HelloRetryRequest: the client's only key share (X25519) is not among
# the server's groups (P-256), so the server asks again.
if [ ! -e "$OUT/tls_hello_retry.pcap" ]; then
  ip netns exec tlsrec_s timeout 20 openssl s_server -accept 4433 -naccept 1 -www -quiet -cert leaf.pem -key leaf.key -cert_chain int.pem -groups P-256 >/dev/null 2>&1 &
  spid=$!
  sleep 0.5
  ip netns exec tlsrec_c timeout 20 tcpdump -i vc -s 0 -U -w "$OUT/tls_hello_retry.pcap" tcp port 4433 >/dev/null 2>&1 &
  tpid=$!
  sleep 1
  (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) | ip netns exec tlsrec_c timeout 10 openssl s_client -connect 10.99.0.1:4433 -servername server.test -tls1_3 -groups X25519:P-256 -quiet >/dev/null 2>&1 || true
  sleep 1
  kill "$tpid" 2>/dev/null || true; wait "$tpid" 2>/dev/null || true
  kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
fi
record_resume tls_resumption_tls12 -tls1_2
record_resume tls_resumption_tls13 -tls1_3

# Small MTU (many small segments) and reordering: tc netem is not available
# here, so two TUN devices joined by tunreorder.py swap pairs of the
# server's data segments; tcpdump on the client's TUN sees them out of order.
if [ ! -e "$OUT/tls_reordered_small_mtu.pcap" ]; then
ip netns add tlsrec_s2; ip netns add tlsrec_c2
trap 'ip netns del tlsrec_s 2>/dev/null || true; ip netns del tlsrec_c 2>/dev/null || true; ip netns del tlsrec_s2 2>/dev/null || true; ip netns del tlsrec_c2 2>/dev/null || true; rm -rf "$W"' EXIT
python3 "$OUT/record/tunreorder.py" tlsrec_c2 tlsrec_s2 25 > tun.log 2>&1 &
TPID=$!
for _ in $(seq 1 20); do grep -q ready tun.log && break; sleep 0.5; done
ip -n tlsrec_c2 addr add 10.98.0.2 peer 10.98.0.1 dev tunc; ip -n tlsrec_s2 addr add 10.98.0.1 peer 10.98.0.2 dev tuns
ip -n tlsrec_c2 link set tunc mtu 576 up; ip -n tlsrec_s2 link set tuns mtu 576 up
ip -n tlsrec_c2 link set lo up; ip -n tlsrec_s2 link set lo up
record tls_reordered_small_mtu tlsrec_s2 tlsrec_c2 tunc 10.98.0.1 "-cert leaf.pem -key leaf.key -cert_chain int.pem -tls1_2" "--cacert root.pem --tlsv1.2 --tls-max 1.2 https://server.test:4433/"
kill "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true
fi

# --- truth from tshark -----------------------------------------------------
python3 "$OUT/record/tls_truth.py" "$OUT"
chown -R --reference="$OUT" "$OUT"/tls_* 2>/dev/null || true
ls -l "$OUT"/tls_*
