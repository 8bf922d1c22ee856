#!/bin/bash
# Run every berth benchmark and write bench/results/<date>/results.md (every
# figure, with the machine) and latency.png (`run -d` time against container
# count). Prints figures; asserts nothing. Root: everything runs inside
# throwaway pid+mount+network namespaces (see bench/lib.sh); the machine's own
# network is never touched.
#
#   sudo bench/run.sh                    # full: RUNS=50, SCALE=1000 (~30 min on 2 cores)
#   sudo SCALE=100 RUNS=10 ROUNDS=1 bench/run.sh  # quick (~3 min)
#
# Environment: RUNS (latency samples, 50), SCALE (containers, 1000; at most
# 1023, the ports of one Linux bridge), IPERF_SECS (3), CONN_SECS (2), ROUNDS
# (data-plane rounds, 9), PROBES and PROBE_GAP (scale: container 10, 100, 1000
# also started PROBES times after PROBE_GAP s of rest; 10, 0.5), SETTLE
# (seconds of rest before each part, 5), BUILD
# (build directory, build-bench), OUT (results directory), CNI_DIR (/usr/lib/cni).
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: run as root (it makes namespaces, bridges and firewall rules in them)" >&2
	exit 1
fi
export RUNS=${RUNS:-50} SCALE=${SCALE:-1000}
export IPERF_SECS=${IPERF_SECS:-3} CONN_SECS=${CONN_SECS:-2} ROUNDS=${ROUNDS:-15}
export PROBES=${PROBES:-10} PROBE_GAP=${PROBE_GAP:-0.5}
SETTLE=${SETTLE:-5}

# --- what it needs: berth's build deps, iperf3, gnuplot (Debian packages; the
# same installer, which keeps a package from starting its service here) ---
./scripts/deps.sh iperf3 gnuplot-nox containernetworking-plugins

BUILD=${BUILD:-build-bench}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
export BERTH=$PWD/$BUILD/src/cli/berth CONNRATE=$PWD/$BUILD/bench/connrate

day=$(date +%F)
export OUT=${OUT:-$PWD/bench/results/$day}
mkdir -p "$OUT"
rm -f "$OUT"/*.md "$OUT/figures.txt" "$OUT/scale.dat" "$OUT/scale-probe.dat" "$OUT/scale-smooth.dat" "$OUT/latency.png" "$OUT/run.log"
log=$OUT/run.log
start=$(date +%s)
loads=""
echo "bench: RUNS=$RUNS SCALE=$SCALE; results in $OUT" >&2

# CPU time (ms) of the kernel's DAMON threads (kdamond.N). Some VMs run one to
# page cold memory out (this one: a physical-address pageout scheme, sampling
# every 0.5 s, aggregating every 5 s); its walks of the pages' reverse maps grow
# with the processes that share them, a monitor and a container per container,
# and on 2 CPUs its bursts show up as slow starts.
kdamond_ms() {
	local t=0 p
	for p in $(pgrep '^kdamond' || true); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo $((t * 1000 / $(getconf CLK_TCK)))
}
damon=""

part() {
	local name=$1
	shift
	local t0=$SECONDS
	# The kernel tears the last part's network namespaces down in the
	# background (under RTNL, with an rcu_barrier each); starts made right
	# after 50 removals took 1-1.5 ms more for the first five or so.
	sleep "$SETTLE"
	loads="$loads $name${1:+ $1} $(cut -d' ' -f1 /proc/loadavg),"
	local d0
	d0=$(kdamond_ms)
	if ! bash "bench/$name.sh" "$@" 2> >(tee -a "$log" >&2); then
		echo "bench: $name $* failed (see $log)" | tee -a "$log" >&2
		printf '\n**%s %s failed** (see run.log)\n\n' "$name" "$*" >>"$OUT/${name}.md"
	fi
	damon="$damon $name${1:+ $1} $(($(kdamond_ms) - d0)),"
	echo "bench: $name $* took $((SECONDS - t0)) s" | tee -a "$log" >&2
}
part latency
part scale
part dataplane
printf '## 4. Comparisons (same run, same machine)\n\n' >"$OUT/compare.md"
part compare cni
part compare docker
part compare podman
part cni
elapsed=$(($(date +%s) - start))

# --- the chart: every container's `run -d`, and a moving median of 21 ---
if [ -s "$OUT/scale.dat" ]; then
	awk '!/^#/ { x[++n] = $1; y[n] = $2 }
	END {
		for (i = 1; i <= n; i++) {
			m = 0
			for (j = i - 10; j <= i + 10; j++) if (j >= 1 && j <= n) w[++m] = y[j]
			# insertion sort of the window, then its middle
			for (a = 2; a <= m; a++) { v = w[a]; for (b = a - 1; b >= 1 && w[b] > v; b--) w[b + 1] = w[b]; w[b + 1] = v }
			print x[i], w[int((m + 1) / 2)]
		}
	}' "$OUT/scale.dat" >"$OUT/scale-smooth.dat"
	term=png
	gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo && term=pngcairo
	gnuplot <<-EOF
	set terminal $term size 900,540
	set output "$OUT/latency.png"
	set title "berth run -d on one bridge, one container after another ($day, $(nproc) CPUs, shared machine)"
	set xlabel "container number (containers already running + 1)"
	set ylabel "berth run -d (ms)"
	set grid
	set key top left
	set yrange [0:*]
	plot "$OUT/scale.dat" using 1:2 with points pt 7 ps 0.5 lc rgb "#9ecae1" title "each run -d", \
	     "$OUT/scale-smooth.dat" using 1:2 with lines lw 2 lc rgb "#08519c" title "moving median of 21"$(
		[ -s "$OUT/scale-probe.dat" ] &&
			echo ", \"$OUT/scale-probe.dat\" using 1:2 with points pt 6 ps 1 lc rgb \"#e6550d\" title \"probed (each start after $PROBE_GAP s of rest)\"")
	EOF
fi

# --- results.md ---
. bench/lib.sh
# shellcheck disable=SC2034 # used by lib.sh
PART=results
f() { figure "$1"; }
# goal VALUE OP LIMIT -> "yes" / "no" / "-"
goal() {
	[ "$1" = - ] && { echo -; return; }
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<") ? v < l : v >= l; print ok ? "yes" : "no" }'
}
model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
buildtype=$(sed -n 's/.*"name": "buildtype", "value": "\([a-z]*\)".*/\1/p' "$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null || true)
dirty=""
[ -n "$(git status --porcelain -- src 2>/dev/null)" ] && dirty=" (src/ modified)"
{
	echo "# berth benchmarks, $day"
	echo ""
	echo "| machine | |"
	echo "|---|---|"
	echo "| CPUs (\`nproc\`) | $(nproc) |"
	echo "| model | $model |"
	echo "| memory | $mem |"
	echo "| kernel | $(uname -r) |"
	echo "| date | $(date -R) |"
	echo "| berth | $commit$dirty, built in $BUILD (buildtype $buildtype) |"
	echo "| load average (1 min) as each part began |${loads%,} |"
	if [ -n "$(pgrep '^kdamond' || true)" ]; then
		echo "| CPU time of the kernel's DAMON threads (kdamond) during each part, ms |${damon%,} |"
	fi
	echo "| settings | RUNS=$RUNS SCALE=$SCALE IPERF_SECS=$IPERF_SECS CONN_SECS=$CONN_SECS ROUNDS=$ROUNDS PROBES=$PROBES PROBE_GAP=$PROBE_GAP SETTLE=$SETTLE; whole run $((elapsed / 60)) min $((elapsed % 60)) s |"
	echo ""
	echo "Figures from a shared machine (other work was running), so take the spread into"
	echo "account; nothing here is asserted. Each part ran in its own throwaway namespaces."
	echo ""
	echo "## Summary against the goals (issue 9)"
	echo ""
	echo "| figure | goal | this run | met |"
	echo "|---|---|---:|---|"
	v=$(f p1.run.median); echo "| \`run -d\`, bridge + one published port, median (ms) | < 10 | $v | $(goal "$v" "<" 10) |"
	v=$(f net.run.share); echo "| network's share of \`run -d\` (bridge - none, ms) | < 3 | $v | $(goal "$v" "<" 3) |"
	v=$(f scale.ratio); echo "| \`run -d\` of container $SCALE / of container 10, in the ramp | <= 1.25 | $v | $(goal "$v" "<" 1.2501) |"
	v=$(f scale.probe.ratio); echo "| the same, each start after $PROBE_GAP s of rest (probed) | - | $v | |"
	v=$(f scale.pss.kib); echo "| berth memory per running container, PSS (KiB) | < 1024 | $v | $(goal "$v" "<" 1024) |"
	for k in tp.c2c:"TCP throughput, container to container" tp.out:"TCP throughput, outside to published port" \
		rr.c2c:"TCP request rate, container to container" rr.out:"TCP request rate, outside to published port"; do
		v=$(f "${k%%:*}.ratio"); echo "| ${k#*:}, berth / bare | >= 0.95 | $v | $(goal "$v" ">=" 0.95) |"
	done
	# (issue 9's goal for new connections is the mapping ratio below; the
	# ratio to bare is shown too: each is a conntrack entry bare has not)
	for k in cr.c2c:"connection rate, container to container" cr.out:"connection rate, outside to published port"; do
		echo "| ${k#*:}, berth / bare | - | $(f "${k%%:*}.ratio") | |"
	done
	v=$(f cr.map.ratio); echo "| connection rate with 10,001 mappings / with 1 | >= 0.9 | $v | $(goal "$v" ">=" 0.9) |"
	echo ""
	echo "## Side by side (medians in ms unless noted; \"-\": not installed here)"
	echo ""
	echo "| | berth | Docker | Podman | CNI plugins (network only) |"
	echo "|---|---:|---:|---:|---:|"
	echo "| \`run -d\`, default bridge | $(f bridge.run.median) | $(f docker.bridge.run.median) | $(f podman.bridge.run.median) | |"
	echo "| \`run -d\`, --net=none | $(f none.run.median) | $(f docker.none.run.median) | $(f podman.none.run.median) | |"
	echo "| \`run -d\`, bridge + -p 8080:80 | $(f p1.run.median) | $(f docker.p1.run.median) | $(f podman.p1.run.median) | |"
	echo "| \`rm -f\`, default bridge | $(f bridge.rm.median) | $(f docker.bridge.rm.median) | $(f podman.bridge.rm.median) | |"
	echo "| \`rm -f\`, bridge + -p 8080:80 | $(f p1.rm.median) | $(f docker.p1.rm.median) | $(f podman.p1.rm.median) | |"
	echo "| network's share of \`run -d\` (bridge - none) / CNI bridge ADD | $(f net.run.share) | $(f docker.net.run.share) | $(f podman.net.run.share) | $(f cni.bridge.add.median) |"
	echo "| network's share of \`rm -f\` / CNI bridge DEL | $(f net.rm.share) | $(minus "$(f docker.bridge.rm.median)" "$(f docker.none.rm.median)") | $(minus "$(f podman.bridge.rm.median)" "$(f podman.none.rm.median)") | $(f cni.bridge.del.median) |"
	echo "| network with one published port, setup / CNI bridge+portmap ADD | $(minus "$(f p1.run.median)" "$(f none.run.median)") | $(minus "$(f docker.p1.run.median)" "$(f docker.none.run.median)") | $(minus "$(f podman.p1.run.median)" "$(f podman.none.run.median)") | $(f cni.portmap.add.median) |"
	echo "| network with one published port, teardown / CNI bridge+portmap DEL | $(minus "$(f p1.rm.median)" "$(f none.rm.median)") | $(minus "$(f docker.p1.rm.median)" "$(f docker.none.rm.median)") | $(minus "$(f podman.p1.rm.median)" "$(f podman.none.rm.median)") | $(f cni.portmap.del.median) |"
	echo "| \`run -d\` of container $SCALE / of container 10 (ratio), in the ramp | $(f scale.ratio) | $(f docker.scale.ratio) | $(f podman.scale.ratio) | |"
	echo "| the same, each start after $PROBE_GAP s of rest (probed) | $(f scale.probe.ratio) | $(f docker.scale.probe.ratio) | $(f podman.scale.probe.ratio) | |"
	echo "| memory per running container, PSS in KiB (berth-monitor; Podman's conmon) | $(f scale.pss.kib) | $(f docker.scale.pss.kib) | $(f podman.scale.pss.kib) | |"
	echo ""
	echo "| data plane, ratio to the bare path (medians of the per-round ratios) | berth | Podman |"
	echo "|---|---:|---:|"
	for k in tp.c2c:"TCP throughput, container to container" tp.out:"TCP throughput, outside to published port" \
		rr.c2c:"TCP request rate, container to container" rr.out:"TCP request rate, outside to published port" \
		cr.c2c:"connection rate, container to container" cr.out:"connection rate, outside to published port"; do
		echo "| ${k#*:} | $(f "${k%%:*}.ratio") | $(f "podman.${k%%:*}.ratio") |"
	done
	echo ""
	cat "$OUT/latency.md" 2>/dev/null
	echo ""
	cat "$OUT/scale.md" 2>/dev/null
	[ -s "$OUT/latency.png" ] && printf '\n![run -d latency against container count](latency.png)\n'
	echo ""
	cat "$OUT/dataplane.md" 2>/dev/null
	echo ""
	cat "$OUT/compare.md"
	cat "$OUT/cni.md" 2>/dev/null
} >"$OUT/results.md"
rm -f "$OUT/latency.md" "$OUT/scale.md" "$OUT/dataplane.md" "$OUT/compare.md"
echo "bench: done in $((elapsed / 60)) min $((elapsed % 60)) s: $OUT/results.md, $OUT/latency.png" >&2
