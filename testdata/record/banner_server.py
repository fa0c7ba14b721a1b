#!/usr/bin/env python3
"""TCP server on ADDR:PORT: sends BANNER (may be empty), reads, answers a
few bytes, closes. Stands in for SMB/RDP/SSH/WinRM endpoints."""
import socket, sys, threading
addr, port, banner = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(16)
def h(c):
    try:
        if banner:
            c.sendall(banner + b"\r\n")
        c.recv(4096)
        c.sendall(b"\x00" * 64)
    finally:
        c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=h, args=(c,), daemon=True).start()
