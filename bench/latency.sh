#!/bin/bash
# Benchmark part 1: `berth run -d` (returns once the container runs) and
# `berth rm -f`, RUNS times each, on the default bridge, with --net=none, with
# one published port, and with 100 and 1000 published ports; the tasks each
# `run -d` creates and the berth processes it leaves. Run by bench/run.sh.
set -eu
# shellcheck disable=SC2034 # used by lib.sh
PART=latency
. "$(dirname "$0")/lib.sh"
sandbox "$@"

"$BERTH" run --rm -- true # make the bridge and the tables once, outside the figures
for i in 1 2 3; do "$BERTH" rm -f "$("$BERTH" run -d -- sleep 600)" >/dev/null; done # warm caches

run_bridge() { exec "$BERTH" run -d -- sleep 600; }
run_none() { exec "$BERTH" run -d --net=none -- sleep 600; }
run_p1() { exec "$BERTH" run -d -p 8080:80 -- sleep 600; }
run_p100() { exec "$BERTH" run -d -p 20000-20099:20000-20099 -- sleep 600; }
run_p1000() { exec "$BERTH" run -d -p 20000-20999:20000-20999 -- sleep 600; }
rm_berth() { "$BERTH" rm -f "$1"; }

md "## 1. Container start and removal (berth)"
md ""
md "\`berth run -d ... -- sleep 600\` until it returns (the container is running), then"
md "\`berth rm -f\`; $RUNS of each, one container at a time. p99 is the nearest-rank 99th"
md "percentile (with fewer than 100 samples, the largest)."
md ""
latency_header
latency_loop "default bridge" bridge run_bridge rm_berth
latency_loop "--net=none" none run_none rm_berth
latency_loop "bridge + -p 8080:80" p1 run_p1 rm_berth
latency_loop "bridge + 100 ports" p100 run_p100 rm_berth
latency_loop "bridge + 1000 ports" p1000 run_p1000 rm_berth

net_run=$(minus "$(figure bridge.run.median)" "$(figure none.run.median)")
net_rm=$(minus "$(figure bridge.rm.median)" "$(figure none.rm.median)")
port_run=$(minus "$(figure p1.run.median)" "$(figure bridge.run.median)")
port_rm=$(minus "$(figure p1.rm.median)" "$(figure bridge.rm.median)")
fig net.run.share "$net_run"
fig net.rm.share "$net_rm"
fig port.run.share "$port_run"
md ""
md "The network's share (median bridge minus median none): **$net_run ms** of \`run -d\`,"
md "**$net_rm ms** of \`rm -f\`. One published port adds $port_run ms to \`run -d\` and"
md "$port_rm ms to \`rm -f\`."
say "network share: run -d $net_run ms, rm -f $net_rm ms; one port: +$port_run ms"

# Tasks (processes and threads) each `run -d` creates, counted from the pid
# namespace's last pid, minus the one fork of the command substitution; and
# berth processes left running per container.
md ""
md "| setup | tasks created by \`run -d\` (incl. the container) | berth processes left per container |"
md "|---|---:|---:|"
for mode in bridge none p1 p100 p1000; do
	counts=()
	for i in 1 2 3; do
		a=$(lastpid)
		id=$(run_$mode)
		b=$(lastpid)
		left=$(ps -e -o comm= | grep -c '^berth' || true)
		"$BERTH" rm -f "$id" >/dev/null
		counts+=($((b - a - 1)))
	done
	t=$(median "${counts[@]}")
	fig "$mode.tasks" "$t"
	fig "$mode.procs" "$left"
	md "| $mode | $t | $left |"
	say "$mode: $t tasks per run -d, $left berth process(es) left"
done
