# A TLS session between openssl s_server and s_client on loopback (uprobes on libssl,
# resolved through ld.so.cache); the client's plaintext must be seen at SSL_write.
run_args=(--host --comm openssl)
setup() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
    -subj /CN=catalogue > /dev/null 2>&1
  openssl s_server -quiet -accept 40125 -cert cert.pem -key key.pem > server.txt 2>&1 &
  echo $! > server.pid
}
workload() {
  wait_listening 40125
  (echo catalogue-ssl-probe; sleep 1) | openssl s_client -quiet -connect 127.0.0.1:40125 > /dev/null 2>&1 || true
}
check() {
  jq -e -s 'any(.[]; .operation == "libssl_SSL_write" and
                     ((.buf // "") | tostring | (contains("catalogue-ssl-probe") or
                       ((try @base64d catch "") | contains("catalogue-ssl-probe")))))' > /dev/null
}
cleanup() { kill "$(cat server.pid)" 2> /dev/null || true; }
