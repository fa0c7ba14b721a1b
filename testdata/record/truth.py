#!/usr/bin/env python3
"""Compute tshark/capinfos ground truth for every capture in testdata/.

Usage: python3 truth.py TESTDATA_DIR [OUTPUT_JSON]
(normally run through truth.sh). Standard library only.

For each testdata/*.pcap, *.pcapng, *.pcap.gz, *.pcapng.gz, *.cap the output
object (keyed by file name) holds the numbers tshark/capinfos report, so Go
tests can compare the engine against Wireshark. All keys are snake_case.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".cap", ".cap.gz")

# key -> display filter. Counts go to "tcp"; matching frame numbers go to "frames".
TCP_FILTERS = OrderedDict([
    ("retransmission", "tcp.analysis.retransmission"),
    ("fast_retransmission", "tcp.analysis.fast_retransmission"),
    ("spurious_retransmission", "tcp.analysis.spurious_retransmission"),
    ("duplicate_ack", "tcp.analysis.duplicate_ack"),
    ("zero_window", "tcp.analysis.zero_window"),
    ("zero_window_probe", "tcp.analysis.zero_window_probe"),
    ("zero_window_probe_ack", "tcp.analysis.zero_window_probe_ack"),
    ("out_of_order", "tcp.analysis.out_of_order"),
    ("lost_segment", "tcp.analysis.lost_segment"),
    ("keep_alive", "tcp.analysis.keep_alive"),
    ("keep_alive_ack", "tcp.analysis.keep_alive_ack"),
    ("window_update", "tcp.analysis.window_update"),
    ("window_full", "tcp.analysis.window_full"),
    ("ack_lost_segment", "tcp.analysis.ack_lost_segment"),
    ("reused_ports", "tcp.analysis.reused_ports"),
    ("syn", "tcp.flags.syn==1 && tcp.flags.ack==0"),
    ("syn_ack", "tcp.flags.syn==1 && tcp.flags.ack==1"),
    ("fin", "tcp.flags.fin==1"),
    ("reset", "tcp.flags.reset==1"),
    ("analysis_flags", "tcp.analysis.flags"),
])
OTHER_FILTERS = OrderedDict([
    ("ip_fragments", "ip.flags.mf==1 || ip.frag_offset>0"),
    ("ipv6_fragments", "ipv6.fraghdr"),
    ("vlan", "vlan"),
    ("icmp", "icmp"),
    ("icmpv6", "icmpv6"),
    ("arp", "arp"),
    ("ipv4", "ip"),
    ("ipv6", "ipv6"),
    ("tcp", "tcp"),
    ("udp", "udp"),
])


def run(cmd, env):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                       universal_newlines=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


def capinfos(path, env):
    """Key/value pairs from capinfos -M (machine-readable, exact values)."""
    info = {}
    out = run(["capinfos", "-M", path], env)
    encaps = []
    for line in out.splitlines():
        m = re.match(r"^\s*Encapsulation = .*\(\d+ - ([^)]+)\)\s*$", line)
        if m:
            encaps.append(m.group(1))
            continue
        if ":" in line and not line.startswith(" "):
            k, v = line.split(":", 1)
            info[k.strip()] = v.strip()
    out = run(["capinfos", "-M", "-S", "-a", "-e", path], env)
    for line in out.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            info["epoch " + k.strip()] = v.strip()
    return info, encaps


def count_filter(path, flt, env):
    out = run(["tshark", "-n", "-r", path, "-Y", flt, "-T", "fields", "-e", "frame.number"], env)
    return [int(x) for x in out.split() if x.strip()]


SIZE_RE = re.compile(r"(\d+)\s+(bytes|kB|MB|GB)")


def parse_conv(text, proto):
    """Parse tshark -z conv,tcp / conv,udp tables into row dicts.

    tshark prints: A <-> B | frames bytes (B->A "<-") | frames bytes (A->B "->") |
    total frames bytes | rel start | duration. Byte figures are human-readable
    ("44 kB") in tshark 4.0, so they are kept as the printed strings.
    """
    rows = []
    section = None
    for line in text.splitlines():
        if line.startswith(proto.upper() + " Conversations"):
            section = proto
            continue
        if line.startswith("=") or not line.strip():
            if line.startswith("="):
                section = None
            continue
        if section != proto or "<->" not in line:
            continue
        left, right = line.split("<->", 1)
        a = left.strip()
        toks = right.split()
        b = toks[0]
        rest = " ".join(toks[1:])
        # rest: F1 S1 U1 F2 S2 U2 F3 S3 U3 start dur
        m = re.match(r"^(\d+)\s+(\d+ (?:bytes|kB|MB|GB))\s+(\d+)\s+(\d+ (?:bytes|kB|MB|GB))\s+"
                     r"(\d+)\s+(\d+ (?:bytes|kB|MB|GB))\s+([0-9.]+)\s+([0-9.]+)\s*$", rest)
        if not m:
            rows.append({"address_a": a, "address_b": b, "unparsed": rest})
            continue
        rows.append(OrderedDict([
            ("address_a", a),
            ("address_b", b),
            ("frames_b_to_a", int(m.group(1))),
            ("bytes_b_to_a", m.group(2)),
            ("frames_a_to_b", int(m.group(3))),
            ("bytes_a_to_b", m.group(4)),
            ("frames", int(m.group(5))),
            ("bytes", m.group(6)),
            ("rel_start", m.group(7)),
            ("duration", m.group(8)),
        ]))
    return rows


def parse_phs(text):
    """tshark -q -z io,phs -> {"eth:ip:tcp": frames, ...} (best effort)."""
    res = OrderedDict()
    stack = []
    started = False
    for line in text.splitlines():
        if line.startswith("Protocol Hierarchy Statistics"):
            started = True
            continue
        if not started:
            continue
        m = re.match(r"^(\s*)(\S+)\s+frames:(\d+)\s+bytes:(\d+)", line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        stack = stack[:depth] + [m.group(2)]
        key = ":".join(stack)
        res[key] = res.get(key, 0) + int(m.group(3))
    return res


def tcp_streams(path, env):
    """Exact per-stream figures from tshark fields (tcp.stream numbering)."""
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
              "tcp.dstport", "frame.len", "frame.time_relative"]
    cmd = ["tshark", "-n", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "occurrence=l"]
    for f in fields:
        cmd += ["-e", f]
    out = run(cmd, env)
    streams = OrderedDict()
    for line in out.splitlines():
        c = line.split("\t")
        if len(c) < len(fields) or not c[0]:
            continue
        sid = int(c[0])
        src = (c[1] or c[2]) + ":" + c[3]
        dst = (c[4] or c[5]) + ":" + c[6]
        ln = int(c[7])
        t = float(c[8])
        s = streams.get(sid)
        if s is None:
            s = streams[sid] = OrderedDict([
                ("stream", sid), ("address_a", src), ("address_b", dst),
                ("frames_a_to_b", 0), ("bytes_a_to_b", 0),
                ("frames_b_to_a", 0), ("bytes_b_to_a", 0),
                ("first_rel", t), ("last_rel", t)])
        if src == s["address_a"]:
            s["frames_a_to_b"] += 1
            s["bytes_a_to_b"] += ln
        else:
            s["frames_b_to_a"] += 1
            s["bytes_b_to_a"] += ln
        s["last_rel"] = max(s["last_rel"], t)
    res = []
    for s in streams.values():
        s["first_rel"] = "%.6f" % s["first_rel"]
        s["last_rel"] = "%.6f" % s["last_rel"]
        res.append(s)
    return res


def truth_for(path, env):
    info, encaps = capinfos(path, env)
    t = OrderedDict()
    t["packets"] = int(info.get("Number of packets", "0").split()[0] or 0)
    t["file_type"] = info.get("File type", "")
    t["file_encapsulation"] = info.get("File encapsulation", "")
    t["interface_encapsulations"] = encaps
    t["first_time_epoch"] = info.get("epoch First packet time", "")
    t["last_time_epoch"] = info.get("epoch Last packet time", "")
    t["data_size"] = int(info.get("Data size", "0").split()[0] or 0)
    t["timestamp_precision"] = info.get("File timestamp precision", "")
    t["sha256"] = info.get("SHA256", "")

    conv = run(["tshark", "-n", "-r", path, "-q", "-z", "conv,tcp", "-z", "conv,udp"], env)
    tcp_rows = parse_conv(conv, "tcp")
    udp_rows = parse_conv(conv, "udp")
    t["conv_tcp"] = len(tcp_rows)
    t["conv_udp"] = len(udp_rows)

    # One tshark run per display filter (exact filter semantics), in parallel.
    allf = list(TCP_FILTERS.items()) + list(OTHER_FILTERS.items())
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
        res = dict(zip([k for k, _ in allf],
                       ex.map(lambda kv: count_filter(path, kv[1], env), allf)))
    tcp = OrderedDict()
    frames = OrderedDict()
    for key in TCP_FILTERS:
        fr = res[key]
        tcp[key] = len(fr)
        frames[key] = fr
    t["tcp"] = tcp
    t["tcp_filters"] = OrderedDict(TCP_FILTERS)
    counts = OrderedDict()
    for key in OTHER_FILTERS:
        fr = res[key]
        counts[key] = len(fr)
        if key in ("ip_fragments", "ipv6_fragments"):
            frames[key] = fr
    t["ip_fragments"] = counts.pop("ip_fragments")
    t["ipv6_fragments"] = counts.pop("ipv6_fragments")
    t["counts"] = counts
    t["count_filters"] = OrderedDict((k, v) for k, v in OTHER_FILTERS.items())
    t["frames"] = frames
    t["tcp_conversations"] = tcp_rows
    t["udp_conversations"] = udp_rows
    t["tcp_streams"] = tcp_streams(path, env)
    phs = run(["tshark", "-n", "-r", path, "-q", "-z", "io,phs"], env)
    t["protocols"] = parse_phs(phs)
    return t


def main():
    td = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    td = os.path.abspath(td)
    outp = sys.argv[2] if len(sys.argv) > 2 else os.path.join(td, "truth.json")
    env = dict(os.environ)
    cfg = tempfile.mkdtemp(prefix="pcapai-truth-")
    # Default preferences regardless of the user's Wireshark profile.
    env["WIRESHARK_CONFIG_DIR"] = cfg
    env["LC_ALL"] = "C"
    version = run(["tshark", "--version"], env).splitlines()[0]
    names = sorted(n for n in os.listdir(td)
                   if n.endswith(CAPTURE_SUFFIXES) and os.path.isfile(os.path.join(td, n)))
    result = OrderedDict()
    for n in names:
        sys.stderr.write("truth: %s\n" % n)
        try:
            result[n] = truth_for(os.path.join(td, n), env)
        except Exception as e:  # keep going; record the failure
            result[n] = {"error": str(e)}
        result[n]["tshark_version"] = version
    os.rmdir(cfg) if not os.listdir(cfg) else None
    with open(outp + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(outp + ".tmp", outp)
    sys.stderr.write("wrote %s (%d captures)\n" % (outp, len(result)))


if __name__ == "__main__":
    main()
