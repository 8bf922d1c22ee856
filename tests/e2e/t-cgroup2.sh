#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# On a cgroup v2 hierarchy a container is in its cgroup from birth (clone3 with
# CLONE_INTO_CGROUP; moving there would wait for an RCU grace period, 7-20 ms here):
# /proc/PID/cgroup names berth/<id>, the container sees its cgroup as "/" (cgroup
# namespace), a process `berth exec` starts joins the same cgroup, and rm removes it.
# The test mounts the cgroup2 hierarchy (the machine's unified one: global, as on a
# hybrid host) and points berth at it with BERTH_CGROUP_ROOT; it creates no cgroup
# itself.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

CG=$E2E_TMP/cgroup2
mkdir -p "$CG"
mount -t cgroup2 none "$CG" 2>/dev/null || skip "cannot mount a cgroup2 hierarchy"
export BERTH_CGROUP_ROOT=$CG

assert_ok berth run -d --name c2 -- busybox sleep 1000
wait_running c2
id=$(inspect_f c2 '{{.Id}}')
pid=$(container_pid c2)
[ -d "$CG/berth/$id" ] || fail "no cgroup $CG/berth/$id"
assert_eq "0::/berth/$id" "$(grep '^0::' "/proc/$pid/cgroup")" "the container's cgroup (host view)"
assert_contains "$(cat "$CG/berth/$id/cgroup.procs")" "$pid" "cgroup.procs lists the container"
assert_ok berth exec c2 busybox cat /proc/self/cgroup
assert_contains "$OUT" "0::/" "inside: its own cgroup is the root (cgroup namespace)"
"$BERTH" exec c2 busybox sleep 1000 >/dev/null 2>&1 &
wait_until 5 sh -c "[ \$(grep -c . '$CG/berth/$id/cgroup.procs') = 2 ]" ||
	fail "berth exec did not join the container's cgroup: $(tr '\n' ' ' <"$CG/berth/$id/cgroup.procs")"
assert_ok berth rm -f c2
[ -d "$CG/berth/$id" ] && fail "the cgroup $CG/berth/$id stays after rm"
rmdir "$CG/berth" 2>/dev/null # berth's parent, if no other berth uses it
exit 0
