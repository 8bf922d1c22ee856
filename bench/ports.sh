#!/bin/bash
# Benchmark: publishing ports (issue "port publishing"). Prints figures; asserts nothing.
#  1. `berth run -d` + `berth rm -f` of one container publishing 1, 100 and 1000 ports
#     (median of N runs), and how many processes berth leaves running per container.
#  2. TCP connection rate through a published port with 1 vs 10,000 mappings present.
# Everything runs inside a throwaway network+mount namespace; the "outside" client is
# another namespace joined by a veth. Usage: bench/ports.sh [RUNS] (default 5).
set -eu
cd "$(dirname "$0")/.."
dir=$(./scripts/build.sh)
BERTH=${BERTH:-$PWD/$dir/src/cli/berth}
CONNRATE=$PWD/$dir/bench/connrate
export CONNRATE
RUNS=${1:-5}
export BERTH RUNS
exec unshare --net --mount --pid --mount-proc --fork bash -eu -c '
mount --make-rprivate /
mount -t tmpfs tmpfs /run
export BERTH_ROOT=/run/b/root BERTH_RUN_ROOT=/run/b/run BERTH_CONFIG=/run/b/daemon.json
ip link set lo up
ip netns add outside
ip link add vout type veth peer name eth0 netns outside
ip addr add 198.51.100.1/24 dev vout && ip link set vout up
ip netns exec outside sh -c "ip addr add 198.51.100.2/24 dev eth0; ip link set eth0 up; ip link set lo up"
now() { date +%s%N; }
median() { sort -n | awk "{a[NR]=\$1} END {print a[int((NR+1)/2)]}"; }
$BERTH run --rm -- true   # make the bridge and tables once

printf "%-14s %12s %12s %22s\n" "publish" "run -d (ms)" "rm -f (ms)" "berth processes/ctr"
for n in 1 100 1000; do
	args=""
	if [ "$n" = 1 ]; then args="-p 20000:80"; else args="-p 20000-$((20000 + n - 1)):20000-$((20000 + n - 1))"; fi
	runs=""; rms=""; procs=0
	for i in $(seq "$RUNS"); do
		t0=$(now); id=$($BERTH run -d $args -- sleep 600); t1=$(now)
		procs=$(ps -e -o comm= | grep -c "^berth" || true)
		t2=$(now); $BERTH rm -f "$id" >/dev/null; t3=$(now)
		runs="$runs $(( (t1 - t0) / 1000 ))"; rms="$rms $(( (t3 - t2) / 1000 ))"
	done
	r=$(echo $runs | tr " " "\n" | median); m=$(echo $rms | tr " " "\n" | median)
	printf "%-14s %12.2f %12.2f %22s\n" "$n port(s)" "$(echo "$r / 1000" | bc -l)" "$(echo "$m / 1000" | bc -l)" "$procs"
done

# Connection rate through one published port, with 1 and with 10,000 mappings.
$BERTH run -d --name web -p 8080:80 -- "$CONNRATE" -l 80 >/dev/null
sleep 0.2
rate() { ip netns exec outside "$CONNRATE" 198.51.100.1 8080 3 | cut -d" " -f1; }
r1=$(rate)
$BERTH run -d --name many -p 30000-39999:30000-39999 -- sleep 600 >/dev/null
r2=$(rate)
printf "\nTCP connections/s from outside through a published port (3 s each):\n"
printf "  with 1 mapping: %s   with 10,001 mappings: %s   ratio %.2f\n" "$r1" "$r2" "$(echo "$r2 / $r1" | bc -l)"
$BERTH rm -f web many >/dev/null
'
