# A line written to the VM's serial tty (not through /dev/console, whose writes skip
# tty_write): tty_write (a kprobe) must capture it.
where=vm
run_args=(--host)
workload() {
  [ -e /dev/ttyS0 ] || mknod /dev/ttyS0 c 4 64
  for _ in 1 2 3; do echo "ttysnoop-marker-$$" > /dev/ttyS0; sleep 0.2; done
}
check() { jq -e -s 'any(.[]; (.buf // "") | test("ttysnoop-marker-[0-9]+"))' > /dev/null; }
