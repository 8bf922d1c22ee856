#!/bin/bash
# Benchmark part 2: SCALE containers (`sleep 3600`) started one after another on
# the default bridge: the time of each `run -d` (-> $OUT/scale.dat, charted by
# bench/run.sh), the median of the 10 around container 10, 100, 1000, ..., the
# same starts made after a rest (bench/lib.sh's probe), the total, the memory
# of berth's processes per running container, `berth ps` with all of them, and
# removing them all (`rm -f` in batches of 100).
set -eu
# shellcheck disable=SC2034 # used by lib.sh
PART=scale
. "$(dirname "$0")/lib.sh"
sandbox "$@"

if [ "$SCALE" -gt 1000 ]; then
	say "note: a Linux bridge takes at most 1023 ports; SCALE=$SCALE will fail past that"
fi
"$BERTH" run --rm -- true
dat=$OUT/scale.dat
echo "# container run_d_ms" >"$dat"
pdat=$OUT/scale-probe.dat
echo "# container run_d_ms (probes)" >"$pdat"
points=$(scale_points)
mem0=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
start=$(us)
for i in $(seq "$SCALE"); do
	case " $points " in *" $i "*) probe "$pdat" "$i" "$BERTH rm -f" "$BERTH" run -d --name probe -- sleep 3600 ;; esac
	t0=$(us)
	"$BERTH" run -d --name "s$i" -- sleep 3600 >/dev/null
	t1=$(us)
	echo "$i $(ms "$t0" "$t1")" >>"$dat"
	if [ $((i % 100)) = 0 ]; then say "$i containers, last run -d $(((t1 - t0) / 1000)) ms"; fi
done
total=$(( ($(us) - start - PROBING) / 1000 ))
mem1=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)

md "## 2. Scale: $SCALE containers on one bridge"
md ""
md "\`berth run -d --name sN -- sleep 3600\`, one after another, all left running. Per-container"
md "time is the median of the 10 runs around that container; the chart is latency.png."
md "Probed: before container P was started in the ramp, with P-1 running, P was started"
md "$PROBES times, each after $PROBE_GAP s of rest and then removed (the median of those"
md "starts): a start that does not follow another at once, with caches cold."
md ""
md "| figure | value |"
md "|---|---:|"
for p in $points; do
	v=$(around "$dat" "$p")
	fig "scale.at.$p" "$v"
	fig "scale.probe.$p" "$(probed "$pdat" "$p")"
	md "| \`run -d\` of container $p (ms): in the ramp / probed | $v / $(figure "scale.probe.$p") |"
	say "run -d around container $p: $v ms; probed $(figure "scale.probe.$p") ms"
done
r=$(ratio "$(figure "scale.at.$SCALE")" "$(figure scale.at.10)")
fig scale.ratio "$r"
fig scale.probe.ratio "$(ratio "$(figure "scale.probe.$SCALE")" "$(figure scale.probe.10)")"
md "| container $SCALE / container 10: in the ramp / probed | $r / $(figure scale.probe.ratio) |"
read -r med p99 min max n <<<"$(awk '!/^#/ { print int($2 * 1000) }' "$dat" >/run/b/all && stats /run/b/all)"
md "| all $n: median / p99 / max (ms) | $med / $p99 / $max |"
fig scale.total.s "$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 1000 }')"
md "| total time for $SCALE (s) | $(figure scale.total.s) |"

# Memory of berth's processes: every berth-monitor (one per running container).
pids=$(pgrep -x berth-monitor || true)
nmon=$(echo "$pids" | grep -c . || true)
others=$(ps -e -o comm= | grep '^berth' | grep -vc '^berth-monitor$' || true)
running=$("$BERTH" ps -q | wc -l)
read -r rss pss priv <<<"$(for p in $pids; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done |
	awk '/^Rss:/ { r += $2 } /^Pss:/ { p += $2 } /^Private_(Clean|Dirty):/ { v += $2 } END { print r, p, v }')"
per() { awk -v k="$1" -v n="$2" 'BEGIN { if (n == 0) print "-"; else printf "%.0f", k / n }'; }
fig scale.running "$running"
fig scale.monitors "$nmon"
fig scale.pss.kib "$(per "$pss" "$running")"
fig scale.rss.kib "$(per "$rss" "$running")"
fig scale.private.kib "$(per "$priv" "$running")"
fig scale.memavail.kib "$(per $((mem0 - mem1)) "$running")"
md "| running containers / berth-monitor processes / other berth processes | $running / $nmon / $others |"
md "| berth memory per running container, PSS (KiB) | $(figure scale.pss.kib) |"
md "| berth memory per running container, RSS (KiB) | $(figure scale.rss.kib) |"
md "| berth memory per running container, private (KiB) | $(figure scale.private.kib) |"
md "| host MemAvailable drop per container, all included (KiB; shared machine, rough) | $(figure scale.memavail.kib) |"
say "memory per container: PSS $(figure scale.pss.kib) KiB, RSS $(figure scale.rss.kib) KiB ($nmon monitors, $running running)"

# Does a monitor's memory depend on how many containers existed when it was
# forked? The monitor of container 1, 10, 100, ...: PSS and its [heap].
for p in 1 $points; do
	cpid=$("$BERTH" inspect -f '{{.State.Pid}}' "s$p")
	mpid=$(awk '{ print $4 }' "/proc/$cpid/stat")
	read -r mp mh <<<"$(awk '/^Pss:/ { print $2 }' "/proc/$mpid/smaps_rollup") $(awk '/\[heap\]/ { h = 1; next } /^[0-9a-f]+-/ { h = 0 } h && /^Rss:/ { print $2 }' "/proc/$mpid/smaps")"
	fig "scale.monitor.$p.pss" "$mp"
	fig "scale.monitor.$p.heap" "$mh"
	md "| monitor of container $p: PSS / heap RSS (KiB) | $mp / $mh |"
done

t0=$(us)
"$BERTH" ps >/dev/null
t1=$(us)
fig scale.ps.ms $(((t1 - t0) / 1000))
md "| \`berth ps\` with $running running (ms) | $(((t1 - t0) / 1000)) |"

# Remove them all, 100 names per `rm -f`.
t0=$(us)
by_hundred "$BERTH" rm -f
t1=$(us)
left=$("$BERTH" ps -aq | wc -l)
fig scale.rm.total.s "$(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", t / 1e6 }')"
fig scale.rm.per.ms "$(awk -v t=$((t1 - t0)) -v n="$SCALE" 'BEGIN { printf "%.1f", t / 1e3 / n }')"
md "| \`rm -f\` of all $SCALE, 100 names a call: total (s) / per container (ms) | $(figure scale.rm.total.s) / $(figure scale.rm.per.ms) |"
md "| containers left afterwards | $left |"
say "removed $SCALE in $(figure scale.rm.total.s) s ($left left)"
