#!/usr/bin/env python3
"""HTTP server that reads PUT bodies and answers 201."""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get("Content-Length", 0))
        while n > 0:
            b = self.rfile.read(min(n, 65536))
            if not b:
                break
            n -= len(b)
        self.send_response(201); self.send_header("Content-Length", "0"); self.end_headers()
http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
