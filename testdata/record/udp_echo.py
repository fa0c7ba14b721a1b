#!/usr/bin/env python3
"""UDP echo server on ADDR:PORT."""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    b, a = s.recvfrom(65535); s.sendto(b, a)
