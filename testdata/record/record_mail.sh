#!/bin/bash
# Records testdata/mail_logins_curl.pcap: curl logging in to minimal
# python3 POP3, IMAP and SMTP responders (they accept any credentials) in
# a second namespace (client 10.82.0.1, server 10.82.0.2):
#   1. curl pop3://10.82.0.2/ -u 'popuser:P0p!pass'        (USER/PASS)
#   2. curl imap://10.82.0.2/ -u 'imapuser:1m@p pass'      (LOGIN, quoted)
#   3. curl smtp://10.82.0.2:587 -u 'smtpuser:Smtp#9' --login-options
#      AUTH=PLAIN, one message                              (AUTH PLAIN)
#   4. the same with AUTH=LOGIN and user smtpuser2 / L0gin$ (AUTH LOGIN)
# Run as root from the repository root: testdata/record/record_mail.sh
set -eu
OUT=${OUT:-testdata}
TMP=$(mktemp -d)
A=mla$$ B=mlb$$
cleanup() {
  for p in ${PIDS:-}; do kill $p 2>/dev/null || true; done
  ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add ma$$ type veth peer name mb$$
ip link set ma$$ netns $A; ip link set mb$$ netns $B
ip -n $A addr add 10.82.0.1/24 dev ma$$; ip -n $B addr add 10.82.0.2/24 dev mb$$
for n in $A $B; do ip -n $n link set lo up; done
ip -n $A link set ma$$ up; ip -n $B link set mb$$ up

cat > "$TMP/mail.py" <<'PY'
import socketserver, threading
class Base(socketserver.StreamRequestHandler):
    def send(self, s): self.wfile.write(s.encode() + b"\r\n")
class POP3(Base):
    def handle(self):
        self.send("+OK POP3 ready")
        for line in self.rfile:
            cmd = line.decode().strip().split(" ")[0].upper()
            if cmd == "CAPA": self.send("+OK\r\nUSER\r\n.")
            elif cmd in ("LIST", "UIDL"): self.send("+OK\r\n.")
            elif cmd == "QUIT": self.send("+OK bye"); return
            else: self.send("+OK")
class IMAP(Base):
    def handle(self):
        self.send("* OK IMAP4rev1 ready")
        for line in self.rfile:
            parts = line.decode().strip().split(" ")
            tag, cmd = parts[0], (parts[1].upper() if len(parts) > 1 else "")
            if cmd == "CAPABILITY": self.send("* CAPABILITY IMAP4rev1\r\n%s OK done" % tag)
            elif cmd == "LIST": self.send('* LIST () "/" INBOX\r\n%s OK done' % tag)
            elif cmd == "LOGOUT": self.send("* BYE\r\n%s OK done" % tag); return
            else: self.send("%s OK done" % tag)
class SMTP(Base):
    def handle(self):
        self.send("220 lab ESMTP")
        data = False
        for line in self.rfile:
            l = line.decode().rstrip("\r\n")
            if data:
                if l == ".": data = False; self.send("250 queued")
                continue
            cmd = l.split(" ")[0].upper()
            if cmd == "EHLO": self.send("250-lab\r\n250 AUTH PLAIN LOGIN")
            elif cmd == "AUTH" and l.upper().startswith("AUTH LOGIN"):
                self.send("334 VXNlcm5hbWU6"); self.rfile.readline()
                self.send("334 UGFzc3dvcmQ6"); self.rfile.readline()
                self.send("235 2.7.0 Authentication successful")
            elif cmd == "AUTH":
                if len(l.split(" ")) < 3: self.send("334 "); self.rfile.readline()
                self.send("235 2.7.0 Authentication successful")
            elif cmd == "DATA": data = True; self.send("354 go ahead")
            elif cmd == "QUIT": self.send("221 bye"); return
            else: self.send("250 ok")
class S(socketserver.ThreadingTCPServer): allow_reuse_address = True; daemon_threads = True
for port, h in ((110, POP3), (143, IMAP), (587, SMTP)):
    threading.Thread(target=S(("10.82.0.2", port), h).serve_forever, daemon=True).start()
threading.Event().wait(60)
PY
printf 'Subject: test\r\n\r\nhello\r\n' > "$TMP/msg.txt"
ip netns exec $B timeout 60 /usr/bin/python3 "$TMP/mail.py" & PIDS="$!"
ip netns exec $B timeout 60 tcpdump -q -i mb$$ -s 0 -U -w "$TMP/cap.pcap" tcp 2>/dev/null & TD=$!
sleep 3
ip netns exec $A curl -sS -m 5 pop3://10.82.0.2/ -u 'popuser:P0p!pass' >/dev/null || true
ip netns exec $A curl -sS -m 5 imap://10.82.0.2/ -u 'imapuser:1m@p pass' >/dev/null || true
ip netns exec $A curl -sS -m 5 smtp://10.82.0.2:587 --mail-from a@lab --mail-rcpt b@lab -u 'smtpuser:Smtp#9' --login-options AUTH=PLAIN -T "$TMP/msg.txt" || true
ip netns exec $A curl -sS -m 5 smtp://10.82.0.2:587 --mail-from a@lab --mail-rcpt b@lab -u 'smtpuser2:L0gin$' --login-options AUTH=LOGIN -T "$TMP/msg.txt" || true
sleep 1; kill $TD; wait $TD 2>/dev/null || true
cp "$TMP/cap.pcap" "$OUT/mail_logins_curl.pcap"
ls -l "$OUT/mail_logins_curl.pcap"
