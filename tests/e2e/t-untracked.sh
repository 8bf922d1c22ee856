#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Conntrack skips traffic between two containers of one network (with br_netfilter
# it would pass the host's IP hooks, where no NAT applies to it), and tracks what
# needs it: a container's traffic to the host, and a published port reached from a
# container through the host (the hairpin). On guarded networks the anti-spoofing
# guard decides (table bridge berth-guard, set dst4) and inet berth has no raw chain;
# a network with anti_spoofing=false brings the raw chain back for its traffic. The
# iptables backend skips it the same way.
. "$(dirname "$0")/lib.sh"

# tracked SRC DST: conntrack entries of SRC -> DST (their original direction).
tracked() { grep -c " src=$1 dst=$2 " /proc/net/nf_conntrack || true; }

# addrs TAG NET: S_IP and C_IP, the addresses of s-TAG and c-TAG on NET, and GW.
addrs()
{
	S_IP=$(inspect_f "s-$1" "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}")
	C_IP=$(inspect_f "c-$1" "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}")
	GW=$(inspect_f "c-$1" "{{(index .NetworkSettings.Networks \"$2\").Gateway}}")
}

# pair TAG NET [RUN-OPTS...]: containers s-TAG (an httpd) and c-TAG on NET; addrs.
pair()
{
	local tag=$1 net=$2
	shift 2
	assert_ok berth run -d --name "s-$tag" --network "$net" --hostname "s-$tag" "$@" \
		-e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
	assert_ok berth run -d --name "c-$tag" --network "$net" -- busybox sleep 300
	wait_running "s-$tag"
	wait_running "c-$tag"
	addrs "$tag" "$net"
	wait_until 5 sh -c "'$BERTH' exec s-$tag busybox netstat -ltn | grep -q ':80 '" ||
		fail "$net: nothing listens on s-$tag:80"
}

# c2c_untracked TAG NET WHAT: ICMP and TCP from c-TAG to s-TAG pass, and leave
# no conntrack entry; ICMP to the gateway leaves one (the control: the check sees
# entries where there are some).
c2c_untracked()
{
	local tag=$1 what=$3
	addrs "$tag" "$2"
	assert_ok berth exec "c-$tag" busybox ping -c2 -W2 "$S_IP"
	assert_ok berth exec "c-$tag" timeout 5 busybox wget -qO- "http://$S_IP/cgi-bin/who"
	assert_eq "peer=$C_IP" "$OUT" "$what: TCP container to container"
	assert_eq 0 "$(tracked "$C_IP" "$S_IP")" "$what: conntrack entries of $C_IP -> $S_IP"
	assert_eq 0 "$(tracked "$S_IP" "$C_IP")" "$what: conntrack entries of $S_IP -> $C_IP"
	assert_ok berth exec "c-$tag" busybox ping -c1 -W2 "$GW"
	[ "$(tracked "$C_IP" "$GW")" -ge 1 ] ||
		fail "$what: no conntrack entry of $C_IP -> the gateway $GW:
$(cat /proc/net/nf_conntrack)"
}

# Sub-scenario: the iptables backend untracks through the guard as well.
iptables_backend()
{
	command -v iptables >/dev/null || { log "no iptables: skipped"; exit 0; }
	export BERTH_FIREWALL_BACKEND=iptables
	pair i bridge
	c2c_untracked i bridge "iptables backend"
	exit 0
}
sandbox_enter "$@"
[ -r /proc/net/nf_conntrack ] || skip "no /proc/net/nf_conntrack"

log "default bridge: container to container untracked, to the host tracked"
pair d bridge -p 8001:80
c2c_untracked d bridge "default bridge"
capture nft list set bridge berth-guard dst4
assert_contains "$OUT" "$(inspect_f s-d '{{.NetworkSettings.MacAddress}}') . $S_IP" "dst4 element of s-d"
assert_fails nft list chain inet berth raw

log "default bridge: a published port through the host (hairpin) is tracked, NATed"
assert_ok berth exec c-d timeout 5 busybox wget -qO- "http://$GW:8001/cgi-bin/who"
assert_eq "peer=$GW" "$OUT" "hairpin: the server sees the gateway"
[ "$(grep -c " src=$C_IP dst=$GW .* dport=8001 " /proc/net/nf_conntrack)" -ge 1 ] ||
	fail "hairpin: no conntrack entry of $C_IP -> $GW:8001:
$(cat /proc/net/nf_conntrack)"

log "a network with anti_spoofing=false: the raw chain untracks its traffic"
assert_ok berth network create --subnet 10.79.0.0/24 -o com.berth.network.anti_spoofing=false open
pair o open
capture nft list chain inet berth raw
assert_contains "$OUT" "notrack" "raw chain with an unguarded network"
c2c_untracked o open "network open (anti_spoofing=false)"
log "the default bridge meanwhile"
c2c_untracked d bridge "default bridge next to an unguarded network"

log "all guarded again: no raw chain"
assert_ok berth rm -f s-o c-o
assert_ok berth network rm open
assert_fails nft list chain inet berth raw
c2c_untracked d bridge "default bridge, the unguarded network gone"

log "rm takes the dst4 elements away"
assert_ok berth rm -f s-d c-d
capture nft list set bridge berth-guard dst4
assert_not_contains "$OUT" "$S_IP" "dst4 after rm"

log "sub-scenario: iptables backend"
sandbox_sub iptables_backend || fail "sub-scenario iptables_backend"
exit 0
