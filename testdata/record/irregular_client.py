#!/usr/bin/env python3
"""Benign irregular keep-alives: HTTP GETs (new TCP connections) with
exponentially distributed gaps (mean MEAN seconds), N of them."""
import json, random, sys, time, urllib.request
url, mean, n, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
random.seed(7)
done = 0
for i in range(n):
    time.sleep(random.expovariate(1 / mean))
    try:
        urllib.request.urlopen(url, timeout=3).read()
        done += 1
    except Exception as e:
        print(e, file=sys.stderr)
json.dump({"connections": done, "mean_gap_s": mean}, open(out, "w"))
