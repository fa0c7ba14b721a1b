#!/bin/bash
# Records testdata/logins_http_ftp_telnet.pcap: cleartext logins between two
# network namespaces (client 10.79.0.1, server 10.79.0.2), all with the
# test credentials analyst / Secr3t!:
#   1. curl -u analyst:Secr3t! http://10.79.0.2/secret   (HTTP Basic; a
#      python3 http.server subclass answers 200, or 401 without credentials)
#   2. curl -d 'username=analyst&password=Secr3t%21' http://10.79.0.2/login
#      (HTML form POST, answered 302)
#   3. curl ftp://analyst:Secr3t%21@10.79.0.2/  (pyftpdlib: USER/PASS, 230)
#   4. a telnet-like login on port 23: a python socket server prompting
#      "login: " and "Password: ", a client answering line by line.
# Run as root from the repository root: testdata/record/record_logins.sh
set -eu
OUT=${OUT:-testdata}
TMP=$(mktemp -d)
A=lga$$ B=lgb$$
cleanup() {
  for p in ${PIDS:-}; do kill $p 2>/dev/null || true; done
  ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add la$$ type veth peer name lb$$
ip link set la$$ netns $A; ip link set lb$$ netns $B
ip -n $A addr add 10.79.0.1/24 dev la$$; ip -n $B addr add 10.79.0.2/24 dev lb$$
for n in $A $B; do ip -n $n link set lo up; done
ip -n $A link set la$$ up; ip -n $B link set lb$$ up

cat > "$TMP/http_server.py" <<'PY'
import base64, http.server
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, body, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        want = "Basic " + base64.b64encode(b"analyst:Secr3t!").decode()
        if self.headers.get("Authorization") == want:
            self.reply(200, b"secret page\n")
        else:
            self.reply(401, b"auth required\n", [("WWW-Authenticate", 'Basic realm="lab"')])
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        self.reply(302, b"", [("Location", "/home")])
http.server.HTTPServer(("10.79.0.2", 80), H).serve_forever()
PY
cat > "$TMP/ftp_server.py" <<'PY'
import os, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
a = DummyAuthorizer(); a.add_user("analyst", "Secr3t!", sys.argv[1], perm="elr")
h = FTPHandler; h.authorizer = a; h.passive_ports = range(50000, 50010)
FTPServer(("10.79.0.2", 21), h).serve_forever()
PY
cat > "$TMP/telnet_server.py" <<'PY'
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.79.0.2", 23)); s.listen(1)
c, _ = s.accept()
f = c.makefile("rb")
c.sendall(b"\r\nlab login: "); f.readline()
c.sendall(b"Password: "); f.readline()
c.sendall(b"\r\nWelcome to lab\r\n$ "); c.close()
PY
cat > "$TMP/telnet_client.py" <<'PY'
import socket, time
c = socket.create_connection(("10.79.0.2", 23), timeout=5)
def until(s):
    b = b""
    while not b.endswith(s):
        d = c.recv(100)
        if not d: return
        b += d
until(b"login: "); c.sendall(b"analyst\r\n")
until(b"Password: "); c.sendall(b"Secr3t!\r\n")
until(b"$ "); c.close()
PY
mkdir -p "$TMP/ftproot"; echo hello > "$TMP/ftproot/readme.txt"
ip netns exec $B timeout 60 /usr/bin/python3 "$TMP/http_server.py" 2>"$TMP/http.log" & PIDS="$!"
ip netns exec $B timeout 60 /usr/bin/python3 "$TMP/ftp_server.py" "$TMP/ftproot" >/dev/null 2>&1 & PIDS="$PIDS $!"
ip netns exec $B timeout 60 /usr/bin/python3 "$TMP/telnet_server.py" & PIDS="$PIDS $!"
ip netns exec $B timeout 60 tcpdump -q -i lb$$ -s 0 -U -w "$TMP/cap.pcap" tcp 2>/dev/null & TD=$!
sleep 3
ip netns exec $A curl -sS -m 5 -u 'analyst:Secr3t!' http://10.79.0.2/secret >/dev/null
ip netns exec $A curl -s -m 5 -d 'username=analyst&password=Secr3t%21' http://10.79.0.2/login >/dev/null
ip netns exec $A curl -s -m 5 'ftp://analyst:Secr3t%21@10.79.0.2/' >/dev/null
ip netns exec $A timeout 10 /usr/bin/python3 "$TMP/telnet_client.py"
sleep 1; kill $TD; wait $TD 2>/dev/null || true
cp "$TMP/cap.pcap" "$OUT/logins_http_ftp_telnet.pcap"
ls -l "$OUT/logins_http_ftp_telnet.pcap"
