#!/usr/bin/python3
"""An HTTP server for tests: the files of the working directory, on a free
port of 127.0.0.1, and two redirects: /same/NAME to /NAME on this host,
/away/NAME to NAME on another host (127.0.0.2, the same port). It says where
it listens as python3 -m http.server does (tests/http_server.h)."""
import http.server

import loopback_http


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        for prefix, host in (("/same/", None), ("/away/", "127.0.0.2")):
            if self.path.startswith(prefix):
                port = self.server.server_address[1]
                where = f"http://{host}:{port}/" if host else "/"
                self.send_response(302)
                self.send_header("Location", where + self.path[len(prefix):])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        super().do_GET()

    def log_message(self, *args):
        pass


loopback_http.serve(Handler)
