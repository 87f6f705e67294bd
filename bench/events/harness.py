#!/usr/bin/env python3
"""Event-pipeline benchmark: ig run -o json vs bpftrace vs a counting libbpf consumer.

The generator makes a known number of getpgid(2) calls with arguments >= 0x40000000; each
consumer traces exactly those on tracepoint syscalls/sys_enter_getpgid with the same fields
(timestamp, pid, tid, comm, the argument) and writes them as text to a file on tmpfs, so the
delivered events can be counted (the ceiling only counts them). The consumer runs pinned to one
CPU and the generator to another. For every run the harness records:

  delivered   events written by the consumer (lines counted; the ceiling reports its count)
  lost        events the consumer reported lost; delivered + lost must equal generated
  events/s    delivered / (time of the last write - generator start)
  cpu         user + sys seconds of the consumer process (wait4 rusage)
  cpu/M       cpu per million delivered events, after subtracting the consumer's idle cost
              (start-up and shutdown with no events, measured separately)
  rss         peak resident set size of the consumer (ru_maxrss)

Run through bench/events/run.sh, which builds the binaries first.
"""

import argparse
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = "bench/getpgid:latest"
BPFTRACE_PROGRAM = (
    "tracepoint:syscalls:sys_enter_getpgid /args->pid >= 0x40000000/ "
    '{ printf("%d %d %s %llu %llu\\n", pid, tid, comm, nsecs, args->pid); }'
)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def has_bpf_attachment(pid):
    """True once the process holds a BPF link (ig, ceiling attach tracepoints through links)."""
    fdinfo = f"/proc/{pid}/fdinfo"
    try:
        for fd in os.listdir(fdinfo):
            try:
                with open(os.path.join(fdinfo, fd)) as f:
                    if "link_id:" in f.read():
                        return True
            except OSError:
                continue
    except OSError:
        pass
    return False


class Consumer:
    """One consumer command and how to read its results."""

    sink = None  # a file of its own unless set

    def __init__(self, name, argv, env=None):
        self.name = name
        self.argv = argv
        self.env = env

    def ready(self, proc, out_path):
        return has_bpf_attachment(proc.pid)

    def results(self, out_path, stdout_text, stderr_text):
        raise NotImplementedError


class Ours(Consumer):
    def results(self, out_path, stdout_text, stderr_text):
        delivered = count_lines(out_path, b"{")
        m = re.search(r"lost (\d+) events in total", stderr_text)
        lost = int(m.group(1)) if m else 0
        return delivered, lost, os.stat(out_path).st_mtime_ns if delivered else None


class OursDevNull(Ours):
    """ig writing to /dev/null: delivered is inferred as generated - lost (ig's own count, which
    the file runs and tests/e2e/test_lost_events.cpp check), and events/s is not measured."""
    sink = os.devnull

    def results(self, out_path, stdout_text, stderr_text):
        m = re.search(r"lost (\d+) events in total", stderr_text)
        lost = int(m.group(1)) if m else 0
        return None, lost, None


class Bpftrace(Consumer):
    def ready(self, proc, out_path):
        # bpftrace attaches tracepoints with perf_event_open, after printing this line.
        with open(out_path, "rb") as f:
            return b"Attaching" in f.read(4096)

    def results(self, out_path, stdout_text, stderr_text):
        delivered = 0
        lost = 0
        with open(out_path, "rb") as f:
            for line in f:
                if line[:1].isdigit():
                    delivered += 1
                elif line.startswith(b"Lost "):
                    lost += int(line.split()[1])
        for m in re.finditer(r"Lost (\d+) events", stderr_text):
            lost += int(m.group(1))
        return delivered, lost, os.stat(out_path).st_mtime_ns if delivered else None


class Ceiling(Consumer):
    def results(self, out_path, stdout_text, stderr_text):
        with open(out_path) as f:
            text = f.read()
        m = re.search(r"delivered (\d+) lost (\d+) last_event_ns (\d+)", text)
        if not m:
            raise RuntimeError("ceiling printed no result: " + text + stderr_text)
        last = int(m.group(3))
        return int(m.group(1)), int(m.group(2)), last or None


def count_lines(path, prefix):
    n = 0
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(prefix):
                n += 1
    return n


def pin(cpu):
    def set_affinity():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
    return set_affinity


def wait_quiet(path, quiet_s=1.0, limit_s=120):
    """Waits until the file has stopped growing for quiet_s."""
    last_size = -1
    last_change = time.monotonic()
    deadline = last_change + limit_s
    while time.monotonic() < deadline:
        size = os.stat(path).st_size
        now = time.monotonic()
        if size != last_size:
            last_size, last_change = size, now
        elif now - last_change >= quiet_s:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{path} still growing after {limit_s} s")


def run_once(consumer, args, events, rate, workdir):
    out_path = os.path.join(workdir, consumer.name + ".out")
    err_path = os.path.join(workdir, consumer.name + ".err")
    with open(consumer.sink or out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(consumer.argv, stdout=out, stderr=err, env=consumer.env,
                                preexec_fn=pin(args.consumer_cpu))
    try:
        deadline = time.monotonic() + 60
        while not consumer.ready(proc, out_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(err_path) as f:
                    raise RuntimeError(f"{consumer.name} did not attach: {f.read()}")
            time.sleep(0.05)
        time.sleep(0.5)  # let the consumer settle into its read loop
        start_ns = time.time_ns()
        gen = subprocess.run([args.generator, str(events)] + ([str(rate)] if rate else []),
                             capture_output=True, text=True, preexec_fn=pin(args.generator_cpu))
        if gen.returncode != 0:
            raise RuntimeError("generator failed: " + gen.stderr)
        gen_s = float(re.search(r"in ([0-9.]+) s", gen.stdout).group(1))
        if consumer.name == "ceiling":
            time.sleep(0.5)
        elif consumer.sink:
            time.sleep(2)
        else:
            wait_quiet(out_path)
        proc.send_signal(signal.SIGINT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    with open(err_path, errors="replace") as f:
        stderr_text = f.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{consumer.name} exited {proc.returncode}: {stderr_text}")
    delivered, lost, last_ns = consumer.results(out_path, "", stderr_text)
    if delivered is None:
        delivered = events - lost
    if os.path.exists(out_path):
        os.unlink(out_path)
    elapsed = (last_ns - start_ns) / 1e9 if last_ns else gen_s
    return {
        "generated": events,
        "delivered": delivered,
        "lost": lost,
        "gen_rate": events / gen_s if gen_s > 0 else 0,
        "rate": delivered / max(elapsed, gen_s) if events else 0,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_kb": usage.ru_maxrss,
    }


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def measure(consumer, args, events, rate, runs, workdir, label):
    rows = []
    for i in range(runs):
        r = run_once(consumer, args, events, rate, workdir)
        ok = "ok" if r["delivered"] + r["lost"] == r["generated"] else "MISMATCH"
        log(f"  {label} {consumer.name} run {i + 1}/{runs}: delivered {r['delivered']} "
            f"lost {r['lost']} of {r['generated']} ({ok}), {r['rate']:.0f} ev/s, "
            f"cpu {r['cpu']:.3f} s, rss {r['rss_kb'] / 1024:.1f} MiB")
        rows.append(r)
    return rows


def machine_description():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return (f"CPU: {model}, {os.cpu_count()} CPUs; kernel {os.uname().release}; "
            f"load average before the runs {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True, help="CMake build directory")
    p.add_argument("--events", type=int, default=2_000_000, help="events per run")
    p.add_argument("--runs", type=int, default=5, help="runs per consumer (medians)")
    p.add_argument("--idle-runs", type=int, default=3, help="runs with no events (idle cost)")
    p.add_argument("--paced-rate", type=int, default=200_000,
                   help="rate of the paced runs of ig (0: skip)")
    p.add_argument("--paced-events", type=int, default=1_000_000)
    p.add_argument("--memory-factor", type=int, default=4,
                   help="the memory check runs ig with --events times this too (0: skip)")
    p.add_argument("--consumers", default="ours,ours-devnull,bpftrace,ceiling")
    p.add_argument("--paced-consumers", default="ours,ceiling")
    p.add_argument("--consumer-cpu", type=int, default=0)
    p.add_argument("--generator-cpu", type=int, default=1)
    p.add_argument("--markdown", help="also write the table to this file")
    args = p.parse_args()

    if os.cpu_count() < 2:
        args.consumer_cpu = args.generator_cpu = None
    ig = os.path.join(args.build, "cli", "ig")
    args.generator = os.path.join(args.build, "bench", "events", "ig_bench_generator")
    ceiling = os.path.join(args.build, "bench", "events", "ig_bench_ceiling")
    ceiling_obj = os.path.join(args.build, "bench", "events", "ceiling.bpf.o")
    bpftrace = shutil.which("bpftrace")

    workdir = tempfile.mkdtemp(prefix="ig-bench-", dir="/dev/shm")
    store = os.path.join(workdir, "store")
    env = dict(os.environ, IG_OCI_STORE=store)
    try:
        subprocess.run([ig, "image", "build", "-t", IMAGE, os.path.join(HERE, "gadget")],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        all_consumers = {
            "ours": Ours("ours", [ig, "run", IMAGE, "-o", "json", "--verify-image=false", "--host"], env),
            "ours-devnull": OursDevNull("ours-devnull", [ig, "run", IMAGE, "-o", "json", "--verify-image=false", "--host"], env),
            "bpftrace": Bpftrace("bpftrace", [bpftrace, "-e", BPFTRACE_PROGRAM]),
            "ceiling": Ceiling("ceiling", [ceiling, ceiling_obj]),
        }
        consumers = [all_consumers[c] for c in args.consumers.split(",")]
        machine = machine_description()
        log(machine)

        results = {}
        for c in consumers:
            idle = measure(c, args, 0, 0, args.idle_runs, workdir, "idle")
            load = measure(c, args, args.events, 0, args.runs, workdir, "load")
            results[c.name] = (idle, load)

        paced = {}
        if args.paced_rate:
            for name in args.paced_consumers.split(","):
                paced[name] = measure(all_consumers[name], args, args.paced_events,
                                      args.paced_rate, max(3, args.runs // 2), workdir, "paced")
        memory = []
        if args.memory_factor:
            long_events = args.events * args.memory_factor
            memory = measure(all_consumers["ours"], args, long_events, 0, 3, workdir, "long")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    lines = [f"Machine: {machine}", "",
             f"{args.events} events per run, medians of {args.runs} runs "
             f"(idle cost: medians of {args.idle_runs} runs with no events); consumer on CPU "
             f"{args.consumer_cpu}, generator on CPU {args.generator_cpu}.", "",
             "| consumer | generated/s | delivered/s | lost | delivered+lost=generated | "
             "CPU s (total) | CPU s idle | CPU s per M events | peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|---|"]
    per_m = {}
    rate = {}
    for name, (idle, load) in results.items():
        idle_cpu = median(idle, "cpu")
        # Per run, then the median: CPU and delivered events of the same run go together.
        per_m[name] = statistics.median(
            (r["cpu"] - idle_cpu) / r["delivered"] * 1e6 if r["delivered"] else 0 for r in load)
        rate[name] = median(load, "rate")
        unaccounted = [r["generated"] - r["delivered"] - r["lost"] for r in load]
        inferred = isinstance(all_consumers[name], OursDevNull)
        lines.append(
            f"| {name} | {median(load, 'gen_rate'):,.0f} | "
            f"{'n/a' if inferred else f'{rate[name]:,.0f}'} | "
            f"{median(load, 'lost'):,.0f} (max {max(r['lost'] for r in load):,}) | "
            f"{'n/a (inferred)' if inferred else ('yes' if not any(unaccounted) else f'NO: {unaccounted}')} | "
            f"{median(load, 'cpu'):.3f} | {idle_cpu:.3f} | "
            f"{per_m[name]:.3f} | {median(load, 'rss_kb') / 1024:.1f} |")
    lines.append("")
    for ours in ("ours", "ours-devnull"):
        for peer in ("bpftrace", "ceiling"):
            if ours in per_m and peer in per_m and per_m[ours] > 0:
                lines.append(
                    f"- {ours} vs {peer}: CPU per event x{per_m[ours] / per_m[peer]:.2f} "
                    f"({peer} / {ours} = {per_m[peer] / per_m[ours]:.2f})"
                    + (f"; delivered/s x{rate[ours] / rate[peer]:.2f}" if ours == "ours" else ""))
    for name, rows in paced.items():
        idle_cpu = median(results[name][0], "cpu") if name in results else 0
        lines.append(
            f"- {name} paced at {args.paced_rate:,}/s, {args.paced_events:,} events, "
            f"{len(rows)} runs: delivered/s {median(rows, 'rate'):,.0f}, lost "
            f"{[r['lost'] for r in rows]}, CPU {median(rows, 'cpu'):.3f} s "
            f"({(median(rows, 'cpu') - idle_cpu) / args.paced_events * 1e6:.3f} s per M events "
            f"net of idle), peak RSS {median(rows, 'rss_kb') / 1024:.1f} MiB")
    if memory:
        short = results["ours"][1] if "ours" in results else []
        lines.append(
            f"- ours peak RSS: {median(short, 'rss_kb') / 1024:.1f} MiB at {args.events:,} "
            f"events, {median(memory, 'rss_kb') / 1024:.1f} MiB at "
            f"{args.events * args.memory_factor:,} events (lost {[r['lost'] for r in memory]})")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
