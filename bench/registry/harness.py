#!/usr/bin/env python3
"""bench/registry: push and pull of an image with one 256 MiB layer against a local
docker-registry (plain HTTP on loopback), side by side:

  ig image push / pull          (fresh store per pull, fresh registry per push)
  skopeo copy oci:DIR -> docker:// and docker:// -> oci:DIR   (same image, same registry)
  curl: raw blob download to /dev/null (the limit), to a file, and to a file then fsynced (what
        a durable store pays); raw upload (POST + PUT -T)

Every timed push goes to a registry started on an empty directory, so every tool really uploads
every byte. Runs are interleaved (ig, skopeo, curl, then the next run). Times are wall-clock
medians of --runs runs; MiB/s = layer MiB / median; ratios are ig time / other time (below 1:
ig is faster)."""
import argparse, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

MIB = 1024 * 1024


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Registry:
    def __init__(self, tmp, name, port):
        self.dir = os.path.join(tmp, name)
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.proc = None

    def start(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write("version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\n"
                    f"storage: {{filesystem: {{rootdirectory: {self.dir}/data}}, delete: {{enabled: true}}}}\n"
                    f"http:\n  addr: {self.host}\n  secret: ig-bench\n")
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "log"), "w"))
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1)
                return
            except Exception:
                time.sleep(0.05)
        raise SystemExit(f"docker-registry on {self.host} did not come up")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None


def run(cmd, env=None):
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return dt, r.stdout


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpu": model, "cores": os.cpu_count(), "kernel": os.uname().release,
            "load": " ".join(open("/proc/loadavg").read().split()[:3])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ig", required=True)
    ap.add_argument("--make-test-image", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mib", type=int, default=256, help="layer size in MiB")
    ap.add_argument("--markdown", help="also write the table as Markdown to this file")
    args = ap.parse_args()
    for tool in ("docker-registry", "skopeo", "curl"):
        if not shutil.which(tool):
            raise SystemExit(f"bench/registry: {tool} missing")

    m = machine()
    tmp = tempfile.mkdtemp(prefix="ig-bench-registry-")
    src_reg = Registry(tmp, "pull-registry", free_port())
    push_reg = Registry(tmp, "push-registry", free_port())
    times = {}
    try:
        src_reg.start()
        store = os.path.join(tmp, "src-store")
        ref_src = f"{src_reg.host}/bench/image:v1"
        out = subprocess.run([args.make_test_image, "single", store, ref_src, str(args.mib * MIB), "1"],
                             check=True, stdout=subprocess.PIPE, text=True).stdout.split()
        manifest, layer = out
        layer_file = os.path.join(store, "blobs", "sha256", layer.split(":")[1])
        env = dict(os.environ, IG_OCI_STORE=store)
        run([args.ig, "image", "tag", ref_src, f"{push_reg.host}/bench/ig:v1"], env)
        run([args.ig, "image", "push", ref_src, "--insecure-registries", src_reg.host], env)
        layout = os.path.join(tmp, "skopeo-layout")
        run(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{ref_src}", f"oci:{layout}:bench"])
        _, raw = run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{ref_src}"])
        layers = [line for line in open(os.path.join(layout, "index.json"))]
        assert manifest.split(":")[1] in "".join(layers), "skopeo's layout holds another manifest"

        def add(key, dt):
            times.setdefault(key, []).append(dt)

        for i in range(args.runs):
            # Pushes, each to an empty registry.
            push_reg.start()
            add(("push", "ig"), run([args.ig, "image", "push", f"{push_reg.host}/bench/ig:v1",
                                     "--insecure-registries", push_reg.host], env)[0])
            push_reg.stop()
            push_reg.start()
            add(("push", "skopeo"), run(["skopeo", "copy", "-q", "--dest-tls-verify=false",
                                         f"oci:{layout}:bench", f"docker://{push_reg.host}/bench/skopeo:v1"])[0])
            push_reg.stop()
            push_reg.start()
            t0 = time.monotonic()
            _, headers = run(["curl", "-sf", "-D", "-", "-o", "/dev/null", "-X", "POST",
                              f"http://{push_reg.host}/v2/bench/curl/blobs/uploads/"])
            loc = next(h.split(":", 1)[1].strip() for h in headers.splitlines() if h.lower().startswith("location:"))
            if loc.startswith("/"):
                loc = f"http://{push_reg.host}{loc}"
            run(["curl", "-sf", "-o", "/dev/null", "-X", "PUT", "-H", "Content-Type: application/octet-stream",
                 "-T", layer_file, f"{loc}{'&' if '?' in loc else '?'}digest={layer}"])
            add(("push", "curl"), time.monotonic() - t0)
            push_reg.stop()

            # Pulls from the registry that has the image.
            pull_store = os.path.join(tmp, "pull-store")
            shutil.rmtree(pull_store, ignore_errors=True)
            add(("pull", "ig"), run([args.ig, "image", "pull", ref_src, "--insecure-registries", src_reg.host],
                                    dict(os.environ, IG_OCI_STORE=pull_store))[0])
            pull_layout = os.path.join(tmp, "pull-layout")
            shutil.rmtree(pull_layout, ignore_errors=True)
            add(("pull", "skopeo"), run(["skopeo", "copy", "-q", "--src-tls-verify=false",
                                         f"docker://{ref_src}", f"oci:{pull_layout}:bench"])[0])
            blob_url = f"http://{src_reg.host}/v2/bench/image/blobs/{layer}"
            add(("pull", "curl"), run(["curl", "-sf", "-o", "/dev/null", blob_url])[0])
            blob_copy = os.path.join(tmp, "blob")
            add(("pull", "curl-file"), run(["curl", "-sf", "-o", blob_copy, blob_url])[0])
            os.unlink(blob_copy)
            # What a store that survives a crash also pays: the bytes on disk (sync FILE = fsync).
            t0 = time.monotonic()
            run(["curl", "-sf", "-o", blob_copy, blob_url])
            run(["sync", blob_copy])
            add(("pull", "curl-file-sync"), time.monotonic() - t0)
            os.unlink(blob_copy)
            print(f"run {i + 1}/{args.runs}: " + ", ".join(f"{op} {tool} {v[-1]:.2f}s" for (op, tool), v in times.items()),
                  file=sys.stderr)
    finally:
        push_reg.stop()
        src_reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    m["load_end"] = " ".join(open("/proc/loadavg").read().split()[:3])

    labels = {
        ("push", "ig"): "ig image push",
        ("push", "skopeo"): "skopeo copy oci: -> docker://",
        ("push", "curl"): "curl POST + PUT -T (raw upload)",
        ("pull", "ig"): "ig image pull (fresh store)",
        ("pull", "skopeo"): "skopeo copy docker:// -> oci: (fresh dir)",
        ("pull", "curl"): "curl GET blob -> /dev/null (the limit)",
        ("pull", "curl-file"): "curl GET blob -> file",
        ("pull", "curl-file-sync"): "curl GET blob -> file, then fsync (durable)",
    }
    rows = []
    for key, label in labels.items():
        v = times[key]
        med = statistics.median(v)
        ours = statistics.median(times[(key[0], "ig")])
        ratio = "" if key[1] == "ig" else f"{ours / med:.2f}"
        rows.append((key[0], label, f"{med:.2f}", f"{min(v):.2f}", f"{max(v):.2f}", f"{args.mib / med:.0f}", ratio))
    head = ("op", "tool", "median s", "min s", "max s", "MiB/s", "ig time / this")
    lines = [f"Layer: {args.mib} MiB random, one manifest; {args.runs} runs each; docker-registry on loopback, plain HTTP.",
             f"Machine: {m['cpu']}, {m['cores']} cores, kernel {m['kernel']}, load average {m['load']} at start, "
             f"{m['load_end']} at end.", "",
             "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
