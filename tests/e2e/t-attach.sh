#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# berth attach, as Docker's: a running container's output from then on (stdout and
# stderr apart) and its exit status; with -i our stdin to it, which stays open at our
# EOF; --no-stdin; signals proxied (not with --sig-proxy=false); several clients at
# once, and a ninth refused; with -t a terminal (its size, the detach keys, a piped
# stdin refused); start -a of a running container; a foreground container attached to
# from another process; the next monitor after a restart; a monitor that outlives stdin
# sent to a container that closed it; Docker's errors for a stopped container, a missing
# one and bad flags.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
need_tools script

# A command that waits for /tmp/go in its container, then runs "$@" (a shell line).
waiter() { echo "while [ ! -e /tmp/go ]; do busybox sleep 0.05; done; $1"; }
go() { assert_ok berth exec "$1" busybox touch /tmp/go; }
# clients NAME N: wait until N attach clients are connected to NAME's monitor (its
# connected ends of a socket named .../attach).
clients()
{
	local mpid
	mpid=$(monitor_pid_of "$(container_pid "$1")")
	wait_until 10 sh -c "[ \$(ss -xpH state established | grep '/attach ' | grep -c 'pid=$mpid,') -eq $2 ]" ||
		fail "$1: $2 attach clients did not connect: $(ss -xpa | grep "pid=$mpid,")"
}
# after_go NAME FILE CMD...: run CMD in the background (stdout to FILE, stderr to
# FILE.err, stdin /dev/null) until it is attached to NAME, then let NAME go on;
# returns CMD's status.
after_go()
{
	local name=$1 file=$2 p
	shift 2
	"$@" >"$file" 2>"$file.err" </dev/null &
	p=$!
	E2E_PIDS+=("$p")
	clients "$name" 1
	go "$name"
	wait "$p"
}

log "errors: a missing container, a stopped one, bad flags"
assert_fails berth attach nosuch
assert_contains "$OUT" "No such container: nosuch"
assert_ok berth run --name stopped -- busybox true
assert_rc 1 berth attach stopped
assert_contains "$OUT" "cannot attach to a stopped container, start it first"
# (its monitor's socket went with the run: none is left to be found)
sid=$(inspect_f stopped '{{.Id}}')
[ -d "$BERTH_RUN_ROOT/containers/$sid" ] || fail "no run directory for stopped"
[ ! -e "$BERTH_RUN_ROOT/containers/$sid/attach" ] || fail "the attach socket of a stopped container remains"
assert_rc 125 berth attach --sig-proxy=maybe stopped
assert_contains "$OUT" '"maybe"'
assert_rc 125 berth attach
assert_rc 125 berth attach a b

log "output from now on, stdout and stderr apart, and the exit status"
assert_ok berth run -d --name out -- busybox sh -c "echo early; $(waiter 'echo out; echo err >&2; exit 3')"
wait_running out
after_go out "$E2E_TMP/out" "$BERTH" attach out
assert_eq 3 "$?" "attach exits with the container's status"
assert_eq out "$(cat "$E2E_TMP/out")" "stdout, without what came before the attach"
assert_eq err "$(cat "$E2E_TMP/out.err")" "stderr"
assert_eq exited "$(inspect_f out '{{.State.Status}}')" "the exit is recorded when attach returns"

log "-i: our stdin to the container; it stays open at our EOF; --no-stdin; two clients"
assert_ok berth run -di --name cat -- busybox cat
wait_running cat
echo secret | "$BERTH" attach --no-stdin cat >"$E2E_TMP/cat.quiet" &
E2E_PIDS+=("$!")
quiet=$!
clients cat 1
echo ping | "$BERTH" attach cat >"$E2E_TMP/cat.out" &
E2E_PIDS+=("$!")
loud=$!
wait_until 10 grep -q ping "$E2E_TMP/cat.out" || fail "stdin did not reach the container: $(cat "$E2E_TMP/cat.out")"
wait_until 10 grep -q ping "$E2E_TMP/cat.quiet" || fail "the other client did not get the output"
clients cat 2
assert_eq running "$(inspect_f cat '{{.State.Status}}')" "the container's stdin stays open after our EOF"
assert_ok berth kill cat
wait $loud
assert_eq 137 "$?" "attach after kill"
wait $quiet
assert_eq 137 "$?" "the --no-stdin attach after kill"
assert_ok berth logs cat
assert_eq ping "$OUT" "the log: what attach sent, not what --no-stdin kept"

log "a ninth client is refused; the eight get the exit"
assert_ok berth run -d --name many -- busybox sleep 1000
wait_running many
pids=()
for i in 1 2 3 4 5 6 7 8; do
	bg "$BERTH" attach many </dev/null
	pids+=($!)
done
clients many 8
assert_rc 1 berth attach many </dev/null
assert_contains "$OUT" "8 clients at most"
assert_ok berth kill many
for p in "${pids[@]}"; do
	wait "$p"
	assert_eq 137 "$?" "each of eight clients gets the exit"
done

log "signals: proxied to the container; not with --sig-proxy=false"
trap_line='trap "echo got-TERM; exit 7" TERM; while :; do busybox sleep 0.05; done'
assert_ok berth run -d --name sig -- busybox sh -c "$trap_line"
wait_running sig
bg "$BERTH" attach sig >"$E2E_TMP/sig.out" </dev/null
apid=$!
clients sig 1
kill -TERM $apid
wait $apid
assert_eq 7 "$?" "the container's status after a proxied SIGTERM"
assert_eq got-TERM "$(cat "$E2E_TMP/sig.out")" "the container's trap ran"
assert_ok berth start sig
wait_running sig
bg "$BERTH" attach --sig-proxy=false sig </dev/null
apid=$!
clients sig 1
kill -TERM $apid
wait $apid
assert_eq 143 "$?" "attach itself ends on SIGTERM with --sig-proxy=false"
assert_eq running "$(inspect_f sig '{{.State.Status}}')" "and the container runs on"
assert_ok berth rm -f sig

log "-t: the terminal's size, the detach keys; a piped stdin refused"
assert_ok berth run -dti --name tty -- busybox sh
wait_running tty
{
	sleep 0.5
	printf 'stty size\r'
	sleep 0.5
	printf '\020\021'
	sleep 0.5
} | timeout -k 2 20 script -qfec "stty rows 45 cols 123; $BERTH attach tty" /dev/null >"$E2E_TMP/tty.out" 2>&1
assert_eq 1 "$?" "attach after the detach keys"
out=$(tr -d '\r' <"$E2E_TMP/tty.out")
assert_contains "$out" "45 123" "the container's terminal has ours's size"
assert_contains "$out" "read escape sequence" "the detach keys"
assert_eq running "$(inspect_f tty '{{.State.Status}}')" "the container runs on after the detach"
{
	sleep 0.5
	printf 'echo a-\001-b\r'
	sleep 0.5
	printf '\030'
	sleep 0.5
} | timeout -k 2 20 script -qfec "$BERTH attach --detach-keys ctrl-x tty" /dev/null >"$E2E_TMP/tty.out" 2>&1
assert_eq 1 "$?" "attach after --detach-keys ctrl-x"
assert_contains "$(tr -d '\r' <"$E2E_TMP/tty.out")" "read escape sequence" "ctrl-x detaches"
assert_eq running "$(inspect_f tty '{{.State.Status}}')" "still running"
assert_rc 1 sh -c "echo x | $BERTH attach tty"
assert_contains "$OUT" "the input device is not a TTY"
assert_rc 1 script -qfec "$BERTH attach --detach-keys ctrl-,x tty" /dev/null
assert_contains "$OUT" 'invalid detach keys "ctrl-,x"'
bg "$BERTH" attach --no-stdin tty </dev/null >"$E2E_TMP/tty.quiet"
apid=$!
clients tty 1
assert_ok berth kill tty
wait $apid
assert_eq 137 "$?" "--no-stdin attach to a tty container"

log "start -a of a running container attaches"
assert_ok berth run -d --name sa -- busybox sh -c "$(waiter 'echo from-sa; exit 4')"
wait_running sa
after_go sa "$E2E_TMP/sa.out" "$BERTH" start -a sa
assert_eq 4 "$?" "start -a of a running container: its status"
assert_eq from-sa "$(cat "$E2E_TMP/sa.out")" "start -a of a running container: its output"

log "a foreground container (start -a of a stopped one), attached to from elsewhere"
assert_ok berth create --name fg -- busybox sh -c "$(waiter 'echo from-fg; exit 5')"
bg "$BERTH" start -a fg >"$E2E_TMP/fg.1" </dev/null
fpid=$!
wait_running fg
after_go fg "$E2E_TMP/fg.2" "$BERTH" attach fg
assert_eq 5 "$?" "attach to a foreground container: its status"
wait $fpid
assert_eq 5 "$?" "the foreground start -a: its status"
assert_eq "from-fg|from-fg" "$(cat "$E2E_TMP/fg.1")|$(cat "$E2E_TMP/fg.2")" "both got the output"

log "after a restart by its policy, the new monitor serves attach again"
assert_ok berth run -d --name rs --restart always -- busybox sh -c "$(waiter 'echo tick; rm /tmp/go; exit 2')"
wait_running rs
for round in 1 2; do
	pid=$(container_pid rs)
	after_go rs "$E2E_TMP/rs.out" "$BERTH" attach rs
	assert_eq 2 "$?" "attach, round $round: the status"
	assert_eq tick "$(cat "$E2E_TMP/rs.out")" "attach, round $round: the output"
	wait_until 10 sh -c "[ \"\$($BERTH inspect -f '{{.State.Status}} {{.State.Pid}}' rs)\" != 'running $pid' ] && [ \"\$($BERTH inspect -f '{{.State.Status}}' rs)\" = running ]" ||
		fail "rs was not restarted: $(berth ps -a)"
done

log "stdin sent to a container that closed it: the monitor lives on"
assert_ok berth run -di --name closed -- busybox sh -c "exec 0<&-; $(waiter 'echo alive')"
wait_running closed
after_go closed "$E2E_TMP/closed.out" sh -c "{ echo data; sleep 0.5; } | $BERTH attach closed"
assert_eq 0 "$?" "attach: the container's status"
assert_eq alive "$(cat "$E2E_TMP/closed.out")" "the container's output after the monitor hit EPIPE"

assert_ok berth rm -f stopped out cat many tty sa fg rs closed
exit 0
