#!/usr/bin/env python3
"""Beacon client: one HTTP GET (a new TCP connection) and one UDP datagram
every PERIOD seconds with uniform ±JITTER jitter, for BEATS beats; the beats
listed in MISSED are skipped (missed beats). Writes the truth as JSON."""
import json, random, socket, sys, time, urllib.request

url, udp_host, udp_port, period, jitter, beats, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
MISSED = {12, 27}
random.seed(20261124)
start = time.time()
sent = []
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(beats):
    due = start + i * period + random.uniform(-jitter, jitter) * period
    time.sleep(max(0, due - time.time()))
    if i in MISSED:
        continue
    try:
        urllib.request.urlopen(url, timeout=3).read()
    except Exception as e:
        print("beat", i, e, file=sys.stderr)
    u.sendto(b"beacon-%02d-" % (i % 100) + b"x" * 36, (udp_host, udp_port))
    sent.append(time.time())
json.dump({"beats": beats, "missed": sorted(MISSED), "connections": len(sent), "period_s": period, "jitter": jitter}, open(out, "w"))
