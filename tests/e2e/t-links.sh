#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --link with "icc": false, on both firewall backends.  A server with listeners on
# 80, 81 and 82, `--expose 80` and `-p 8082:82`; a client with `--link srv:web`
# reaches srv:80 and srv:82 by the name "web" (/etc/hosts: "IP<TAB>web <id> srv")
# but not srv:81; an unlinked container reaches none of them.  The client has
# Docker's link variables (WEB_NAME, WEB_PORT, WEB_PORT_80_TCP[_ADDR|_PORT|_PROTO],
# WEB_ENV_X).  --link to a missing or a stopped container fails with Docker's
# message and leaves nothing behind.  Stopping or removing the client, or removing
# the server, takes the flows away (nft set `links`, iptables BERTH chain).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw-lib.sh"
fw_each_backend "$@"
sandbox_enter "$@"
need_tools iptables iptables-save
BE=$(fw_be)
log "backend $BE"

daemon_json '{"icc": false}'

# flows_open CLIENT_IP WHAT: the firewall holds the flows of cli -> srv:80 and :82 only.
flows_open()
{
	local c=$1
	if [ "$BE" = nftables ]; then
		capture fw_nft_set bridge berth links
		assert_eq "$c . $srv_ip . tcp . 80
$c . $srv_ip . tcp . 82" "$(printf '%s\n' "$OUT" | sort)" "$2: nft set links"
	else
		capture iptables-save -t filter
		assert_contains "$OUT" "-A BERTH -s $c/32 -d $srv_ip/32 -i berth0 -o berth0 -p tcp -m tcp --dport 80 -j ACCEPT" "$2: iptables link rule (dport)"
		assert_contains "$OUT" "-A BERTH -s $srv_ip/32 -d $c/32 -i berth0 -o berth0 -p tcp -m tcp --sport 80 -j ACCEPT" "$2: iptables link rule (sport)"
		assert_contains "$OUT" "--dport 82 -j ACCEPT" "$2: iptables link rule for the published port"
		assert_not_contains "$OUT" "--dport 81 " "$2: iptables rule for the unexposed port"
	fi
}

# flows_gone WHAT ADDR...: no link flow left, nothing names ADDR in a link rule.
flows_gone()
{
	local what=$1 a
	shift
	if [ "$BE" = nftables ]; then
		assert_eq "" "$(fw_nft_set bridge berth links)" "$what: nft set links"
	else
		capture iptables-save -t filter
		for a; do
			assert_not_contains "$OUT" "-s $a/32" "$what: iptables rule from $a"
			assert_not_contains "$OUT" "-d $a/32 -i" "$what: iptables link rule to $a"
		done
	fi
}

log "a server (80, 81, 82 listening; 80 exposed, 82 published), a linked client, a stranger"
PORTS="80 81 82" fw_web srv --expose 80 -p 8082:82 -e X=hello-x -e "Y=with space"
srv_ip=$(ctr_ip srv)
srv_id=$(ctr_id srv)
assert_match "$srv_id" '^[0-9a-f]{64}$' "srv's id"
fw_sleeper cli --link srv:web
fw_sleeper third
cli_ip=$(ctr_ip cli)
third_ip=$(ctr_ip third)
flows_open "$cli_ip" "linked"

log "/etc/hosts of the client"
assert_ok berth exec cli cat /etc/hosts
assert_contains "$OUT" "$(printf '%s\tweb %s srv' "$srv_ip" "${srv_id:0:12}")" "client's /etc/hosts line for the link"
assert_ok berth exec third cat /etc/hosts
assert_not_contains "$OUT" "web" "the unlinked container's /etc/hosts"

log "the client reaches the exposed and the published port by the alias, not the other"
assert_get cli http://web/ hello-srv "client -> web:80"
assert_get cli http://srv/ hello-srv "client -> srv:80 (by the server's name)"
assert_get cli "http://${srv_id:0:12}/" hello-srv "client -> <short id>:80"
assert_get cli http://web:82/ hello-srv "client -> web:82 (published, hence exposed)"
assert_get cli http://web/cgi-bin/who "peer=$cli_ip" "the server sees the client's own address"
assert_no_tcp cli "$srv_ip" 81 "client -> srv:81 (not exposed)"
assert_no_ping cli "$srv_ip" "client -> srv ICMP (not a linked flow)"

log "the unlinked container reaches none of it"
assert_no_tcp third "$srv_ip" 80 "third -> srv:80"
assert_no_tcp third "$srv_ip" 81 "third -> srv:81"
assert_no_tcp third "$srv_ip" 82 "third -> srv:82"
assert_no_tcp srv "$third_ip" 80 "srv -> third"

log "the link's environment"
env=$(berth exec cli cat /proc/1/environ | tr '\0' '\n')
for want in "WEB_NAME=/cli/web" "WEB_PORT=tcp://$srv_ip:80" \
	"WEB_PORT_80_TCP=tcp://$srv_ip:80" "WEB_PORT_80_TCP_ADDR=$srv_ip" \
	"WEB_PORT_80_TCP_PORT=80" "WEB_PORT_80_TCP_PROTO=tcp" \
	"WEB_PORT_82_TCP=tcp://$srv_ip:82" "WEB_PORT_82_TCP_ADDR=$srv_ip" \
	"WEB_PORT_82_TCP_PORT=82" "WEB_PORT_82_TCP_PROTO=tcp" \
	"WEB_ENV_X=hello-x" "WEB_ENV_Y=with space"; do
	printf '%s\n' "$env" | grep -qxF -- "$want" || fail "client env lacks [$want]:
$env"
done
assert_not_contains "$env" "WEB_PORT_81" "client env"
printf '%s\n' "$env" | grep -qxF "WEB_ENV_PORTS=80 81 82" || fail "client env lacks the server's PORTS"
assert_not_contains "$(berth exec third cat /proc/1/environ | tr '\0' '\n')" "WEB_" "the unlinked container's env"

log "--link to a missing container fails and leaves nothing"
fw_rules_norm >"$E2E_TMP/rules.before"
veths_before=$(host_veths | sort)
capture_split berth run -d --name bad1 --link nosuch:x -- busybox sleep 100
assert_ne 0 "$RC" "--link to a missing container"
assert_contains "$ERR" "could not get container for nosuch" "--link to a missing container: message"
soft assert_eq 125 "$RC" "--link to a missing container: exit status (Docker's 125)"
assert_fails berth inspect bad1
assert_eq "$veths_before" "$(host_veths | sort)" "veths after the failed --link"
assert_rules_unchanged "$E2E_TMP/rules.before" "after --link to a missing container"

log "--link to a stopped container fails at start: bad2 stays, created, holding nothing"
assert_ok berth run --name stopped -- busybox true
assert_eq exited "$(inspect_f stopped '{{.State.Status}}')" "the stopped container"
fw_rules_norm >"$E2E_TMP/rules.before"
capture_split berth run -d --name bad2 --link stopped:st -- busybox sleep 100
assert_ne 0 "$RC" "--link to a stopped container"
assert_contains "$ERR" "Cannot link to a non running container" "--link to a stopped container: message"
assert_contains "$ERR" "stopped" "--link to a stopped container: message names it"
soft assert_eq 125 "$RC" "--link to a stopped container: exit status (Docker's 125)"
assert_eq "$veths_before" "$(host_veths | sort)" "veths after the failed --link"
assert_rules_unchanged "$E2E_TMP/rules.before" "after --link to a stopped container"
assert_start_failed bad2 "Cannot link to a non running container"
assert_ok berth rm stopped
flows_open "$cli_ip" "after the failed links"

log "stopping the client takes its flows away; starting it brings them back"
assert_ok berth stop -t 1 cli
flows_gone "client stopped" "$cli_ip"
assert_ok berth start cli
wait_running cli
cli_ip=$(ctr_ip cli)
flows_open "$cli_ip" "client restarted"
assert_get cli http://web/ hello-srv "restarted client -> web:80"
assert_no_tcp cli "$srv_ip" 81 "restarted client -> srv:81"

log "removing the client takes its flows away"
assert_ok berth rm -f cli
flows_gone "client removed" "$cli_ip"
assert_rules_forget "client removed" "$cli_ip"
assert_no_tcp third "$srv_ip" 80 "third -> srv:80 after the client left"

log "removing the server takes the flows of its clients away"
fw_sleeper cli2 --link srv
cli2_ip=$(ctr_ip cli2)
assert_get cli2 http://srv/ hello-srv "cli2 -> srv:80 (alias = name)"
assert_ok berth exec cli2 cat /etc/hosts
assert_contains "$OUT" "$(printf '%s\tsrv %s' "$srv_ip" "${srv_id:0:12}")" "cli2's /etc/hosts (alias = name)"
assert_contains "$(berth exec cli2 cat /proc/1/environ | tr '\0' '\n')" "SRV_NAME=/cli2/srv" "cli2's env"
flows_open "$cli2_ip" "cli2 linked"
assert_ok berth rm -f srv
flows_gone "server removed" "$cli2_ip" "$srv_ip"
assert_rules_forget "server removed" "$srv_ip"

log "everything removed: no link and no address left in any rule"
assert_ok berth rm -f cli2 third
flows_gone "all removed" "$cli2_ip" "$third_ip" "$srv_ip"
assert_rules_forget "all removed" "$srv_ip" "$cli_ip" "$cli2_ip" "$third_ip"
assert_iptables_save_clean "all removed"
exit 0
