# A file descriptor passed over a unix socket pair with SCM_RIGHTS (tests/catalogue/helpers/
# fdpass-probe.c): fdpass must report the passing process and the file.
where=vm
run_args=(--host)
workload() {
  for _ in 1 2 3; do fdpass-probe /tmp/catalogue-fdpass-probe; sleep 0.3; done
}
check() {
  jq -e -s 'any(.[]; .file == "/tmp/catalogue-fdpass-probe" and .proc.comm == "fdpass-probe" and .socket_ino > 0)' \
    > /dev/null
}
