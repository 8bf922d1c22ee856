#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daemon.json "icc": false, on both firewall backends: two containers on the default
# bridge do not reach each other (TCP to a listener, ping), also not after a restart;
# both still reach the host and the outside (which sees the host's address); a
# published port of one is reachable from the outside, the host and (a published port
# is public, as with Docker's proxy) the other container through the host's address,
# with bridge-nf-call-iptables 0 and 1.  After `berth rm -f` no rule or set element
# names their addresses or veths.  With icc true (the default, and again after
# daemon.json changes back) they reach each other.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw-lib.sh"
fw_each_backend "$@"
sandbox_enter "$@"
need_tools iptables iptables-save
BE=$(fw_be)
log "backend $BE"

outside_setup
outside_httpd 8080
OUT_URL=http://$OUTSIDE_IP:8080

# pair_talks WHAT: a and b reach each other by TCP and ICMP.
pair_talks()
{
	assert_get ca "http://$b_ip/" hello-cb "$1: TCP a -> b"
	assert_get cb "http://$a_ip/" hello-ca "$1: TCP b -> a"
	assert_get cb "http://$a_ip/cgi-bin/who" "peer=$b_ip" "$1: a sees b's own address"
	assert_ping ca "$b_ip" "$1: a -> b"
	assert_ping cb "$a_ip" "$1: b -> a"
}

# both_go_out WHAT: a and b reach the host and the outside, seen as the host.
both_go_out()
{
	local c
	for c in ca cb; do
		assert_ping "$c" 172.17.0.1 "$1: $c -> gateway"
		assert_ping "$c" "$OUTSIDE_IP" "$1: $c -> outside"
		assert_get "$c" "$OUT_URL/cgi-bin/who" "peer=$OUTSIDE_HOST_IP" "$1: $c -> outside TCP"
	done
}

start_pair()
{
	fw_web ca -p 8080:80
	fw_web cb
	a_ip=$(ctr_ip ca)
	b_ip=$(ctr_ip cb)
	a_veth=$(ctr_veth ca)
	b_veth=$(ctr_veth cb)
	assert_match "$a_ip" '^172\.17\.0\.[0-9]+$' "a's address"
	assert_match "$b_ip" '^172\.17\.0\.[0-9]+$' "b's address"
	assert_ne "" "$a_veth" "a's veth"
	ip link show "$a_veth" >/dev/null 2>&1 || fail "a's veth $a_veth (EndpointID) is no host link"
}

# icc_chains present|absent: the chains only icc=false needs (each costs
# every bridged packet a call) exist exactly while it is on.
icc_chains()
{
	[ "$BE" = nftables ] || return 0
	local c
	for c in "bridge berth forward" "inet berth dnatmark"; do
		if [ "$1" = present ]; then
			assert_ok nft list chain $c
		else
			assert_fails nft list chain $c
		fi
	done
}

# rm_pair WHAT: remove both; nothing in any firewall names them any more.
rm_pair()
{
	assert_ok berth rm -f ca cb
	assert_eq "" "$(host_veths)" "$1: veths after rm"
	assert_rules_forget "$1: after rm -f" "$a_ip" "$b_ip" "$a_veth" "$b_veth"
	if [ "$BE" = nftables ]; then
		assert_eq "" "$(fw_nft_set bridge berth icc_off_ports)" "$1: icc_off_ports after rm"
		assert_eq "" "$(fw_nft_set bridge berth links)" "$1: links after rm"
	fi
	assert_iptables_save_clean "$1: after rm"
}

log "icc=true (default): the containers reach each other"
start_pair
icc_chains absent
pair_talks "icc=true"
both_go_out "icc=true"
assert_get outside "http://$OUTSIDE_HOST_IP:8080/cgi-bin/who" "peer=$OUTSIDE_IP" "icc=true: published port from outside"
rm_pair "icc=true"

log "icc=false: no traffic between the containers"
daemon_json '{"icc": false}'
start_pair
icc_chains present
if [ "$BE" = nftables ]; then
	capture fw_nft_set bridge berth icc_off_ports
	assert_contains "$OUT" "\"$a_veth\"" "icc=false: a's port in icc_off_ports"
	assert_contains "$OUT" "\"$b_veth\"" "icc=false: b's port in icc_off_ports"
else
	assert_contains "$(iptables-save -t filter)" "-A BERTH-FORWARD -i berth0 -o berth0 -j DROP" "icc=false: iptables DROP rule"
fi
assert_no_tcp ca "$b_ip" 80 "icc=false: TCP a -> b"
assert_no_tcp cb "$a_ip" 80 "icc=false: TCP b -> a"
assert_no_get ca "http://$b_ip/" "icc=false: HTTP a -> b"
assert_no_ping ca "$b_ip" "icc=false: a -> b"
assert_no_ping cb "$a_ip" "icc=false: b -> a"

log "icc=false: both still reach the host and the outside"
both_go_out "icc=false"

log "icc=false: a's published port is reachable from the outside and the host"
assert_get outside "http://$OUTSIDE_HOST_IP:8080/cgi-bin/who" "peer=$OUTSIDE_IP" "icc=false: published port from outside"
assert_get host "http://$OUTSIDE_HOST_IP:8080/" hello-ca "icc=false: published port from the host"
log "icc=false: ... and from b through the host's address (a published port is public)"
brnf0=$(cat "$FW_BRNF" 2>/dev/null || echo -)
for v in $(fw_brnf_values); do
	fw_brnf "$v"
	soft assert_get cb "http://$OUTSIDE_HOST_IP:8080/" hello-ca \
		"icc=false, bridge-nf-call-iptables=$v: b -> a's published port via the host"
done
fw_brnf "$brnf0"
log "icc=false: still nothing directly"
assert_no_tcp cb "$a_ip" 80 "icc=false after hairpin: TCP b -> a"

rm_pair "icc=false"

log "icc=false: a restarted container comes back isolated (stop/start)"
fw_web ca
fw_web cb
a_ip=$(ctr_ip ca)
b_ip=$(ctr_ip cb)
assert_ok berth stop -t 1 cb
assert_ok berth start cb
wait_running cb
wait_listen cb 80
b_ip=$(ctr_ip cb)
b_veth=$(ctr_veth cb)
a_veth=$(ctr_veth ca)
assert_no_tcp ca "$b_ip" 80 "icc=false after restart: TCP a -> b"
assert_get cb "$OUT_URL/" hello-outside "icc=false after restart: b -> outside"
rm_pair "icc=false, restarted"

log "icc back to true (daemon.json changed, no reload): they talk again"
daemon_json_rm
start_pair
icc_chains absent
pair_talks "icc=true again"
both_go_out "icc=true again"
if [ "$BE" = nftables ]; then
	assert_eq "" "$(fw_nft_set bridge berth icc_off_ports)" "icc=true again: icc_off_ports"
else
	assert_not_contains "$(iptables-save -t filter)" "-i berth0 -o berth0 -j DROP" "icc=true again: iptables DROP rule"
fi
rm_pair "icc=true again"
exit 0
