#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# User-defined networks: create / ls / inspect (Docker-shaped JSON) / rm / prune;
# refused input creates nothing (overlapping pools, gateway or ip-range outside the
# subnet, name in use, unknown or bad -o options, rm while in use, rm of "bridge");
# a free private subnet is picked when none is given, avoiding the host's routes;
# bridge name and MTU options; isolation between networks (each still reaches the
# outside); --internal; enable_icc=false; enable_ip_masquerade=false; connect /
# disconnect on a running container (eth1 comes and goes, and traffic with it);
# --ip on a user network; a dual-stack (--ipv6) network; and after everything is
# removed the host is as before (bridges, addresses, routes, nft set elements, no
# dnsmasq left).
. "$(dirname "$0")/lib.sh"

# ---- helpers (also used by the nested sandboxes)

# net_json NET: the network's inspect document.  net_has NET TEXT: it contains TEXT.
net_json() { "$BERTH" network inspect "$1"; }

# net_subnet NET: IPAM.Config[0].Subnet ("Subnet" appears once per network).
net_subnet() { net_json "$1" | sed -n 's/^ *"Subnet": "\([^"]*\)".*/\1/p' | head -1; }
net_gateway() { net_json "$1" | sed -n 's/^ *"Gateway": "\([^"]*\)".*/\1/p' | head -1; }

# ---- sub-scenarios, each in a fresh sandbox (no berth state, no routes)

# Without --subnet: Docker's default pools in order, skipping what is taken.
auto_subnet()
{
	assert_ok berth network create auto1
	assert_eq 172.18.0.0/16 "$(net_subnet auto1)" "first automatic subnet"
	assert_eq 172.18.0.1 "$(net_gateway auto1)" "first automatic gateway"
	ip -br addr show | grep -q '172\.18\.0\.1/16' || fail "no bridge with 172.18.0.1/16"
	assert_ok berth network create auto2
	assert_eq 172.19.0.0/16 "$(net_subnet auto2)" "second automatic subnet differs"
	assert_ok berth network rm auto1
	assert_ok berth network create auto3
	assert_eq 172.18.0.0/16 "$(net_subnet auto3)" "a freed pool is taken again"
	assert_ok berth network rm auto2 auto3
	return 0
}

# A host route covering 172.18.0.0/16 (and 172.19/16): the pick avoids it; a route
# over all of 172.16.0.0/12 sends the pick to 192.168.0.0/20, and a host address in
# that one to the next /20.
auto_subnet_routes()
{
	ip link add rt0 type veth peer name rt1 || fail "veth rt0"
	ip link set rt1 up
	ip link set rt0 up
	ip route add 172.18.0.0/15 dev rt0 || fail "route 172.18.0.0/15"
	assert_ok berth network create r1
	assert_eq 172.20.0.0/16 "$(net_subnet r1)" "the pick avoids a host route over 172.18-19"
	ip route | grep -q '^172\.20\.0\.0/16 dev ' || fail "no route for the picked subnet"
	assert_fails berth network create --subnet 172.18.5.0/24 r-bad
	assert_contains "$OUT" "Pool overlaps" "an explicit subnet inside a host route"
	assert_ok berth network rm r1
	ip route del 172.18.0.0/15 dev rt0
	ip route add 172.16.0.0/12 dev rt0 || fail "route 172.16.0.0/12"
	assert_ok berth network create r2
	assert_eq 192.168.0.0/20 "$(net_subnet r2)" "172.16/12 taken: first 192.168 /20"
	ip addr add 192.168.16.9/24 dev rt0
	assert_ok berth network create r3
	assert_eq 192.168.32.0/20 "$(net_subnet r3)" "a host address in 192.168.16/20 is avoided"
	assert_ok berth network rm r2 r3
	return 0
}

# ---- helpers of the scenarios

# web NAME ARGS...: a detached busybox httpd on port 80 answering hello-NAME and
# /cgi-bin/who with the peer address (lib.sh WHO_HTTPD), started with ARGS.
web()
{
	local name=$1
	shift
	assert_ok berth run -d --name "$name" --hostname "$name" "$@" -e "CGI=$WHO_CGI" -- \
		busybox sh -c "$WHO_HTTPD"
	wait_running "$name"
	wait_listen "$name" 80
}

# ip_on NAME NET: the container's address on NET.
ip_on() { "$BERTH" inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
ip_on6() { "$BERTH" inspect -f "{{(index .NetworkSettings.Networks \"$2\").GlobalIPv6Address}}" "$1"; }

# get_ok CTR URL WANT WHAT / get_fails CTR URL WHAT: TCP from a container.
get_ok()
{
	assert_ok berth exec "$1" timeout 5 busybox wget -qO- "$2"
	assert_eq "$3" "$OUT" "$4"
}
get_fails()
{
	capture berth exec "$1" timeout 2 busybox wget -qO- "$2"
	[ "$RC" != 0 ] || fail "$3: TCP from $1 to $2 works: $OUT"
}
ping_ok() { berth exec "$1" busybox ping -c1 -W2 "$2" >/dev/null 2>&1 || fail "$3: ping $1 -> $2 fails"; }
ping_fails() { ! berth exec "$1" busybox ping -c1 -W1 "$2" >/dev/null 2>&1 || fail "$3: ping $1 -> $2 works"; }

# goes_out CTR WHAT: ICMP and TCP to the outside, seen with the host's address.
goes_out()
{
	ping_ok "$1" "$OUTSIDE_IP" "$2"
	get_ok "$1" "http://$OUTSIDE_IP:8080/cgi-bin/who" "peer=$OUTSIDE_HOST_IP" "$2: TCP $1 -> outside"
}

# state: what a refused command must leave alone.
state_now()
{
	ip -br link show type bridge | awk '{print $1}'
	ip -br addr
	ip route
	nft list ruleset
	berth network ls --format '{{.ID}} {{.Name}} {{.Driver}} {{.Internal}}'
	ls -A "$BERTH_RUN_ROOT/networks" 2>/dev/null
	pgrep -x dnsmasq
}

# bad_create WANT ARGS...: `network create ARGS` fails, says WANT, changes nothing.
bad_create()
{
	local want=$1 before
	shift
	before=$(state_now 2>&1)
	capture berth network create "$@"
	[ "$RC" != 0 ] || { fail "network create $* succeeded"; return; }
	[ -z "$want" ] || assert_contains "$OUT" "$want" "message of: network create $*"
	assert_eq "$before" "$(state_now 2>&1)" "state after the refused: network create $*"
}

# A dual-stack network: IPv6 addresses (prefix + MAC), routes, traffic, isolation.
ipv6_net()
{
	assert_ok berth network create --ipv6 --subnet 10.10.8.0/24 --subnet fd00:10:8::/64 v6net
	assert_ok berth network inspect v6net
	assert_contains "$OUT" '"EnableIPv6": true' "inspect EnableIPv6"
	soft assert_contains "$OUT" '"Subnet": "fd00:10:8::/64"' "IPAM.Config has the IPv6 subnet (as Docker's)"
	local br
	br=$(echo "$OUT" | sed -n 's/^ *"com.docker.network.bridge.name": "\([^"]*\)".*/\1/p')
	ip -br addr show "$br" | grep -q 'fd00:10:8::1/64' || fail "the bridge has no fd00:10:8::1/64"
	assert_ok berth network create --ipv6 --subnet 10.10.9.0/24 --subnet fd00:10:9::/64 v6other
	assert_ok berth run -d --name v1 --network v6net -- busybox sleep 100
	web v2 --network v6net
	web w1 --network v6other
	wait_running v1
	local v2_ip6 w1_ip6
	v2_ip6=$(ip_on6 v2 v6net)
	w1_ip6=$(ip_on6 w1 v6other)
	assert_eq fd00:10:8::242:a0a:803 "$v2_ip6" "v2's IPv6 address (prefix + MAC)"
	assert_eq fd00:10:9::242:a0a:902 "$w1_ip6" "w1's IPv6 address"
	assert_ok berth exec v1 busybox ip -6 route
	assert_contains "$OUT" "default via fd00:10:8::1 dev eth0" "IPv6 default route"
	wait_until 5 berth exec v1 busybox ping6 -c1 -W1 "$v2_ip6" || fail "ping6 v1 -> v2"
	get_ok v1 "http://[$v2_ip6]/" hello-v2 "TCP over IPv6 v1 -> v2"
	wait_until 5 berth exec w1 busybox ping6 -c1 -W1 fd00:10:9::1 || fail "ping6 w1 -> its gateway"
	! berth exec v1 busybox ping6 -c1 -W1 "$w1_ip6" >/dev/null 2>&1 || fail "ping6 v6net -> v6other works"
	get_fails v1 "http://[$w1_ip6]/" "IPv6 v6net -> v6other"
	assert_fails berth network create --ipv6 v6-nosubnet
	assert_fails berth network inspect v6-nosubnet
	assert_ok berth rm -f v1 v2 w1
	assert_ok berth network rm v6net v6other
	return 0
}

sandbox_enter "$@"

sandbox_sub auto_subnet || soft fail "automatic subnets (sub-scenario above)"
sandbox_sub ipv6_net || soft fail "IPv6 network (sub-scenario above)"
sandbox_sub auto_subnet_routes || soft fail "automatic subnets around host routes (sub-scenario above)"

outside_setup
outside_httpd 8080

log "baseline: the default bridge and berth's tables exist, no container"
assert_ok berth run --rm -- busybox true
host_snapshot "$E2E_TMP/before"
assert_eq "" "$(pgrep -x dnsmasq)" "a dnsmasq before any user network"

log "create, ls, inspect"
assert_ok berth network create --driver bridge --subnet 10.10.1.0/24 --gateway 10.10.1.254 \
	--ip-range 10.10.1.128/25 -o com.docker.network.bridge.name=br-lab \
	-o com.docker.network.driver.mtu=1400 lab
lab_id=$OUT
assert_match "$lab_id" '^[0-9a-f]{64}$' "create prints the id"
assert_ok berth network ls
echo "$OUT" | grep -Eq "^${lab_id:0:12} +lab +bridge +local\$" || fail "ls does not show lab:
$OUT"
echo "$OUT" | grep -Eq '^[0-9a-f]{12} +bridge +bridge +local$' || fail "ls does not show the default bridge:
$OUT"
assert_ok berth network ls --format '{{.Name}}/{{.Driver}}/{{.Internal}}'
assert_contains "$OUT" "lab/bridge/false" "ls --format"
assert_ok berth network inspect lab
lab_json=$OUT
assert_contains "$lab_json" '"Name": "lab"' "inspect Name"
assert_contains "$lab_json" "\"Id\": \"$lab_id\"" "inspect Id"
assert_contains "$lab_json" '"Driver": "bridge"' "inspect Driver"
assert_contains "$lab_json" '"Scope": "local"' "inspect Scope"
assert_eq 10.10.1.0/24 "$(net_subnet lab)" "IPAM.Config[0].Subnet"
assert_eq 10.10.1.254 "$(net_gateway lab)" "IPAM.Config[0].Gateway"
assert_contains "$lab_json" '"IPRange": "10.10.1.128/25"' "IPAM.Config[0].IPRange"
assert_contains "$lab_json" '"Internal": false' "inspect Internal"
assert_contains "$lab_json" '"EnableIPv6": false' "inspect EnableIPv6"
assert_match "$lab_json" '"Containers": \{\}' "no containers yet"
assert_contains "$lab_json" '"com.docker.network.bridge.name": "br-lab"' "Options: bridge name"
assert_ok berth network inspect "${lab_id:0:12}"
assert_contains "$OUT" '"Name": "lab"' "inspect by short id"
assert_fails berth network inspect no-such-net
assert_contains "$OUT" "no-such-net" "inspect of an unknown network"
ip -br addr show br-lab | grep -q '10\.10\.1\.254/24' || fail "br-lab has not 10.10.1.254/24: $(ip -br addr show br-lab 2>&1)"
assert_eq 1400 "$(cat /sys/class/net/br-lab/mtu)" "bridge MTU"
assert_contains "$(nft list set inet berth bridges)" '"br-lab"' "br-lab in berth's bridge set"

log "containers on lab: an address of the ip-range, --ip, MTU, Containers in inspect"
web c1 --network lab
web c1b --network lab --ip 10.10.1.10
c1_ip=$(ip_on c1 lab)
assert_eq 10.10.1.128 "$c1_ip" "first address of the ip-range"
assert_eq 10.10.1.10 "$(ip_on c1b lab)" "--ip on a user network"
assert_ok berth exec c1b busybox ip -o -4 addr show dev eth0
assert_contains "$OUT" "inet 10.10.1.10/24" "--ip is on eth0"
assert_ok berth exec c1 busybox ip route
assert_contains "$OUT" "default via 10.10.1.254 dev eth0" "default route via --gateway"
assert_ok berth exec c1 busybox cat /sys/class/net/eth0/mtu
assert_eq 1400 "$OUT" "eth0 MTU with driver.mtu=1400"
assert_eq "02:42:0a:0a:01:80" "$(berth exec c1 busybox cat /sys/class/net/eth0/address)" "Docker's MAC from the address"
soft assert_eq lab "$(inspect_f c1 '{{.HostConfig.NetworkMode}}')" "HostConfig.NetworkMode of a container on lab (Docker: the network's name)"
c1_id=$(inspect_f c1 '{{.Id}}')
assert_ok berth network inspect lab
assert_contains "$OUT" "\"$c1_id\": {" "Containers has c1's id"
assert_contains "$OUT" '"Name": "c1"' "Containers has c1's name"
assert_contains "$OUT" '"IPv4Address": "10.10.1.128/24"' "Containers has c1's address"
assert_contains "$OUT" '"IPv4Address": "10.10.1.10/24"' "Containers has c1b's address"
assert_fails berth run -d --name c-out --network lab --ip 10.99.0.5 -- busybox sleep 100
assert_contains "$OUT" "10.99.0.5 is outside the pool 10.10.1.0/24" "--ip outside the subnet"
assert_fails berth inspect c-out   # Docker (since 25.0) refuses it at create
assert_fails berth run -d --name c-dup --network lab --ip 10.10.1.10 -- busybox sleep 100
assert_start_failed c-dup "10.10.1.10 is already in use"
assert_fails berth run -d --name c-nonet --network no-such-net -- busybox sleep 100
assert_contains "$OUT" "no-such-net" "run on an unknown network"
assert_fails berth inspect c-nonet

log "refused input creates nothing"
bad_create "Pool overlaps" --subnet 10.10.0.0/16 ov1
bad_create "Pool overlaps" --subnet 10.10.1.128/28 ov2
bad_create "Pool overlaps" --subnet 172.17.3.0/24 ov3
bad_create "Pool overlaps" --subnet 198.51.100.0/25 ov4
bad_create "" --subnet 10.20.0.0/24 --gateway 10.21.0.1 gw1
bad_create "" --subnet 10.20.0.0/24 --gateway 10.20.0.0 gw2
bad_create "" --subnet 10.20.0.0/24 --gateway 10.20.0.255 gw3
bad_create "" --subnet 10.20.0.0/24 --gateway bogus gw4
bad_create "" --subnet 10.20.0.0/24 --ip-range 10.20.1.0/25 rg1
bad_create "" --subnet 10.20.0.0/24 --ip-range 10.20.0.0/23 rg2
bad_create "" --subnet 10.20.0.0/33 sn1
bad_create "" --subnet notacidr sn2
bad_create "already exists" --subnet 10.20.0.0/24 lab
bad_create "already exists" lab
bad_create "" bridge
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.bogus=1 opt1
bad_create "" --subnet 10.20.0.0/24 -o nokeyvalue opt2
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.driver.mtu=abc mtu1
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.driver.mtu=10 mtu2
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.driver.mtu=99999 mtu3
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.driver.mtu= mtu4
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.bridge.enable_icc=maybe icc1
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.bridge.name=o-host brn1
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.bridge.name=br-lab brn2
bad_create "" --subnet 10.20.0.0/24 -o com.docker.network.bridge.name=waytoolongname0123 brn3
bad_create "" --subnet 10.20.0.0/24 --driver overlay drv1
bad_create "" --subnet 10.20.0.0/24 'bad name'
bad_create "" --subnet 10.20.0.0/24
before=$(state_now 2>&1)
assert_fails berth network rm lab
assert_contains "$OUT" "active endpoints" "rm of a network with containers"
assert_fails berth network rm bridge
assert_fails berth network rm host
assert_fails berth network rm no-such-net
assert_eq "$before" "$(state_now 2>&1)" "state after refused rm"
assert_ok berth exec c1b timeout 5 busybox wget -qO- "http://$c1_ip/"
assert_eq hello-c1 "$OUT" "lab still works after the refused commands"

log "isolation: lab and n2 do not reach each other; both reach the outside"
assert_ok berth network create --subnet 10.10.2.0/24 n2
web d1 --network n2
web e1 --network n2
d1_ip=$(ip_on d1 n2)
e1_ip=$(ip_on e1 n2)
assert_eq 10.10.2.2 "$d1_ip" "first address of n2"
c1b_ip=10.10.1.10
get_ok c1b "http://$c1_ip/" hello-c1 "same network TCP c1b -> c1"
get_ok c1 "http://$c1b_ip/cgi-bin/who" "peer=$c1_ip" "same network, no NAT: c1b sees c1's address"
ping_ok c1 "$c1b_ip" "same network"
get_ok e1 "http://$d1_ip/" hello-d1 "same network TCP e1 -> d1"
get_fails c1 "http://$d1_ip/" "lab -> n2"
get_fails d1 "http://$c1_ip/" "n2 -> lab"
ping_fails c1 "$d1_ip" "lab -> n2"
ping_fails d1 "$c1_ip" "n2 -> lab"
web b1
b1_ip=$(inspect_f b1 '{{.NetworkSettings.IPAddress}}')
get_fails b1 "http://$c1_ip/" "default bridge -> lab"
get_fails c1 "http://$b1_ip/" "lab -> default bridge"
goes_out c1 "lab"
goes_out d1 "n2"
goes_out b1 "default bridge"

log "--internal: no way out, same network works"
assert_ok berth network create --internal --subnet 10.10.3.0/24 inet
assert_contains "$(berth network inspect inet)" '"Internal": true' "inspect Internal"
assert_ok berth network ls --format '{{.Name}} {{.Internal}}'
assert_contains "$OUT" "inet true" "ls .Internal"
web i1 --network inet
web i2 --network inet
i1_ip=$(ip_on i1 inet)
i2_ip=$(ip_on i2 inet)
get_ok i1 "http://$i2_ip/" hello-i2 "internal, same network TCP"
ping_ok i2 "$i1_ip" "internal, same network"
ping_fails i1 "$OUTSIDE_IP" "internal -> outside"
get_fails i1 "http://$OUTSIDE_IP:8080/" "internal -> outside"
# Not only a missing default route: with one, the firewall still drops.
ip netns exec i1 ip route replace default via 10.10.3.1 dev eth0 || fail "route in i1"
ping_fails i1 "$OUTSIDE_IP" "internal (with a default route) -> outside"
get_fails i1 "http://$OUTSIDE_IP:8080/" "internal (with a default route) -> outside"
get_fails i1 "http://$c1_ip/" "internal -> lab"
get_fails c1 "http://$i1_ip/" "lab -> internal"

log "enable_icc=false: no traffic between the containers of that network"
assert_ok berth network create --subnet 10.10.4.0/24 -o com.docker.network.bridge.enable_icc=false noicc
web x1 --network noicc
web x2 --network noicc
x1_ip=$(ip_on x1 noicc)
x2_ip=$(ip_on x2 noicc)
get_fails x1 "http://$x2_ip/" "icc=false"
get_fails x2 "http://$x1_ip/" "icc=false"
ping_fails x1 "$x2_ip" "icc=false"
goes_out x1 "icc=false network"
get_ok c1b "http://$c1_ip/" hello-c1 "icc=false elsewhere leaves lab alone"

log "enable_ip_masquerade=false: the outside sees the container's own address"
assert_ok berth network create --subnet 10.10.5.0/24 -o com.docker.network.bridge.enable_ip_masquerade=false nomasq
web m1 --network nomasq
m1_ip=$(ip_on m1 nomasq)
outside ip route add 10.10.5.0/24 via "$OUTSIDE_HOST_IP"
get_ok m1 "http://$OUTSIDE_IP:8080/cgi-bin/who" "peer=$m1_ip" "no masquerade"
outside ip route del 10.10.5.0/24 via "$OUTSIDE_HOST_IP"
assert_ok berth rm -f m1
assert_ok berth network rm nomasq

log "connect / disconnect a running container: eth1, an address of lab, traffic"
assert_ok berth network connect lab d1
assert_ok berth exec d1 busybox ip -o -4 addr show dev eth1
assert_match "$OUT" 'inet 10\.10\.1\.(12[89]|1[3-9][0-9]|2[0-4][0-9]|25[0-4])/24' "eth1 has an address of lab's ip-range"
d1_lab=$(ip_on d1 lab)
assert_contains "$OUT" "inet $d1_lab/24" "inspect shows eth1's address"
assert_eq 1400 "$(berth exec d1 busybox cat /sys/class/net/eth1/mtu)" "eth1 has lab's MTU"
assert_ok berth exec d1 busybox ip route
assert_contains "$OUT" "default via 10.10.2.1 dev eth0" "the default route stays on eth0"
assert_contains "$(berth network inspect lab)" '"Name": "d1"' "lab's Containers has d1"
get_ok d1 "http://$c1_ip/" hello-c1 "two networks: d1 -> c1 on lab"
get_ok d1 "http://$e1_ip/" hello-e1 "two networks: d1 -> e1 on n2"
get_ok c1 "http://$d1_lab/cgi-bin/who" "peer=$c1_ip" "c1 -> d1 on lab"
goes_out d1 "two networks"
get_fails c1 "http://$d1_ip/" "lab -> d1's n2 address"
get_fails e1 "http://$c1_ip/" "e1 (n2 only) -> lab"
assert_fails berth network connect lab d1
assert_contains "$OUT" "already exists" "connecting twice"
assert_ok berth network disconnect lab d1
assert_fails berth exec d1 busybox ip link show eth1
assert_eq "" "$(ip_on d1 lab 2>/dev/null)" "inspect after disconnect"
assert_not_contains "$(berth network inspect lab)" '"Name": "d1"' "lab's Containers after disconnect"
get_fails d1 "http://$c1_ip/" "after disconnect: d1 -> c1"
get_fails c1 "http://$d1_lab/" "after disconnect: c1 -> d1's old address"
get_ok d1 "http://$e1_ip/" hello-e1 "after disconnect d1 keeps n2"
assert_fails berth network disconnect lab d1
assert_fails berth network connect no-such-net d1
assert_fails berth network connect lab no-such-ctr

log "connect --ip"
assert_ok berth network connect --ip 10.10.1.77 lab d1
assert_ok berth exec d1 busybox ip -o -4 addr show dev eth1
assert_contains "$OUT" "inet 10.10.1.77/24" "connect --ip"
get_ok c1 "http://10.10.1.77/" hello-d1 "c1 -> d1 at its --ip"
assert_fails berth network connect --ip 10.10.1.77 lab e1
assert_fails berth exec e1 busybox ip link show eth1
assert_ok berth network disconnect lab d1

log "prune removes unused networks only"
assert_ok berth network create --subnet 10.10.6.0/24 unused1
assert_ok berth network create unused2
assert_ok berth network create --subnet 10.10.7.0/24 stopped-net
assert_ok berth run -d --name s1 --network stopped-net -- busybox sleep 100
wait_running s1
assert_ok berth stop -t 1 s1
assert_ok berth network prune
assert_eq "Deleted Networks:" "$(echo "$OUT" | head -1)" "prune output"
assert_eq "unused1 unused2" "$(echo "$OUT" | sed 1d | sort | xargs)" "networks pruned"
assert_ok berth network ls --format '{{.Name}}'
# (like Docker's, the list has the host and none pseudo-networks too)
assert_eq "bridge host inet lab n2 noicc none stopped-net" "$(echo "$OUT" | sort | xargs)" "networks after prune"
get_ok c1b "http://$c1_ip/" hello-c1 "lab works after prune"

log "remove everything: the host is as before"
assert_ok berth rm -f c1 c1b d1 e1 b1 i1 i2 x1 x2 s1
assert_ok berth network rm lab n2 inet noicc stopped-net
assert_eq $'lab\nn2\ninet\nnoicc\nstopped-net' "$OUT" "rm prints the names"
wait_until 5 sh -c '! pgrep -x dnsmasq' || fail "dnsmasq left: $(pgrep -a dnsmasq)"
assert_eq "" "$(ls -A "$BERTH_RUN_ROOT/networks" 2>/dev/null)" "run dirs of networks"
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after"
exit 0
