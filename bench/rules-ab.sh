#!/bin/bash
# A change to berth's ruleset, measured against the ruleset berth makes, in
# pairs: far finer than bare-against-berth rounds (interquartile ranges of about
# +-1.5% for 64-byte UDP). Prints figures; asserts nothing. Root; everything runs
# inside a throwaway sandbox (bench/lib.sh), the machine's own network untouched.
#
#   sudo bash bench/rules-ab.sh 'nft delete table bridge berth-guard'
#   sudo KIND=rr PAIRS=30 bash bench/rules-ab.sh 'nft flush chain inet berth forward'
#
# Two containers on the default bridge, srv and cli, and the bare path of
# bench/lib.sh (bare_reference). Ruleset A is berth's, as it left it; B is A
# with the shell commands of the argument run after it (nft commands, or `nft -f
# FILE`; they may change only the ruleset, which is loaded afresh before each
# measurement). Each pair measures the bare path, A and B back to back, in an
# order that alternates. KIND: pps (64-byte UDP datagrams unpaced, container to
# container; default), rr (TCP requests/s, `connrate -r`) or crate (TCP
# connections/s). B / A is the figure: A and B are each measured right after a
# ruleset load and the bare path is not, which a request rate notices (about
# +0.02 against bare). PAIRS (16), CSECS (1 s a measurement), NF=0 turns
# bridge-nf-call-iptables off on both sides (the sandbox's and the bare path's).
# BUILD (build-bench) is the build measured.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
if [ "$(id -u)" != 0 ] || [ $# != 1 ]; then
	sed -n '2,22s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
BUILD=${BUILD:-build-bench}
if [ -z "${BENCH_SANDBOX:-}" ]; then
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
	ninja -C "$BUILD" >/dev/null
fi
export BERTH=${BERTH:-$PWD/$BUILD/src/cli/berth} CONNRATE=${CONNRATE:-$PWD/$BUILD/bench/connrate}
PAIRS=${PAIRS:-16} CSECS=${CSECS:-1} KIND=${KIND:-pps} PART=rules-ab
sandbox "$@"
change=$1

bare_reference
"$BERTH" run -d --name srv -- \
	sh -c "iperf3 -s >/dev/null 2>&1 & \"\$0\" -e 81 & exec \"\$0\" -l 80" "$CONNRATE" >/dev/null
"$BERTH" run -d --name cli -- sleep 3600 >/dev/null
ip=$("$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' srv)
if [ "${NF:-}" = 0 ]; then
	sysctl -qw net.bridge.bridge-nf-call-iptables=0
	ip netns exec barehost sysctl -qw net.bridge.bridge-nf-call-iptables=0
fi
sleep 0.5
a=/run/b/a.nft
nft list ruleset >"$a"

in_cli() { "$BERTH" exec cli "$@"; }
case $KIND in
pps) bare() { pps ip netns exec bareA iperf3 -c 203.0.113.3; }
     ours() { pps in_cli iperf3 -c "$ip"; } ;;
rr) bare() { crate ip netns exec bareA "$CONNRATE" -r 203.0.113.3 81; }
    ours() { crate in_cli "$CONNRATE" -r "$ip" 81; } ;;
crate) bare() { crate ip netns exec bareA "$CONNRATE" 203.0.113.3 80; }
       ours() { crate in_cli "$CONNRATE" "$ip" 80; } ;;
*) echo "rules-ab: KIND is pps, rr or crate, not \"$KIND\"" >&2; exit 2 ;;
esac
load() {
	nft flush ruleset
	nft -f "$a"
	[ "$1" = A ] || eval "$change"
}
# The change must load: try it once before measuring.
load B
a_bare=() b_bare=() ba=()
for i in $(seq "$PAIRS"); do
	if [ $((i % 2)) = 1 ]; then
		x=$(bare); load A; y=$(ours); load B; z=$(ours)
	else
		load B; z=$(ours); load A; y=$(ours); x=$(bare)
	fi
	a_bare+=("$(ratio "$y" "$x" 3)")
	b_bare+=("$(ratio "$z" "$x" 3)")
	ba+=("$(ratio "$z" "$y" 3)")
	say "pair $i/$PAIRS: bare $x, A $y, B $z"
done
# median [first quartile, third quartile]
quart() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { printf "%s [%s, %s]", v[int((NR + 1) / 2)], v[int(NR / 4) + 1], v[NR - int(NR / 4)] }'
}
echo "$KIND, $PAIRS pairs of $CSECS s${NF:+, bridge-nf-call-iptables=$NF}: B = A + '$change'"
echo "A / bare $(quart "${a_bare[@]}")"
echo "B / bare $(quart "${b_bare[@]}")"
echo "B / A    $(quart "${ba[@]}")"
