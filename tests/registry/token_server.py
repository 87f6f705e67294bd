#!/usr/bin/python3
# Token server for docker-registry "auth: token" (python3-jwt, python3-cryptography):
#   token_server.py PORT KEY CERT ANON_PULL(0|1)
# One user, testuser:testpass, gets every action it asks for; anonymous clients get pull only
# when ANON_PULL is 1 (like ghcr.io public images). The JWT "kid" is the libtrust key id of
# the signing certificate, which distribution 2.8 requires.
import base64, hashlib, json, sys, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

PORT, KEY, CERT, ANON_PULL = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
USERS = {"testuser": "testpass"}
key_pem = open(KEY, "rb").read()
public = x509.load_pem_x509_certificate(open(CERT, "rb").read()).public_key()
der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
KID = ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))
log = open(sys.argv[5], "a") if len(sys.argv) > 5 else None

class Tokens(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/token":
            self.send_error(404); return
        query = parse_qs(url.query)
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            if USERS.get(name) != password:
                self.send_response(401); self.send_header("Content-Length", "0"); self.end_headers(); return
            user = name
        access = []
        for scope in query.get("scope", []):
            for s in scope.split(" "):
                parts = s.split(":")
                if len(parts) < 3:
                    continue
                actions = parts[-1].split(",")
                granted = actions if user else [a for a in actions if ANON_PULL and a == "pull"]
                access.append({"type": parts[0], "name": ":".join(parts[1:-1]), "actions": granted})
        if log:
            log.write(json.dumps({"user": user, "scopes": query.get("scope", [])}) + "\n"); log.flush()
        now = int(time.time())
        claims = {"iss": "test-issuer", "sub": user or "", "aud": query.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        token = jwt.encode(claims, key_pem, algorithm="RS256", headers={"kid": KID})
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", PORT), Tokens).serve_forever()
