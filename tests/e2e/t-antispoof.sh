#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Anti-spoofing (table bridge berth-guard): three containers on a network, an attacker
# (--cap-add NET_ADMIN), its victim and a third.  The attacker, sending with the
# victim's IPv4 (or IPv6) source, with the victim's MAC, or with forged ARP (busybox
# arping -U / -A -s VICTIM), reaches neither the third nor the host, the third's ARP
# cache keeps the victim's MAC and the bridge's FDB the victim's port; its own traffic
# flows.  On the default bridge, on a user network (with IPv6), with the iptables
# backend; raw frames need no NET_ADMIN (NET_RAW is a default capability), 802.1Q
# priority-tagged ones included.  With -o com.berth.network.anti_spoofing=false, or
# daemon.json "anti-spoofing": false (after removing every container, and in a fresh
# sandbox), the forged source gets through.  rm removes a container's set elements.
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- helpers

# ctr NAME NET FIELD: a field of the container's endpoint on NET (IPAddress,
# MacAddress, EndpointID = host veth, GlobalIPv6Address).
ctr() { "$BERTH" inspect -f "{{with index .NetworkSettings.Networks \"$2\"}}{{.$3}}{{end}}" "$1"; }

# icmp_in_echos NAME / icmp6_in_echos NAME: echo requests received so far in the
# container's network namespace (/proc/net/snmp, snmp6); host_in_echos: the host's.
icmp_in_echos()
{
	"$BERTH" exec "$1" busybox cat /proc/net/snmp |
		awk '/^Icmp:/ { n++; if (n == 1) { for (i = 1; i <= NF; i++) h[i] = $i } else { for (i = 1; i <= NF; i++) if (h[i] == "InEchos") print $i } }'
}
icmp6_in_echos() { "$BERTH" exec "$1" busybox cat /proc/net/snmp6 | awk '$1 == "Icmp6InEchos" {print $2}'; }
host_in_echos()
{
	awk '/^Icmp:/ { n++; if (n == 1) { for (i = 1; i <= NF; i++) h[i] = $i } else { for (i = 1; i <= NF; i++) if (h[i] == "InEchos") print $i } }' /proc/net/snmp
}

# in_ctr NAME CMD...: run CMD in the container (output in OUT, status in RC).
in_ctr() { capture "$BERTH" exec "$@"; }

# trio TAG NET: containers v-TAG (victim), t-TAG (third), a-TAG (attacker, NET_ADMIN)
# on NET; sets V_IP V_MAC V_VETH T_IP T_MAC A_IP A_MAC A_VETH (and V_IP6 T_IP6).
trio()
{
	local tag=$1 net=$2 n caps
	for n in v t a; do
		caps=()
		[ "$n" = a ] && caps=(--cap-add NET_ADMIN)
		assert_ok berth run -d --name "$n-$tag" --network "$net" "${caps[@]}" -- busybox sleep 100000
	done
	for n in v t a; do
		wait_running "$n-$tag"
	done
	load "$tag" "$net"
	assert_match "$V_IP $T_IP $A_IP" '^[0-9.]+ [0-9.]+ [0-9.]+$' "addresses of the trio on $net"
	assert_match "$V_MAC $A_MAC" '^[0-9a-f:]{17} [0-9a-f:]{17}$' "MACs of the trio on $net"
	# everyone reaches everyone with its own addresses; the third learns the victim's MAC
	in_ctr "a-$tag" busybox ping -c1 -W3 "$T_IP"
	[ "$RC" = 0 ] || fail "$net: attacker -> third with its own address: $OUT"
	in_ctr "t-$tag" busybox ping -c1 -W3 "$V_IP"
	[ "$RC" = 0 ] || fail "$net: third -> victim: $OUT"
	# (the attacker knows the gateway's MAC: a forged ping to it is sent, not stuck in ARP)
	in_ctr "a-$tag" busybox ping -c1 -W3 "$(ctr "a-$tag" "$net" Gateway)"
	[ "$RC" = 0 ] || fail "$net: attacker -> gateway: $OUT"
}

# load TAG NET: the variables of trio TAG NET, for containers already running.
load()
{
	local tag=$1 net=$2
	V_IP=$(ctr "v-$tag" "$net" IPAddress) V_MAC=$(ctr "v-$tag" "$net" MacAddress) V_VETH=$(ctr "v-$tag" "$net" EndpointID)
	T_IP=$(ctr "t-$tag" "$net" IPAddress) T_MAC=$(ctr "t-$tag" "$net" MacAddress)
	A_IP=$(ctr "a-$tag" "$net" IPAddress) A_MAC=$(ctr "a-$tag" "$net" MacAddress) A_VETH=$(ctr "a-$tag" "$net" EndpointID)
	V_IP6=$(ctr "v-$tag" "$net" GlobalIPv6Address) T_IP6=$(ctr "t-$tag" "$net" GlobalIPv6Address)
}

# third_maps_victim_to TAG: the MAC the third's ARP cache has for the victim's IP.
third_maps_victim_to() { "$BERTH" exec "t-$1" busybox ip neigh show "$V_IP" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }

# forged_ip TAG: the attacker takes the victim's IPv4 as a second address and pings the
# third and the gateway from it.  Sets DT and DH, the echo requests the third and the
# host received meanwhile, and FORGED_REPLY (1: the attacker got a reply).
forged_ip()
{
	local tag=$1 gw=$2 t0 h0
	in_ctr "a-$tag" busybox ip addr add "$V_IP/32" dev eth0
	[ "$RC" = 0 ] || fail "attacker with NET_ADMIN cannot add an address: $OUT"
	t0=$(icmp_in_echos "t-$tag")
	h0=$(host_in_echos)
	"$BERTH" exec "a-$tag" busybox ping -c1 -W1 -I "$V_IP" "$T_IP" >/dev/null 2>&1 && FORGED_REPLY=1 || FORGED_REPLY=0
	"$BERTH" exec "a-$tag" busybox ping -c1 -W1 -I "$V_IP" "$gw" >/dev/null 2>&1
	DT=$(($(icmp_in_echos "t-$tag") - t0))
	DH=$(($(host_in_echos) - h0))
}

# forged_arp TAG: with the victim's IP on its eth0, the attacker sends unsolicited
# ARP (-U) and ARP replies (-A) claiming it to the third.
forged_arp()
{
	# (the kernel ignores ARP updates for 1 s after the last one: locktime)
	sleep 1.2
	"$BERTH" exec "a-$1" busybox arping -U -c 1 -w 1 -I eth0 -s "$V_IP" "$T_IP" >/dev/null 2>&1
	"$BERTH" exec "a-$1" busybox arping -A -c 1 -w 1 -I eth0 -s "$V_IP" "$T_IP" >/dev/null 2>&1
	"$BERTH" exec "a-$1" busybox ip addr del "$V_IP/32" dev eth0 >/dev/null 2>&1
}

# own_traffic TAG: the attacker's pings with its own IP and MAC reach the third.
assert_own_traffic()
{
	local tag=$1 t0
	t0=$(icmp_in_echos "t-$tag")
	in_ctr "a-$tag" busybox ping -c2 -W3 "$T_IP"
	[ "$RC" = 0 ] || fail "$2: attacker -> third with its own address: $OUT"
	[ $(($(icmp_in_echos "t-$tag") - t0)) -ge 2 ] || fail "$2: the third did not count the attacker's pings"
}

# A raw frame sender (NET_RAW is enough): FRAME_PY KIND TAGGING SRC_MAC DST_MAC SRC_IP DST_IP
# KIND icmp (echo request) or arp (request SRC_IP/SRC_MAC asking for DST_IP);
# TAGGING none or tag0 (an 802.1Q header with VID 0: priority-tagged).
FRAME_PY='
import socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
kind, tagging, smac, dmac, sip, dip = sys.argv[1:7]
tag = struct.pack("!HH", 0x8100, 0) if tagging == "tag0" else b""
if kind == "icmp":
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"berth-e2e-spoof!" * 3
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                     socket.inet_aton(sip), socket.inet_aton(dip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    body = struct.pack("!H", 0x0800) + ip + icmp
else:
    body = struct.pack("!H", 0x0806) + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac(smac),
                                                socket.inet_aton(sip), bytes(6), socket.inet_aton(dip))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for _ in range(3):
    s.send(mac(dmac) + mac(smac) + tag + body)
'

# An unsolicited IPv6 neighbour advertisement (Override) for TARGET with MAC, sent to
# DST: NA_PY TARGET DST MAC (a raw ICMPv6 socket: NET_RAW is enough).
NA_PY='
import socket, struct, sys
target, dst, mac = sys.argv[1:4]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
na = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, target)
na += bytes([2, 1]) + bytes(int(x, 16) for x in mac.split(":"))
for _ in range(3):
    s.sendto(na, (dst, 0, 0, socket.if_nametoindex("eth0")))
'

# guard_elements: the sets of table bridge berth-guard (empty if there is none).
guard_elements() { nft list table bridge berth-guard 2>/dev/null; }

# ---------------------------------------------------------------- scenarios

# attacks_blocked TAG NET GATEWAY: every forgery of a-TAG fails, its own traffic flows.
attacks_blocked()
{
	local tag=$1 net=$2 gw=$3 what="$2"
	log "$what: forged IPv4 source (the victim's) reaches neither the third nor the host"
	forged_ip "$tag" "$gw"
	soft assert_eq 0 "$FORGED_REPLY" "$what: the attacker got replies to pings from the victim's IP"
	soft assert_eq 0 "$DT" "$what: echo requests with the victim's source reaching the third"
	soft assert_eq 0 "$DH" "$what: echo requests with the victim's source reaching the host"

	log "$what: forged ARP (arping -U / -A -s VICTIM) leaves the third's ARP cache alone"
	forged_arp "$tag"
	soft assert_eq "$V_MAC" "$(third_maps_victim_to "$tag")" "$what: the third's ARP entry of the victim $V_IP"
	assert_own_traffic "$tag" "$what, after the forgeries"

	log "$what: the victim's MAC on the attacker's eth0: its frames are dropped"
	local t0
	in_ctr "a-$tag" busybox ip link set eth0 address "$V_MAC"
	[ "$RC" = 0 ] || fail "$what: set the attacker's MAC: $OUT"
	t0=$(icmp_in_echos "t-$tag")
	in_ctr "a-$tag" busybox ping -c1 -W1 "$T_IP"
	soft assert_ne 0 "$RC" "$what: ping with the victim's MAC answered"
	soft assert_eq 0 "$(($(icmp_in_echos "t-$tag") - t0))" "$what: frames with the victim's MAC reaching the third"
	# the bridge did not learn the victim's MAC on the attacker's port
	capture bridge fdb show dev "$A_VETH"
	soft assert_not_contains "$OUT" "$V_MAC" "$what: FDB entry of the victim's MAC on the attacker's port"
	in_ctr "t-$tag" busybox ping -c1 -W3 "$V_IP"
	soft assert_eq 0 "$RC" "$what: third -> victim while the attacker wears its MAC: $OUT"
	in_ctr "a-$tag" busybox ip link set eth0 address "$A_MAC"
	assert_own_traffic "$tag" "$what, with its own MAC back"
}

# raw_frames TAG NET: raw frames from a container with default capabilities.
raw_frames()
{
	local tag=$1 net=$2 t0 d
	if [ ! -x /usr/bin/python3 ]; then
		log "$net: raw frames: no /usr/bin/python3, skipped"
		return 0
	fi
	assert_ok berth run -d --name "r-$tag" --network "$net" -- busybox sleep 100000
	wait_running "r-$tag"
	local r_ip r_mac
	r_ip=$(ctr "r-$tag" "$net" IPAddress)
	r_mac=$(ctr "r-$tag" "$net" MacAddress)
	rawsend() { "$BERTH" exec "r-$tag" /usr/bin/python3 -c "$FRAME_PY" "$@"; }

	log "$net: raw frames (default capabilities): own source passes, the victim's does not"
	t0=$(icmp_in_echos "t-$tag")
	assert_ok rawsend icmp none "$r_mac" "$T_MAC" "$r_ip" "$T_IP"
	wait_until 3 test "$(icmp_in_echos "t-$tag")" -ge $((t0 + 3)) || fail "$net: raw echo requests with the sender's own addresses lost"
	t0=$(icmp_in_echos "t-$tag")
	assert_ok rawsend icmp none "$r_mac" "$T_MAC" "$V_IP" "$T_IP"
	sleep 0.5
	soft assert_eq 0 "$(($(icmp_in_echos "t-$tag") - t0))" "$net: raw echo requests with the victim's source reaching the third"

	log "$net: 802.1Q priority-tagged (VID 0) frames: the receiver takes them as untagged"
	t0=$(icmp_in_echos "t-$tag")
	assert_ok rawsend icmp tag0 "$r_mac" "$T_MAC" "$r_ip" "$T_IP"
	sleep 0.5
	d=$(($(icmp_in_echos "t-$tag") - t0))
	log "$net: priority-tagged echo requests with the sender's own source: $d of 3 counted by the third"
	t0=$(icmp_in_echos "t-$tag")
	assert_ok rawsend icmp tag0 "$r_mac" "$T_MAC" "$V_IP" "$T_IP"
	sleep 0.5
	soft assert_eq 0 "$(($(icmp_in_echos "t-$tag") - t0))" \
		"$net: priority-tagged (VID 0) echo requests with the victim's source reaching the third"
	sleep 1.2
	assert_ok rawsend arp tag0 "$r_mac" ff:ff:ff:ff:ff:ff "$V_IP" "$T_IP"
	sleep 0.3
	soft assert_eq "$V_MAC" "$(third_maps_victim_to "$tag")" \
		"$net: the third's ARP entry of the victim after a priority-tagged forged ARP request"
	assert_ok berth rm -f "r-$tag"
}

# forgery_passes TAG GATEWAY WHAT: anti-spoofing is off for a-TAG's network.
forgery_passes()
{
	local tag=$1 gw=$2 what=$3
	log "$what: the forged source gets through"
	forged_ip "$tag" "$gw"
	[ "$DT" -ge 1 ] || fail "$what: no echo request with the victim's source reached the third"
	[ "$DH" -ge 1 ] || fail "$what: no echo request with the victim's source reached the host"
	forged_arp "$tag"
	assert_eq "$A_MAC" "$(third_maps_victim_to "$tag")" "$what: forged ARP poisons the third's cache (control)"
	local t0
	in_ctr "a-$tag" busybox ip link set eth0 address "$V_MAC"
	t0=$(icmp_in_echos "t-$tag")
	"$BERTH" exec "a-$tag" busybox ping -c1 -W1 "$T_IP" >/dev/null 2>&1
	[ $(($(icmp_in_echos "t-$tag") - t0)) -ge 1 ] || fail "$what: frames with the victim's MAC did not reach the third"
	in_ctr "a-$tag" busybox ip link set eth0 address "$A_MAC"
	capture guard_elements
	assert_not_contains "$OUT" "$A_VETH" "$what: the attacker's port in berth-guard"
	assert_not_contains "$OUT" "$A_MAC" "$what: the attacker's MAC in berth-guard"
}

# assert_guarded: berth-guard has elements for the attacker and victim last loaded.
assert_guarded()
{
	capture guard_elements
	assert_contains "$OUT" "\"$A_VETH\" . $A_MAC . $A_IP" "berth-guard addr4 element of the attacker"
	assert_contains "$OUT" "\"$V_VETH\" . $V_MAC . $V_IP" "berth-guard addr4 element of the victim"
	assert_contains "$OUT" "\"$A_VETH\" . $A_MAC" "berth-guard macs element of the attacker"
}

# Sub-scenario: a fresh sandbox with daemon.json "anti-spoofing": false.
off_from_start()
{
	daemon_json '{"anti-spoofing": false}'
	trio off bridge
	forgery_passes off 172.17.0.1 "default bridge, anti-spoofing false from the start"
	assert_eq "" "$(guard_elements)" "table berth-guard with anti-spoofing off"
	exit 0
}

# Sub-scenario: the iptables backend guards as well.
iptables_backend()
{
	command -v iptables >/dev/null || { log "no iptables: skipped"; exit 0; }
	export BERTH_FIREWALL_BACKEND=iptables
	trio ipt bridge
	assert_guarded
	log "iptables backend: forged IPv4 source"
	forged_ip ipt 172.17.0.1
	assert_eq "0 0" "$DT $DH" "iptables backend: echo requests with the victim's source reaching the third / host"
	assert_own_traffic ipt "iptables backend"
	exit 0
}

sandbox_enter "$@"
need_tools bridge

log "default bridge: three containers, the attacker has NET_ADMIN"
trio d bridge
assert_guarded
attacks_blocked d bridge 172.17.0.1
raw_frames d bridge

log "user network (IPv4 + IPv6)"
assert_ok berth network create --ipv6 --subnet 10.77.0.0/24 --subnet fd77::/64 guarded
trio u guarded
assert_guarded
attacks_blocked u guarded 10.77.0.1
log "user network: forged IPv6 source"
assert_match "$V_IP6 $T_IP6" '^fd77:[0-9a-f:]+ fd77:[0-9a-f:]+$' "IPv6 addresses of victim and third"
in_ctr a-u busybox ping6 -c1 -W3 "$T_IP6"
[ "$RC" = 0 ] || fail "attacker -> third over IPv6 with its own address: $OUT"
in_ctr a-u ip -6 addr add "$V_IP6/128" dev eth0 nodad
[ "$RC" = 0 ] || fail "attacker: add the victim's IPv6 address: $OUT"
t0=$(icmp6_in_echos t-u)
"$BERTH" exec a-u busybox ping6 -c1 -W1 -I "$V_IP6" "$T_IP6" >/dev/null 2>&1
soft assert_eq 0 "$(($(icmp6_in_echos t-u) - t0))" "echo requests with the victim's IPv6 source reaching the third"
in_ctr a-u busybox ip -6 addr del "$V_IP6/128" dev eth0
if [ -x /usr/bin/python3 ]; then
	log "user network: forged IPv6 neighbour advertisement for the victim's address"
	in_ctr t-u busybox ping6 -c1 -W3 "$V_IP6"
	[ "$RC" = 0 ] || fail "third -> victim over IPv6: $OUT"
	sleep 1.2
	in_ctr a-u /usr/bin/python3 -c "$NA_PY" "$V_IP6" "$T_IP6" "$A_MAC"
	[ "$RC" = 0 ] || fail "sending a neighbour advertisement: $OUT"
	sleep 0.3
	capture "$BERTH" exec t-u busybox ip -6 neigh show "$V_IP6"
	soft assert_contains "$OUT" "lladdr $V_MAC" "the third's IPv6 neighbour entry of the victim $V_IP6 after a forged advertisement"
fi
raw_frames u guarded

log "user network with -o com.berth.network.anti_spoofing=false"
assert_ok berth network create --subnet 10.78.0.0/24 -o com.berth.network.anti_spoofing=false open
trio o open
forgery_passes o 10.78.0.1 "network open (anti_spoofing=false)"
log "the guarded networks stay guarded meanwhile"
load d bridge
forged_ip d 172.17.0.1
soft assert_eq "0 0" "$DT $DH" "default bridge next to an unguarded network: forged echo requests reaching third / host"
"$BERTH" exec a-d busybox ip addr del "$V_IP/32" dev eth0 >/dev/null 2>&1

log "rm removes a container's set elements"
a_veth=$(ctr a-u guarded EndpointID) a_mac=$(ctr a-u guarded MacAddress) a_ip=$(ctr a-u guarded IPAddress)
v_veth=$(ctr v-u guarded EndpointID)
assert_ok berth rm -f a-u
capture guard_elements
assert_not_contains "$OUT" "\"$a_veth\"" "berth-guard elements of the removed attacker's port"
assert_not_contains "$OUT" "$a_mac" "berth-guard elements with the removed attacker's MAC"
grep -qE "\. ${a_ip//./\\.}([^0-9]|\$)" <<<"$OUT" && fail "berth-guard elements with the removed attacker's IP $a_ip:
$OUT"
assert_contains "$OUT" "\"$v_veth\"" "berth-guard elements of the victim, still running"
assert_ok berth kill v-u
wait_exited v-u
capture guard_elements
assert_not_contains "$OUT" "\"$v_veth\"" "berth-guard elements of a stopped container"

log "daemon.json anti-spoofing false after removing every container"
ids=$(berth ps -aq)
# shellcheck disable=SC2086
assert_ok berth rm -f $ids
capture guard_elements
assert_not_contains "$OUT" '"veth' "berth-guard elements with no container left"
daemon_json '{"anti-spoofing": false}'
trio f bridge
forgery_passes f 172.17.0.1 "default bridge, anti-spoofing false"
ids=$(berth ps -aq)
# shellcheck disable=SC2086
assert_ok berth rm -f $ids
daemon_json_rm
log "back on: guarded again"
trio g bridge
assert_guarded
forged_ip g 172.17.0.1
assert_eq "0 0" "$DT $DH" "anti-spoofing back on: forged echo requests reaching third / host"

log "sub-scenario: daemon.json anti-spoofing false in a fresh sandbox"
sandbox_sub off_from_start || fail "sub-scenario off_from_start"
log "sub-scenario: iptables backend"
sandbox_sub iptables_backend || fail "sub-scenario iptables_backend"
exit 0
