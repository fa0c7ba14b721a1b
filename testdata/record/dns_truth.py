#!/usr/bin/env python3
"""Writes the tshark truth of the dnsx recordings into testdata/truth.json
(merging with what is there), in the shape of ../shared/pcaps/truth.json's
dns sections. Run from the repository root after testdata/record/dns.sh:

    python3 testdata/record/dns_truth.py

It runs, per capture:
    tshark -2 -r F -Y dns -T fields -E occurrence=a -E aggregator=| \
        -e dns.flags.response -e dns.flags.rcode -e dns.flags.truncated \
        -e dns.qry.name -e dns.qry.type -e dns.response_in
"""
import collections, json, os, subprocess

FILES = ["dns_dnsmasq_mixed.pcap", "dns_tunnel_dig.pcap", "dns_dga_nxdomain.pcap", "dns_benign_cdn.pcap"]
path = os.path.join("testdata", "truth.json")
truth = json.load(open(path)) if os.path.exists(path) else {}
for f in FILES:
    out = subprocess.run(["tshark", "-2", "-r", os.path.join("testdata", f), "-Y", "dns", "-T", "fields",
                          "-E", "occurrence=a", "-E", "aggregator=|",
                          "-e", "dns.flags.response", "-e", "dns.flags.rcode", "-e", "dns.flags.truncated",
                          "-e", "dns.qry.name", "-e", "dns.qry.type", "-e", "dns.response_in"],
                         capture_output=True, text=True, check=True).stdout
    d = dict(messages=0, queries=0, responses=0, nxdomain=0, truncated=0, unanswered_queries=0)
    qt, rc, names = collections.Counter(), collections.Counter(), collections.Counter()
    for line in out.splitlines():
        resp, rcode, tc, qn, qtype, rin = (line.split("\t") + [""] * 6)[:6]
        d["messages"] += 1
        if resp == "1":
            d["responses"] += 1
            rc[rcode] += 1
            d["nxdomain"] += rcode == "3"
            d["truncated"] += tc == "1"
        else:
            d["queries"] += 1
            d["unanswered_queries"] += rin == ""
            for t in qtype.split("|"):
                qt[t] += 1
        for n in qn.split("|"):
            names[n] += 1
    d["distinct_qnames"] = len(names)
    d["query_types"] = dict(qt)
    d["rcodes"] = dict(rc)
    d["top_qnames"] = sorted(names.items(), key=lambda x: (-x[1], x[0]))[:5]
    truth.setdefault(f, {})["dns"] = d
json.dump(truth, open(path, "w"), indent=1, sort_keys=True)
