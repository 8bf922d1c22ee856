#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Resource limits on the cgroup v1 hierarchy: --memory kills a hog (exit 137,
# State.OOMKilled), --pids-limit stops a fork bomb, --cpus throttles a busy loop; the
# limit files under /sys/fs/cgroup/<ctrl>/berth/<id> hold the values, inspect shows
# them, `berth stats` prints the memory limit, the container sees its cgroups as "/"
# (cgroup namespace), exec joins them, and rm removes them.
#
# The sandbox's fresh sysfs hides /sys/fs/cgroup: the test mounts a tmpfs there and the
# v1 hierarchies of memory, cpu, cpuacct and pids (combined as on this machine, e.g.
# cpu,cpuacct) under it.  v1 hierarchies are global: the test creates and removes no
# cgroup itself; berth makes and removes only its own berth/<id>.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

CG=/sys/fs/cgroup
CTRLS="memory cpu cpuacct pids"

# Mount the v1 hierarchies berth uses, as /proc/self/cgroup combines them.
mount -t tmpfs -o mode=0755 berth-e2e-cgroup "$CG" || skip "cannot mount a tmpfs on $CG"
for c in $CTRLS; do
	[ -e "$CG/$c" ] && continue
	list=$(awk -F: -v c="$c" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $2}' /proc/self/cgroup)
	[ -n "$list" ] || skip "no cgroup v1 hierarchy with the $c controller (/proc/self/cgroup: $(tr '\n' ' ' </proc/self/cgroup)); this test needs v1"
	mkdir -p "$CG/$list"
	mount -t cgroup -o "$list" cgroup "$CG/$list" 2>"$E2E_TMP/mount.err" ||
		skip "cannot mount the cgroup v1 hierarchy $list: $(cat "$E2E_TMP/mount.err")"
	for m in ${list//,/ }; do
		[ "$m" = "$list" ] || [ -e "$CG/$m" ] || ln -s "$list" "$CG/$m"
	done
done
for c in $CTRLS; do
	[ -e "$CG/$c/cgroup.procs" ] || skip "the $c hierarchy is not usable at $CG/$c"
done

# cg NAME CTRL FILE: a file of the container's cgroup (path printed).
cg() { echo "$CG/$2/berth/$(inspect_f "$1" '{{.Id}}')/$3"; }
cg_read() { cat "$(cg "$@")" 2>/dev/null; }
# assert_cg_gone ID: no controller has berth/ID any more.
assert_cg_gone()
{
	local c
	for c in $CTRLS; do
		[ ! -e "$CG/$c/berth/$1" ] || fail "cgroup $CG/$c/berth/$1 still exists"
	done
}

log "limit files, inspect and stats of --memory --memory-swap --cpus --cpu-shares --pids-limit"
assert_ok berth run -d --name lim --memory 16m --memory-swap 32m --cpus 0.5 --cpu-shares 512 --pids-limit 10 -- \
	busybox sleep 1000
wait_running lim
lim_id=$(inspect_f lim '{{.Id}}')
for c in $CTRLS; do
	[ -d "$CG/$c/berth/$lim_id" ] || fail "no cgroup $CG/$c/berth/$lim_id"
done
assert_eq 16777216 "$(cg_read lim memory memory.limit_in_bytes)" "memory.limit_in_bytes"
if [ -e "$(cg lim memory memory.memsw.limit_in_bytes)" ]; then
	assert_eq 33554432 "$(cg_read lim memory memory.memsw.limit_in_bytes)" "memory.memsw.limit_in_bytes"
fi
assert_eq 10 "$(cg_read lim pids pids.max)" "pids.max"
assert_eq 100000 "$(cg_read lim cpu cpu.cfs_period_us)" "cpu.cfs_period_us"
assert_eq 50000 "$(cg_read lim cpu cpu.cfs_quota_us)" "cpu.cfs_quota_us"
assert_eq 512 "$(cg_read lim cpu cpu.shares)" "cpu.shares"
assert_eq "16777216 33554432 500000000 512 10" \
	"$(inspect_f lim '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}}')" \
	"inspect HostConfig Memory MemorySwap NanoCpus CpuShares PidsLimit"
pid=$(container_pid lim)
assert_ok grep -c "^[0-9]*:[a-z,]*:/berth/$lim_id\$" "/proc/$pid/cgroup"
[ "$OUT" -ge 4 ] || fail "the container's process is not in berth/$lim_id of every controller:
$(cat "/proc/$pid/cgroup")"
assert_eq "$pid" "$(cg_read lim pids cgroup.procs)" "cgroup.procs of the pids cgroup"

capture berth stats lim
assert_eq 0 "$RC" "berth stats: $OUT"
assert_match "$OUT" $'(^|\n)'"${lim_id:0:12}"' +lim +[^\n]* / 16MiB' "berth stats shows the memory limit"
capture berth stats --no-stream lim
assert_eq 0 "$RC" "berth stats --no-stream: $OUT"
assert_contains "$OUT" "/ 16MiB" "berth stats --no-stream"

log "cgroup namespace: the container sees its cgroups as /"
assert_ok berth exec lim busybox cat /proc/self/cgroup
assert_eq "" "$(echo "$OUT" | grep -v ':/$')" "cgroup paths inside (exec)"
assert_ok berth exec lim busybox readlink /proc/self/ns/cgroup
assert_ne "$(readlink /proc/self/ns/cgroup)" "$OUT" "cgroup namespace"
assert_ok berth run --rm --memory 32m --pids-limit 20 -- busybox cat /proc/self/cgroup
assert_eq "" "$(echo "$OUT" | grep -v ':/$')" "cgroup paths inside (run)"
assert_contains "$OUT" "memory:/" "memory line inside"

log "--memory without --memory-swap: Docker allows as much swap as memory (memsw = 2 x memory)"
assert_ok berth run -d --name memonly --memory 16m -- busybox sleep 1000
soft assert_eq 33554432 "$(inspect_f memonly '{{.HostConfig.MemorySwap}}')" "inspect MemorySwap of --memory 16m (Docker: 2 x Memory)"
if [ -e "$(cg memonly memory memory.memsw.limit_in_bytes)" ]; then
	soft assert_eq 33554432 "$(cg_read memonly memory memory.memsw.limit_in_bytes)" \
		"memory.memsw.limit_in_bytes of --memory 16m (unlimited swap otherwise)"
fi
assert_ok berth rm -f memonly

log "--cpus 0.5 throttles a busy loop"
assert_ok berth run -d --name spin --cpus 0.5 -- busybox sh -c 'while :; do :; done'
wait_running spin
sleep 0.5
u0=$(cg_read spin cpuacct cpuacct.usage)
t0=$(date +%s%N)
sleep 2
u1=$(cg_read spin cpuacct cpuacct.usage)
t1=$(date +%s%N)
assert_match "$u0 $u1" '^[0-9]+ [0-9]+$' "cpuacct.usage"
pct=$(((u1 - u0) * 100 / (t1 - t0)))
log "busy loop with --cpus 0.5 used ${pct}% of one CPU"
[ "$pct" -le 65 ] || fail "--cpus 0.5: the busy loop used ${pct}% of a CPU"
[ "$pct" -ge 20 ] || fail "--cpus 0.5: the busy loop used only ${pct}% of a CPU (not running?)"
assert_ok berth rm -f spin

log "--memory 16m kills a hog: exit 137, State.OOMKilled"
capture timeout 60 "$BERTH" run --name hog --memory 16m -- busybox sh -c 'x=0123456789; while :; do x="$x$x"; done'
assert_eq 137 "$RC" "exit status of the hog: $OUT"
assert_eq "true 137 exited" "$(inspect_f hog '{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}')" \
	"inspect State of the hog"
assert_contains "$(berth ps -a)" "Exited (137)" "ps -a of the hog"
hog_id=$(inspect_f hog '{{.Id}}')
assert_ok berth run --name modest --memory 16m -- busybox sh -c 'busybox dd if=/dev/zero of=/tmp/f bs=1M count=6 2>/dev/null; busybox wc -c </tmp/f'
assert_eq 6291456 "$OUT" "6 MiB in a 16 MiB container"
assert_eq "false 0" "$(inspect_f modest '{{.State.OOMKilled}} {{.State.ExitCode}}')" "inspect State of a container within its limit"
assert_ok berth rm hog modest
assert_cg_gone "$hog_id"

log "--pids-limit 10 stops a fork bomb"
capture timeout 60 "$BERTH" run --name bomb --pids-limit 10 -- busybox sh -c 'for i in $(busybox seq 30); do busybox sleep 5 & done; wait'
assert_ne 0 "$RC" "exit status of the fork bomb"
assert_contains "$OUT" "can't fork" "the fork bomb's shell"
assert_ok berth rm bomb
# and while it runs: exec joins the container's pids cgroup
assert_ok berth run -d --name bomb2 --pids-limit 10 -- busybox sleep 1000
wait_running bomb2
capture berth exec bomb2 busybox sh -c 'for i in $(busybox seq 30); do busybox sleep 20 >/dev/null 2>&1 & done; echo spawned'
assert_contains "$OUT" "can't fork" "fork bomb through exec"
assert_not_contains "$OUT" spawned "fork bomb through exec"
max=0
for _ in $(seq 10); do
	n=$(cg_read bomb2 pids pids.current)
	assert_match "$n" '^[0-9]+$' "pids.current"
	[ "$n" -gt "$max" ] && max=$n
	sleep 0.1
done
log "pids.current of the fork bomb: at most $max"
[ "$max" -le 10 ] || fail "pids.current $max above pids.max 10"
[ "$max" -ge 5 ] || fail "pids.current $max: the sleeps of the fork bomb are not in the container's cgroup"
assert_match "$(cg_read bomb2 pids pids.events)" '^max [1-9]' "pids.events counts refused forks"
capture berth stats bomb2
assert_match "$OUT" ' (9|10)$' "berth stats PIDS of the fork bomb"
bomb2_id=$(inspect_f bomb2 '{{.Id}}')
assert_ok berth rm -f bomb2
assert_cg_gone "$bomb2_id"

log "bad limits: exit 125"
for args in "--memory 1k" "--memory 16m --memory-swap 8m" "--memory-swap 32m" "--cpus 0" "--cpus -1" \
	"--cpu-shares 1" "--pids-limit lots" "--memory 16x"; do
	# shellcheck disable=SC2086
	capture_split berth run --rm $args -- busybox true
	soft assert_eq 125 "$RC" "berth run $args (stderr: $ERR)"
	soft assert_ne "" "$ERR" "berth run $args: no message"
done
assert_eq "lim" "$(berth ps -a --format '{{.Names}}')" "containers left by bad limits"

log "a start that fails leaves no cgroup (a program that does not exist)"
assert_ok berth create --name noexec --memory 16m --pids-limit 10 -- /no/such/program
noexec_id=$OUT
for how in "" -a; do
	# shellcheck disable=SC2086
	capture_split berth start $how noexec
	assert_eq 1 "$RC" "start $how of a missing program"
	assert_contains "$ERR" "/no/such/program" "start $how: the message names the program"
	assert_cg_gone "$noexec_id"
done
assert_ok berth rm noexec

log "rm removes the cgroups; --rm too"
assert_ok berth rm -f lim
assert_cg_gone "$lim_id"
assert_ok berth run --rm --memory 16m --pids-limit 10 -- busybox hostname
short=$OUT
assert_match "$short" '^[0-9a-f]{12}$' "default hostname of a --rm container"
for c in $CTRLS; do
	ls -d "$CG/$c/berth/$short"* >/dev/null 2>&1 && fail "cgroup of the --rm container remains in $c"
done
wait_until 5 test -z "$(berth ps -aq)" || fail "containers left: $(berth ps -a)"
exit 0
