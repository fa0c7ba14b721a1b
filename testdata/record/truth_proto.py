#!/usr/bin/env python3
"""Writes testdata/proto_truth.json: tshark's view of the captures that
record_proto.sh records (tshark 4.0.17). Run from the repository root."""
import collections, json, subprocess

def fields(f, flt, *names, occ="f"):
    out = subprocess.run(["tshark", "-r", f, "-Y", flt, "-T", "fields", "-E", "occurrence=" + occ] +
                         sum([["-e", n] for n in names], []), capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines() if l]

T = {}
f = "testdata/dhcp_rogue_dnsmasq.pcap"
names = {"1": "DISCOVER", "2": "OFFER", "3": "REQUEST", "4": "DECLINE", "5": "ACK", "6": "NAK", "7": "RELEASE", "8": "INFORM"}
by = collections.Counter(names[r[0]] for r in fields(f, "dhcp", "dhcp.option.dhcp"))
servers = sorted({r[0] for r in fields(f, "(dhcp.option.dhcp==2 || dhcp.option.dhcp==5 || dhcp.option.dhcp==6)", "dhcp.option.dhcp_server_id")})
acks = sorted({(r[0], r[1]) for r in fields(f, "dhcp.option.dhcp==5", "dhcp.hw.mac_addr", "dhcp.ip.your")})
v6names = {"1": "SOLICIT", "2": "ADVERTISE", "3": "REQUEST", "4": "CONFIRM", "5": "RENEW", "6": "REBIND", "7": "REPLY",
           "8": "RELEASE", "9": "DECLINE", "10": "RECONFIGURE", "11": "INFORMATION-REQUEST", "12": "RELAY-FORW", "13": "RELAY-REPL"}
by6 = collections.Counter(v6names[r[0]] for r in fields(f, "dhcpv6", "dhcpv6.msgtype"))
ra = sorted({r[0] for r in fields(f, "icmpv6.type==134", "ipv6.src")})
arp = sorted({(r[0], r[1]) for r in fields(f, "arp", "arp.src.proto_ipv4", "arp.src.hw_mac")})
grat = len(fields(f, "arp.isgratuitous==1 || (arp.opcode==2 && eth.dst==ff:ff:ff:ff:ff:ff)", "frame.number"))
answers = collections.defaultdict(list)
for r in fields(f, "(dhcp.option.dhcp==2 || dhcp.option.dhcp==5 || dhcp.option.dhcp==6)", "frame.number", "dhcp.option.dhcp_server_id"):
    answers[r[1]].append(int(r[0]))
first = min(answers, key=lambda k: answers[k][0])
T[f.split("/")[1]] = {"dhcp": {"by_type": by, "servers": servers, "acks": acks, "answers_by_server": answers, "first_server": first,
                               "v6_by_type": by6, "ra_sources": ra},
                      "arp": {"bindings": arp, "gratuitous": grat}}
f = "testdata/icmp_traceroute_netns.pcap"
by = collections.Counter(r[0] for r in fields(f, "icmp", "icmp.type"))
te = [r for r in fields(f, "icmp.type==11", "ip.src")]
# all occurrences: the quoted header's fields come after the outer ones
un = [r for r in fields(f, "icmp.type==3", "ip.src", "icmp.code", "ip.proto", "ip.dst", "udp.dstport", occ="a")]
T[f.split("/")[1]] = {"icmp": {
    "by_type": by,
    "echo_request": by.get("8", 0), "echo_reply": by.get("0", 0),
    "time_exceeded_sources": [r[0] for r in te],
    # ip.src of the error, code, then the quoted header's protocol, destination and UDP port
    "unreachable": sorted(set("%s code=%s quoted=%s/%s:%s" % (r[0].split(",")[0], r[1].split(",")[0], r[2].split(",")[-1], r[3].split(",")[-1], r[4]) for r in un)),
    "echo_requests_by_dst": collections.Counter(r[1] for r in fields(f, "icmp", "icmp.type", "ip.dst") if r[0] == "8"),
    "redirects": [[int(r[0]), r[1], r[2]] for r in fields(f, "icmp.type==5", "frame.number", "ip.src", "icmp.redir_gw")],
}, "icmpv6": {
    "by_type": collections.Counter(r[0] for r in fields(f, "icmpv6", "icmpv6.type")),
    "time_exceeded_sources": [r[0] for r in fields(f, "icmpv6.type==3", "ipv6.src")],
    "unreachable": sorted(set("%s code=%s quoted=%s:%s" % (r[0].split(",")[0], r[1].split(",")[0], r[2].split(",")[-1], r[3])
                              for r in fields(f, "icmpv6.type==1", "ipv6.src", "icmpv6.code", "ipv6.dst", "udp.dstport", occ="a"))),
}}
json.dump(T, open("testdata/proto_truth.json", "w"), indent=1, sort_keys=True)
