# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# tests/e2e/lib.sh — sourced by every tests/e2e/t-*.sh.
#
# A test starts with
#
#     . "$(dirname "$0")/lib.sh"
#     sandbox_enter "$@"
#
# sandbox_enter re-executes the test under
#     unshare --net --mount --pid --uts --ipc --fork --kill-child --mount-proc
# (marked by BERTH_E2E_SANDBOX=1), so the test plays the "host" inside a throwaway
# network namespace with its own mount table, process tree and hostname.  Nothing the
# test does reaches the machine's own network namespace, and when the test ends (or is
# killed by a timeout) the kernel kills every process left in the sandbox's pid
# namespace and frees its network namespace: a buggy berth can not leak out of a test.
#
# Exit status of a test: 0 pass, 1 fail, 77 skip.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)

# The berth binary: $BERTH, else the first meson build dir of the repo that has one.
e2e_find_berth()
{
	if [ -n "${BERTH:-}" ]; then
		case $BERTH in
		/*) ;;
		*) BERTH=$PWD/$BERTH ;;
		esac
		return
	fi
	local d
	for d in "${MESON_BUILD_ROOT:-}" "$REPO_DIR/build" "$REPO_DIR/build-e2e" "$REPO_DIR"/build*; do
		if [ -n "$d" ] && [ -x "$d/src/cli/berth" ]; then
			BERTH=$d/src/cli/berth
			return
		fi
	done
	BERTH=$REPO_DIR/build/src/cli/berth
}

# ---------------------------------------------------------------- reporting

E2E_FAILED=0

# fail MSG: report and end the test with status 1 (from the test's main shell; in a
# subshell it also marks the test failed so the exit trap turns the result into 1).
fail()
{
	local i
	echo "FAIL: $*" >&2
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		case ${FUNCNAME[$i]} in
		assert_* | fail | soft | wait_until | expect_*) continue ;;
		esac
		echo "  at ${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]} (${FUNCNAME[$i]})" >&2
		break
	done
	[ -n "${E2E_TMP:-}" ] && : >"$E2E_TMP/failed" 2>/dev/null
	[ -n "${E2E_DEBUG:-}" ] && e2e_debug_dump >&2
	E2E_FAILED=1
	[ -n "${E2E_SOFT:-}" ] && return 1
	exit 1
}

# soft ASSERTION...: a failing assertion marks the test failed but lets it go on, so
# one small divergence does not hide the checks after it.
soft()
{
	local r
	E2E_SOFT=1
	"$@"
	r=$?
	E2E_SOFT=
	return $r
}

# With E2E_DEBUG=1 a failure also prints the host's links, addresses, routes,
# neighbours, ruleset, conntrack table and berth's containers.
e2e_debug_dump()
{
	echo "=== debug: links"; ip -br link
	echo "=== debug: addresses"; ip -br addr
	echo "=== debug: routes"; ip route; ip -6 route
	echo "=== debug: neighbours"; ip neigh
	echo "=== debug: ruleset"; nft list ruleset
	echo "=== debug: conntrack"; cat /proc/net/nf_conntrack 2>/dev/null
	echo "=== debug: containers"; "$BERTH" ps -a
	echo "=== debug: processes"; ps -eo pid,ppid,stat,comm,args
	local ns
	for ns in "$BERTH_NETNS_DIR"/*; do
		[ -e "$ns" ] || continue
		ns=${ns##*/}
		echo "=== debug: netns $ns"
		ip -n "$ns" -br link; ip -n "$ns" -br addr; ip -n "$ns" route; ip -n "$ns" neigh
	done
}

skip()
{
	echo "SKIP: $*"
	[ -n "${E2E_TMP:-}" ] && : >"$E2E_TMP/skipped" 2>/dev/null
	exit 77
}

log() { echo "--- $*"; }

need_tools()
{
	local t
	for t; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t"
	done
}

# ---------------------------------------------------------------- the sandbox

sandbox_enter()
{
	if [ "${BERTH_E2E_SANDBOX:-}" != 1 ]; then
		[ "$(id -u)" = 0 ] || skip "needs root (runs inside its own network namespace)"
		need_tools unshare ip nft busybox mount timeout
		unshare --help 2>&1 | grep -q -- --kill-child || skip "unshare without --kill-child"
		e2e_find_berth
		export BERTH
		export BERTH_E2E_SANDBOX=1
		exec unshare --net --mount --pid --uts --ipc --fork --kill-child --mount-proc \
			"${BASH:-bash}" "$0" "$@"
		echo "FAIL: cannot unshare" >&2
		exit 1
	fi
	e2e_find_berth
	export BERTH
	[ -x "$BERTH" ] || { echo "FAIL: berth binary not found at $BERTH (set BERTH=...)" >&2; exit 1; }
	# Inside: this shell is PID 1 of a fresh pid namespace, in fresh net/mount/uts ns.
	mount --make-rprivate / || { echo "FAIL: make-rprivate" >&2; exit 1; }
	mount -t tmpfs -o mode=0755 tmpfs /run || { echo "FAIL: tmpfs /run" >&2; exit 1; }
	# A sysfs of our own netns: /sys/class/net shows the sandbox's links, not the machine's.
	mount -t sysfs sysfs /sys || { echo "FAIL: sysfs" >&2; exit 1; }
	ip link set lo up
	hostname berth-e2e-host
	E2E_TMP=/run/berth-e2e
	mkdir -p "$E2E_TMP" /run/netns
	export E2E_TMP
	export BERTH_ROOT=$E2E_TMP/root
	export BERTH_RUN_ROOT=$E2E_TMP/run
	export BERTH_CONFIG=$E2E_TMP/daemon.json
	export BERTH_NETNS_DIR=/run/netns
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	trap e2e_exit EXIT
	trap 'exit 1' INT TERM
	if [ -n "${E2E_TRACE:-}" ]; then
		exec 9>&2
		BASH_XTRACEFD=9
		PS4='+ $(date +%S.%N | cut -c1-6) ${BASH_SOURCE[0]##*/}:${LINENO}: '
		set -x
	fi
	# A dumb sanity check that we really are not in the machine's root netns: the
	# only link is a fresh loopback.
	[ "$(ip -o link | wc -l)" = 1 ] || { echo "FAIL: sandbox netns is not empty" >&2; exit 1; }
	if [ -n "${E2E_SUB:-}" ]; then
		log "sub-scenario $E2E_SUB (fresh sandbox)"
		"$E2E_SUB"
		exit $?
	fi
}

# sandbox_sub FUNC: run the function FUNC of this test in a fresh, nested sandbox
# (new netns, mount ns, pid ns; no berth state).  Define FUNC before sandbox_enter.
sandbox_sub()
{
	BERTH_E2E_SANDBOX='' E2E_SUB=$1 E2E_TRACE='' "${BASH:-bash}" "$0"
}

E2E_PIDS=()

# bg CMD...: start CMD in the background, remember its pid (for cleanup).  $! is set.
bg()
{
	"$@" &
	E2E_PIDS+=("$!")
}

e2e_exit()
{
	local rc=$?
	trap - EXIT
	set +e
	local ids
	ids=$(timeout 20 "$BERTH" ps -aq 2>/dev/null)
	# shellcheck disable=SC2086
	[ -n "$ids" ] && timeout 30 "$BERTH" rm -f $ids >/dev/null 2>&1
	local p
	for p in "${E2E_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${E2E_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ -e "$E2E_TMP/failed" ] && [ "$rc" = 0 ]; then
		rc=1
	fi
	# Returning from PID 1 ends the pid namespace: the kernel kills whatever is left.
	exit "$rc"
}

# ---------------------------------------------------------------- berth and daemon.json

berth() { "$BERTH" "$@"; }

# daemon_json TEXT: write the daemon.json berth reads.  daemon_json_rm: remove it.
daemon_json() { printf '%s\n' "$1" >"$BERTH_CONFIG"; }
daemon_json_rm() { rm -f "$BERTH_CONFIG"; }

# inspect_f NAME TEMPLATE: print one field.
inspect_f() { "$BERTH" inspect -f "$2" "$1"; }

container_pid() { "$BERTH" inspect -f '{{.State.Pid}}' "$1"; }
# monitor_pid_of PID: the parent of a container's process, its monitor.
monitor_pid_of() { awk '/^PPid:/ {print $2}' "/proc/$1/status"; }

# status_is NAME STATE: the container's .State.Status is STATE.
# wait_running NAME / wait_exited NAME: poll until it is (or fail).
status_is() { [ "$("$BERTH" inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]; }

wait_running()
{
	wait_until 10 status_is "$1" running ||
		fail "container $1 did not reach running"
}

wait_exited()
{
	wait_until 15 status_is "$1" exited ||
		fail "container $1 did not exit (status: $(inspect_f "$1" '{{.State.Status}}' 2>&1))"
}

# host veth (peer of a container's eth0) names: links of kind veth in the sandbox.
host_veths() { ip -o link show type veth | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^o-' || true; }

# ---------------------------------------------------------------- assertions

# capture CMD...: run CMD, put its stdout+stderr in OUT and its status in RC.
capture()
{
	OUT=$("$@" 2>&1)
	RC=$?
}

# capture_split CMD...: stdout in OUT, stderr in ERR, status in RC.
capture_split()
{
	local ef=$E2E_TMP/stderr.$$
	OUT=$("$@" 2>"$ef")
	RC=$?
	ERR=$(cat "$ef")
	rm -f "$ef"
}

assert_eq()
{
	[ "$1" = "$2" ] || fail "${3:-values differ}: expected [$1], got [$2]"
}

assert_ne()
{
	[ "$1" != "$2" ] || fail "${3:-values equal}: both are [$1]"
}

assert_contains()
{
	case $1 in
	*"$2"*) ;;
	*) fail "${3:-missing text}: [$2] not in:
$1" ;;
	esac
}

assert_not_contains()
{
	case $1 in
	*"$2"*) fail "${3:-unexpected text}: [$2] found in:
$1" ;;
	esac
}

assert_match()
{
	[[ $1 =~ $2 ]] || fail "${3:-no match}: [$1] does not match /$2/"
}

# assert_ok CMD...: CMD must succeed; its output is left in OUT.
assert_ok()
{
	capture "$@"
	[ "$RC" = 0 ] || fail "command failed (exit $RC): $*
$OUT"
}

# assert_fails CMD...: CMD must fail (non-zero); output in OUT, status in RC.
assert_fails()
{
	capture "$@"
	[ "$RC" != 0 ] || fail "command succeeded but should fail: $*
$OUT"
}

# assert_rc N CMD...: CMD must exit with status N.
assert_rc()
{
	local want=$1
	shift
	capture "$@"
	[ "$RC" = "$want" ] || fail "expected exit $want, got $RC: $*
$OUT"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds; status 1 on timeout.
wait_until()
{
	local limit=$1 i n
	shift
	n=$((limit * 10))
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- the outside world

# outside_setup: netns "outside" joined to the host by veth o-host <-> o-out;
# host 198.51.100.1/24, outside 198.51.100.2/24.  The outside has only its connected
# /24: no route back to container subnets, so replies work only through the host's
# source NAT.
OUTSIDE_HOST_IP=198.51.100.1
OUTSIDE_IP=198.51.100.2
outside_setup()
{
	ip netns add outside || fail "ip netns add outside"
	ip link add o-host type veth peer name o-out netns outside || fail "veth o-host"
	ip addr add "$OUTSIDE_HOST_IP/24" dev o-host
	ip link set o-host up
	ip -n outside link set lo up
	ip -n outside addr add "$OUTSIDE_IP/24" dev o-out
	ip -n outside link set o-out up
	wait_until 5 ip netns exec outside busybox ping -c1 -W1 "$OUTSIDE_HOST_IP" ||
		fail "outside cannot reach host"
}

outside() { ip netns exec outside "$@"; }

# outside_httpd PORT: a busybox httpd in the outside that answers /who with the
# requester's address (CGI: REMOTE_ADDR) and / with "hello-outside".
outside_httpd()
{
	local port=${1:-8080} dir=$E2E_TMP/www
	mkdir -p "$dir/cgi-bin"
	echo hello-outside >"$dir/index.html"
	printf '%s\n' "$WHO_CGI" >"$dir/cgi-bin/who"
	chmod +x "$dir/cgi-bin/who"
	bg ip netns exec outside busybox httpd -f -p "$OUTSIDE_IP:$port" -h "$dir"
	wait_until 5 sh -c "ip netns exec outside busybox netstat -ltn | grep -q ':$port '" ||
		fail "outside httpd did not start"
}

# A web server for containers that says who asked: run it with
#   berth run -d --name S -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
# GET / answers hello-HOSTNAME, GET /cgi-bin/who answers peer=<source address>.
# (REMOTE_ADDR is "[::ffff:a.b.c.d]" on a dual-stack socket: printed as a.b.c.d)
WHO_CGI=$'#!/bin/sh\na=${REMOTE_ADDR#[}; a=${a%]}; a=${a#::ffff:}\necho "Content-Type: text/plain"\necho\necho "peer=$a"'
WHO_HTTPD='mkdir -p /www/cgi-bin && echo "hello-$(busybox hostname)" >/www/index.html &&
printf "%s\n" "$CGI" >/www/cgi-bin/who && chmod +x /www/cgi-bin/who &&
exec busybox httpd -f -p 80 -h /www'

# pod_httpd NETNS: busybox httpd on port 80 in NETNS: / says hello-NETNS,
# /cgi-bin/who says peer=<source address>.
pod_httpd()
{
	local dir=$E2E_TMP/www-$1
	mkdir -p "$dir/cgi-bin"
	echo "hello-$1" >"$dir/index.html"
	printf '%s\n' "$WHO_CGI" >"$dir/cgi-bin/who"
	chmod +x "$dir/cgi-bin/who"
	bg ip netns exec "$1" busybox httpd -f -p 80 -h "$dir"
	wait_listen "$1" 80
}

# wait_listen NETNS PORT: until something listens on TCP PORT in NETNS.
wait_listen()
{
	wait_until 5 sh -c "ip netns exec '$1' busybox netstat -ltn | grep -q ':$2 '" ||
		fail "nothing listens on port $2 in $1"
}

# ---------------------------------------------------------------- snapshots

# host_snapshot FILE: a normalised picture of the host sandbox: links, addresses,
# routes (all tables, v4 and v6), rules, the whole nftables ruleset without handles
# and counters, named netns, mounts under the run dirs, the run/state container
# directories, and berth processes.  One item per line, sorted within each section.
host_snapshot()
{
	local f=$1
	{
		echo "## links"
		# (a bridge's TSO/GSO limits follow its ports and are not restored, and its
		# carrier follows them a moment later: kernel noise, dropped)
		ip -j -d link show | e2e_json_items 1 |
			sed -E -e 's/,"(operstate|linkmode|group|qdisc)":"[^"]*"//g' \
				-e 's/,"(tso|gso|gro)_(ipv4_)?max_(size|segs)":[0-9]+//g' | sort
		echo "## addrs"
		ip -j addr show | e2e_json_items 1 | sort
		echo "## routes4"
		ip -j -4 route show table all | e2e_json_items 1 | sort
		echo "## routes6"
		# (the local route of a link-local address comes and goes with DAD: kernel noise)
		ip -j -6 route show table all | e2e_json_items 1 |
			grep -v '^{"type":"local","dst":"fe80::' | sort
		echo "## rules"
		ip -j rule show | e2e_json_items 1 | sort
		ip -j -6 rule show | e2e_json_items 1 | sort
		echo "## nft"
		nft -j list ruleset 2>/dev/null | e2e_json_items 2 | grep -v '"metainfo"' | sort
		echo "## netns"
		ls -A "$BERTH_NETNS_DIR" 2>/dev/null | sort
		echo "## mounts"
		awk -v a="$BERTH_RUN_ROOT" -v b="$BERTH_ROOT" -v c="$BERTH_NETNS_DIR" \
			'index($5, a) == 1 || index($5, b) == 1 || index($5, c"/") == 1 {print $5, $9}' \
			/proc/self/mountinfo | sort
		echo "## container dirs"
		ls -A "$BERTH_RUN_ROOT/containers" 2>/dev/null | sort
		ls -A "$BERTH_ROOT/containers" 2>/dev/null | sort
		echo "## processes"
		ps -eo comm= | grep -E '^berth' | sort
	} >"$f"
}

# e2e_json_items DEPTH: print each JSON value found at nesting depth DEPTH (1: the
# elements of a top-level array; 2: of {"nftables": [...]}) on its own line, with
# volatile fields dropped.  A tiny depth-tracking scanner: no jq on a bare Debian.
e2e_json_items()
{
	awk -v want="$1" '
	{ buf = buf $0 "\n" }
	END {
		n = length(buf); d = 0; instr = 0; esc = 0; item = ""
		for (i = 1; i <= n; i++) {
			c = substr(buf, i, 1)
			if (instr) {
				if (d >= want) item = item c
				if (esc) esc = 0
				else if (c == "\\") esc = 1
				else if (c == "\"") instr = 0
				continue
			}
			if (c == "\n") continue
			if (d == want && item == "" && (c == " " || c == "\t")) continue
			if (c == "\"") { instr = 1; if (d >= want) item = item c; continue }
			if (c == "[" || c == "{") {
				if (d >= want) item = item c
				d++
				continue
			}
			if (c == "]" || c == "}") {
				d--
				if (d >= want) item = item c
				if (d == want && item != "") { print item; item = "" }
				continue
			}
			if (d == want && c == ",") { if (item != "") print item; item = ""; continue }
			if (d >= want) item = item c
		}
		if (item != "") print item
	}' | sed -E -e 's/"(valid_life_time|preferred_life_time|expires|used|age)": ?[0-9]+,?//g' \
		-e 's/"[a-z_]+_timer":[0-9.]+,?//g' -e 's/"tentative":true,?//g' \
		-e 's/"(NO-CARRIER|LOWER_UP|M-DOWN)",?//g' -e 's/"linkdown",?//g' -e 's/,\]/]/g' \
		-e 's/,"operstate":"[^"]*"//g' \
		-e 's/"handle": [0-9]+(, )?//g' \
		-e 's/"packets": [0-9]+, "bytes": [0-9]+/"packets": 0, "bytes": 0/g'
}

# snapshot_filter_berth [BRIDGE]: drop the lines of the default bridge (link, addrs,
# routes), of berth's own nft tables (any family, named berth*), and of berth's own
# BERTH-* chains in other tables (with the jumps to them), which stay once made, as
# docker0 and Docker's chains do.
snapshot_filter_berth()
{
	local br=${1:-berth0}
	grep -v -e "\"ifname\":\"$br\"" -e "\"dev\":\"$br\"" \
		-e '"table": "berth[^"]*"' -e '^{"table": {"family": "[a-z0-9]*", "name": "berth' \
		-e '"chain": "BERTH-' -e '"name": "BERTH-' -e '"target": "BERTH-' || true
}

# assert_snapshot_eq BEFORE AFTER [--except-berth [BRIDGE]]
assert_snapshot_eq()
{
	local a=$1 b=$2 fa=$1 fb=$2
	if [ "${3:-}" = --except-berth ]; then
		fa=$a.f
		fb=$b.f
		snapshot_filter_berth "${4:-}" <"$a" >"$fa"
		snapshot_filter_berth "${4:-}" <"$b" >"$fb"
	fi
	if ! cmp -s "$fa" "$fb"; then
		fail "host state changed:
$(diff -u "$fa" "$fb" | head -60)"
	fi
}

# assert_no_trace ID VETH NAME: nothing of that container remains on the host.
assert_no_trace()
{
	local id=$1 veth=$2 name=$3
	if [ -n "$veth" ] && ip link show "$veth" >/dev/null 2>&1; then
		fail "veth $veth of $name still exists"
	fi
	[ ! -e "$BERTH_NETNS_DIR/$name" ] && [ ! -L "$BERTH_NETNS_DIR/$name" ] ||
		fail "netns name $name still in $BERTH_NETNS_DIR"
	if [ -n "$id" ]; then
		grep -q "$id" /proc/self/mountinfo && fail "mount of $id remains:
$(grep "$id" /proc/self/mountinfo)"
		[ ! -e "$BERTH_RUN_ROOT/containers/$id" ] || fail "run dir of $name remains"
		[ ! -e "$BERTH_ROOT/containers/$id" ] || fail "state dir of $name remains"
	fi
	return 0
}

# assert_start_failed NAME [WHY]: a start of NAME failed, and left it as Docker
# does: not running (created, or exited from an earlier run), its error (which
# contains WHY) in State.Error and a non-zero State.ExitCode, holding no address
# and no named netns. Then removes it.
assert_start_failed()
{
	local name=$1 why=${2:-} s
	s=$("$BERTH" inspect -f '{{.State.Status}} {{.State.Pid}} {{.State.ExitCode}} [{{.NetworkSettings.IPAddress}}]' "$name" 2>&1) ||
		fail "$name is gone after its start failed (Docker keeps it, created): $s"
	assert_match "$s" '^(created|exited) 0 [1-9][0-9]* \[\]$' "$name after its start failed: status, pid, exit code, address"
	s=$("$BERTH" inspect -f '{{.State.Error}}' "$name")
	[ -n "$s" ] || fail "$name: State.Error is empty after its start failed"
	assert_contains "$s" "$why" "$name: State.Error"
	assert_no_trace "" "" "$name"
	assert_ok "$BERTH" rm "$name"
}

# ---------------------------------------------------------------- berth-cni

# The berth-cni binary (t-cni*): $BERTH_CNI, else the one next to $BERTH (the same
# meson build dir, src/cni/berth-cni; or the same directory for an installed berth).
e2e_find_berth_cni()
{
	if [ -n "${BERTH_CNI:-}" ]; then
		case $BERTH_CNI in /*) ;; *) BERTH_CNI=$PWD/$BERTH_CNI ;; esac
	else
		case $BERTH in
		*/src/cli/berth) BERTH_CNI=${BERTH%/src/cli/berth}/src/cni/berth-cni ;;
		*) BERTH_CNI=$(dirname "$BERTH")/berth-cni ;;
		esac
	fi
	export BERTH_CNI
	[ -x "$BERTH_CNI" ] || fail "berth-cni binary not found at $BERTH_CNI (set BERTH_CNI=...)"
}
