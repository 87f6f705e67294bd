#!/usr/bin/python3
"""check-results.py RESULTS_DIR GADGET_YAML — judge what payload.sh brought back from the VM.

Per run (json, columns, and `upstream`: upstream's kprobe-only audit_seccomp source built by
us, in json) the workload's process must appear in exactly these rows:
  (workload, pid, tid=pid,         SECCOMP_RET_LOG,         SYS_MKDIR)
  (unsharer, pid, tid=unshare_tid, SECCOMP_RET_KILL_THREAD, SYS_UNSHARE)
  (workload, pid, tid=pid,         SECCOMP_RET_ERRNO,       SYS_CHMOD)
and in no other (rmdir is an unlogged ERRNO, getpid is allowed). ig must exit 0 after SIGINT.
Our gadget must have attached through fentry (a tracing link), upstream's through its kprobe (a
perf link), so both hook variants are proven on each kernel. The json and upstream runs collect
user stacks and read their events only after the workload has exited: each row's innermost frame must be
named after the libc function that made the syscall (syscall, unshare), from the mappings the
kernel recorded at event time.
Prints one line per failed check and exits 1 if any failed.
"""
import collections
import json
import pathlib
import sys

import yaml

# Seccomp action values (include/uapi/linux/seccomp.h): the kernel ABI, not ig output.
RET_KILL_THREAD = 0x00000000
RET_ERRNO = 0x00050000
RET_LOG = 0x7FFC0000

HEADER = ["RUNTIME.CONTAINERNAME", "COMM", "PID", "TID", "CODE", "SYSCALL"]
ELLIPSIS = "\u2026"


def shorten(text, width, ellipsis):
    """A cell as the columns printer truncates it (pkg/columns/ellipsis semantics)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS if ellipsis else text[:width]
    if ellipsis == "start":
        return ELLIPSIS + text[len(text) - width + 1:]
    if ellipsis == "end":
        return text[: width - 1] + ELLIPSIS
    if ellipsis == "middle":
        head = width // 2
        tail = head - 1 if width % 2 == 0 else head
        return text[:head] + ELLIPSIS + text[len(text) - tail:]
    return text[:width]


def column_layout(gadget_yaml, field):
    """(width, ellipsis) of a field: gadget.yaml annotations over the defaults (16, end)."""
    doc = yaml.safe_load(pathlib.Path(gadget_yaml).read_text())
    fields = doc["datasources"]["seccomp"]["fields"]
    ann = (fields.get(field) or {}).get("annotations") or {}
    return int(ann.get("columns.width", 16)), str(ann.get("columns.ellipsis", "end"))


class Checker:
    def __init__(self, results):
        self.results = pathlib.Path(results)
        self.failures = []

    def read(self, name):
        path = self.results / name
        return path.read_text() if path.exists() else None

    def fail(self, msg):
        self.failures.append(msg)

    def workload(self, mode):
        """The workload's JSON line, or None (after recording why)."""
        attach = self.read(f"attach-{mode}") or "(no attach record)"
        if not attach.startswith("attached"):
            self.fail(f"{mode}: ig did not attach: {attach.strip()}; stderr: {self.tail(f'ig-{mode}.err')}")
            return None
        rc = (self.read(f"workload-{mode}.rc") or "").strip()
        if rc != "0":
            self.fail(f"{mode}: workload exited {rc or '?'}: {self.tail(f'workload-{mode}.err')}")
            return None
        try:
            return json.loads(self.read(f"workload-{mode}.json"))
        except (TypeError, ValueError) as e:
            self.fail(f"{mode}: workload printed no JSON line: {e}")
            return None

    def tail(self, name, lines=5):
        text = self.read(name)
        if not text:
            return "(empty)"
        return " | ".join(text.strip().splitlines()[-lines:])

    def check_ig_exit(self, mode):
        rc = (self.read(f"ig-{mode}.rc") or "").strip()
        if rc != "0":
            self.fail(f"{mode}: ig exited {rc or '?'} (want 0 after SIGINT); stderr: {self.tail(f'ig-{mode}.err')}")

    def check_link(self, mode, link_type):
        attach = (self.read(f"attach-{mode}") or "").split()
        # Before v5.15 a kprobe is attached through a perf event without a BPF link.
        if f"link_type:{link_type}" not in attach and not (
                link_type == "perf" and "perf_event_fd" in attach):
            self.fail(f"{mode}: expected a {link_type} BPF link, attach record: {' '.join(attach)}")

    def check_json(self, w, mode):
        pid, tid = w["pid"], w["unshare_tid"]
        nr = w["nr"]
        want = collections.Counter([
            ("workload", pid, pid, "SECCOMP_RET_LOG", RET_LOG, "SYS_MKDIR", nr["mkdir"]),
            ("unsharer", pid, tid, "SECCOMP_RET_KILL_THREAD", RET_KILL_THREAD, "SYS_UNSHARE", nr["unshare"]),
            ("workload", pid, pid, "SECCOMP_RET_ERRNO", RET_ERRNO, "SYS_CHMOD", nr["chmod"]),
        ])
        got = collections.Counter()
        for n, line in enumerate((self.read(f"ig-{mode}.out") or "").splitlines(), 1):
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
                proc = ev["proc"]
                if proc["pid"] != pid:
                    continue
                got[(proc["comm"], proc["pid"], proc["tid"], ev["code"], ev["code_raw"],
                     ev["syscall"], ev["syscall_raw"])] += 1
                self.check_ustack(mode, ev)
            except (ValueError, KeyError, TypeError) as e:
                self.fail(f"{mode}: line {n} is not an audit_seccomp event ({e!r}): {line[:200]}")
        if got != want:
            self.fail(f"{mode}: rows of pid {pid}: missing {sorted((want - got).elements())}, "
                      f"unexpected {sorted((got - want).elements())}")

    def check_ustack(self, mode, ev):
        # workload.c calls mkdir and chmod through syscall(3), unshare through unshare(2).
        wrapper = "unshare" if ev["syscall"] == "SYS_UNSHARE" else "syscall"
        symbols = ev["ustack"]["symbols"]
        if not symbols.startswith(wrapper + "; "):
            self.fail(f"{mode}: {ev['syscall']}: innermost frame is not {wrapper}: "
                      f"symbols {symbols!r}, addresses {ev['ustack']['addresses']!r}")

    def check_columns(self, w, gadget_yaml):
        pid, tid = w["pid"], w["unshare_tid"]
        code_w, code_e = column_layout(gadget_yaml, "code")
        sys_w, sys_e = column_layout(gadget_yaml, "syscall")

        def row(comm, t, code, syscall):
            # No containers in the VM: RUNTIME.CONTAINERNAME is blank and vanishes in the split.
            return (comm, str(pid), str(t), shorten(code, code_w, code_e), shorten(syscall, sys_w, sys_e))

        want = collections.Counter([
            row("workload", pid, "SECCOMP_RET_LOG", "SYS_MKDIR"),
            row("unsharer", tid, "SECCOMP_RET_KILL_THREAD", "SYS_UNSHARE"),
            row("workload", pid, "SECCOMP_RET_ERRNO", "SYS_CHMOD"),
        ])
        lines = [l for l in (self.read("ig-columns.out") or "").splitlines() if l.strip()]
        if not lines:
            self.fail("columns: ig printed nothing")
            return
        if lines[0].split() != HEADER:
            self.fail(f"columns: header {lines[0].split()} != {HEADER}")
        got = collections.Counter()
        for line in lines[1:]:
            cells = line.split()
            # PID is the 4th cell from the right whatever the container/comm cells hold.
            if len(cells) >= 4 and cells[-4] == str(pid):
                got[tuple(cells)] += 1
        if got != want:
            self.fail(f"columns: rows of pid {pid}: missing {sorted((want - got).elements())}, "
                      f"unexpected {sorted((got - want).elements())}")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check-results.py RESULTS_DIR GADGET_YAML")
    c = Checker(sys.argv[1])
    for mode in ("json", "columns", "upstream"):
        w = c.workload(mode)
        c.check_ig_exit(mode)
        if w is None:
            continue
        c.check_link(mode, "perf" if mode == "upstream" else "tracing")
        if mode == "columns":
            c.check_columns(w, sys.argv[2])
        else:
            c.check_json(w, mode)
    for f in c.failures:
        print(f"FAIL {f}")
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
