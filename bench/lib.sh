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
PROBES=${PROBES:-10} PROBE_GAP=${PROBE_GAP:-0.5}
PROBING=0 # microseconds spent in probe, for totals that leave it out

# The time in microseconds, without forking.
us() { echo "${EPOCHREALTIME/./}"; }
# ms T0 T1: the time between two us() readings in ms, to the microsecond.
ms() { echo "$((($2 - $1) / 1000)).$(printf %03d $((($2 - $1) % 1000)))"; }

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

# ratio A B [DIGITS] / minus A B: A/B to two decimals (or DIGITS), A-B to one ("-" if
# either is missing).
ratio() {
	if [ "$1" = - ] || [ "$2" = - ] || [ -z "$1" ] || [ -z "$2" ]; then echo -; return; fi
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "-"; else printf "%.*f\n", d, a / b }'
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

# --- the data plane (dataplane.sh, and compare.sh for the others) ---
#
# bare_reference: the bare path, in namespaces no container system touches (so
# no rule and no conntrack there): "barehost" holds bridge bbr (203.0.113.1/24)
# with "bareA" (.2) and "bareB" (.3) on it, and is the router for "bareout"
# (192.0.2.2, on a veth to barehost's 192.0.2.1), the bare twin of "outside".
# bareB runs iperf3 -s, `connrate -l 80` and `connrate -e 81`.
bare_reference() {
	local n x
	for n in barehost bareA bareB bareout; do ip netns add $n; done
	ip netns exec barehost sh -c "ip link set lo up; ip link add bbr type bridge;
		ip addr add 203.0.113.1/24 dev bbr; ip link set bbr up; sysctl -qw net.ipv4.ip_forward=1"
	for x in A:2 B:3; do
		n=bare${x%%:*}
		ip netns exec barehost ip link add "v$n" type veth peer name eth0 netns "$n"
		ip netns exec barehost ip link set "v$n" master bbr up
		ip netns exec "$n" sh -c "ip link set lo up; ip addr add 203.0.113.${x#*:}/24 dev eth0; ip link set eth0 up; ip route add default via 203.0.113.1"
	done
	ip netns exec barehost sh -c "ip link add vbareout type veth peer name eth0 netns bareout;
		ip addr add 192.0.2.1/24 dev vbareout; ip link set vbareout up"
	ip netns exec bareout sh -c "ip link set lo up; ip addr add 192.0.2.2/24 dev eth0; ip link set eth0 up; ip route add default via 192.0.2.1"
	ip netns exec bareB iperf3 -s >/dev/null 2>&1 &
	BENCH_PIDS+=($!)
	ip netns exec bareB "$CONNRATE" -l 80 >/dev/null 2>&1 &
	BENCH_PIDS+=($!)
	ip netns exec bareB "$CONNRATE" -e 81 >/dev/null 2>&1 &
	BENCH_PIDS+=($!)
}

# iperf3 client -> Gbit/s received; connrate client -> its rate.
gbps() {
	"$@" -t "$SECS" -f m 2>&1 | awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") v = $i }
		END { if (v == "") print "-"; else printf "%.2f\n", v / 1000 }'
}
crate() { "$@" "$CSECS" | awk '{ print $1 }'; }
# pps IPERF3_CLIENT...: 64-byte UDP datagrams, unpaced, for $CSECS s: those the
# receiver got, per second. The sender runs flat out, so this is the per-packet
# CPU cost of the path, with little of the wake-up latency a request rate has.
pps() {
	"$@" -u -l 64 -b 0 -t "$CSECS" 2>&1 | awk '/receiver/ { split($3, t, "-")
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, n, "/"); v = (n[2] - n[1]) / t[2] } }
		END { if (v == "") print "-"; else printf "%.0f\n", v }'
}

# pair KEY KIND BARE THEIRS: one round's bare and measured figure, back to back
# (which goes first alternates with $round), and their ratio: R[KEY.bare],
# R[KEY.them] and Q[KEY] collect them over the rounds.
declare -A R Q
pair() {
	local k=$1 kind=$2 bare=$3 theirs=$4 b c
	if [ $((round % 2)) = 1 ]; then
		b=$($kind $bare)
		c=$($kind $theirs)
	else
		c=$($kind $theirs)
		b=$($kind $bare)
	fi
	R[$k.bare]="${R[$k.bare]:-} $b"
	R[$k.them]="${R[$k.them]:-} $c"
	Q[$k]="${Q[$k]:-} $(ratio "$c" "$b")"
}

# dp_row LABEL KEY UNIT [WHO]: the table row of the medians over the rounds of
# pair KEY, and the figures KEY.bare, KEY.berth and KEY.ratio (for WHO other
# than berth: WHO.KEY.bare, WHO.KEY.WHO, WHO.KEY.ratio).
dp_row() {
	local label=$1 k=$2 unit=$3 who=${4:-berth} p="" b c r
	[ "$who" = berth ] || p=$who.
	[ -n "${R[$k.bare]:-}" ] || return 0
	# shellcheck disable=SC2086
	b=$(median ${R[$k.bare]})
	# shellcheck disable=SC2086
	c=$(median ${R[$k.them]})
	# shellcheck disable=SC2086
	r=$(median ${Q[$k]})
	r=$(awk -v r="$r" 'BEGIN { printf "%.2f", r }')
	local fmt=%.2f
	[ "${unit%/s}" != Gbit ] && fmt=%.0f
	b=$(awk -v v="$b" -v f=$fmt 'BEGIN { printf f, v }')
	c=$(awk -v v="$c" -v f=$fmt 'BEGIN { printf f, v }')
	fig "$p$k.bare" "$b"
	fig "$p$k.$who" "$c"
	fig "$p$k.ratio" "$r"
	md "| $label ($unit) | $b | $c | **$r** |${Q[$k]} |"
	say "$label: bare $b, $who $c $unit, ratio $r (rounds:${Q[$k]})"
}

# dp_round IPERF_SERVER CONNRATE_SERVER: one round of the seven pairs (in_cli
# runs a client in a container; the servers publish 5201, 8080 (connrate -l 80)
# and 8081 (connrate -e 81) on the host, 198.51.100.1 from "outside").
dp_round() {
	pair tp.c2c gbps "ip netns exec bareA iperf3 -c 203.0.113.3" "in_cli iperf3 -c $1"
	pair tp.out gbps "ip netns exec bareout iperf3 -c 203.0.113.3" "ip netns exec outside iperf3 -c 198.51.100.1 -p 5201"
	pair pps.c2c pps "ip netns exec bareA iperf3 -c 203.0.113.3" "in_cli iperf3 -c $1"
	pair cr.c2c crate "ip netns exec bareA $CONNRATE 203.0.113.3 80" "in_cli $CONNRATE $2 80"
	pair cr.out crate "ip netns exec bareout $CONNRATE 203.0.113.3 80" "ip netns exec outside $CONNRATE 198.51.100.1 8080"
	pair rr.c2c crate "ip netns exec bareA $CONNRATE -r 203.0.113.3 81" "in_cli $CONNRATE -r $2 81"
	pair rr.out crate "ip netns exec bareout $CONNRATE -r 203.0.113.3 81" "ip netns exec outside $CONNRATE -r 198.51.100.1 8081"
}

# dp_rows NAME [WHO]: the header and rows of the seven pairs' table.
dp_rows() {
	md "| traffic | bare | $1 | $1 / bare | per-round ratios |"
	md "|---|---:|---:|---:|---|"
	dp_row "TCP throughput, container to container" tp.c2c Gbit/s "${2:-}"
	dp_row "TCP throughput, outside to published port" tp.out Gbit/s "${2:-}"
	dp_row "UDP packets of 64 bytes, container to container" pps.c2c pkt/s "${2:-}"
	dp_row "TCP requests, container to container" rr.c2c req/s "${2:-}"
	dp_row "TCP requests, outside to published port" rr.out req/s "${2:-}"
	dp_row "TCP connections, container to container" cr.c2c conn/s "${2:-}"
	dp_row "TCP connections, outside to published port" cr.out conn/s "${2:-}"
}

# --- scale (scale.sh, and compare.sh for the others) ---

# scale_points: 10, 100, 1000, ... up to SCALE, and SCALE.
scale_points() {
	local p=10 points=""
	while [ "$p" -le "$SCALE" ]; do points="$points $p"; p=$((p * 10)); done
	case " $points " in *" $SCALE "*) ;; *) points="$points $SCALE" ;; esac
	echo "$points"
}

# by_hundred CMD...: CMD s1 ... s100, CMD s101 ... s200, ... up to sSCALE.
by_hundred() {
	local i j names
	for ((i = 1; i <= SCALE; i += 100)); do
		names=()
		for ((j = i; j < i + 100 && j <= SCALE; j++)); do names+=("s$j"); done
		"$@" "${names[@]}" >/dev/null
	done
}

# probe DAT P RM RUN...: with P-1 containers running, start the P-th (RUN,
# which names it "probe") PROBES times, each after PROBE_GAP s of rest, timed,
# then removed (RM probe): "P ms" lines appended to DAT, and the whole time
# added to PROBING. In a ramp each start
# follows the last at once, with the kernel's structures hot in the caches;
# after a rest they are not (what one start now and then on a busy host sees),
# and the samples are spread over PROBES * PROBE_GAP s instead of a tenth of
# a second.
probe() {
	local dat=$1 p=$2 rm=$3 k t0 t1 start
	shift 3
	start=$(us)
	for ((k = 0; k < PROBES; k++)); do
		sleep "$PROBE_GAP"
		t0=$(us)
		"$@" >/dev/null
		t1=$(us)
		$rm probe >/dev/null
		echo "$p $(ms "$t0" "$t1")" >>"$dat"
	done
	sleep "$PROBE_GAP" # (the ramp goes on rested too)
	PROBING=$((PROBING + $(us) - start))
}

# median_of DAT LO HI: the median of the times of containers LO..HI in DAT
# ("container ms" lines), to 0.1 ms.
median_of() {
	awk -v lo="$2" -v hi="$3" '!/^#/ && $1 >= lo && $1 <= hi { print $2 }' "$1" |
		sort -g | awk '{ a[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# probed DAT P: the median of DAT's samples for P.
probed() { median_of "$1" "$2" "$2"; }

# around DAT P: the median of the 10 times around container P (P-5 .. P+4,
# kept inside 1..SCALE) in DAT.
around() {
	local lo=$(($2 - 5))
	[ $((lo + 9)) -gt "$SCALE" ] && lo=$((SCALE - 9))
	[ "$lo" -lt 1 ] && lo=1
	median_of "$1" "$lo" $((lo + 9))
}
