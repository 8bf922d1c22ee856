#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The administrator's chain and other programs' rules, on both firewall backends.
#  - nftables: a rule in `chain user` of `table inet berth`; iptables: a rule in
#    BERTH-USER.  A drop there blocks a container's traffic to the outside, survives
#    `berth run`, `rm`, `reload` and the removal of every container, and removing it
#    restores the traffic.
#  - `nft flush ruleset` (which also empties iptables-nft's tables): the next
#    `berth run`, `berth rm` and `berth reload` each restore berth's rules (outbound
#    NAT and a published port work again).
#  - Other programs' rules survive run/rm/reload: a foreign `table inet other` with a
#    counter rule, an iptables rule in filter FORWARD and one in nat PREROUTING; and
#    `iptables-save` keeps reading everything (no "incompatible" table).
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

# the administrator's rule, per backend
admin_add()
{
	if [ "$BE" = nftables ]; then
		assert_ok nft add rule inet berth user ip daddr "$OUTSIDE_IP" drop
	else
		assert_ok iptables -I BERTH-USER -d "$OUTSIDE_IP" -j DROP
	fi
}
admin_del()
{
	if [ "$BE" = nftables ]; then
		local h
		h=$(nft -a list chain inet berth user | awk -v ip="$OUTSIDE_IP" '$0 ~ "daddr " ip " drop" {print $NF}')
		assert_match "$h" '^[0-9]+$' "handle of the admin rule"
		assert_ok nft delete rule inet berth user handle "$h"
	else
		assert_ok iptables -D BERTH-USER -d "$OUTSIDE_IP" -j DROP
	fi
}
admin_present()
{
	if [ "$BE" = nftables ]; then
		capture nft list chain inet berth user
		[ "$RC" = 0 ] || fail "$1: chain inet berth user is gone: $OUT"
		assert_contains "$OUT" "ip daddr $OUTSIDE_IP drop" "$1: the admin rule in chain user"
	else
		capture iptables -S BERTH-USER
		[ "$RC" = 0 ] || fail "$1: chain BERTH-USER is gone: $OUT"
		assert_contains "$OUT" "-A BERTH-USER -d $OUTSIDE_IP/32 -j DROP" "$1: the admin rule in BERTH-USER"
	fi
}

# out_ok C WHAT / out_blocked C WHAT: C's traffic to the outside passes / is dropped.
out_ok()
{
	assert_get "$1" "$OUT_URL/cgi-bin/who" "peer=$OUTSIDE_HOST_IP" "$2: $1 -> outside"
	assert_ping "$1" "$OUTSIDE_IP" "$2: $1 -> outside"
}
out_blocked()
{
	assert_no_get "$1" "$OUT_URL/" "$2: $1 -> outside"
	assert_no_ping "$1" "$OUTSIDE_IP" "$2: $1 -> outside"
	# the drop is aimed: the host and other destinations are still fine
	assert_ping "$1" 172.17.0.1 "$2: $1 -> gateway"
}
published_ok()
{
	assert_get outside "http://$OUTSIDE_HOST_IP:8081/cgi-bin/who" "peer=$OUTSIDE_IP" "$1: published port from the outside"
}

# ---- foreign rules first: they must survive everything below
log "another program's rules: table inet other, iptables FORWARD and nat PREROUTING"
assert_ok nft -f - <<'EOF'
table inet other {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9999 counter comment "other's counter"
	}
}
EOF
assert_ok iptables -A FORWARD -s 203.0.113.0/24 -j ACCEPT
assert_ok iptables -t nat -A PREROUTING -p tcp --dport 9998 -j RETURN
foreign_ok()
{
	capture nft list table inet other
	[ "$RC" = 0 ] || fail "$1: table inet other is gone: $OUT"
	assert_contains "$OUT" "tcp dport 9999 counter" "$1: the foreign nft rule"
	assert_contains "$OUT" "other's counter" "$1: the foreign nft rule's comment"
	assert_contains "$(iptables -S FORWARD)" "-A FORWARD -s 203.0.113.0/24 -j ACCEPT" "$1: the foreign FORWARD rule"
	assert_contains "$(iptables -t nat -S PREROUTING)" "-A PREROUTING -p tcp -m tcp --dport 9998 -j RETURN" "$1: the foreign PREROUTING rule"
	assert_eq "-P FORWARD ACCEPT" "$(iptables -S FORWARD | head -1)" "$1: FORWARD policy"
	assert_iptables_save_clean "$1"
}
foreign_ok "before berth"

log "a container reaches the outside"
fw_web c1 -p 8081:80
out_ok c1 "no admin rule"
published_ok "no admin rule"
foreign_ok "after run"
if [ "$BE" = nftables ]; then
	assert_eq "" "$(nft list chain inet berth user | grep -v -e '^table' -e 'chain user' -e '^[[:space:]]*}' -e '^}')" "chain user is empty"
else
	assert_eq "-N BERTH-USER
-A BERTH-USER -j RETURN" "$(iptables -S BERTH-USER)" "BERTH-USER as created"
fi

log "the administrator's drop in the user chain blocks it"
admin_add
out_blocked c1 "admin drop"

log "... and survives berth run, rm and reload"
fw_sleeper c2
admin_present "after run"
out_blocked c1 "admin drop, after run"
out_blocked c2 "admin drop, new container"
assert_ok berth rm -f c2
admin_present "after rm"
out_blocked c1 "admin drop, after rm"
assert_ok berth reload
admin_present "after reload"
out_blocked c1 "admin drop, after reload"
foreign_ok "after run, rm and reload"

log "... and the removal of every container"
assert_ok berth rm -f c1
admin_present "after the last rm"
assert_ok berth reload
admin_present "after reload with no container"
fw_web c1 -p 8081:80
admin_present "after a new run"
out_blocked c1 "admin drop, after the last rm and a new run"

log "removing the rule restores the traffic"
admin_del
out_ok c1 "admin rule removed"
assert_ok berth reload
out_ok c1 "admin rule removed, after reload"

log "nft flush ruleset: the next berth run restores berth's rules"
assert_ok nft flush ruleset
assert_no_get c1 "$OUT_URL/" "flushed: c1 -> outside (no NAT, no route back)"
fw_sleeper c3
out_ok c1 "restored by run"
out_ok c3 "restored by run"
published_ok "restored by run"
assert_iptables_save_clean "restored by run"

log "nft flush ruleset: berth rm restores them"
assert_ok nft flush ruleset
assert_ok berth rm -f c3
out_ok c1 "restored by rm"
published_ok "restored by rm"

log "nft flush ruleset: berth reload restores them"
assert_ok nft flush ruleset
assert_ok berth reload
out_ok c1 "restored by reload"
published_ok "restored by reload"
assert_iptables_save_clean "restored by reload"

log "a user rule added after the flush works again"
admin_add
out_blocked c1 "admin drop after the flush"
admin_del
out_ok c1 "admin rule removed after the flush"

log "foreign rules made again survive the next run/rm/reload too"
assert_ok nft -f - <<'EOF'
table inet other {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9999 counter comment "other's counter"
	}
}
EOF
assert_ok iptables -A FORWARD -s 203.0.113.0/24 -j ACCEPT
assert_ok iptables -t nat -A PREROUTING -p tcp --dport 9998 -j RETURN
fw_sleeper c4
assert_ok berth rm -f c4
assert_ok berth reload
foreign_ok "after the flush, run, rm and reload"
out_ok c1 "at the end"
assert_ok berth rm -f c1
foreign_ok "after the last rm"
exit 0
