#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Another program set the iptables FORWARD policy to DROP and put its own rules in
# ip filter FORWARD and its own nft table: containers still reach the outside and each
# other, berth never changes the policy, and the foreign rules survive run, rm and
# reload.  With bridge-nf-call-iptables=1 container<->container traffic still flows.
# If berth's table is deleted behind its back, the next command puts it back.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
need_tools iptables

# ping_pair: c1 <-> c2 by ICMP and TCP, c1 -> outside by ICMP and TCP.
traffic()
{
	local what=$1
	assert_ok berth exec c1 busybox ping -c1 -W2 "$c2_ip"
	assert_ok berth exec c2 busybox ping -c1 -W2 "$c1_ip"
	assert_ok berth exec c1 timeout 5 busybox wget -qO- "http://$c2_ip/"
	assert_eq hello-c2 "$OUT" "$what: TCP c1 -> c2"
	assert_ok berth exec c1 busybox ping -c1 -W2 "$OUTSIDE_IP"
	assert_ok berth exec c1 timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
	assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "$what: TCP c1 -> outside, NATed"
}

assert_policy_drop()
{
	assert_eq "-P FORWARD DROP" "$(iptables -S FORWARD | head -1)" "$1: FORWARD policy"
}

assert_foreign()
{
	assert_contains "$(iptables -S FORWARD)" "-A FORWARD -s 203.0.113.0/24 -j ACCEPT" "$1: foreign iptables rule"
	assert_ok nft list table inet e2e_foreign
	assert_contains "$OUT" 'comment "e2e foreign rule"' "$1: foreign nft rule"
	assert_contains "$OUT" '192.0.2.7' "$1: foreign nft set element"
}

log "a foreign firewall: FORWARD DROP, a foreign rule, a foreign nft table"
assert_ok iptables -P FORWARD DROP
assert_ok iptables -A FORWARD -s 203.0.113.0/24 -j ACCEPT
assert_ok nft -f - <<'EOF'
table inet e2e_foreign {
	set blocked { type ipv4_addr; elements = { 192.0.2.7 } }
	chain e2e_fwd {
		type filter hook forward priority 10; policy accept;
		ip daddr @blocked drop comment "e2e foreign rule"
	}
}
EOF
outside_setup
outside_httpd 8080
host_snapshot "$E2E_TMP/before"
assert_foreign "before berth"

log "containers reach each other and the outside through a DROP policy"
assert_ok berth run -d --name c1 -- busybox sleep 100
assert_ok berth run -d --name c2 --hostname c2 -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
wait_running c1
wait_running c2
c1_ip=$(inspect_f c1 '{{.NetworkSettings.IPAddress}}')
c2_ip=$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')
wait_listen c2 80
traffic "FORWARD DROP"
assert_policy_drop "after run"
assert_foreign "after run"

log "the foreign drop rule still works (berth did not bypass other tables)"
assert_fails berth exec c1 busybox ping -c1 -W1 192.0.2.7

log "bridge-nf-call-iptables=1"
if [ -w /proc/sys/net/bridge/bridge-nf-call-iptables ] &&
	[ "$(printf '%s\n' "$(uname -r)" 5.3 | sort -V | head -1)" = 5.3 ]; then
	# per network namespace since Linux 5.3: this is the sandbox's own setting
	echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
	assert_eq 1 "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)"
	traffic "bridge-nf-call-iptables=1"
	assert_ok berth run -d --name c3 -- busybox sleep 100
	wait_running c3
	assert_ok berth exec c3 busybox ping -c1 -W2 "$c2_ip"
	assert_ok berth rm -f c3
	echo 0 >/proc/sys/net/bridge/bridge-nf-call-iptables
else
	echo "(no per-netns /proc/sys/net/bridge: bridge-nf-call-iptables part skipped)"
fi

log "berth reload keeps foreign rules and the policy"
assert_ok berth reload
assert_policy_drop "after reload"
assert_foreign "after reload"
traffic "after reload"

log "berth's table deleted behind its back: the next command restores it"
br_mac=$(cat /sys/class/net/berth0/address)
assert_ok nft delete table inet berth
assert_ok berth run -d --name c4 -- busybox sleep 100
wait_running c4
assert_ok nft list table inet berth
assert_ok berth exec c4 timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "c4 -> outside after the table was restored"
if [ "$br_mac" != "$(cat /sys/class/net/berth0/address)" ]; then
	echo "    (berth0 changed its MAC from $br_mac to $(cat /sys/class/net/berth0/address) when c4 joined;" \
		"c1's neighbour entry for 172.17.0.1 is now stale: see t-default-bridge)"
fi
traffic "after the table was restored"
assert_foreign "after restore"

log "rm: policy and foreign rules still there, nothing else left"
assert_ok berth rm -f c1 c2 c4
assert_policy_drop "after rm"
assert_foreign "after rm"
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth
exit 0
