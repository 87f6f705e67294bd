#!/usr/bin/python3
# Test proxy in front of a registry: fault_proxy.py PORT UPSTREAM_PORT MODE
#   corrupt   - blob bodies are forwarded with one byte changed (same length)
#   drop-once - the first blob body over 1 MiB is cut in the middle (connection closed)
#   slow      - blob bodies (both ways) are forwarded at about 2 MiB/s
#   busy      - each blob GET and upload POST is first refused with 429 (Retry-After: 1), then
#               with 503, then forwarded; stderr logs "429 PATH", "503 PATH DELAY" (seconds
#               since the 429) and "ok PATH DELAY"
#   pass      - forward unchanged
import http.client, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, MODE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
dropped = threading.Event()
lock = threading.Lock()
seen = {}  # busy: (method, path) -> (requests so far, time of the first)

def log(*words):
    """One whole line per call: requests arrive on parallel threads, and print() would
    interleave their words."""
    line = " ".join(str(w) for w in words) + "\n"
    with lock:
        sys.stderr.write(line)
        sys.stderr.flush()

class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def refuse(self, status, extra_headers):
        body = b'{"errors":[{"code":"TOOMANYREQUESTS","message":"busy"}]}'
        self.send_response(status)
        for k, v in extra_headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def busy(self):
        """Returns True when this request was answered with a fault."""
        if "/blobs/" not in self.path or self.command not in ("GET", "POST"):
            return False
        key = (self.command, self.path)
        with lock:
            n, first = seen.get(key, (0, time.monotonic()))
            seen[key] = (n + 1, first)
        delay = time.monotonic() - first
        if n == 0:
            log("429", self.path)
            self.refuse(429, {"Retry-After": "1"})
            return True
        if n == 1:
            log("503", self.path, f"{delay:.2f}")
            self.refuse(503, {})
            return True
        if n == 2:
            log("ok", self.path, f"{delay:.2f}")
        return False

    def forward(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else None
        if MODE == "busy" and self.busy():
            return
        if MODE == "slow" and length:
            time.sleep(length / (2 << 20))
        # Host is kept so that the registry's Location headers point back at the proxy.
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        if "Range" in self.headers:
            log("range", self.path, self.headers["Range"])
        try:
            up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=30)
            up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                up.putheader(k, v)
            up.endheaders(body)
            resp = up.getresponse()
        except OSError:
            self.send_response(502); self.send_header("Content-Length", "0"); self.end_headers(); return
        is_blob = "/blobs/sha256:" in self.path and self.command == "GET" and resp.status in (200, 206)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding"):
                self.send_header(k, v)
        self.end_headers()
        if self.command == "HEAD":
            return
        size = int(resp.getheader("Content-Length", "0") or 0)
        sent, first = 0, True
        try:
            while True:
                chunk = resp.read(65536)
                if not chunk:
                    break
                if is_blob and MODE == "corrupt" and first:
                    chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
                first = False
                if is_blob and MODE == "drop-once" and size > (1 << 20) and not dropped.is_set() \
                        and sent + len(chunk) > size // 2:
                    dropped.set()
                    self.wfile.write(chunk[: size // 2 - sent]); self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
                sent += len(chunk)
                if is_blob and MODE == "slow":
                    time.sleep(len(chunk) / (2 << 20))
        except OSError:
            self.close_connection = True
            return
        if sent < size:
            # Upstream died mid-body: cut our client off too, as a dead registry would.
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
