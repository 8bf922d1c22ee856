#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A detached container through its life: run -d, ps, inspect (JSON and -f), the netns
# name for iproute2, logs, exec, rm refusing a running container, stop, ps -a, start
# (network back), kill, rm -f; start -a/-i of a created one; and nothing of it left on
# the host.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

# Make berth0 and the table exist, so the later snapshots compare like with like.
assert_ok berth run --rm -- busybox true
host_snapshot "$E2E_TMP/before"

log "run -d prints the 64-hex id"
capture_split berth run -d --name life -- busybox sh -c 'echo out; echo err >&2; exec busybox sleep 100'
assert_eq 0 "$RC" "run -d: $ERR"
id=$OUT
assert_match "$id" '^[0-9a-f]{64}$' "run -d output"
wait_running life

log "ps shows it"
assert_ok berth ps
assert_contains "$OUT" "${id:0:12}" "ps lists the short id"
assert_match "$OUT" "Up[^"$'\n'"]*life" "ps shows it Up with its name"
assert_ok berth ps -q
assert_eq "${id:0:12}" "$OUT" "ps -q"
assert_ok berth ps -q --no-trunc
assert_eq "$id" "$OUT" "ps -q --no-trunc"

log "inspect"
assert_ok berth inspect life
json=$OUT
assert_match "$json" '^\[' "inspect prints a JSON array"
assert_match "$json" '"Id": ?"'"$id"'"' ".Id in JSON"
assert_match "$json" '"Name": ?"/life"' ".Name in JSON"
assert_eq "$id" "$(inspect_f life '{{.Id}}')" ".Id"
assert_eq "/life" "$(inspect_f life '{{.Name}}')" ".Name"
assert_eq "/life" "$(inspect_f "${id:0:12}" '{{.Name}}')" "inspect by short id"
assert_eq running "$(inspect_f life '{{.State.Status}}')" ".State.Status"
assert_eq true "$(inspect_f life '{{.State.Running}}')" ".State.Running"
pid=$(container_pid life)
assert_match "$pid" '^[1-9][0-9]*$' ".State.Pid"
kill -0 "$pid" 2>/dev/null || fail ".State.Pid $pid is not a live process"
assert_eq "busybox sleep 100 " "$(tr "\\0" " " <"/proc/$pid/cmdline")" "the pid is the container's command"
[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] ||
	fail "the container shares the host's netns"
ip=$(inspect_f life '{{.NetworkSettings.IPAddress}}')
assert_eq 172.17.0.2 "$ip" ".NetworkSettings.IPAddress"
assert_eq 02:42:ac:11:00:02 "$(inspect_f life '{{.NetworkSettings.MacAddress}}')" ".MacAddress"
assert_eq 172.17.0.1 "$(inspect_f life '{{.NetworkSettings.Gateway}}')" ".Gateway"
assert_eq 16 "$(inspect_f life '{{.NetworkSettings.IPPrefixLen}}')" ".IPPrefixLen"
assert_eq "$ip" "$(inspect_f life '{{.NetworkSettings.Networks.bridge.IPAddress}}')" ".Networks.bridge.IPAddress"
assert_eq 02:42:ac:11:00:02 "$(inspect_f life '{{.NetworkSettings.Networks.bridge.MacAddress}}')" ".Networks.bridge.MacAddress"
assert_eq "$pid $ip" "$(inspect_f life '{{.State.Pid}} {{.NetworkSettings.IPAddress}}')" "template with text"
assert_fails berth inspect nosuchcontainer
assert_contains "$OUT" "No such" "inspect of a missing container"

log "ip netns exec NAME works while it runs"
assert_ok ip netns exec life ip -o -4 addr show dev eth0
assert_contains "$OUT" "inet $ip/16" "ip netns exec life"
assert_contains "$(ip netns list)" life "ip netns list"
veth=$(host_veths)
assert_match "$veth" '^[^ ]+$' "one host veth"
ip -d link show "$veth" | grep -q "master berth0" || fail "veth $veth not on berth0"

log "logs"
assert_ok berth logs life
assert_contains "$OUT" out "logs: stdout"
assert_contains "$OUT" err "logs: stderr"
capture_split berth logs life
soft assert_eq out "$OUT" "logs: container stdout on stdout (docker logs keeps the streams apart)"
soft assert_eq err "$ERR" "logs: container stderr on stderr"

log "exec"
assert_ok berth exec life busybox hostname
assert_eq "${id:0:12}" "$OUT" "exec runs in the container's uts ns"
assert_ok berth exec life busybox cat /sys/class/net/eth0/address
assert_eq 02:42:ac:11:00:02 "$OUT" "exec runs in the container's netns"
assert_ok berth exec life busybox sh -c 'echo $$; busybox ps -o pid,args | grep -c "[s]leep 100"'
assert_ne 1 "$(echo "$OUT" | head -1)" "exec is not PID 1"
assert_eq 1 "$(echo "$OUT" | tail -1)" "exec sees the container's processes (pid ns)"
assert_rc 5 berth exec life busybox sh -c 'exit 5'
OUT=$(echo piped | berth exec -i life busybox cat)
assert_eq piped "$OUT" "exec -i"
assert_ok berth exec -e E2E=yes life busybox sh -c 'echo $E2E'
assert_eq yes "$OUT" "exec -e"
capture berth exec life no-such-command-e2e
[ "$RC" = 126 ] || [ "$RC" = 127 ] || fail "exec of a missing command: exit $RC (want 126/127): $OUT"
assert_contains "$OUT" no-such-command-e2e "the error names the command"
assert_fails berth exec nosuchcontainer busybox true

log "rm refuses a running container"
assert_fails berth rm life
assert_contains "$OUT" "stop the container before removing or force remove" "rm message"
assert_eq running "$(inspect_f life '{{.State.Status}}')" "still running after refused rm"

log "stop -t 1"
t0=$(date +%s%N)
assert_ok berth stop -t 1 life
t1=$(date +%s%N)
assert_eq life "$OUT" "stop prints the name"
[ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "stop -t 1 took $(((t1 - t0) / 1000000)) ms"
assert_eq exited "$(inspect_f life '{{.State.Status}}')" "status after stop"
code=$(inspect_f life '{{.State.ExitCode}}')
[ "$code" = 137 ] || [ "$code" = 143 ] || fail "exit code after stop: $code"
assert_ok berth ps
assert_not_contains "$OUT" life "ps without -a lists a stopped container"
assert_ok berth ps -a
assert_match "$OUT" "Exited \\((137|143)\\)[^"$'\n'"]*life" "ps -a"
kill -0 "$pid" 2>/dev/null && fail "the process $pid survived stop"
[ ! -e "$BERTH_NETNS_DIR/life" ] && [ ! -L "$BERTH_NETNS_DIR/life" ] || fail "netns name stays after stop"
ip link show "$veth" >/dev/null 2>&1 && fail "veth $veth stays after stop"
assert_fails berth exec life busybox true

log "stop sends SIGTERM first"
assert_ok berth run -d --name termy -- busybox sh -c 'trap "exit 0" TERM; while :; do busybox sleep 0.1; done'
wait_running termy
assert_ok berth stop -t 10 termy
assert_eq 0 "$(inspect_f termy '{{.State.ExitCode}}')" "a TERM-handling container exits 0"
assert_ok berth rm termy

log "start again: network back on the same bridge"
assert_ok berth start life
wait_running life
pid2=$(container_pid life)
kill -0 "$pid2" 2>/dev/null || fail "no live pid after start"
ip2=$(inspect_f life '{{.NetworkSettings.IPAddress}}')
assert_match "$ip2" '^172\.17\.0\.[0-9]+$' "address after start"
assert_ok ip netns exec life ip -o -4 addr show dev eth0
assert_contains "$OUT" "inet $ip2/16" "eth0 after start"
assert_ok berth exec life busybox ping -c1 -W2 172.17.0.1
veth2=$(host_veths)
ip -d link show "$veth2" | grep -q "master berth0" || fail "veth not on berth0 after start"
assert_ok berth exec life busybox ip route
assert_contains "$OUT" "default via 172.17.0.1" "default route after start"

log "kill"
assert_ok berth kill life
wait_exited life
assert_eq 137 "$(inspect_f life '{{.State.ExitCode}}')" "exit code after kill"
assert_ok berth ps -a
assert_match "$OUT" "Exited \\(137\\)[^"$'\n'"]*life" "ps -a after kill"
ip link show "$veth2" >/dev/null 2>&1 && fail "veth stays after kill"

log "rm of a stopped container; rm -f of a running one"
assert_ok berth rm life
assert_eq "" "$(berth ps -aq)" "ps -a after rm"
assert_no_trace "$id" "$veth2" life
assert_ok berth run -d --name life2 -- busybox sleep 100
id2=$OUT
wait_running life2
veth3=$(host_veths)
assert_ok berth rm -f life2
assert_eq "" "$(berth ps -aq)" "ps -a after rm -f"
assert_no_trace "$id2" "$veth3" life2
assert_fails berth rm life2
assert_contains "$OUT" "No such container" "rm of a removed container"

log "start -a: the output on stdout and stderr, the container's exit status; -i relays stdin"
assert_ok berth create --name att -- busybox sh -c 'echo out; echo err >&2; exit 3'
capture_split berth start -a att
assert_eq 3 "$RC" "start -a exits with the container's status"
assert_eq out "$OUT" "start -a: stdout"
assert_eq err "$ERR" "start -a: stderr"
assert_match "$(inspect_f att '{{.State.Status}} {{.State.ExitCode}}')" '^exited 3$' "state after start -a"
capture_split berth start -a att att
assert_eq 1 "$RC" "start -a of two containers"
assert_contains "$ERR" "you cannot start and attach multiple containers at once" "start -a of two: message"
capture berth start -x att
assert_eq 125 "$RC" "start with an unknown flag"
assert_contains "$OUT" "unknown flag: -x" "start -x: message"
assert_ok berth create -i --name cat -- busybox cat
OUT=$(echo again | "$BERTH" start -ai cat)
assert_eq "0 again" "$? $OUT" "start -ai: stdin relayed, status 0"
assert_ok berth rm att cat

log "lookup: by full id, id prefix, name; an ambiguous prefix; a name's prefix is no name"
ids=()
for i in $(seq 17); do
	assert_ok berth create --name "look$i" -- busybox true
	ids+=("$OUT")
done
a=${ids[0]}
assert_eq "$a" "$(berth inspect -f '{{.Id}}' "$a")" "by full id"
assert_eq "$a" "$(berth inspect -f '{{.Id}}' "${a:0:12}")" "by a 12-digit prefix"
assert_eq "$a" "$(berth inspect -f '{{.Id}}' look1)" "by name"
# 17 ids, 16 first digits: two share one.
dup=$(printf '%s\n' "${ids[@]}" | cut -c1 | sort | uniq -d | head -1)
assert_fails berth rm "$dup"
assert_contains "$OUT" "multiple containers match" "an ambiguous prefix ($dup)"
assert_fails berth rm look
assert_contains "$OUT" "No such container: look" "a name's prefix"
assert_fails berth rm "${a:0:6}%"
assert_contains "$OUT" "No such container" "a prefix with a wildcard"
assert_fails berth rm "$(echo "$a" | tr a-f A-F)"
assert_contains "$OUT" "No such container" "an upper-case id"
assert_ok berth rm "${ids[@]}"
assert_eq "" "$(berth ps -aq)" "ps -a after removing the lookups"

host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after"
exit 0
