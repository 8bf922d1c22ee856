#!/bin/bash
# Benchmark part 5: berth-cni's ADD and DEL, called the way a runtime calls a
# CNI plugin (CNI_* variables, the network configuration on stdin), for N
# attachments on one network, each into a fresh network namespace: all N are
# added one after another (so the last ADD finds N-1 attachments there), then
# all N deleted in the same order. Twice: plain, and with one portMapping per
# attachment (host port 20000+i -> 80). Then the same for the CNI reference
# plugins (Debian's containernetworking-plugins in CNI_DIR, /usr/lib/cni) as a
# conflist bridge (+ host-local IPAM) -> portmap, driven as libcni drives a
# list: ADD plugin by plugin in order, each given the previous one's result as
# prevResult, DEL in reverse order with the cached result; skipped where they
# are not installed. Only the plugin calls are timed (not the netns setup).
# Prints figures; asserts nothing. Run by bench/run.sh; alone:
#
#   sudo bash bench/cni.sh              # N=50 (or RUNS), build-bench/ or build/, results in bench/results/DATE
#   sudo N=200 bash bench/cni.sh
set -eu
# shellcheck disable=SC2034 # used by lib.sh
PART=cni
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
N=${N:-${RUNS:-50}}
CNI_DIR=${CNI_DIR:-/usr/lib/cni}
if [ -z "${BERTH:-}" ]; then
	for d in build-bench build; do
		[ -x "$ROOT/$d/src/cni/berth-cni" ] && { BERTH=$ROOT/$d/src/cli/berth; break; }
	done
fi
: "${BERTH:?set BERTH (the berth binary of a build; berth-cni is taken from the same build)}"
export BERTH
BERTH_CNI=${BERTH_CNI:-${BERTH%/cli/berth}/cni/berth-cni}
export OUT=${OUT:-$ROOT/bench/results/$(date +%F)}
mkdir -p "$OUT"
if [ -z "${BENCH_SANDBOX:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/cni.sh: run as root (namespaces, bridges, rules)" >&2; exit 1; }
	[ -x "$BERTH_CNI" ] || { echo "bench/cni.sh: no berth-cni at $BERTH_CNI" >&2; exit 1; }
	rm -f "$OUT/cni.md"
fi
sandbox "$@"
mkdir -p /run/netns
export CNI_IFNAME=eth0 CNI_PATH=${BERTH_CNI%/*}:$CNI_DIR

# ---- berth-cni: one plugin does bridge, IPAM and ports
berth_conf() { # $1: runtimeConfig JSON or "", $2: prevResult JSON or ""
	printf '{"cniVersion": "1.0.0", "name": "benchb", "type": "berth-cni", "bridge": "benchb0",
	 "isGateway": true, "isDefaultGateway": true, "ipMasq": true, "hairpinMode": true,
	 "ipam": {"type": "host-local", "subnet": "10.88.0.0/16"},
	 "capabilities": {"portMappings": true}%s%s}' \
		"${1:+, \"runtimeConfig\": $1}" "${2:+, \"prevResult\": $2}"
}
berth_add() { # $1: attachment number, $2: runtimeConfig
	berth_conf "$2" "" | CNI_COMMAND=ADD "$BERTH_CNI" >"/run/b/res.$1" || { cat "/run/b/res.$1" >&2; return 1; }
}
berth_del() {
	berth_conf "$2" "$(cat "/run/b/res.$1")" | CNI_COMMAND=DEL "$BERTH_CNI" >/dev/null
}

# ---- the reference plugins: bridge (+ host-local), then portmap
ref_bridge_conf() { # $1: prevResult or ""
	printf '{"cniVersion": "1.0.0", "name": "benchr", "type": "bridge", "bridge": "benchr0",
	 "isGateway": true, "isDefaultGateway": true, "ipMasq": true, "hairpinMode": true,
	 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.89.0.0/16"}]], "dataDir": "/run/b/cni-ipam"}%s}' \
		"${1:+, \"prevResult\": $1}"
}
ref_portmap_conf() { # $1: runtimeConfig or "", $2: prevResult
	printf '{"cniVersion": "1.0.0", "name": "benchr", "type": "portmap", "snat": true,
	 "capabilities": {"portMappings": true}%s, "prevResult": %s}' "${1:+, \"runtimeConfig\": $1}" "$2"
}
ref_add() {
	local res
	res=$(ref_bridge_conf "" | CNI_COMMAND=ADD "$CNI_DIR/bridge") || { echo "$res" >&2; return 1; }
	ref_portmap_conf "$2" "$res" | CNI_COMMAND=ADD "$CNI_DIR/portmap" >"/run/b/res.$1" ||
		{ cat "/run/b/res.$1" >&2; return 1; }
}
ref_del() {
	local res
	res=$(cat "/run/b/res.$1")
	ref_portmap_conf "$2" "$res" | CNI_COMMAND=DEL "$CNI_DIR/portmap" >/dev/null &&
		ref_bridge_conf "$res" | CNI_COMMAND=DEL "$CNI_DIR/bridge" >/dev/null
}

# measure KEY ADD_FN DEL_FN PORTS: N attachments into fresh namespaces (plus one
# before them, not counted, that makes the bridge and the rules), all ADDs, then
# all DELs; times in /run/b/KEY.add and KEY.del.
measure() {
	local key=$1 add=$2 del=$3 ports=$4 i t0 t1 rc
	: >"/run/b/$key.add"
	: >"/run/b/$key.del"
	rtc() {
		[ "$ports" = 0 ] ||
			printf '{"portMappings": [{"hostPort": %d, "containerPort": 80, "protocol": "tcp"}]}' $((20000 + $1))
	}
	for i in $(seq 0 "$N"); do
		ip netns add "bn$i"
		export CNI_CONTAINERID=bench-$key-$i CNI_NETNS=/run/netns/bn$i
		rc=$(rtc "$i")
		t0=$(us)
		$add "$i" "$rc" || return 1
		t1=$(us)
		[ "$i" = 0 ] && { $del 0 "$rc" || return 1; ip netns del bn0; continue; }
		echo $((t1 - t0)) >>"/run/b/$key.add"
	done
	for i in $(seq 1 "$N"); do
		export CNI_CONTAINERID=bench-$key-$i CNI_NETNS=/run/netns/bn$i
		rc=$(rtc "$i")
		t0=$(us)
		$del "$i" "$rc" || return 1
		t1=$(us)
		echo $((t1 - t0)) >>"/run/b/$key.del"
		ip netns del "bn$i"
	done
}

row() { # LABEL KEY
	local op med p99 min max n
	for op in add del; do
		read -r med p99 min max n <<<"$(stats "/run/b/$2.$op")"
		fig "$2.$op.median" "$med"
		fig "$2.$op.p99" "$p99"
		md "| $1 | ${op^^} | $med | $p99 | $min | $max | $n |"
		say "$1 ${op^^}: median $med ms, p99 $p99 ms (min $min, max $max)"
	done
}

md "## 5. berth-cni against the CNI reference plugins"
md ""
md "$N attachments on one network, each into a fresh network namespace: ADD of all of"
md "them one after another (the last finds $((N - 1)) others), then DEL of all in the same"
md "order; the plugin calls alone are timed (\`CNI_COMMAND=...\` with the configuration"
md "on stdin, cniVersion 1.0.0, ipMasq and hairpin on), one warm-up attachment before"
md "(it makes the bridge and the rules) not counted. Reference plugins: the conflist"
md "bridge (+ host-local) -> portmap as libcni runs it (ADD in order with prevResult, DEL"
md "in reverse with the cached result; portmap runs without mappings too, as it does in"
md "a runtime's conflist). \"one port\": a portMapping per attachment (host port 20000+i"
md "to 80). p99 is the nearest rank (with fewer than 100 samples, the largest)."
md ""
md "| plugin | operation | median (ms) | p99 (ms) | min (ms) | max (ms) | n |"
md "|---|---|---:|---:|---:|---:|---:|"
measure berthcni berth_add berth_del 0
row "berth-cni" berthcni
measure berthcni.port berth_add berth_del 1
row "berth-cni, one port" berthcni.port
ref=1
for p in bridge host-local portmap; do
	[ -x "$CNI_DIR/$p" ] || ref=0
done
if [ $ref = 1 ]; then
	# (the bridge plugin's ipMasq and portmap use iptables: the nft flavour here)
	if measure refcni ref_add ref_del 0 && measure refcni.port ref_add ref_del 1; then
		row "reference bridge + host-local + portmap" refcni
		row "reference bridge + host-local + portmap, one port" refcni.port
	else
		md "| reference plugins | failed here (see the log) | | | | | |"
		say "reference plugins failed"
	fi
else
	md "| reference plugins | skipped: not installed (no $CNI_DIR/bridge, host-local or portmap; Debian: containernetworking-plugins) | | | | | |"
	say "reference plugins skipped: not installed in $CNI_DIR"
fi
md ""
for k in berthcni berthcni.port; do
	r=refcni${k#berthcni}
	for op in add del; do
		fig "$k.$op.vs.ref" "$(ratio "$(figure "$k.$op.median")" "$(figure "$r.$op.median")")"
	done
done
md "berth-cni / reference, medians: ADD $(figure berthcni.add.vs.ref), DEL $(figure berthcni.del.vs.ref);"
md "with one port: ADD $(figure berthcni.port.add.vs.ref), DEL $(figure berthcni.port.del.vs.ref)."
md ""
cat "$OUT/cni.md"
