#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A container reaches the outside (a namespace routed only to the host's address) by
# ICMP and TCP, and the outside sees the host's address (MASQUERADE); ip_forward is on;
# container<->container traffic is not NATed; daemon.json "ip-masq": false sends the
# container's own address; "iptables": false adds no firewall at all; "ip-forward":
# false leaves ip_forward alone.
. "$(dirname "$0")/lib.sh"

# who_from CONTAINER: what the outside's httpd says the source of CONTAINER's request was.
who_from()
{
	assert_ok berth exec "$1" timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
}

# ---- sub-scenario in a fresh sandbox: {"iptables": false}
no_iptables()
{
	assert_eq 0 "$(cat /proc/sys/net/ipv4/ip_forward)" "fresh netns ip_forward"
	daemon_json '{"iptables": false}'
	outside_setup
	outside_httpd 8080
	assert_ok berth run -d --name c1 -- busybox sleep 100
	wait_running c1
	assert_eq "" "$(nft list ruleset)" "iptables=false: berth added nft rules"
	assert_eq 1 "$(cat /proc/sys/net/ipv4/ip_forward)" "ip-forward is independent of iptables"
	assert_ok berth exec c1 busybox ping -c1 -W2 172.17.0.1
	# No NAT: the outside answers only with a route back to the containers.
	assert_fails berth exec c1 timeout 3 busybox wget -qO- "http://$OUTSIDE_IP:8080/"
	outside ip route add 172.17.0.0/16 via "$OUTSIDE_HOST_IP"
	who_from c1
	assert_eq peer=172.17.0.2 "$OUT" "iptables=false: no masquerade"
	assert_ok berth rm -f c1
	assert_ok berth reload
	assert_eq "" "$(nft list ruleset)" "iptables=false: rules after rm/reload"
	return 0
}

# ---- sub-scenario in a fresh sandbox: {"ip-forward": false}
no_ip_forward()
{
	daemon_json '{"ip-forward": false}'
	assert_ok berth run --rm -- busybox true
	assert_eq 0 "$(cat /proc/sys/net/ipv4/ip_forward)" "ip-forward=false changed ip_forward"
	return 0
}

sandbox_enter "$@"

assert_eq 0 "$(cat /proc/sys/net/ipv4/ip_forward)" "fresh netns ip_forward"
outside_setup
outside_httpd 8080
outside ip route show | grep -q 172.17 && fail "the outside must not route to containers"
host_snapshot "$E2E_TMP/before"

log "a container reaches the outside by ICMP and TCP"
assert_ok berth run -d --name c1 -- busybox sleep 100
wait_running c1
assert_ok berth exec c1 busybox ping -c1 -W2 "$OUTSIDE_IP"
assert_ok berth exec c1 timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/"
assert_eq hello-outside "$OUT" "TCP to the outside"

log "the outside sees the host's address"
who_from c1
assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "source seen by the outside"
# a second, raw TCP check with nc: the outside's socket table names the peer
# (each nc keeps its stdin open for a few seconds, so the connection stays up)
bg ip netns exec outside busybox sh -c 'busybox sleep 5 | busybox nc -l -p 9000'
wait_listen outside 9000
bg berth exec c1 busybox sh -c "busybox sleep 3 | busybox nc $OUTSIDE_IP 9000"
wait_until 5 sh -c "ip netns exec outside ss -tnH state established '( sport = :9000 )' | grep -q ." ||
	fail "no TCP connection from the container reached the outside's nc"
assert_ok ip netns exec outside ss -tnH state established '( sport = :9000 )'
assert_match "$OUT" "[[ :]$OUTSIDE_HOST_IP\\]?:[0-9]+ *$" "nc peer seen by the outside"
assert_not_contains "$OUT" "172.17." "nc peer seen by the outside"

log "ip_forward on, masquerade rule in berth's table"
assert_eq 1 "$(cat /proc/sys/net/ipv4/ip_forward)" "net.ipv4.ip_forward"
assert_ok nft list table inet berth
assert_contains "$OUT" masquerade "inet berth has a masquerade rule"
assert_contains "$OUT" 172.17.0.0/16 "inet berth names the subnet"

log "container <-> container and host -> container are not masqueraded"
assert_ok berth run -d --name srv -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
wait_running srv
srv_ip=$(inspect_f srv '{{.NetworkSettings.IPAddress}}')
wait_listen srv 80
assert_ok berth exec c1 timeout 5 busybox wget -qO- "http://$srv_ip/cgi-bin/who"
assert_eq peer=172.17.0.2 "$OUT" "container to container keeps its source"
assert_ok timeout 5 busybox wget -qO- "http://$srv_ip/cgi-bin/who"
assert_eq peer=172.17.0.1 "$OUT" "host to container keeps its source"

log "ip-masq false: the outside sees the container's own address"
assert_ok berth rm -f c1 srv
daemon_json '{"ip-masq": false}'
assert_ok berth reload
# (berth's rules are static; what ip-masq changes may live in a set: judge by packets)
outside ip route add 172.17.0.0/16 via "$OUTSIDE_HOST_IP"
assert_ok berth run -d --name c2 -- busybox sleep 100
wait_running c2
c2_ip=$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')
who_from c2
assert_eq "peer=$c2_ip" "$OUT" "ip-masq=false source"
assert_ok berth rm -f c2

log "ip-masq back on (no reload: the next command applies daemon.json)"
daemon_json_rm
assert_ok berth run -d --name c3 -- busybox sleep 100
wait_running c3
assert_contains "$(nft list ruleset)" masquerade "masquerade restored"
who_from c3
assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "source with ip-masq back on, even with a route back"
assert_ok berth rm -f c3
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth

log "iptables false (fresh sandbox)"
sandbox_sub no_iptables || fail "sub-scenario no_iptables failed"
log "ip-forward false (fresh sandbox)"
sandbox_sub no_ip_forward || fail "sub-scenario no_ip_forward failed"
exit 0
