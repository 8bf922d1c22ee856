#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Nothing leaks: after containers of every mode come and go (stopped, restarted,
# killed from outside, removed with --rm, started in parallel) the host is exactly as
# after the first container was removed: no veth, netns, mount, run/state directory,
# monitor (or its berth-linger) process or rule remains. A run on a full bridge (1023
# ports, the kernel's most) fails with an error that says so, and leaves nothing.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

monitors() { pgrep -x berth-monitor | wc -l; }
# A monitor leaves the close of its last netfilter socket (and the kernel's
# wait in it) to a child, berth-linger; it must end too (zombies aside: the
# init process reaps them in its own time).
no_lingers() { ! ps -C berth-linger -o stat= | grep -qv '^Z'; }

# everything_gone WHAT: no container state of any kind on the host.
everything_gone()
{
	assert_eq "" "$(berth ps -aq)" "$1: containers"
	assert_eq "" "$(host_veths)" "$1: veths"
	assert_eq "" "$(ls -A "$BERTH_NETNS_DIR")" "$1: named netns"
	assert_eq 0 "$(grep -c -e " $BERTH_RUN_ROOT" -e " $BERTH_ROOT" /proc/self/mountinfo)" "$1: mounts under the run/state roots"
	assert_eq "" "$(ls -A "$BERTH_RUN_ROOT/containers" 2>/dev/null)" "$1: run dirs"
	assert_eq "" "$(ls -A "$BERTH_ROOT/containers" 2>/dev/null)" "$1: state dirs"
	assert_eq 0 "$(monitors)" "$1: berth-monitor processes"
	wait_until 5 no_lingers || fail "$1: berth-linger processes left: $(ps -C berth-linger -o pid=,stat=)"
}

log "the first container makes berth0 and the table; after its rm that is the baseline"
assert_ok berth run -d --name first -- busybox sleep 100
wait_running first
assert_ok berth rm -f first
everything_gone "after the first rm"
host_snapshot "$E2E_TMP/base"

log "containers of every mode"
assert_ok berth run -d --name b1 -- busybox sleep 100
assert_ok berth run -d --name b2 --ip 172.17.0.77 --mac-address 02:42:ac:11:00:aa -- busybox sleep 100
assert_ok berth run -d --name none --net=none -- busybox sleep 100
assert_ok berth run -d --name host --net=host -- busybox sleep 100
wait_running b1
assert_ok berth run -d --name joined --net=container:b1 -- busybox sleep 100
assert_ok berth run --rm -- busybox ping -c1 -W2 172.17.0.1
assert_ok berth run --rm --net=none -- busybox true
assert_ok berth run --rm --net=host -- busybox true
assert_ok berth run --rm --net=container:b2 -- busybox true
assert_rc 3 berth run --rm -- busybox sh -c 'exit 3'
assert_ok berth run --name fg -- busybox true
for c in b1 b2 none host joined; do wait_running "$c"; done
assert_eq 5 "$(monitors)" "one monitor per running container"
assert_ok berth exec b1 busybox ping -c1 -W2 172.17.0.77
assert_ok berth exec b2 busybox sh -c 'busybox sleep 0.2 & wait'

log "stop, start, stop again"
assert_ok berth stop -t 1 b2
assert_ok berth start b2
wait_running b2
assert_ok berth exec b1 busybox ping -c1 -W2 172.17.0.77
assert_ok berth stop -t 1 b2 none
assert_eq 3 "$(monitors)" "monitors after stop"
assert_eq 1 "$(host_veths | grep -c .)" "veths with only b1 on the bridge"

log "a container whose process is killed from outside is seen as exited"
old_veths=$(host_veths)
assert_ok berth run -d --name victim -- busybox sleep 100
wait_running victim
vpid=$(container_pid victim)
vveth=$(host_veths | grep -vxF "$old_veths")
assert_match "$vveth" '^[^ ]+$' "the victim's veth"
kill -9 "$vpid"
wait_exited victim
assert_eq 137 "$(inspect_f victim '{{.State.ExitCode}}')" "exit code of a SIGKILLed container"
assert_ok berth ps -a
assert_match "$OUT" "Exited \\(137\\)[^"$'\n'"]*victim" "ps -a shows it exited"
wait_until 5 sh -c "! ip link show $vveth" || fail "the veth of the killed container stays"
[ -L "$BERTH_NETNS_DIR/victim" ] && fail "the netns name of the killed container stays"
assert_eq 1 "$(host_veths | grep -c .)" "veths after the kill"

log "a --rm container leaves nothing after it exits by itself"
assert_ok berth run -d --rm --name ephemeral -- busybox sleep 0.3
eid=$OUT
wait_until 10 sh -c "! $BERTH inspect ephemeral" || fail "a --rm container stays after it exited"
assert_no_trace "$eid" "" ephemeral
assert_eq 1 "$(host_veths | grep -c .)" "veths after --rm"

log "the monitor killed: rm -f still removes everything of the container"
assert_ok berth run -d --name orphan -- busybox sleep 100
oid=$OUT
wait_running orphan
opid=$(container_pid orphan)
mpid=$(monitor_pid_of "$opid")
assert_eq berth-monitor "$(cat "/proc/$mpid/comm")" "the container's parent is its monitor"
kill -9 "$mpid"
assert_ok berth rm -f orphan
wait_until 5 sh -c "! kill -0 $opid" || fail "the container process survived rm -f after its monitor died"
assert_no_trace "$oid" "" orphan
assert_eq 1 "$(host_veths | grep -c .)" "veths after the orphan's rm"

log "a running container's monitor is berth-monitor: no library of berth's, no fd of its caller's"
exec 7>"$E2E_TMP/held"
assert_ok berth run -d --name lean -- busybox sh -c 'echo lean-out; echo lean-err >&2; exec busybox sleep 100'
exec 7>&-
wait_running lean
mpid=$(monitor_pid_of "$(container_pid lean)")
assert_eq "$(dirname "$BERTH")/berth-monitor" "$(readlink "/proc/$mpid/exe")" "the monitor's program"
assert_eq berth-monitor "$(cat "/proc/$mpid/comm")" "the monitor's name"
grep -E 'sqlite|nftables|jansson|mnl' "/proc/$mpid/maps" && fail "berth-monitor maps berth's libraries"
ls -l "/proc/$mpid/fd" | grep -F "$E2E_TMP/held" && fail "the monitor holds an fd its caller left open"
# stdio (/dev/null), its signalfd, the container's pidfd, the log, stdout and
# stderr, and the socket berth attach connects to
assert_eq 9 "$(ls "/proc/$mpid/fd" | wc -l)" "the monitor's fds: $(ls -l "/proc/$mpid/fd")"
capture_split berth logs lean
assert_eq "0 lean-out lean-err" "$RC $OUT $ERR" "the log, through berth-monitor: exit, stdout, stderr"
# berth-monitor's call at the exit, made by anyone else: nothing happens
lveths=$(host_veths | grep -c .)
assert_ok berth _monitor-exit "$(inspect_f lean '{{.Id}}')" 0
assert_eq running "$(inspect_f lean '{{.State.Status}}')" "a container after another process's _monitor-exit"
assert_eq "$lveths" "$(host_veths | grep -c .)" "veths after another process's _monitor-exit"
assert_ok berth stop -t 1 lean
assert_eq 137 "$(inspect_f lean '{{.State.ExitCode}}')" "the exit berth-monitor saw, recorded by berth"
kill -0 "$mpid" 2>/dev/null && fail "the monitor outlived its container's stop"
assert_ok berth start lean
wait_running lean
assert_eq "$(dirname "$BERTH")/berth-monitor" "$(readlink "/proc/$(monitor_pid_of "$(container_pid lean)")/exe")" "the monitor after start"
assert_ok berth rm -f lean
assert_eq 1 "$(host_veths | grep -c .)" "veths after lean's rm"

log "without berth-monitor next to berth, berth itself stays the monitor"
mkdir "$E2E_TMP/alone"
cp "$BERTH" "$E2E_TMP/alone/berth"
assert_ok "$E2E_TMP/alone/berth" run -d --name fat -- busybox sleep 100
wait_running fat
mpid=$(monitor_pid_of "$(container_pid fat)")
assert_eq "$E2E_TMP/alone/berth" "$(readlink "/proc/$mpid/exe")" "the monitor's program"
assert_eq berth-monitor "$(cat "/proc/$mpid/comm")" "the monitor's name"
assert_ok berth stop -t 1 fat
assert_eq 137 "$(inspect_f fat '{{.State.ExitCode}}')" "the exit the fallback monitor recorded"
assert_ok berth rm fat
assert_eq 1 "$(host_veths | grep -c .)" "veths after fat's rm"

log "many containers in parallel"
pids=()
for i in 1 2 3 4 5 6; do
	berth run -d --name "p$i" -- busybox sleep 100 >"$E2E_TMP/p$i.out" 2>&1 &
	pids+=($!)
done
for i in 1 2 3 4 5 6; do
	wait "${pids[$((i - 1))]}" || fail "parallel run p$i failed: $(cat "$E2E_TMP/p$i.out")"
done
ips=$(for i in 1 2 3 4 5 6; do inspect_f "p$i" '{{.NetworkSettings.IPAddress}}'; done | sort -u | grep -c .)
assert_eq 6 "$ips" "six distinct addresses"
for i in 1 2 3 4 5 6; do wait_running "p$i"; done
assert_ok berth exec p1 busybox ping -c1 -W2 "$(inspect_f p6 '{{.NetworkSettings.IPAddress}}')"
pids=()
for i in 1 2 3 4 5 6; do
	berth rm -f "p$i" >"$E2E_TMP/p$i.out" 2>&1 &
	pids+=($!)
done
for i in 1 2 3 4 5 6; do
	wait "${pids[$((i - 1))]}" || fail "parallel rm p$i failed: $(cat "$E2E_TMP/p$i.out")"
done

log "a full bridge (1023 ports, the kernel's most): run fails, names the bridge, its container holds nothing"
# The other ends of the fillers live in a namespace of their own: deleting it takes
# them all in one step.
ip netns add fill || fail "ip netns add fill"
nports=$(ip -o link show master berth0 | grep -c .)
for i in $(seq 1 $((1023 - nports))); do
	echo "link add fill$i master berth0 type veth peer name f$i netns fill"
done >"$E2E_TMP/fill.batch"
ip -batch "$E2E_TMP/fill.batch" || fail "filling berth0 with veths"
assert_eq 1023 "$(ip -o link show master berth0 | grep -c .)" "ports on the filled bridge"
host_snapshot "$E2E_TMP/full-before"
ps_before=$(berth ps -aq)
capture_split berth run -d --name nomore -- busybox sleep 100
assert_eq 125 "$RC" "run on a full bridge"
assert_match "$ERR" "bridge berth0 has 1023 ports, the most a Linux bridge takes" "the error names the bridge and the limit"
assert_start_failed nomore "1023 ports"
capture berth run -d --name nomore -p 8097:80 -- busybox sleep 100
assert_eq 125 "$RC" "run -p on a full bridge"
assert_start_failed nomore "1023 ports"
host_snapshot "$E2E_TMP/full-after"
assert_snapshot_eq "$E2E_TMP/full-before" "$E2E_TMP/full-after"
assert_eq "$ps_before" "$(berth ps -aq)" "containers after the failed runs"
ip link del fill1 || fail "ip link del fill1"
assert_ok berth run -d --name nomore -p 8097:80 -- busybox sleep 100
wait_running nomore
assert_ok berth exec b1 busybox ping -c1 -W2 "$(inspect_f nomore '{{.NetworkSettings.IPAddress}}')"
assert_ok berth rm -f nomore
ip netns del fill
wait_until 20 sh -c '[ "$(ip -o link show master berth0 | grep -c .)" = 1 ]' ||
	fail "the fillers stay: $(ip -o link show master berth0 | grep -c .) ports"

log "remove everything: the host is as after the first rm"
# shellcheck disable=SC2046
assert_ok berth rm -f $(berth ps -aq)
everything_gone "at the end"

log "reload sweeps ip netns names that no longer name their container's namespace, and names every running one's"
assert_ok berth run -d --name named -- busybox sleep 1000
wait_running named
ln -s /proc/999999/ns/net "$BERTH_NETNS_DIR/ghost"  # its process is gone
ln -sfn "/proc/$$/ns/net" "$BERTH_NETNS_DIR/named"   # a live process, not the container
ln -s "/proc/$$/ns/net" "$BERTH_NETNS_DIR/not-ours"  # no container of that name
assert_ok berth reload
[ -e "$BERTH_NETNS_DIR/ghost" ] || [ -L "$BERTH_NETNS_DIR/ghost" ] && fail "a name of a gone process stays"
assert_eq "/proc/$(container_pid named)/ns/net" "$(readlink "$BERTH_NETNS_DIR/named")" \
	"a container's name pointing elsewhere points at it again"
[ -L "$BERTH_NETNS_DIR/not-ours" ] || fail "a name berth did not give was removed"
rm -f "$BERTH_NETNS_DIR/not-ours"
assert_ok berth rm -f named
everything_gone "after the names"

log "reload removes what an rm killed after it forgot the container left, also once a reboot emptied the run root"
assert_ok berth run -d --name forgotten -- busybox sleep 1000
wait_running forgotten
id=$("$BERTH" inspect -f "{{.Id}}" forgotten)
capture env BERTH_FAULT=rm:deleted "$BERTH" rm -f forgotten
assert_eq 137 "$RC" "rm -f killed after deleting the record"
[ -d "$BERTH_ROOT/containers/$id" ] || fail "the killed rm should have left the state directory"
rm -rf "${BERTH_RUN_ROOT:?}/containers/$id" # (what a reboot does to the run root)
assert_ok berth reload
everything_gone "after the killed rm and reload"
host_snapshot "$E2E_TMP/end"
assert_snapshot_eq "$E2E_TMP/base" "$E2E_TMP/end"
exit 0
