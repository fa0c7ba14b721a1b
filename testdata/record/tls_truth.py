#!/usr/bin/env python3
"""Writes testdata/tls_truth.json: tshark 4.0's view of each testdata/tls_*.pcap
(out-of-order TCP reassembly on). Usage: tls_truth.py TESTDATA_DIR"""
import json, subprocess, sys, os, glob
out = sys.argv[1]
truth = {}
for f in sorted(glob.glob(os.path.join(out, "tls_*.pcap"))):
    def fields(flt, *fs):
        r = subprocess.run(["tshark", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", f, "-Y", flt, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"] + sum([["-e", x] for x in fs], []), capture_output=True, text=True, check=True)
        return [l.split("\t") for l in r.stdout.splitlines() if l]
    ch = fields("tls.handshake.type==1", "frame.number", "tls.handshake.ja3", "tls.handshake.extensions_server_name")
    sh = fields("tls.handshake.type==2", "frame.number", "tls.handshake.ja3s", "tls.handshake.extensions.supported_version", "tls.handshake.version")
    ce = fields("tls.handshake.type==11", "frame.number", "x509sat.printableString", "x509sat.uTF8String")
    ooo = fields("tcp.analysis.out_of_order", "frame.number")
    al = fields("tls.alert_message.desc", "frame.number", "tls.alert_message.level", "tls.alert_message.desc")
    truth[os.path.basename(f)] = {
        "client_hello_frames": [int(r[0]) for r in ch],
        "ja3": [r[1] for r in ch],
        "sni": [r[2] for r in ch if len(r) > 2 and r[2]],
        "server_hello_frames": [int(r[0]) for r in sh],
        "ja3s": [r[1] for r in sh],
        "server_hello_versions": [(r[2] if len(r) > 2 and r[2] else r[3]) for r in sh],
        "certificate_frames": [int(r[0]) for r in ce],
        "out_of_order_segments": len(ooo),
        "alerts": [[int(r[0]), int(r[1]), int(r[2])] for r in al],
        "size": os.path.getsize(f),
    }
json.dump(truth, open(os.path.join(out, "tls_truth.json"), "w"), indent=1, sort_keys=True)
