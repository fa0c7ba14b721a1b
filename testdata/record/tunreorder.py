#!/usr/bin/env python3
"""Userspace link between two network namespaces through two TUN devices,
reordering the server's packets: tc netem is not available in the recording
sandbox. Each server->client IP packet carrying TCP data is held back and
released after the next one (pairs swapped), so the client sees real
out-of-order segments. Usage: tunreorder.py NS_CLIENT NS_SERVER SECONDS"""
import ctypes, fcntl, os, select, struct, sys, time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
libc = ctypes.CDLL(None, use_errno=True)

def tun_in(ns, name):
    with open(f"/run/netns/{ns}") as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd

cns, sns, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
c = tun_in(cns, "tunc")
s = tun_in(sns, "tuns")
print("ready", flush=True)
held = None
deadline = time.time() + secs
while time.time() < deadline:
    r, _, _ = select.select([c, s], [], [], 0.05)
    if not r and held is not None:  # nothing follows: let it go
        os.write(c, held); held = None
    for fd in r:
        pkt = os.read(fd, 65535)
        if fd == c:
            os.write(s, pkt)
            continue
        ihl = (pkt[0] & 0x0f) * 4
        tcp_data = pkt[9] == 6 and len(pkt) > ihl + ((pkt[ihl + 12] >> 4) * 4)
        if not tcp_data:
            os.write(c, pkt)
        elif held is None:
            held = pkt
        else:
            os.write(c, pkt); os.write(c, held); held = None
