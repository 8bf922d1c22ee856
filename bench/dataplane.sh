#!/bin/bash
# Benchmark part 3: the data plane. TCP throughput (iperf3), TCP request rate
# and TCP connection rate (bench/connrate) between two containers on the
# default bridge and from outside through a published port, each as a ratio to
# the same traffic over a bare veth+bridge with no rules; and the connection
# rate through a published port with 1 vs 10,001 mappings present. Run by
# bench/run.sh. The bare reference: bare_reference in lib.sh.
set -eu
# shellcheck disable=SC2034 # used by lib.sh
PART=dataplane
. "$(dirname "$0")/lib.sh"
sandbox "$@"
SECS=${IPERF_SECS:-3}
CSECS=${CONN_SECS:-2}
ROUNDS=${ROUNDS:-15}

bare_reference

# --- berth: servers in containers, published on the host ---
"$BERTH" run -d --name ipsrv -p 5201:5201 -- iperf3 -s >/dev/null
"$BERTH" run -d --name crsrv -p 8080:80 -p 8081:81 -- \
	sh -c "\"\$0\" -e 81 & exec \"\$0\" -l 80" "$CONNRATE" >/dev/null
"$BERTH" run -d --name cli -- sleep 3600 >/dev/null
ipsrv=$("$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' ipsrv)
crsrv=$("$BERTH" inspect -f '{{.NetworkSettings.IPAddress}}' crsrv)
sleep 0.5

# berth exec keeps the client inside the container's namespaces and cgroup.
in_cli() { "$BERTH" exec cli "$@"; }

# Each round measures bare and berth back to back (alternating which goes
# first), so the ratio is taken between neighbours in time; the figures are the
# medians over the rounds, of the values and of the per-round ratios.
nfcall=/proc/sys/net/bridge/bridge-nf-call-iptables
for round in $(seq "$ROUNDS"); do
	say "round $round/$ROUNDS"
	dp_round "$ipsrv" "$crsrv"
	if [ -w $nfcall ] && [ "$(cat $nfcall)" = 1 ]; then
		# Where br_netfilter is loaded, bridged IPv4 goes through the host
		# namespace's IP hooks (conntrack, berth's inet chains) unless this is
		# 0; berth leaves it as it finds it. The same pairs with it off, on
		# both sides (the bare bridge is in namespace barehost):
		echo 0 >$nfcall
		ip netns exec barehost sysctl -qw net.bridge.bridge-nf-call-iptables=0
		pair tp.c2c0 gbps "ip netns exec bareA iperf3 -c 203.0.113.3" "in_cli iperf3 -c $ipsrv"
		pair pps.c2c0 pps "ip netns exec bareA iperf3 -c 203.0.113.3" "in_cli iperf3 -c $ipsrv"
		pair cr.c2c0 crate "ip netns exec bareA $CONNRATE 203.0.113.3 80" "in_cli $CONNRATE $crsrv 80"
		pair rr.c2c0 crate "ip netns exec bareA $CONNRATE -r 203.0.113.3 81" "in_cli $CONNRATE -r $crsrv 81"
		ip netns exec barehost sysctl -qw net.bridge.bridge-nf-call-iptables=1
		echo 1 >$nfcall
	fi
done

md "## 3. Data plane"
md ""
md "$ROUNDS rounds; in each, the bare and the berth figure are measured back to back (the"
md "order alternates) and their ratio taken; the table shows medians over the rounds."
md "Throughput: one iperf3 TCP stream for $SECS s. UDP packets: iperf3 sending 64-byte"
md "datagrams unpaced for $CSECS s, counted at the receiver (the per-packet CPU cost of the"
md "path, with little of the wake-up latency in a request rate). Request rate: \`bench/connrate -r\`"
md "sending one byte and waiting for it to come back, over one TCP connection, for $CSECS s."
md "Connection rate: \`bench/connrate\` opening and closing (RST) TCP connections back to"
md "back for $CSECS s: each is a new conntrack entry and, through a published port, a new"
md "NAT binding, which the bare path does not have. Bare: the same"
md "path over a veth+bridge (and a router namespace for \"outside\") with no rules, no NAT,"
md "no conntrack. Container clients run with \`berth exec\`."
md ""
dp_rows berth
if [ -n "${R[tp.c2c0.bare]:-}" ]; then
	fig brnf 1
	dp_row "TCP throughput, container to container, bridge-nf-call-iptables=0" tp.c2c0 Gbit/s
	dp_row "UDP packets of 64 bytes, container to container, bridge-nf-call-iptables=0" pps.c2c0 pkt/s
	dp_row "TCP requests, container to container, bridge-nf-call-iptables=0" rr.c2c0 req/s
	dp_row "TCP connections, container to container, bridge-nf-call-iptables=0" cr.c2c0 conn/s
	md ""
	md "br_netfilter is loaded on this machine, so \`net.bridge.bridge-nf-call-iptables\` is 1 in"
	md "every new namespace and traffic between two containers on a bridge also passes the"
	md "host namespace's IP hooks (conntrack and berth's \`inet\` chains). The last four rows"
	md "turn it off for comparison, in the benchmark's namespace and in the bare bridge's"
	md "(berth itself leaves it alone, and sets it to 1 only for \`icc: false\` on the"
	md "iptables backend, as Docker does)."
fi

# --- 1 vs 10,001 mappings: crsrv's 8080 alone, then with 30000-39999 too ---
"$BERTH" rm -f ipsrv >/dev/null
r1=() r2=() q=() t10k=()
for round in $(seq "$ROUNDS"); do
	r1+=("$(crate ip netns exec outside "$CONNRATE" 198.51.100.1 8080)")
	t0=$(us)
	"$BERTH" run -d --name many -p 30000-39999:30000-39999 -- sleep 3600 >/dev/null
	t1=$(us)
	r2+=("$(crate ip netns exec outside "$CONNRATE" 198.51.100.1 8080)")
	"$BERTH" rm -f many >/dev/null
	t10k+=($(((t1 - t0) / 1000)))
	q+=("$(ratio "${r2[-1]}" "${r1[-1]}")")
	say "10,000 ports: run -d $(((t1 - t0) / 1000)) ms; rates ${r1[-1]} / ${r2[-1]}"
done
m1=$(median "${r1[@]}" | awk '{ printf "%.0f", $1 }')
m2=$(median "${r2[@]}" | awk '{ printf "%.0f", $1 }')
fig cr.map1 "$m1"
fig cr.map10k "$m2"
fig cr.map.ratio "$(median "${q[@]}" | awk '{ printf "%.2f", $1 }')"
md ""
md "| connections/s from outside through a published port | value | all rounds |"
md "|---|---:|---|"
md "| with 1 mapping (8080) | $m1 | ${r1[*]} |"
md "| with 10,001 (another container publishing 30000-39999) | $m2 | ${r2[*]} |"
md "| ratio (median of the per-round ratios) | **$(figure cr.map.ratio)** | ${q[*]} |"
fig run10k.ms "$(median "${t10k[@]}")"
md "| \`run -d\` of the container publishing 10,000 ports (ms, median) | $(figure run10k.ms) | ${t10k[*]} |"
say "mappings: $m1 vs $m2 conn/s, ratio $(figure cr.map.ratio)"
