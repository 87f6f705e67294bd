#!/usr/bin/python3
# Test servers around a plain registry, to watch where ig sends credentials. Each logs one line
# per request to LOG: "METHOD PATH authorization=yes|no".
#   auth_front.py redirect PORT TARGET_PORT USER:PASS LOG
#       demands Basic USER:PASS (401 with a Basic challenge otherwise), answers /v2/ itself and
#       redirects (307) every other request to http://127.0.0.1:TARGET_PORT, same path
#   auth_front.py bearer PORT REALM_URL LOG
#       answers every request with 401 and a Bearer challenge naming REALM_URL
#   auth_front.py record PORT REGISTRY_PORT LOG
#       forwards every request to the registry on REGISTRY_PORT
import base64, http.client, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE, PORT, ARG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
LOG = open(sys.argv[-1], "a", buffering=1)
EXPECTED = "Basic " + base64.b64encode(sys.argv[4].encode()).decode() if MODE == "redirect" else None
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers=(), body=b"", length=None):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self):
        if self.headers.get("Authorization") != EXPECTED:
            self.reply(401, [("WWW-Authenticate", 'Basic realm="front"')])
        elif self.path.rstrip("/") == "/v2":
            self.reply(200, [("Docker-Distribution-API-Version", "registry/2.0")], b"{}")
        else:
            self.reply(307, [("Location", f"http://127.0.0.1:{ARG}{self.path}")])

    def bearer(self):
        self.reply(401, [("WWW-Authenticate", f'Bearer realm="{ARG}",service="front"')])

    def record(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else None
        up = http.client.HTTPConnection("127.0.0.1", int(ARG), timeout=30)
        up.request(self.command, self.path, body,
                   {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "host")})
        resp = up.getresponse()
        data = resp.read()
        headers = [(k, v) for k, v in resp.getheaders()
                   if k.lower() not in ("connection", "content-length", "transfer-encoding")]
        # A HEAD answer has no body but keeps the registry's length (a manifest's size).
        length = resp.getheader("Content-Length") if self.command == "HEAD" else None
        self.reply(resp.status, headers, data, length)

    def handle_any(self):
        with lock:
            LOG.write(f"{self.command} {self.path} authorization="
                      f"{'yes' if 'Authorization' in self.headers else 'no'}\n")
        getattr(self, MODE)()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
