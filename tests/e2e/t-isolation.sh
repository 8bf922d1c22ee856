#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Container isolation: new pid/mount/uts/ipc/net/cgroup namespaces (and --pid/--ipc/
# --uts host), Docker's default capabilities (CapEff 00000000a80425fb), --cap-add,
# --cap-drop, --privileged, no_new_privs, the seccomp default profile and
# seccomp=unconfined, --userns (root inside, an unprivileged uid outside, unable to
# change hostname, network or mounts; exec joins it), -v HOST:CTR[:ro], --tmpfs,
# --read-only; bad input fails with 125 naming the value and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

host_snapshot "$E2E_TMP/before"

# Containers see the host's root file system (not the sandbox's tmpfs mounts): the
# bind-mount sources live under /var/tmp, removed however the test ends.
VOL=$(mktemp -d /var/tmp/berth-e2e-iso.XXXXXX) || fail "mktemp under /var/tmp"
# shellcheck disable=SC2154 # (rc is assigned in the trap itself)
trap 'rc=$?; rm -rf "$VOL"; (exit $rc); e2e_exit' EXIT

DOCKER_CAPS=00000000a80425fb
HOST_CAPEFF=$(awk '/^CapEff:/ {print $2}' /proc/self/status)

# status_field TEXT FIELD: the value of "FIELD:" in a /proc/PID/status text.
status_field() { printf '%s\n' "$1" | awk -v f="$2:" '$1 == f {print $2}'; }
# ns_of NS: the host's (sandbox's) namespace link.
ns_of() { readlink "/proc/self/ns/$1"; }

log "PID 1 is the command, ps sees only the container"
bg sleep 4321
marker=$!
assert_ok berth run --rm -- busybox sh -c 'echo $$'
assert_eq 1 "$OUT" "PID of the command"
assert_ok berth run --rm -- busybox sh -c 'busybox ps -o pid,args; true'
assert_not_contains "$OUT" "sleep 4321" "a host process seen by ps inside"
n=$(echo "$OUT" | awk 'NR > 1 && $1 ~ /^[0-9]+$/' | wc -l)
assert_eq 2 "$n" "processes seen inside (sh and ps):
$OUT"
assert_ok berth run --rm -- ps -eo pid=,comm=
assert_eq "1 ps" "$(echo "$OUT" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')" "procps ps -e inside"

log "default namespaces: all but the user namespace are the container's own"
assert_ok berth run -d --name iso -- busybox sleep 1000
wait_running iso
for ns in pid mnt uts ipc net cgroup; do
	assert_ok berth exec iso busybox readlink "/proc/self/ns/$ns"
	assert_match "$OUT" "^$ns:\[[0-9]+\]$" "$ns namespace link inside"
	assert_ne "$(ns_of "$ns")" "$OUT" "$ns namespace shared with the host"
done
assert_ok berth exec iso busybox readlink /proc/self/ns/user
assert_eq "$(ns_of user)" "$OUT" "user namespace without --userns"
assert_ok berth exec iso busybox ps -o pid,args
assert_match "$OUT" $'\n *1 +busybox sleep 1000' "exec sees the container's PID 1:
$OUT"
assert_not_contains "$OUT" "sleep 4321" "exec sees a host process"

log "hostname: the container's own; --uts host: the host's"
iso_id=$(inspect_f iso '{{.Id}}')
assert_ok berth exec iso busybox hostname
assert_eq "${iso_id:0:12}" "$OUT" "default hostname"
assert_ok berth run --rm --uts host -- busybox hostname
assert_eq berth-e2e-host "$OUT" "--uts host sees the host's hostname"
assert_ok berth run --rm --uts host -- busybox readlink /proc/self/ns/uts
assert_eq "$(ns_of uts)" "$OUT" "--uts host namespace"
assert_fails berth run --rm --uts host -- busybox hostname changed-by-ctr
assert_eq berth-e2e-host "$(hostname)" "--uts host without SYS_ADMIN changed the host's hostname"
assert_rc 125 berth run --rm --uts host --hostname other -- busybox true
assert_contains "$OUT" hostname "--uts host with --hostname"
assert_eq berth-e2e-host "$(hostname)" "host's hostname"

log "--pid host sees the host's processes"
assert_ok berth run --rm --pid host -- busybox sh -c 'echo $$; busybox ps -o pid,args; busybox readlink /proc/self/ns/pid'
assert_contains "$OUT" "sleep 4321" "--pid host: the host's processes"
assert_ne 1 "$(echo "$OUT" | head -1)" "--pid host: PID of the command"
assert_eq "$(ns_of pid)" "$(echo "$OUT" | tail -1)" "--pid host namespace"
kill "$marker"

log "--ipc host shares the host's IPC namespace"
assert_ok berth run --rm --ipc host -- busybox readlink /proc/self/ns/ipc
assert_eq "$(ns_of ipc)" "$OUT" "--ipc host namespace"
assert_ok berth run -d --name hostns --pid host --ipc host --uts host -- busybox sleep 1000
assert_eq "host host host" "$(inspect_f hostns '{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}')" \
	"inspect PidMode IpcMode UTSMode"
assert_ne host "$(inspect_f iso '{{.HostConfig.PidMode}}{{.HostConfig.IpcMode}}{{.HostConfig.UTSMode}}')" \
	"inspect of a container with private namespaces"
assert_ok berth rm -f hostns

log "Docker's default capabilities, no_new_privs, seccomp (run and exec)"
assert_ok berth run --rm -- busybox cat /proc/self/status
st=$OUT
assert_eq "$DOCKER_CAPS" "$(status_field "$st" CapEff)" "CapEff"
assert_eq "$DOCKER_CAPS" "$(status_field "$st" CapPrm)" "CapPrm"
assert_eq "$DOCKER_CAPS" "$(status_field "$st" CapBnd)" "CapBnd"
assert_eq 0000000000000000 "$(status_field "$st" CapAmb)" "CapAmb"
assert_eq 1 "$(status_field "$st" NoNewPrivs)" "NoNewPrivs"
assert_eq 2 "$(status_field "$st" Seccomp)" "Seccomp (filter mode)"
# Docker (since 20.10.14, CVE-2022-24769) starts containers with an empty inheritable set.
soft assert_eq 0000000000000000 "$(status_field "$st" CapInh)" "CapInh (Docker: empty since CVE-2022-24769)"
assert_ok berth exec iso busybox cat /proc/self/status
st=$OUT
assert_eq "$DOCKER_CAPS" "$(status_field "$st" CapEff)" "exec: CapEff"
assert_eq "$DOCKER_CAPS" "$(status_field "$st" CapBnd)" "exec: CapBnd"
assert_eq 1 "$(status_field "$st" NoNewPrivs)" "exec: NoNewPrivs"
assert_eq 2 "$(status_field "$st" Seccomp)" "exec: Seccomp"

log "no NET_ADMIN by default: no address, route, link or firewall change"
assert_fails berth run --rm -- busybox ip addr add 10.200.0.1/32 dev eth0
assert_contains "$OUT" "not permitted" "ip addr add without NET_ADMIN"
assert_fails berth run --rm -- busybox ip route add 10.201.0.0/16 dev eth0
assert_contains "$OUT" "not permitted" "ip route add without NET_ADMIN"
assert_fails berth run --rm -- busybox ip link set eth0 down
assert_fails berth run --rm -- nft add table ip berth-e2e-ctr
assert_fails berth exec iso busybox ip addr add 10.200.0.1/32 dev eth0

log "--cap-add NET_ADMIN lets the container change its own network"
assert_ok berth run --rm --cap-add NET_ADMIN -- busybox sh -c \
	'busybox ip addr add 10.200.0.1/32 dev eth0 && busybox ip -4 -o addr show dev eth0 &&
	nft add table ip berth-e2e-ctr && nft list tables'
assert_contains "$OUT" "inet 10.200.0.1/32" "ip addr add with NET_ADMIN"
assert_contains "$OUT" "table ip berth-e2e-ctr" "nft with NET_ADMIN"
nft list tables | grep -q berth-e2e-ctr && fail "the container's nft table reached the host"
ip -o addr | grep -q 10.200.0.1 && fail "the container's address reached the host"
assert_ok berth run --rm --cap-add CAP_NET_ADMIN -- busybox ip link set lo down
assert_ok berth run --rm --cap-add net_admin -- busybox grep CapEff /proc/self/status
assert_eq "CapEff:	00000000a80435fb" "$OUT" "--cap-add net_admin (lower case) adds bit 12"

log "--cap-drop ALL --cap-add CHOWN, --cap-drop NET_RAW"
assert_ok berth run --rm --cap-drop ALL --cap-add CHOWN -- busybox grep CapEff /proc/self/status
assert_eq "CapEff:	0000000000000001" "$OUT" "only CHOWN"
assert_ok berth run --rm -- busybox ping -c1 -W2 127.0.0.1
assert_fails berth run --rm --cap-drop NET_RAW -- busybox ping -c1 -W2 127.0.0.1
assert_ok berth run --rm --cap-drop NET_RAW -- busybox grep CapEff /proc/self/status
assert_eq "CapEff:	00000000a80405fb" "$OUT" "--cap-drop NET_RAW clears bit 13"
assert_ok berth run --rm --cap-drop ALL -- busybox sh -c 'busybox grep CapEff /proc/self/status; busybox chown 1 /tmp 2>&1; true'
assert_contains "$OUT" "CapEff:	0000000000000000" "--cap-drop ALL"
assert_contains "$OUT" "not permitted" "chown without CAP_CHOWN"

log "--privileged: every capability the host has, no seccomp, no no_new_privs"
assert_ok berth run --rm --privileged -- busybox cat /proc/self/status
st=$OUT
assert_eq "$HOST_CAPEFF" "$(status_field "$st" CapEff)" "--privileged CapEff (the host's)"
assert_eq 0 "$(status_field "$st" Seccomp)" "--privileged Seccomp"
assert_eq 0 "$(status_field "$st" NoNewPrivs)" "--privileged NoNewPrivs"
assert_ok berth run --rm --privileged -- busybox sh -c \
	'busybox ip addr add 10.200.0.2/32 dev eth0 && busybox mount -t tmpfs t /mnt && echo ok'
assert_eq ok "$OUT" "--privileged may change its network and mount"
assert_ok berth run -d --name priv --privileged -- busybox sleep 100
assert_eq true "$(inspect_f priv '{{.HostConfig.Privileged}}')" "inspect .HostConfig.Privileged"
assert_ok berth rm -f priv

log "seccomp: mount, unshare blocked by the default profile"
assert_fails berth run --rm -- busybox mount -t tmpfs t /mnt
assert_contains "$OUT" "permission denied" "mount"
assert_fails berth run --rm -- unshare -n true
assert_contains "$OUT" "not permitted" "unshare -n"
# Creating a user namespace needs no capability: only the seccomp filter stops it.
assert_fails berth run --rm -- unshare -U true
assert_contains "$OUT" "not permitted" "unshare -U under the default profile"
assert_ok berth run --rm --security-opt seccomp=unconfined -- unshare -U true
assert_ok berth run --rm --security-opt seccomp=unconfined -- busybox grep Seccomp: /proc/self/status
assert_eq "Seccomp:	0" "$OUT" "seccomp=unconfined"
assert_ok berth run --rm --security-opt seccomp=unconfined --cap-add SYS_ADMIN -- busybox sh -c \
	'busybox mount -t tmpfs seccomp-test /mnt && busybox grep seccomp-test /proc/mounts'
assert_contains "$OUT" "/mnt tmpfs" "mount with seccomp=unconfined and SYS_ADMIN"

log "--security-opt no-new-privileges"
assert_ok berth run --rm --security-opt no-new-privileges:false --security-opt seccomp=unconfined -- \
	busybox grep NoNewPrivs /proc/self/status
assert_eq "NoNewPrivs:	0" "$OUT" "no-new-privileges:false, seccomp=unconfined"
# The seccomp filter must not bring no_new_privs back (libseccomp sets it unless told not to).
assert_ok berth run --rm --security-opt no-new-privileges:false -- busybox cat /proc/self/status
soft assert_eq "0 2" "$(status_field "$OUT" NoNewPrivs) $(status_field "$OUT" Seccomp)" \
	"NoNewPrivs and Seccomp with no-new-privileges:false (default seccomp profile)"

log "inspect: CapAdd, CapDrop, SecurityOpt"
assert_ok berth run -d --name capped --cap-add NET_ADMIN --cap-drop MKNOD --security-opt seccomp=unconfined -- busybox sleep 100
assert_eq '["NET_ADMIN"] ["MKNOD"] ["seccomp=unconfined"] false' \
	"$(inspect_f capped '{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}} {{.HostConfig.Privileged}}')" \
	"inspect HostConfig"
assert_ok berth rm -f capped

log "--userns 100000:65536: root inside, uid 100000 outside"
assert_ok berth run -d --name userns --userns 100000:65536 -- busybox sleep 1000
wait_running userns
assert_ok berth exec userns busybox id
assert_match "$OUT" '^uid=0\(root\) gid=0\(root\)' "id inside"
assert_ok berth exec userns busybox cat /proc/self/uid_map /proc/self/gid_map
assert_eq "0 100000 65536
0 100000 65536" "$(echo "$OUT" | awk '{print $1, $2, $3}')" "uid_map and gid_map"
pid=$(container_pid userns)
assert_match "$pid" '^[0-9]+$' "pid of the userns container"
assert_eq 100000 "$(ps -o user= -p "$pid" | tr -d ' ')" "ps -o user of the container's process on the host"
assert_eq 100000 "$(ps -o group= -p "$pid" | tr -d ' ')" "ps -o group of the container's process on the host"
assert_ok berth exec userns busybox readlink /proc/self/ns/user
assert_ne "$(ns_of user)" "$OUT" "user namespace with --userns"
log "--userns: exec joins the user namespace, as uid 100000 on the host"
bg berth exec userns busybox sleep 7
ex=$!
wait_until 5 sh -c "ps -eo uid=,args= | grep -q '^ *100000 busybox sleep 7\$'" ||
	fail "exec'd process not seen as uid 100000 on the host:
$(ps -eo uid,args | grep 'sleep 7')"
ps -eo uid=,args= | grep -q '^ *0 busybox sleep 7$' && fail "exec'd process runs as uid 0 on the host"
kill "$ex" 2>/dev/null
wait "$ex" 2>/dev/null
log "--userns: root inside cannot change hostname, network, mounts; the host's files are nobody's"
assert_ok berth run --rm --userns 100000:65536 -- busybox sh -c '
	busybox hostname evil 2>&1 && echo HOSTNAME-CHANGED
	busybox ip addr add 10.200.0.3/32 dev eth0 2>&1 && echo ADDR-ADDED
	busybox ip link set lo down 2>&1 && echo LINK-CHANGED
	{ echo x >/etc/berth-e2e-userns; } 2>/dev/null && echo ETC-WRITTEN
	echo x >/tmp/ok && echo TMP-OK
	echo "owner=$(busybox stat -c %u /etc/passwd)"'
assert_not_contains "$OUT" HOSTNAME-CHANGED "--userns: sethostname"
assert_not_contains "$OUT" ADDR-ADDED "--userns: ip addr add"
assert_not_contains "$OUT" LINK-CHANGED "--userns: ip link set"
assert_not_contains "$OUT" ETC-WRITTEN "--userns: write to a host-owned /etc"
assert_contains "$OUT" TMP-OK "--userns: /tmp writable"
assert_contains "$OUT" "owner=65534" "--userns: host root's files owned by nobody"
# Even added capabilities are capabilities over the user namespace only: the network
# and mount namespaces are the host root's.
assert_fails berth run --rm --userns 100000 --cap-add NET_ADMIN -- busybox ip addr add 10.200.0.3/32 dev eth0
assert_fails berth run --rm --userns 100000 --cap-add SYS_ADMIN --security-opt seccomp=unconfined -- \
	busybox mount -t tmpfs t /mnt
assert_fails berth run --rm --userns 100000 --uts host --cap-add SYS_ADMIN -- busybox hostname evil
assert_eq berth-e2e-host "$(hostname)" "--userns --uts host changed the host's hostname"
assert_fails berth exec userns busybox hostname evil
assert_ok berth run --rm --userns 200000 -- busybox cat /proc/self/uid_map
assert_eq "0 200000 65536" "$(echo "$OUT" | awk '{print $1, $2, $3}')" "--userns UID: default count 65536"
assert_ok berth rm -f userns

log "-v HOST:CTR (rw), -v HOST:CTR:ro"
echo host-data >"$VOL/in"
assert_ok berth run --rm -v "$VOL:/data" -- busybox sh -c 'cat /data/in && echo from-ctr >/data/out'
assert_eq host-data "$OUT" "-v: the host's file inside"
assert_eq from-ctr "$(cat "$VOL/out" 2>/dev/null)" "-v: the container's write on the host"
assert_ok berth run --rm -v "$VOL:/data:rw" -- busybox sh -c 'echo rw >/data/rw'
assert_eq rw "$(cat "$VOL/rw" 2>/dev/null)" "-v :rw write on the host"
assert_fails berth run --rm -v "$VOL:/data:ro" -- busybox sh -c 'cat /data/in && echo no >/data/ro-write'
assert_contains "$OUT" "host-data" "-v :ro: readable"
assert_contains "$OUT" "Read-only file system" "-v :ro: write"
[ -e "$VOL/ro-write" ] && fail "-v :ro: the write reached the host"
assert_fails berth run --rm -v "$VOL:/data:ro" -- busybox rm /data/in
[ -e "$VOL/in" ] || fail "-v :ro: a file was removed on the host"
assert_ok berth run --rm -v "$VOL:/data:ro" -- busybox awk '$2 == "/data" {print $4}' /proc/mounts
assert_match "$OUT" '^ro(,|$)' "-v :ro mount options"
mkdir "$VOL/sub"
assert_ok berth run --rm -v "$VOL:/data:ro" -v "$VOL/sub:/data2" -- busybox sh -c 'echo w >/data2/w'
assert_eq w "$(cat "$VOL/sub/w" 2>/dev/null)" "two -v, one ro one rw"

log "--tmpfs"
assert_ok berth run --rm --tmpfs /scratch -- busybox sh -c \
	'echo t >/scratch/f && cat /scratch/f && busybox awk "\$2 == \"/scratch\" {print \$3}" /proc/mounts'
assert_eq "t
tmpfs" "$OUT" "--tmpfs: writable tmpfs"
assert_ok berth run --rm --tmpfs /scratch:size=1m -- busybox awk '$2 == "/scratch" {print $4}' /proc/mounts
assert_contains "$OUT" "size=1024k" "--tmpfs options"

log "--read-only: the root is read-only, --tmpfs and -v stay writable"
assert_fails berth run --rm --read-only -- busybox sh -c 'echo x >/etc/berth-e2e-ro'
assert_contains "$OUT" "Read-only file system" "--read-only: write to /etc"
assert_ok berth run --rm --read-only --tmpfs /scratch -v "$VOL:/data" -- busybox sh -c \
	'echo a >/scratch/a && echo b >/data/ro-root && cat /scratch/a; { echo x >/usr/berth-e2e; } 2>/dev/null && echo USR-WRITTEN; true'
assert_eq a "$OUT" "--read-only with --tmpfs and -v"
assert_eq b "$(cat "$VOL/ro-root" 2>/dev/null)" "--read-only: -v rw still writable"
assert_ok berth run --rm --read-only -- busybox awk '$2 == "/" {print $4}' /proc/mounts
assert_match "$OUT" '^ro(,|$)' "--read-only: / mount options"

log "inspect: Binds, Tmpfs, ReadonlyRootfs"
assert_ok berth run -d --name mounts --read-only --tmpfs /scratch:size=1m -v "$VOL:/data:ro" -- busybox sleep 100
assert_eq "[\"$VOL:/data:ro\"] true" "$(inspect_f mounts '{{json .HostConfig.Binds}} {{.HostConfig.ReadonlyRootfs}}')" \
	"inspect Binds ReadonlyRootfs"
# Docker: HostConfig.Tmpfs is a map of path to options.
soft assert_eq '{"/scratch":"size=1m"}' "$(inspect_f mounts '{{json .HostConfig.Tmpfs}}')" "inspect Tmpfs (Docker: a map)"
assert_ok berth rm -f mounts
assert_ok berth rm -f iso

log "bad input: exit 125, a message naming the value, nothing left"
wait_until 5 test -z "$(berth ps -aq)" || fail "containers left before the bad-input checks: $(berth ps -a)"
host_snapshot "$E2E_TMP/before-bad"
bad()
{
	local want=$1
	shift
	capture_split berth run --rm "$@" -- busybox true
	soft assert_eq 125 "$RC" "exit status of: berth run $*" || return
	soft assert_contains "$ERR" "$want" "message of: berth run $* (stdout: $OUT)"
}
bad BOGUS --cap-add BOGUS
bad NOPE --cap-drop NOPE
bad --userns --userns 0
bad abc --userns abc
bad 100000:0 --userns 100000:0
bad relative -v relative:/data
bad relative -v "$VOL:relative"
bad bogus -v "$VOL:/data:bogus"
bad /no/such/dir -v /no/such/dir:/data
# (Docker's message for a too small memory limit, "Minimum memory limit allowed is
# 6MB", does not repeat the value: it must at least name the setting)
bad memory --memory 1k
bad lots --memory lots
bad abc --pids-limit abc
bad xyz --cpus xyz
bad seccomp=nope --security-opt seccomp=nope
bad relative --tmpfs relative
bad hostname --uts host --hostname x
bad userns --privileged --userns 100000
assert_eq "" "$(berth ps -aq)" "containers left by bad input"
host_snapshot "$E2E_TMP/after-bad"
assert_snapshot_eq "$E2E_TMP/before-bad" "$E2E_TMP/after-bad"

log "nothing left behind"
wait_until 5 test -z "$(berth ps -aq)" || fail "containers left: $(berth ps -a)"
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth
assert_eq "" "$(host_veths)" "veths left"
exit 0
