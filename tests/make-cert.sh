#!/bin/bash
# Sourced by tests that need a private PKI (mutual TLS between ig daemon and its clients).
# make_cert DIR NAME CA [SAN]: DIR/NAME.key and DIR/NAME.crt signed by DIR/CA.{crt,key}, or a
# self-signed CA when CA is "-"; SAN is a subjectAltName list ("IP:127.0.0.1,DNS:node1.test").
make_cert() {
  local dir=$1 name=$2 ca=$3 san=${4:-}
  openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -subj "/CN=$name" -out "$dir/$name.csr" 2> /dev/null
  if [ "$ca" = - ]; then
    openssl x509 -req -in "$dir/$name.csr" -signkey "$dir/$name.key" -days 1 -out "$dir/$name.crt" \
      -extfile <(printf "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n") 2> /dev/null
  else
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -CAcreateserial -days 1 \
      -out "$dir/$name.crt" -extfile <(printf "%s" "${san:+subjectAltName=$san}") 2> /dev/null
  fi
}
