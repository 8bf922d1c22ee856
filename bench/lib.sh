# Shared by the benchmark parts (bench/*.sh); sourced, not run.
#
# sandbox "$@" re-runs the calling script inside a throwaway pid+mount+network
# namespace ("the host" of the benchmark) with tmpfs over /run and berth's state
# under it, and an "outside" namespace joined by a veth (198.51.100.1 here,
# 198.51.100.2 there). Nothing a part does is seen by the machine's own network.
#
# The parts are run by bench/run.sh, which sets BERTH, CONNRATE, RUNS, SCALE and
# OUT (the results directory). Each part appends a Markdown section to
# $OUT/<part>.md, "key value" lines to $OUT/figures.txt, and prints progress on
# stderr.

sandbox() {
	if [ -z "${BENCH_SANDBOX:-}" ]; then
		BENCH_SANDBOX=1 exec unshare --net --mount --pid --fork --mount-proc bash "$0" "$@"
	fi
	mount --make-rprivate /
	mount -t tmpfs tmpfs /run
	mkdir -p /run/b
	export BERTH_ROOT=/run/b/root BERTH_RUN_ROOT=/run/b/run BERTH_CONFIG=/run/b/daemon.json
	ip link set lo up
	ip netns add outside
	ip link add vout type veth peer name eth0 netns outside
	ip addr add 198.51.100.1/24 dev vout
	ip link set vout up
	ip netns exec outside sh -c "ip addr add 198.51.100.2/24 dev eth0; ip link set eth0 up; ip link set lo up"
	# When the part ends (or fails), remove every container, so their monitors
	# clean up (cgroups are the machine's); then pid 1 exits and the kernel
	# takes the namespaces, mounts and anything left with it.
	trap sandbox_cleanup EXIT
}

sandbox_cleanup() {
	local ids
	ids=$("$BERTH" ps -aq --no-trunc 2>/dev/null || true)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		echo $ids | xargs -n 100 "$BERTH" rm -f >/dev/null 2>&1 || true
	fi
	local p
	for p in "${BENCH_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
}
BENCH_PIDS=()

# The time in microseconds, without forking.
us() { echo "${EPOCHREALTIME/./}"; }

# stats FILE (one value in microseconds a line) -> "median p99 min max n" in ms.
# p99 is the nearest-rank 99th percentile: with 50 samples it is the largest.
stats() {
	sort -n "$1" | awk '{a[NR] = $1}
	END {
		n = NR
		if (n == 0) { print "- - - - 0"; exit }
		med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		i = int(0.99 * n); if (i < 0.99 * n) i++; if (i < 1) i = 1
		printf "%.1f %.1f %.1f %.1f %d\n", med / 1000, a[i] / 1000, a[1] / 1000, a[n] / 1000, n
	}'
}

# median of the arguments (numbers).
median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1}
	END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ratio A B / minus A B: A/B to two decimals, A-B to one ("-" if either is missing).
ratio() {
	if [ "$1" = - ] || [ "$2" = - ] || [ -z "$1" ] || [ -z "$2" ]; then echo -; return; fi
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f\n", a / b }'
}
minus() {
	if [ "$1" = - ] || [ "$2" = - ] || [ -z "$1" ] || [ -z "$2" ]; then echo -; return; fi
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", a - b }'
}

md() { echo "$*" >>"$OUT/$PART.md"; }
fig() { echo "$1 $2" >>"$OUT/figures.txt"; }
say() { echo "[$PART] $*" >&2; }

# The last pid handed out in this pid namespace (pids only grow here), to
# count the tasks a command creates.
lastpid() {
	local _a _b _c _d p
	read -r _a _b _c _d p </proc/loadavg
	echo "$p"
}

# latency_loop LABEL KEY RUN_FN RM_FN: RUNS times, time "RUN_FN" (which must
# print the new container's id and return once it runs) and "RM_FN ID"; write a
# Markdown row per operation and the figures KEY.run.* / KEY.rm.*.
latency_loop() {
	local label=$1 key=$2 runfn=$3 rmfn=$4 i t0 t1 t2 id
	: >"/run/b/$key.run"
	: >"/run/b/$key.rm"
	for i in $(seq "$RUNS"); do
		t0=$(us)
		id=$($runfn) || return 1
		t1=$(us)
		$rmfn "$id" >/dev/null || return 1
		t2=$(us)
		echo $((t1 - t0)) >>"/run/b/$key.run"
		echo $((t2 - t1)) >>"/run/b/$key.rm"
	done
	local s
	for op in run rm; do
		read -r med p99 min max n <<<"$(stats "/run/b/$key.$op")"
		fig "$key.$op.median" "$med"
		fig "$key.$op.p99" "$p99"
		s="run -d"
		[ "$op" = rm ] && s="rm -f"
		md "| $label | \`$s\` | $med | $p99 | $min | $max | $n |"
		say "$label $s: median $med ms, p99 $p99 ms"
	done
}

latency_header() {
	md "| setup | command | median (ms) | p99 (ms) | min (ms) | max (ms) | n |"
	md "|---|---|---:|---:|---:|---:|---:|"
}

# figure KEY: a figure recorded earlier in this run ("-" if none).
figure() {
	awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? "-" : v) }' "$OUT/figures.txt" 2>/dev/null || echo "-"
}
