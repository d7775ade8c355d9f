"""What the tests' own HTTP servers share: serving on a free port of
127.0.0.1 and saying where, as python3 -m http.server does, for
tests/http_server.h to read."""
import http.server


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    print(f"Serving HTTP on 127.0.0.1 port {port} (http://127.0.0.1:{port}/) ...", flush=True)
    server.serve_forever()
