# An HTTPS request from curl to openssl s_server on loopback (uprobes on libssl, resolved
# through ld.so.cache); the request's plaintext must be seen at SSL_write. curl waits for the
# answer, so its write happens however slow the handshake (a piped s_client raced its stdin).
run_args=(--host --comm curl)
setup() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
    -subj /CN=catalogue > /dev/null 2>&1
  openssl s_server -quiet -www -accept 40125 -cert cert.pem -key key.pem > server.txt 2>&1 &
  echo $! > server.pid
}
workload() {
  wait_listening 40125
  curl -sk --max-time 10 -o /dev/null https://127.0.0.1:40125/catalogue-ssl-probe || true
}
check() {
  jq -e -s 'any(.[]; .operation == "libssl_SSL_write" and
                     ((.buf // "") | tostring | (contains("catalogue-ssl-probe") or
                       ((try @base64d catch "") | contains("catalogue-ssl-probe")))))' > /dev/null
}
cleanup() { kill "$(cat server.pid)" 2> /dev/null || true; }
