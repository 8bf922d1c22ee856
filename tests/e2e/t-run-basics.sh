#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# berth run in the foreground: exit status, stdio, environment, hostname, /etc/hosts,
# PID 1, a private process table, fresh /proc /sys /dev /tmp, an overlay that keeps
# the container's writes to itself; and nothing left behind after --rm.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

host_snapshot "$E2E_TMP/before"

log "exit status"
assert_rc 0 berth run --rm -- busybox true
assert_rc 1 berth run --rm -- busybox false
assert_rc 7 berth run --rm -- busybox sh -c 'exit 7'

log "stdout and stderr pass through, separately"
capture_split berth run --rm -- busybox sh -c 'echo to-out; echo to-err >&2'
assert_eq 0 "$RC" "run status"
assert_eq to-out "$OUT" "stdout"
assert_eq to-err "$ERR" "stderr"

log "stdin with -i"
OUT=$(echo hi | berth run -i --rm -- busybox cat 2>&1)
assert_eq hi "$OUT" "stdin through -i"
OUT=$(printf 'a\nb\nc\n' | berth run -i --rm -- busybox wc -l 2>&1)
assert_eq 3 "$(echo "$OUT" | tr -d ' ')" "three lines through -i"

log "-t gives a terminal (as docker run -t does without a terminal on our side)"
capture timeout -k 2 10 "$BERTH" run -t --rm -- busybox sh -c '[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo tty'
assert_eq tty "$(printf '%s' "$OUT" | tr -d '\r')" "stdio of a -t container are terminals"
# ttyname(): the terminal must be the one /dev/pts/N names inside the container
capture timeout -k 2 10 "$BERTH" run -t --rm -- busybox tty
soft assert_match "$OUT" '^/dev/pts/[0-9]+'$'\r''?$' "tty(1) inside with -t (exit $RC)"
log "-i -t with piped stdin ends (Docker refuses it: the input device is not a TTY)"
OUT=$(echo hi | timeout -k 1 4 "$BERTH" run -i -t --rm -- busybox cat 2>&1)
RC=$?
case $RC in
124 | 137) soft fail "run -i -t with stdin at EOF still runs after 4 s (exit $RC): $OUT" ;;
esac
wait_until 5 test -z "$(berth ps -aq)" || soft fail "the -i -t container stays: $(berth ps -a)"
log "-d -i -t and create -i -t with piped stdin work (Docker checks only a stdin it attaches)"
assert_ok sh -c "echo x | $BERTH run -dit --name dit -- busybox sh"
wait_running dit
assert_ok sh -c "echo x | $BERTH create -it --name cit -- busybox sh"
assert_ok berth rm -f dit cit

log "-e K=V"
assert_ok berth run --rm -e FOO=bar -e 'SPACED=a b' -- busybox sh -c 'echo "$FOO|$SPACED"'
assert_eq 'bar|a b' "$OUT" "environment"

log "--hostname"
assert_ok berth run --rm --hostname myhost -- busybox hostname
assert_eq myhost "$OUT" "hostname"
assert_ok berth run --rm --hostname myhost -- busybox cat /etc/hostname
assert_eq myhost "$OUT" "/etc/hostname"
assert_ok berth run --rm --hostname myhost -- busybox cat /etc/hosts
assert_match "$OUT" $'(^|\n)172\\.17\\.0\\.[0-9]+[ \t]+([^\n]* )?myhost' "/etc/hosts names myhost"
[ "$(hostname)" = berth-e2e-host ] || fail "the container changed the host's hostname"

log "default hostname is the first 12 characters of the id, /etc/hosts has IP and name"
assert_ok berth run -d --name basic -- busybox sleep 100
id=$OUT
assert_match "$id" '^[0-9a-f]{64}$' "run -d prints the id"
wait_running basic
assert_ok berth exec basic busybox hostname
assert_eq "${id:0:12}" "$OUT" "default hostname"
ip=$(inspect_f basic '{{.NetworkSettings.IPAddress}}')
assert_match "$ip" '^172\.17\.0\.[0-9]+$' "container address"
assert_ok berth exec basic busybox cat /etc/hosts
assert_match "$OUT" $'(^|\n)'"${ip//./\\.}"$'[ \t]+([^\n]* )?'"${id:0:12}"'($|[ \t\n])' "/etc/hosts line"
assert_contains "$OUT" "localhost" "/etc/hosts has localhost"
assert_ok berth exec basic busybox ip -4 -o addr show dev eth0
assert_contains "$OUT" "inet $ip/16" "eth0 carries the inspected address"
assert_ok berth rm -f basic

log "PID 1 is the command; ps sees only the container"
bg sleep 1234
marker_pid=$!
assert_ok berth run --rm -- busybox sh -c 'echo $$'
assert_eq 1 "$OUT" "PID of the command"
assert_ok berth run --rm -- busybox sh -c 'busybox ps -o pid,args; true'
assert_not_contains "$OUT" "sleep 1234" "host process visible inside"
assert_not_contains "$OUT" "berth" "berth process visible inside"
n=$(echo "$OUT" | awk 'NR > 1 && $1 ~ /^[0-9]+$/' | wc -l)
assert_eq 2 "$n" "processes inside (sh and ps):
$OUT"
OUT=$(berth run --rm -- busybox cat /proc/1/cmdline | tr '\0' ' ')
assert_eq "busybox cat /proc/1/cmdline " "$OUT" "/proc/1 is the container's"
kill "$marker_pid"

log "fresh /proc, /sys, /dev, /tmp"
assert_ok berth run --rm -- busybox sh -c 'busybox awk "{print \$5, \$9}" /proc/self/mountinfo'
mounts=$OUT
for m in "/proc proc" "/sys sysfs" "/dev tmpfs" "/tmp tmpfs" "/dev/pts devpts"; do
	assert_match "$mounts" "(^|"$'\n'")$m($|"$'\n'")" "mount $m inside"
done
assert_ok berth run --rm -- busybox ls /sys/class/net
assert_eq "eth0 lo" "$(echo $OUT | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" "/sys/class/net is the container's"
assert_ok berth run --rm -- busybox sh -c 'echo x > /dev/null && echo ok; busybox stat -c %F /dev/null'
assert_eq "ok
character special file" "$OUT" "/dev/null"
assert_ok berth run --rm -- busybox sh -c 'head -c 4 /dev/urandom | wc -c; head -c 4 /dev/zero | wc -c'
assert_eq "4
4" "$(echo "$OUT" | tr -d ' ')" "/dev/urandom and /dev/zero"
marker=$(mktemp /tmp/berth-e2e-marker.XXXXXX)
assert_ok berth run --rm -- busybox sh -c "ls -A /tmp; test -e $marker && echo LEAK; echo w > /tmp/x && cat /tmp/x"
rm -f "$marker"
assert_eq w "$OUT" "/tmp is fresh and writable"

log "writes stay in the container"
f=/etc/berth-e2e-test-file.$$
assert_ok berth run --rm -- busybox sh -c "echo inside > $f && cat $f"
assert_eq inside "$OUT"
if [ -e "$f" ]; then
	rm -f "$f"
	fail "a write inside the container reached the host: $f"
fi
# a file the host has is visible (lower layer) and a container's change to it is not.
assert_ok berth run --rm -- busybox sh -c 'cat /etc/debian_version >/dev/null && echo changed >> /etc/debian_version && echo ok'
assert_eq ok "$OUT"
assert_not_contains "$(cat /etc/debian_version)" changed "host file modified"

log "--rootfs DIR runs from a directory"
r=$E2E_TMP/rootfs
mkdir -p "$r/bin" "$r/etc"
cp /usr/bin/busybox "$r/bin/busybox"
echo from-rootfs >"$r/marker"
assert_ok berth run --rm --rootfs "$r" --hostname rooted -- /bin/busybox sh -c \
	'/bin/busybox cat /marker; /bin/busybox test -e /usr/bin && echo HOST-ROOT; /bin/busybox hostname;
	/bin/busybox grep -c rooted /etc/hosts; /bin/busybox ip -o -4 addr show dev eth0 | /bin/busybox grep -c 172.17.'
assert_eq "from-rootfs
rooted
1
1" "$OUT" "a --rootfs container sees the directory, its /etc/hosts and its eth0"
assert_eq "" "$(cat "$r/etc/hosts" 2>/dev/null)" "--rootfs: /etc/hosts written into the user's directory"
assert_fails berth run --rm --rootfs "$E2E_TMP/no-such-dir" -- /bin/busybox true
assert_contains "$OUT" no-such-dir "--rootfs of a missing directory"
r2=$E2E_TMP/rootfs-minimal
mkdir -p "$r2/bin"
cp /usr/bin/busybox "$r2/bin/busybox"
# (no /etc in it: berth must make the mount points of /etc/hosts, /etc/hostname and
# /etc/resolv.conf as it makes /proc, /sys and /dev, as runc and Docker do)
soft assert_ok berth run --rm --rootfs "$r2" -- /bin/busybox cat /etc/hostname
wait_until 5 test -z "$(berth ps -aq)" || fail "--rootfs containers stay: $(berth ps -a)"

log "nothing is left behind by --rm"
wait_until 5 test -z "$(berth ps -aq)" || fail "--rm containers still listed: $(berth ps -a)"
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth
assert_eq "" "$(host_veths)" "veths left"
exit 0
