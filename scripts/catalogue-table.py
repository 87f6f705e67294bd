#!/usr/bin/env python3
"""Writes the catalogue table (docs/catalogue.md) from the catalogue tests' results.

For each upstream gadget directory vendored in tests/data/builder/upstream: whether it
builds and runs, the test that shows it (catalogue.build.G / catalogue.run.G on this host's
kernel, or a VM test), and otherwise the one reason it does not (tests/catalogue/
known-gaps.txt, or the attach kinds its source uses that this host cannot attach).
usage: catalogue-table.py RESULTS_DIR [OUTPUT]   (RESULTS_DIR: build/catalogue; the VM
tests' outcomes come from ctest's log next to it, build/Testing/Temporary/LastTest.log)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT / "tests/data/builder/upstream"
GAPS = ROOT / "tests/catalogue/known-gaps.txt"
# Gadgets the VM tests run (tests/vm/CMakeLists.txt): ctest names starting with these.
VM_TESTS = {"audit_seccomp": ["vm.audit_seccomp.", "vm.containers."]}
# Program kinds this host's kernel refuses (see tests/vm): the VM runs them.
VM_ONLY_KINDS = {"kprobe", "kretprobe", "fentry", "fexit", "lsm"}


def read(path):
    return path.read_text().strip() if path.exists() else None


def ctest_outcomes(results):
    """Test name -> True/False from the last ctest run's log, if there is one."""
    log = results.parent / "Testing/Temporary/LastTest.log"
    outcomes, name = {}, None
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        m = re.match(r"^\d+/\d+ Test: (\S+)$", line)
        if m:
            name = m.group(1)
        elif name and line in ("Test Passed.", "Test Failed."):
            outcomes[name] = line == "Test Passed."
            name = None
    return outcomes


def vm_proof(gadget, results, outcomes):
    """The VM tests that ran the gadget (its catalogue VM cases, then the dedicated ones),
    and those that skipped it with their reason."""
    ran, skipped = [], []
    for record in sorted(results.glob(f"vm-*/{gadget}.run")):
        first = record.read_text().splitlines()[:1]
        test = f"vm.catalogue.{record.parent.name[3:]}"
        if first and first[0].startswith("vm "):
            ran.append(f"{test} ({first[0][3:]})")
        elif first and first[0].startswith("skipped "):
            skipped.append(f"{test} {first[0]}")
    ran += sorted(n for n, ok in outcomes.items() if ok and
                  any(n.startswith(p) for p in VM_TESTS.get(gadget, [])))
    return ran, skipped


def known_gaps():
    gaps = {}
    for line in GAPS.read_text().splitlines():
        m = re.match(r"^(build|run) ([\w-]+): (.*)$", line)
        if m:
            gaps[(m.group(1), m.group(2))] = m.group(3)
    return gaps


def program_kinds(gadget_dir):
    kinds = set()
    for source in list(gadget_dir.glob("*.[ch]")) + list(gadget_dir.glob("ebpf/*.h")):
        for kind in re.findall(r'SEC\("([a-z_0-9]+)[/"]', source.read_text(errors="replace")):
            if kind not in ("license", "maps", ".maps"):
                kinds.add(kind)
    return sorted(kinds)


def row(gadget, results, gaps, outcomes):
    kinds = program_kinds(UPSTREAM / gadget)
    build = read(results / f"{gadget}.build")
    run = read(results / f"{gadget}.run")
    kinds_text = ", ".join(kinds) or "none (operator-only)"
    if build is None:
        return [gadget, kinds_text, "not tested", "", "", "no catalogue.build result"]
    build_lines = build.splitlines()
    notes = [re.sub(r'^wasm: (wasm module "[^"]*") not built.*', r"\1 not run: eBPF part only", l)
             for l in build_lines[1:] if l.startswith("wasm: ")]
    if build_lines[0] != "ok":
        reason = gaps.get(("build", gadget), build_lines[0])
        return [gadget, kinds_text, "no", "no", f"catalogue.build.{gadget}", reason]
    if run is not None and run.startswith("refuses: "):
        return [gadget, kinds_text, "yes", "refuses", f"catalogue.run.{gadget}",
                run.splitlines()[0].removeprefix("refuses: ")]
    if run is not None and run.startswith("native"):
        proof = f"catalogue.run.{gadget} ({run.splitlines()[0]})"
        return [gadget, kinds_text, "yes", "yes", proof, "; ".join(notes)]
    ran, skipped = vm_proof(gadget, results, outcomes)
    if ran:
        return [gadget, kinds_text, "yes", "yes", ", ".join(ran), "; ".join(skipped + notes)]
    if run is not None:
        reason = run.splitlines()[0]
    elif gadget in VM_TESTS:
        reason = "its VM tests did not pass in this run (or did not run: make catalogue)"
    elif ("run", gadget) in gaps:
        reason = gaps[("run", gadget)]
    elif VM_ONLY_KINDS & set(kinds):
        reason = ("needs " + ", ".join(sorted(VM_ONLY_KINDS & set(kinds))) +
                  " (not on this host's kernel); no VM case yet")
    else:
        reason = "no run case yet"
    return [gadget, kinds_text, "yes", "no", f"catalogue.build.{gadget}", "; ".join([reason] + notes)]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    results = Path(sys.argv[1])
    output = Path(sys.argv[2]) if len(sys.argv) == 3 else ROOT / "docs/catalogue.md"
    gaps = known_gaps()
    gadgets = sorted(p.parent.name for p in UPSTREAM.glob("*/gadget.yaml"))
    outcomes = ctest_outcomes(results)
    rows = [row(g, results, gaps, outcomes) for g in gadgets]
    commit = re.search(r"commit\s+([0-9a-f]{40})", (UPSTREAM / "README.md").read_text())
    lines = [
        "# Upstream gadget catalogue",
        "",
        "Generated by `scripts/catalogue-table.py build/catalogue` from the results of",
        "`ctest -L catalogue` (and the VM tests named); do not edit by hand.",
        f"Upstream Inspektor Gadget commit {commit.group(1) if commit else '?'}; sources unchanged",
        "(tests/data/builder/upstream).",
        "",
        f"Builds: {sum(r[2] == 'yes' for r in rows)} of {len(rows)}. "
        f"Runs with a test: {sum(r[3] == 'yes' for r in rows)} of {len(rows)}.",
        "",
        "| gadget | program kinds | builds | runs | test | reason / notes |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n")
    print(f"wrote {output}: {len(rows)} gadgets")


if __name__ == "__main__":
    main()
