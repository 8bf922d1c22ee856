#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The nftables backend's per-container delta (src/lib/nftelem.c, set elements built
# with libnftnl) against its full apply (nft.c, text through libnftables): a start
# or a removal of a container adds or deletes its elements without touching a rule
# (every rule keeps its handle, the generation moves by one), and leaves exactly the
# ruleset that `berth reload`'s full apply makes.  Containers with published ports
# (IPv4 on a host address and on all, UDP, a range, IPv6 on an --ipv6 network), on an
# icc=false network and on anti-spoofing networks (IPv4 and IPv6 guards); a container
# with none of these changes nothing at all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw-lib.sh"
sandbox_enter "$@"
[ "$(fw_be)" = nftables ] || skip "the delta is the nftables backend's"

# rules: the ruleset without handles and counters; handles: the rules' handles.
rules() { nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/g'; }
handles() { nft -a list ruleset | grep -o '# handle [0-9]*' | sort; }

# delta_then_full WHAT CMD...: CMD changes elements only; reload then changes nothing.
delta_then_full()
{
	local what=$1 h0 h1 after full
	log "$what"
	shift
	h0=$(handles)
	assert_ok "$@"
	h1=$(handles)
	after=$(rules)
	assert_eq "$h0" "$h1" "$what: every rule kept its handle (elements only)"
	assert_ok berth reload
	full=$(rules)
	assert_eq "$full" "$after" "$what: the delta left the ruleset of the full apply"
}

assert_ok berth network create --subnet 10.61.0.0/24 plain
assert_ok berth network create --subnet 10.62.0.0/24 -o com.docker.network.bridge.enable_icc=false noicc
assert_ok berth network create --ipv6 --subnet 10.63.0.0/24 --subnet fd00:63::/64 six
# First uses (the default bridge, the networks' bridges) make sets and rules: not a delta.
for net in bridge plain noicc six; do
	assert_ok berth run -d --name "warm-$net" --network "$net" -- busybox sleep 1000
	assert_ok berth rm -f "warm-$net"
done
assert_ok berth reload

base=$(rules)
delta_then_full "a container without ports on the default bridge" \
	berth run -d --name p0 -- busybox sleep 1000
assert_contains "$(nft list set bridge berth-guard addr4)" "$(inspect_f p0 '{{.NetworkSettings.IPAddress}}')" \
	"p0's anti-spoofing entry"
delta_then_full "published ports (one, UDP on 127.0.0.1, a range)" \
	berth run -d --name p1 -p 8080:80 -p 127.0.0.1:5353:53/udp -p 9000-9002:9000-9002 -- busybox sleep 1000
dnat=$(nft list map inet berth dnat4_any)
p1_ip=$(inspect_f p1 '{{.NetworkSettings.IPAddress}}')
assert_contains "$dnat" "tcp . 8080 : $p1_ip . 80" "8080 in the map"
assert_contains "$dnat" "tcp . 9001 : $p1_ip . 9001" "9001 in the map"
assert_contains "$(nft list map inet berth dnat4)" "127.0.0.1 . udp . 5353 : $p1_ip . 53" "127.0.0.1:5353/udp in the map"
delta_then_full "a container on an icc=false network, with a port" \
	berth run -d --name p2 --network noicc -p 8081:80 -- busybox sleep 1000
assert_contains "$(nft list set bridge berth icc_off_ports)" "$(inspect_f p2 '{{.NetworkSettings.Networks.noicc.EndpointID}}')" \
	"p2's port in icc_off_ports"
delta_then_full "a container on an IPv6 network, with a port" \
	berth run -d --name p3 --network six -p 8082:80 -- busybox sleep 1000
assert_contains "$(nft list set bridge berth-guard addr6)" "$(inspect_f p3 '{{.NetworkSettings.Networks.six.GlobalIPv6Address}}')" \
	"p3's IPv6 anti-spoofing entry"
assert_contains "$(nft list map inet berth dnat6_any)" "tcp . 8082" "8082 in the IPv6 map"
delta_then_full "a second container on the plain network" \
	berth run -d --name p4 --network plain -p 8083:80/udp -- busybox sleep 1000

# Removals: back, step by step, to where it started.
for c in p4 p3 p2 p1 p0; do
	delta_then_full "rm -f $c" berth rm -f "$c"
done
assert_eq "$base" "$(rules)" "after every rm: the ruleset of before"
exit 0
