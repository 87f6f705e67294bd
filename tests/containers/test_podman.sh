#!/bin/bash
# Podman containers with a tracepoint gadget on the host kernel: RUNTIME.* enrichment (from
# runc's state dir and from podman's Docker-compatible API), -c selection in the kernel's
# mount-namespace filter map, containers started mid-run, --host, an unreachable socket, and
# ig list-containers [-w] from the same sources, and k8s.* fields and --k8s-* selections from
# the labels kubelet puts on containers.
# Usage: IG=path/to/ig test_podman.sh GADGET_DIR
source "$(dirname "$(realpath "$0")")/lib.sh"
gadget_dir=$(realpath "${1:?usage: test_podman.sh GADGET_DIR}")
ref=test/trace_chmod:containers
build_gadget "$gadget_dir" "$ref"
make_busybox_image

a=igt-a-$$
b=igt-b-$$
late=igt-late-$$
loop='while true; do chmod 600 /tmp; sleep 0.2; done'
start_container "$a" "$loop"
start_container "$b" "$loop"
host_file=/tmp/igt-host-$$
touch "$host_file"
trap 'rm -f "$host_file"; cleanup' EXIT

# 1. Enrichment, and a container started mid-run that chmods right away.
out=$work/all.json
run_ig "$out" "$ref" -o json --timeout 4 --verify-image=false
sleep 1
start_container "$late" 'chmod 640 /tmp; chmod 600 /tmp; sleep 100'
chmod 600 "$host_file"
wait_ig "$out"
ids="{'$a': '$(container_id "$a")', '$b': '$(container_id "$b")', '$late': '$(container_id "$late")'}"
json_check "$out" "
ids = $ids
names = {r['runtime']['containerName'] for r in rows}
for n, i in ids.items():
    mine = [r for r in rows if r['runtime']['containerName'] == n]
    assert mine, f'no event enriched with container {n}; names seen: {names}'
    for r in mine:
        assert r['runtime']['containerId'] == i, r['runtime']
        assert r['runtime']['runtimeName'] == 'podman', r['runtime']
        assert r['proc']['comm'] == 'chmod', r
late = [r['mode'] for r in rows if r['runtime']['containerName'] == '$late']
assert late[:2] == [0o640, 0o600], f'late container: modes {late}, want its first two calls'
assert not any(r['filename'] == '$host_file' for r in rows), 'host event shown without --host'
assert '' not in names, 'event without a container shown without --host'
" && pass "enrichment of running and mid-run containers; host events dropped without --host" ||
  fail "enrichment (see above; output in $out)"

# The mount namespaces in every loaded gadget_mntns_filter_map (one ig runs at a time here).
filter_map_keys() {
  local map_ids keys="" id
  map_ids=$(bpftool map show -j | python3 -c '
import json, sys
print(" ".join(str(m["id"]) for m in json.load(sys.stdin) if m.get("name", "").startswith("gadget_mntns_fi")))')
  [ -n "$map_ids" ] || { fail "-c: no gadget_mntns_filter_map loaded"; return; }
  for id in $map_ids; do
    keys="$keys $(bpftool map dump id "$id" -j | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    k = e["key"]
    print(int.from_bytes(bytes(int(x, 16) for x in k), "little") if isinstance(k, list) else k)')"
  done
  echo $keys
}

# 2. -c selects in the kernel: the filter map holds exactly the selected container's mntns.
out=$work/select.json
run_ig "$out" "$ref" -o json --timeout 3 --verify-image=false -c "$a"
keys=$(filter_map_keys)
wait_ig "$out"
want=$(container_mntns "$a")
[ "$keys" = "$want" ] && pass "-c fills the filter map with the selected mntns ($want)" ||
  fail "-c $a: filter map keys '$keys', want '$want'"
json_check "$out" "
names = {r['runtime']['containerName'] for r in rows}
assert names == {'$a'}, f'-c $a: containers seen {names}'
" && pass "-c shows only the selected container" || fail "-c selection (output in $out)"

# 2b. A selected container that stops leaves the filter map: the kernel may give its mount
# namespace id to a later process.
short=igt-short-$$
start_container "$short" 'sleep 100'
short_ns=$(container_mntns "$short")
out=$work/stopped.json
run_ig "$out" "$ref" -o json --timeout 30 --verify-image=false -c "$short,$a"
keys=$(filter_map_keys | tr ' ' '\n' | sort -n | xargs)
want=$(printf '%s\n' "$short_ns" "$(container_mntns "$a")" | sort -n | xargs)
[ "$keys" = "$want" ] || fail "-c $short,$a: filter map keys '$keys' before the stop, want '$want'"
podman_ rm -f -t 0 "$short" > /dev/null
for _ in $(seq 50); do
  keys=$(filter_map_keys)
  [[ " $keys " != *" $short_ns "* ]] && break
  sleep 0.1
done
[ "$keys" = "$(container_mntns "$a")" ] && pass "a stopped container leaves the filter map" ||
  fail "after stopping $short: filter map keys '$keys', want only $a's"
kill -INT "$ig_pid"
wait_ig "$out"

# 3. Exclusion: -c '!a' shows the others but not a.
out=$work/exclude.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false -c "!$a"
wait_ig "$out"
json_check "$out" "
names = {r['runtime']['containerName'] for r in rows}
assert '$a' not in names and '$b' in names, f'-c !$a: containers seen {names}'
" && pass "-c !name excludes that container" || fail "-c exclusion (output in $out)"

# 4. --host: host events too, with empty runtime fields; columns start with the container name.
out=$work/host.txt
run_ig "$out" "$ref" --timeout 2 --verify-image=false --host --fields runtime.containerName,comm,filename
chmod 600 "$host_file"
wait_ig "$out"
head -n 1 "$out" | grep -qE '^RUNTIME\.CONTAINERNAME +COMM +FILENAME' && pass "columns header" ||
  fail "header: $(head -n 1 "$out")"
grep -qE "^ +chmod +$host_file" "$out" && pass "--host shows host events with an empty container name" ||
  fail "--host: no host row for $host_file (output in $out)"
grep -qE "^$b +chmod" "$out" && pass "--host still enriches container events" ||
  fail "--host: no row for $b"

# 5. An unreachable socket: one warning, enrichment from the other sources, the run goes on.
out=$work/badsock.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false --docker-socketpath "$work/no-such.sock"
wait_ig "$out"
[ "$(grep -c "no-such.sock" "$out.err")" = 1 ] && pass "unreachable socket: one warning" ||
  fail "unreachable socket: stderr was: $(cat "$out.err")"
json_check "$out" "
assert any(r['runtime']['containerName'] == '$a' for r in rows), 'no enriched event'
" && pass "unreachable socket: enrichment from the other sources" || fail "enrichment with a bad socket"

# 6. podman's Docker-compatible API (image names come from it).
sock=$work/podman.sock
podman_ system service --time=0 "unix://$sock" > "$work/service.log" 2>&1 &
background_pids+=($!)
for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
out=$work/api.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false -r podman --podman-socketpath "$sock"
wait_ig "$out"
json_check "$out" "
mine = [r for r in rows if r['runtime']['containerName'] == '$b']
assert mine, 'no event of $b'
assert mine[0]['runtime']['containerImageName'] == 'localhost/igtest-busybox:latest', mine[0]['runtime']
assert mine[0]['runtime']['containerPid'] > 0, mine[0]['runtime']
" && pass "podman API: name, image and pid" || fail "podman API enrichment (output in $out)"

# 7. Socket iterators read each container's network namespace: upstream's snapshot_socket shows
# the socket a container listens on, not the host's, and -c picks whose namespaces are read.
listener=igt-listen-$$
start_container "$listener" 'nc -l -p 7777'
sockets_ref=test/snapshot_socket:containers
build_gadget "$here/../data/builder/upstream/snapshot_socket" "$sockets_ref"
host_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', $host_port)); s.listen(); time.sleep(30)" &
background_pids+=($!)
sleep 0.5
out=$work/sockets.json
"$IG" run "$sockets_ref" -o json --verify-image=false > "$out" 2> "$out.err" || fail "snapshot_socket: $(cat "$out.err")"
/usr/bin/python3 - "$out" "$host_port" <<'PY' && pass "snapshot_socket reads the containers' network namespaces" || fail "snapshot_socket in containers (output in $out)"
import json, sys
rows = json.load(open(sys.argv[1]))
ports = {r['src']['port'] for r in rows}
assert 7777 in ports, f'container listener missing: {ports}'
assert int(sys.argv[2]) not in ports, 'a host socket is shown without --host'
PY
"$IG" run "$sockets_ref" -o json --verify-image=false -c "$a" > "$out" 2> "$out.err" || fail "snapshot_socket -c: $(cat "$out.err")"
/usr/bin/python3 -c "
import json, sys
ports = {r['src']['port'] for r in json.load(open('$out'))}
assert 7777 not in ports, ports
" && pass "snapshot_socket -c reads only the selected container's namespace" || fail "snapshot_socket -c (output in $out)"

# 8. ig list-containers reads the same sources: the running containers with their ids, -c and
# JSON; -w reports a container's start and removal as they happen.
"$IG" list-containers > "$work/list.txt" 2> "$work/list.err" || fail "list-containers: $(cat "$work/list.err")"
head -n 1 "$work/list.txt" | grep -qE '^RUNTIME\.RUNTIMENAME +RUNTIME\.CONTAINERID +RUNTIME\.CONTAINERNAME$' ||
  fail "list-containers header: $(head -n 1 "$work/list.txt")"
grep -qE "^[a-z]+ +$(container_id "$a") +$a$" "$work/list.txt" && grep -qE " $b$" "$work/list.txt" &&
  pass "list-containers lists the running containers" || fail "list-containers (output in $work/list.txt)"
"$IG" list-containers -o json -c "$b" -r podman --podman-socketpath "$sock" > "$work/list.json" ||
  fail "list-containers -o json"
/usr/bin/python3 - "$work/list.json" "$b" "$(container_id "$b")" <<'PY' && pass "list-containers -c NAME -o json (podman API)" || fail "list-containers -o json (output in $work/list.json)"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r['runtime']['containerName'] for r in rows] == [sys.argv[2]], rows
assert rows[0]['runtime']['containerId'] == sys.argv[3], rows
assert rows[0]['runtime']['runtimeName'] == 'podman', rows
assert rows[0]['runtime']['containerImageName'] == 'localhost/igtest-busybox:latest', rows
assert rows[0]['pid'] > 0 and rows[0]['mntns'] > 0, rows
PY
watched=igt-watched-$$
"$IG" list-containers -w -o json -c "$watched" --timeout 8 > "$work/watch.json" 2> "$work/watch.err" &
watch_pid=$!
background_pids+=("$watch_pid")
sleep 1.5
start_container "$watched" 'sleep 100'
watched_id=$(container_id "$watched")
sleep 2
podman_ rm -f -t 0 "$watched" > /dev/null
wait "$watch_pid" || fail "list-containers -w exited with $?: $(cat "$work/watch.err")"
/usr/bin/python3 - "$work/watch.json" "$watched" "$watched_id" <<'PY' && pass "list-containers -w reports CREATED and DELETED" || fail "list-containers -w (output in $work/watch.json)"
import json, sys
text = open(sys.argv[1]).read()
decoder, events, i = json.JSONDecoder(), [], 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    event, i = decoder.raw_decode(text, i)
    events.append(event)
assert [e['event'] for e in events] == ['CREATED', 'DELETED'], events
for e in events:
    assert e['container']['runtime']['containerName'] == sys.argv[2], e
    assert e['container']['runtime']['containerId'] == sys.argv[3], e
    assert e['timestamp'], e
PY

# 9. Containers with the labels kubelet gives (through podman's API): k8s.* fields, and the
# --k8s-namespace / --k8s-podname / --k8s-containername selections.
k8s_label() { echo --label "io.kubernetes.pod.namespace=$1" --label "io.kubernetes.pod.name=$2" \
  --label "io.kubernetes.container.name=$3" --label "io.kubernetes.pod.uid=uid-$2"; }
shop=igt-k8s-shop-$$
web=igt-k8s-web-$$
started_containers+=("$shop" "$web")
podman_ run -d --name "$shop" $(k8s_label shop cart-7d9 redis) igtest-busybox sh -c "$loop" > /dev/null || die "podman run $shop"
podman_ run -d --name "$web" $(k8s_label web front-5c2 nginx) igtest-busybox sh -c "$loop" > /dev/null || die "podman run $web"
# The shop pod's sandbox as cri-dockerd makes it: the pod's labels on a pause container.
sandbox=igt-k8s-sandbox-$$
started_containers+=("$sandbox")
podman_ run -d --name "$sandbox" --label io.kubernetes.docker.type=podsandbox --label io.kubernetes.pod.uid=uid-cart-7d9 \
  --label io.kubernetes.pod.name=cart-7d9 --label io.kubernetes.pod.namespace=shop --label app=cart --label tier=back \
  --label annotation.kubernetes.io/config.source=api igtest-busybox sleep 1000 > /dev/null || die "podman run $sandbox"
api=(-r podman --podman-socketpath "$sock")
out=$work/k8s-all.json
run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false "${api[@]}"
wait_ig "$out"
json_check "$out" "
want = {'$shop': ('shop', 'cart-7d9', 'redis'), '$web': ('web', 'front-5c2', 'nginx'), '$a': ('', '', '')}
for name, (ns, pod, container) in want.items():
    mine = [r for r in rows if r['runtime']['containerName'] == name]
    assert mine, f'no event of {name}'
    for r in mine:
        k = r['k8s']
        assert (k['namespace'], k['podName'], k['containerName']) == (ns, pod, container), (name, k)
        assert k['hostnetwork'] is False and k['node'] == '', k
        assert k['podLabels'] == ('app=cart,tier=back' if name == '$shop' else ''), (name, k)
" && pass "k8s.namespace, k8s.podName, k8s.containerName from kubelet's labels, k8s.podLabels from the sandbox" ||
  fail "k8s fields (output in $out)"
"$IG" list-containers -o json "${api[@]}" | jq -se --arg s "$sandbox" --arg c "$shop" \
  '.[0] | any(.[]; .runtime.containerName == $c) and all(.[]; .runtime.containerName != $s)' > /dev/null &&
  pass "the pod's sandbox is no container of its own" || fail "list-containers: $("$IG" list-containers "${api[@]}")"
for selection in "--k8s-namespace shop" "--k8s-podname cart-7d9" "--k8s-containername redis" "--k8s-namespace shop,web --k8s-podname !front-5c2" \
  "--k8s-selector app=cart,tier=back" "--k8s-namespace shop,web --k8s-selector app=cart,!tier=front"; do
  out=$work/k8s-select.json
  run_ig "$out" "$ref" -o json --timeout 2 --verify-image=false "${api[@]}" $selection
  wait_ig "$out"
  json_check "$out" "
names = {r['runtime']['containerName'] for r in rows}
assert names == {'$shop'}, f'$selection: containers seen {names}'
" && pass "$selection selects the shop pod's container only" || fail "$selection (output in $out)"
done

[ "$failures" = 0 ] || exit 1
echo "PASS"
