#!/usr/bin/python3
"""check-container-results.py RESULTS_DIR: judges container-payload.sh's outputs.

- crun started both containers;
- `-o json` (all containers): test-audit-seccomp shows SYS_UNSHARE/SECCOMP_RET_KILL_THREAD and
  SYS_MKDIR/SECCOMP_RET_LOG; test-flaglog (SECCOMP_FILTER_FLAG_LOG, crun) also shows
  SYS_CHMOD/SECCOMP_RET_ERRNO; every row carries the container's id, runtime crun and the
  comm of the busybox applet; no row lacks a container name (no --host);
- columns: the seed's header RUNTIME.CONTAINERNAME COMM PID TID CODE SYSCALL and rows that
  start with the container names;
- `-c no-such-container`: no event at all;
- the fleet run (two daemons as nodes node-a and node-b, one client, --k8s-podname mypod):
  kubectl-gadget's table, K8S.NODE K8S.NAMESPACE K8S.PODNAME K8S.CONTAINERNAME COMM PID TID
  CODE SYSCALL, with the pod's unshare KILL_THREAD row from both nodes and nothing else.
"""
import json
import os
import re
import sys

results = sys.argv[1]
failures = []


def read(name):
    path = os.path.join(results, name)
    return open(path).read() if os.path.exists(path) else ""


def check(cond, message):
    print(("ok: " if cond else "FAIL: ") + message)
    if not cond:
        failures.append(message)


print("guest kernel:", read("uname").strip())
for name in ("test-audit-seccomp", "test-flaglog"):
    ran = read(f"crun-{name}.rc").strip() == "0"
    check(ran, f"crun run {name}" + ("" if ran else ": " + read(f"crun-{name}.log").strip()))
check(not read("attach-errors"), "every ig attached: " + read("attach-errors").strip())

rows = []
for line in read("ig-json.out").splitlines():
    if line.strip():
        rows.append(json.loads(line))
ids = {}
for line in read("crun-list").splitlines()[1:]:
    parts = line.split()
    if parts:
        ids[parts[0]] = parts[0]


def seen(container, syscall, code, comm):
    return [r for r in rows if r["runtime"]["containerName"] == container and r["syscall"] == syscall
            and r["code"] == code and r["proc"]["comm"] == comm]


expect = [
    ("test-audit-seccomp", "SYS_UNSHARE", "SECCOMP_RET_KILL_THREAD", "unshare"),
    ("test-audit-seccomp", "SYS_MKDIR", "SECCOMP_RET_LOG", "mkdir"),
    ("test-flaglog", "SYS_UNSHARE", "SECCOMP_RET_KILL_THREAD", "unshare"),
    ("test-flaglog", "SYS_MKDIR", "SECCOMP_RET_LOG", "mkdir"),
    ("test-flaglog", "SYS_CHMOD", "SECCOMP_RET_ERRNO", "chmod"),
]
for container, syscall, code, comm in expect:
    check(len(seen(container, syscall, code, comm)) >= 1, f"json: {container} {comm} {syscall} {code}")
check(not seen("test-audit-seccomp", "SYS_CHMOD", "SECCOMP_RET_ERRNO", "chmod"),
      "json: no ERRNO record without SECCOMP_FILTER_FLAG_LOG")
for r in rows:
    rt = r["runtime"]
    if rt["containerName"] not in ("test-audit-seccomp", "test-flaglog"):
        check(False, f"json: row outside the containers: {r}")
        break
    if rt["containerId"] != rt["containerName"] or rt["runtimeName"] != "crun" or rt["containerPid"] <= 0:
        check(False, f"json: runtime fields {rt}")
        break
    if r["proc"]["pid"] <= 0 or r["proc"]["tid"] <= 0:
        check(False, f"json: pid/tid {r['proc']}")
        break

columns = read("ig-columns.out").splitlines()
check(bool(columns) and re.match(r"^RUNTIME\.CONTAINERNAME +COMM +PID +TID +CODE +SYSCALL *$", columns[0]) is not None,
      f"columns header: {columns[0] if columns else '(no output)'}")
row_re = re.compile(r"^(test-audit-seccomp|test-flaglog) +(\S+) +(\d+) +(\d+) +(\S+) +(SYS_\w+) *$")
body = [l for l in columns[1:] if l.strip()]
check(body and all(row_re.match(l) for l in body), "columns rows: " + (body[0] if body else "(none)"))
check(any(row_re.match(l) and row_re.match(l).group(6) == "SYS_UNSHARE" and
          row_re.match(l).group(5).endswith("_KILL_THREAD") for l in body), "columns: an unshare KILL_THREAD row")

fleet = read("ig-fleet.out").splitlines()
check(bool(fleet) and re.match(r"^K8S\.NODE +K8S\.NAMESPACE +K8S\.PODNAME +K8S\.CONTAINERNAME +COMM +PID +TID +CODE +SYSCALL *$",
                               fleet[0]) is not None, f"fleet header: {fleet[0] if fleet else '(no output)'}")
fleet_re = re.compile(r"^(node-a|node-b) +default +mypod +test-audit-seccomp +(\S+) +(\d+) +(\d+) +(\S+) +(SYS_\w+) *$")
fleet_body = [l for l in fleet[1:] if l.strip()]
check(fleet_body and all(fleet_re.match(l) for l in fleet_body), "fleet rows of pod default/mypod only: " +
      next((l for l in fleet_body if not fleet_re.match(l)), fleet_body[0] if fleet_body else "(none)"))
for node in ("node-a", "node-b"):
    check(any(fleet_re.match(l) and fleet_re.match(l).group(1) == node and fleet_re.match(l).group(6) == "SYS_UNSHARE"
              and fleet_re.match(l).group(5).endswith("_KILL_THREAD") for l in fleet_body),
          f"fleet: {node}'s unshare KILL_THREAD row of mypod")

other = [l for l in read("ig-other.out").splitlines() if l.strip()]
check(not other, f"-c no-such-container shows nothing ({len(other)} rows)")
for run in ("json", "columns", "other", "fleet"):
    err = read(f"ig-{run}.err").strip()
    if err:
        print(f"ig-{run} stderr: {err}")

sys.exit(1 if failures else 0)
