#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daemon.json bridge options: bad values fail and create nothing; "bip"; "bip" +
# "fixed-cidr" (applied in place once no container runs); "mtu"; "bridge" (a bridge
# the user made, never deleted by berth); "ipv6" + "fixed-cidr-v6" (addresses from
# the MAC, ping6 and TCP over IPv6).
. "$(dirname "$0")/lib.sh"

# nothing_made WHAT: berth created no link, rule, netns, container or mount.
nothing_made()
{
	assert_eq 1 "$(ip -o link | wc -l)" "$1: links besides lo"
	assert_eq "" "$(nft list ruleset)" "$1: nft rules"
	assert_eq "" "$(ls -A "$BERTH_NETNS_DIR")" "$1: named netns"
	assert_eq 0 "$(grep -c " $BERTH_RUN_ROOT/" /proc/self/mountinfo)" "$1: mounts"
	assert_eq 0 "$(cat /proc/sys/net/ipv4/ip_forward)" "$1: ip_forward"
}

# ---- fresh sandbox: "bridge": a bridge the user made
user_bridge()
{
	ip link add bridge0 address 02:00:00:00:05:01 type bridge
	ip addr add 192.168.5.1/24 dev bridge0
	# (no IPv6 on it: its link-local address and routes would appear with the first
	# port, kernel noise for the before/after comparison of the user's bridge)
	echo 1 >/proc/sys/net/ipv6/conf/bridge0/disable_ipv6
	ip link set bridge0 up
	outside_setup
	outside_httpd 8080
	host_snapshot "$E2E_TMP/before"
	daemon_json '{"bridge": "bridge0"}'
	assert_ok berth run -d --name c1 -- busybox sleep 100
	assert_ok berth run -d --name c2 -- busybox sleep 100
	wait_running c1
	wait_running c2
	assert_eq 192.168.5.2 "$(inspect_f c1 '{{.NetworkSettings.IPAddress}}')" "first address on bridge0"
	assert_eq 192.168.5.3 "$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')" "second address on bridge0"
	assert_eq 192.168.5.1 "$(inspect_f c1 '{{.NetworkSettings.Gateway}}')" "gateway on bridge0"
	assert_ok berth exec c1 busybox ip -o -4 addr show dev eth0
	assert_contains "$OUT" "inet 192.168.5.2/24" "eth0 on bridge0"
	assert_ok berth exec c1 busybox ip route
	assert_contains "$OUT" "default via 192.168.5.1" "default route via bridge0"
	assert_eq 02:42:c0:a8:05:02 "$(berth exec c1 busybox cat /sys/class/net/eth0/address)" "MAC from the address"
	ip link show berth0 >/dev/null 2>&1 && fail "berth0 made although \"bridge\" is set"
	local v
	for v in $(host_veths); do
		ip -d link show "$v" | grep -q "master bridge0" || fail "veth $v is not on bridge0"
	done
	assert_ok berth exec c1 busybox ping -c1 -W2 192.168.5.1
	assert_ok berth exec c1 busybox ping -c1 -W2 192.168.5.3
	assert_ok berth exec c1 timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
	assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "bridge0 traffic to the outside is masqueraded"
	assert_ok berth rm -f c1 c2
	assert_ok ip -o -4 addr show dev bridge0
	assert_contains "$OUT" "inet 192.168.5.1/24" "bridge0 keeps its address after rm"
	assert_contains "$(ip -o link show bridge0)" "UP" "bridge0 stays up"
	assert_ok berth reload
	ip link show bridge0 >/dev/null 2>&1 || fail "reload deleted bridge0"
	host_snapshot "$E2E_TMP/after"
	# bridge0 is the user's: it must be exactly as before (its lines are compared)
	assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth
	log "\"bridge\" naming a missing interface fails clearly"
	daemon_json '{"bridge": "nosuchbr0"}'
	assert_fails berth run --rm -- busybox true
	assert_contains "$OUT" nosuchbr0 "message names the missing bridge"
	return 0
}

# ---- fresh sandbox: IPv6
ipv6()
{
	daemon_json '{"ipv6": true, "fixed-cidr-v6": "2001:db8:1::/64"}'
	host_snapshot "$E2E_TMP/before"
	assert_ok berth run -d --name c1 -- busybox sleep 100
	wait_running c1
	assert_ok ip -o -6 addr show dev berth0 scope global
	assert_contains "$OUT" "inet6 2001:db8:1::1/64" "berth0 IPv6 gateway address"
	assert_ok berth exec c1 busybox ip -o -6 addr show dev eth0 scope global
	assert_contains "$OUT" "inet6 2001:db8:1::242:ac11:2/64" "c1 IPv6 address from its MAC"
	soft assert_eq 2001:db8:1::242:ac11:2 "$(inspect_f c1 '{{.NetworkSettings.GlobalIPv6Address}}')" "inspect GlobalIPv6Address"
	soft assert_eq 64 "$(inspect_f c1 '{{.NetworkSettings.GlobalIPv6PrefixLen}}')" "inspect GlobalIPv6PrefixLen"
	soft assert_eq 2001:db8:1::1 "$(inspect_f c1 '{{.NetworkSettings.IPv6Gateway}}')" "inspect IPv6Gateway"
	assert_ok berth exec c1 busybox ip -6 route
	assert_contains "$OUT" "default via 2001:db8:1::1" "IPv6 default route"
	# the addresses may be tentative (DAD) for a moment: poll
	wait_until 5 berth exec c1 busybox ping6 -c1 -W1 2001:db8:1::1 ||
		fail "c1 cannot ping6 the gateway: $(berth exec c1 busybox ping6 -c1 -W1 2001:db8:1::1 2>&1)"
	wait_until 5 busybox ping6 -c1 -W1 2001:db8:1::242:ac11:2 || fail "the host cannot ping6 c1"

	log "a second container on the IPv6 bridge (daemon.json unchanged)"
	assert_ok berth run -d --name c2 --hostname c2 -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
	wait_running c2
	assert_ok berth exec c2 busybox ip -o -6 addr show dev eth0 scope global
	assert_contains "$OUT" "inet6 2001:db8:1::242:ac11:3/64" "c2 IPv6 address from its MAC"
	wait_until 5 berth exec c1 busybox ping6 -c1 -W1 2001:db8:1::242:ac11:3 ||
		fail "c1 cannot ping6 c2: $(berth exec c1 busybox ping6 -c1 -W1 2001:db8:1::242:ac11:3 2>&1)"
	assert_ok berth exec c2 busybox ping6 -c1 -W2 2001:db8:1::242:ac11:2
	wait_listen c2 80
	assert_ok berth exec c1 timeout 5 busybox wget -qO- 'http://[2001:db8:1::242:ac11:3]/cgi-bin/who'
	assert_eq peer=2001:db8:1::242:ac11:2 "$OUT" "TCP over IPv6, c1 -> c2"
	# IPv4 still works beside it
	assert_ok berth exec c1 busybox ping -c1 -W2 172.17.0.3

	log "a third container, with --ip"
	assert_ok berth run -d --name c3 --ip 172.17.0.40 -- busybox sleep 100
	wait_running c3
	assert_ok berth exec c3 busybox ip -o -6 addr show dev eth0 scope global
	assert_contains "$OUT" "inet6 2001:db8:1::242:ac11:28/64" "IPv6 address follows --ip"
	assert_ok berth reload
	assert_ok berth rm -f c1 c2 c3
	host_snapshot "$E2E_TMP/after"
	assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth
	return 0
}

sandbox_enter "$@"

log "bad daemon.json values: run fails naming the key, nothing is made"
bad()
{
	local json=$1 key=$2
	daemon_json "$json"
	assert_fails berth run -d --name bad -- busybox sleep 100
	assert_contains "$OUT" "$key" "message for $json names $key"
	nothing_made "after $json"
	assert_eq "" "$(berth ps -aq 2>/dev/null)" "after $json: containers"
}
bad '{"no-such-key": 1}' no-such-key
bad '{"bip": "nonsense"}' bip
bad '{"bip": "192.168.77.1/33"}' bip
bad '{"bip": 12}' bip
bad '{"mtu": "abc"}' mtu
bad '{"mtu": 10}' mtu
bad '{"fixed-cidr": "not-a-cidr"}' fixed-cidr
bad '{"bip": "10.66.0.1/16", "fixed-cidr": "10.77.0.0/24"}' fixed-cidr
bad '{"fixed-cidr-v6": "2001:db8::/200"}' fixed-cidr-v6
bad '{"ipv6": "yes"}' ipv6
bad '{"ip-masq": "no"}' ip-masq
bad '{"iptables": 0}' iptables
daemon_json '{"bip": '
assert_fails berth run --rm -- busybox true
nothing_made "after invalid JSON"

log "bip 192.168.77.1/24"
daemon_json '{"bip": "192.168.77.1/24"}'
host_snapshot "$E2E_TMP/before"
assert_ok berth run -d --name c1 -- busybox sleep 100
assert_ok berth run -d --name c2 -- busybox sleep 100
wait_running c1
wait_running c2
assert_eq 192.168.77.2 "$(inspect_f c1 '{{.NetworkSettings.IPAddress}}')" "first address in bip"
assert_eq 192.168.77.3 "$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')" "second address in bip"
assert_eq 192.168.77.1 "$(inspect_f c1 '{{.NetworkSettings.Gateway}}')" "gateway is bip"
assert_eq 24 "$(inspect_f c1 '{{.NetworkSettings.IPPrefixLen}}')" "prefix of bip"
assert_ok ip -o -4 addr show dev berth0
assert_contains "$OUT" "inet 192.168.77.1/24" "berth0 has bip"
assert_not_contains "$OUT" "172.17." "berth0 has the default address too"
assert_ok berth exec c1 busybox sh -c 'busybox ip -o -4 addr show dev eth0; busybox ip route; cat /sys/class/net/eth0/address'
assert_contains "$OUT" "inet 192.168.77.2/24"
assert_contains "$OUT" "default via 192.168.77.1"
assert_contains "$OUT" "02:42:c0:a8:4d:02"
assert_ok berth exec c1 busybox ping -c1 -W2 192.168.77.3
assert_ok berth exec c1 busybox ping -c1 -W2 192.168.77.1
assert_fails berth run --rm --ip 172.17.0.5 -- busybox true
assert_ok berth rm -f c1 c2

log "bip 10.66.0.1/16 + fixed-cidr 10.66.5.0/24, applied in place (no container runs)"
daemon_json '{"bip": "10.66.0.1/16", "fixed-cidr": "10.66.5.0/24"}'
assert_ok berth run -d --name c1 -- busybox sleep 100
assert_ok berth run -d --name c2 -- busybox sleep 100
wait_running c1
wait_running c2
ip1=$(inspect_f c1 '{{.NetworkSettings.IPAddress}}')
ip2=$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')
# (10.66.5.0 is a host address of the /16: Docker may hand it out too)
assert_match "$ip1" '^10\.66\.5\.([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$' "first address inside fixed-cidr"
assert_match "$ip2" '^10\.66\.5\.([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$' "second address inside fixed-cidr"
assert_ne "$ip1" "$ip2"
assert_eq 16 "$(inspect_f c1 '{{.NetworkSettings.IPPrefixLen}}')" "the prefix is bip's"
assert_eq 10.66.0.1 "$(inspect_f c1 '{{.NetworkSettings.Gateway}}')" "gateway"
assert_ok ip -o -4 addr show dev berth0
assert_contains "$OUT" "inet 10.66.0.1/16" "berth0 re-addressed"
assert_not_contains "$OUT" "192.168.77." "the old bip stays on berth0"
ip -4 route | grep -q 192.168.77 && fail "a route of the old bip remains: $(ip -4 route)"
nft list ruleset | grep -q 192.168.77 && fail "a rule of the old bip remains"
assert_ok berth exec c1 busybox ping -c1 -W2 10.66.0.1
assert_ok berth exec c1 busybox ping -c1 -W2 "$ip2"
# (as in Docker, fixed-cidr bounds dynamic allocation; --ip may be anywhere in bip)
assert_ok berth run --rm --ip 10.66.9.9 -- busybox ping -c1 -W2 10.66.0.1
assert_fails berth run --rm --ip 10.67.0.5 -- busybox true
assert_contains "$OUT" 10.67.0.5 "--ip outside bip"
assert_ok berth rm -f c1 c2

log "changing bip while a container runs is refused"
assert_ok berth run -d --name c1 -- busybox sleep 100
wait_running c1
daemon_json '{"bip": "10.67.0.1/16"}'
assert_fails berth run --rm -- busybox true
assert_eq 10.66.0.1 "$(inspect_f c1 '{{.NetworkSettings.Gateway}}')"
assert_ok berth exec c1 busybox ping -c1 -W2 10.66.0.1
daemon_json '{"bip": "10.66.0.1/16", "fixed-cidr": "10.66.5.0/24"}'
assert_ok berth rm -f c1

log "mtu 1400"
daemon_json '{"mtu": 1400}'
assert_ok berth run -d --name c1 -- busybox sleep 100
wait_running c1
assert_eq 1400 "$(berth exec c1 busybox cat /sys/class/net/eth0/mtu)" "eth0 mtu inside"
v=$(host_veths)
assert_eq 1400 "$(cat "/sys/class/net/$v/mtu")" "host veth mtu"
assert_ok berth exec c1 busybox ping -c1 -W2 172.17.0.1
assert_ok berth exec c1 busybox ping -c1 -W2 -s 1372 172.17.0.1
assert_ok berth rm -f c1
daemon_json_rm
assert_ok berth run -d --name c1 -- busybox sleep 100
wait_running c1
assert_eq 1500 "$(berth exec c1 busybox cat /sys/class/net/eth0/mtu)" "mtu back to the default"
assert_ok berth rm -f c1
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth

log "bridge: a user-made bridge0 (fresh sandbox)"
sandbox_sub user_bridge || fail "sub-scenario user_bridge failed"
log "ipv6 + fixed-cidr-v6 (fresh sandbox)"
sandbox_sub ipv6 || fail "sub-scenario ipv6 failed"
exit 0
