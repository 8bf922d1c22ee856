#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Names on user-defined networks: containers resolve each other's names, short ids,
# --network-alias and `network connect --alias` names (getent, glibc) and reach each
# other by name over TCP; a container started later is resolvable at once by the
# ones started before (the network's dnsmasq is reloaded, not restarted); names go
# when their container stops, is removed or is disconnected; other names go to the
# host's resolvers, but nothing about the network's own names does.  As with Docker:
# a container on two networks resolves the names of both; a container only on an
# --internal network gets no answers from outside; dual-stack containers have AAAA
# records; --dns on a user network is where unknown names go.  The default bridge
# has no names (Docker), only --add-host.  --dns, --dns-search, --dns-option and
# --add-host shape resolv.conf and hosts, and daemon.json "dns" sets the default
# nameservers.
#
# The host's /etc/resolv.conf is replaced (a bind mount in the sandbox's own mount
# namespace) by one naming a DNS server in the "outside" namespace, so no query can
# leave the sandbox.
. "$(dirname "$0")/lib.sh"
UPSTREAM_NAME=upstream.test
UPSTREAM_ADDR=198.51.100.77

# upstream_dns: the outside, a "host's resolver" there (knows one name, refuses the
# rest, logs queries to $E2E_TMP/upstream.log) and the host's resolv.conf naming it.
upstream_dns()
{
	outside_setup
	printf 'nameserver %s\n' "$OUTSIDE_IP" >"$E2E_TMP/host-resolv.conf"
	mount --bind "$E2E_TMP/host-resolv.conf" /etc/resolv.conf || fail "bind mount over /etc/resolv.conf"
	bg ip netns exec outside dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --listen-address="$OUTSIDE_IP" --bind-interfaces --user=root \
		--address="/$UPSTREAM_NAME/$UPSTREAM_ADDR" --address="/$OTHER_NAME/" --log-queries --log-facility="$E2E_TMP/upstream.log"
	upstream_pid=$!
	wait_until 5 sh -c "ip netns exec outside busybox netstat -lnu | grep -q '$OUTSIDE_IP:53 '" ||
		fail "upstream DNS server did not start"
}

# other_dns: a second DNS server in the outside, at $OTHER_DNS, the only one that
# knows $OTHER_NAME (the host's resolver says NXDOMAIN for it).
OTHER_DNS=198.51.100.3
OTHER_NAME=custom.test
OTHER_ADDR=198.51.100.88
other_dns()
{
	outside ip addr add "$OTHER_DNS/24" dev o-out || fail "address $OTHER_DNS"
	bg ip netns exec outside dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --listen-address="$OTHER_DNS" --bind-interfaces --user=root \
		--address="/$OTHER_NAME/$OTHER_ADDR"
	other_pid=$!
	wait_until 5 sh -c "ip netns exec outside busybox netstat -lnu | grep -q '$OTHER_DNS:53 '" ||
		fail "second DNS server did not start"
}

# berth's own dnsmasq processes (the upstream one runs in the outside netns).
berth_dnsmasqs() { pgrep -x dnsmasq | grep -vx -e "$upstream_pid" -e "${other_pid:-none}" || true; }

# resolves CTR NAME IP: `getent hosts NAME` in CTR gives IP.
resolves()
{
	capture berth exec "$1" getent hosts "$2"
	[ "$RC" = 0 ] || { fail "$1 cannot resolve $2 (exit $RC): $OUT"; return; }
	assert_eq "$3" "$(echo "$OUT" | awk 'NR == 1 {print $1}')" "$1: getent hosts $2"
}
# no_name CTR NAME: `getent hosts NAME` fails in CTR.
no_name()
{
	capture berth exec "$1" getent hosts "$2"
	[ "$RC" != 0 ] || fail "$1 still resolves $2: $OUT"
}
web()
{
	local name=$1
	shift
	assert_ok berth run -d --name "$name" --hostname "$name" "$@" -e "CGI=$WHO_CGI" -- \
		busybox sh -c "$WHO_HTTPD"
	wait_running "$name"
	wait_listen "$name" 80
}
ip_on() { "$BERTH" inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
short_id() { "$BERTH" inspect -f '{{.Id}}' "$1" | cut -c1-12; }
resolv_of() { berth exec "$1" busybox cat /etc/resolv.conf; }

# A dual-stack network: names resolve to both addresses (in a sandbox of its own:
# IPv6 forwarding, which berth turns on for good as Docker does, changes the host).
v6_names()
{
	upstream_dns
	assert_ok berth network create --ipv6 --subnet 10.20.2.0/24 --subnet fd00:20:2::/64 v6dns
	assert_ok berth run -d --name v1 --network v6dns -- busybox sleep 100
	assert_ok berth run -d --name v2 --network v6dns -- busybox sleep 100
	wait_running v1
	wait_running v2
	local v2_ip6
	v2_ip6=$("$BERTH" inspect -f '{{(index .NetworkSettings.Networks "v6dns").GlobalIPv6Address}}' v2)
	assert_eq fd00:20:2::242:a14:203 "$v2_ip6" "v2's IPv6 address"
	assert_ok berth exec v1 getent ahostsv4 v2
	assert_match "$OUT" '^10\.20\.2\.3 ' "A record of a dual-stack container"
	capture berth exec v1 timeout 12 getent ahostsv6 v2
	soft assert_match "$OUT" "^$v2_ip6 " "AAAA record of a dual-stack container (Docker answers it)"
	assert_ok berth rm -f v1 v2
	assert_ok berth network rm v6dns
	return 0
}

sandbox_enter "$@"
need_tools dnsmasq
upstream_dns

assert_ok berth run --rm -- busybox true
host_snapshot "$E2E_TMP/before"

log "names on a user network: getent and TCP by name"
assert_ok berth network create --subnet 10.20.0.0/24 dnsnet
web a1 --network dnsnet --network-alias web-alias --network-alias second-alias
web a2 --network dnsnet
a1_ip=$(ip_on a1 dnsnet)
a2_ip=$(ip_on a2 dnsnet)
assert_eq 10.20.0.2 "$a1_ip" "a1's address"
assert_eq "nameserver 10.20.0.1" "$(resolv_of a1 | grep '^nameserver')" "resolv.conf points at the gateway only"
assert_eq 1 "$(berth_dnsmasqs | wc -l)" "one dnsmasq for dnsnet"
dns_pid=$(berth_dnsmasqs)
# bound only to the gateway
assert_ok ss -Hlnu 'sport = :53'
assert_eq "10.20.0.1:53" "$(echo "$OUT" | awk '{print $4}' | sort -u | xargs)" "dnsmasq listens (UDP) only on the gateway"
resolves a1 a2 "$a2_ip"
resolves a2 a1 "$a1_ip"
resolves a1 a1 "$a1_ip"
resolves a2 web-alias "$a1_ip"
resolves a2 second-alias "$a1_ip"
resolves a1 "$(short_id a2)" "$a2_ip"
resolves a2 "$(short_id a1)" "$a1_ip"
assert_ok berth exec a1 timeout 5 busybox wget -qO- http://a2/
assert_eq hello-a2 "$OUT" "TCP a1 -> a2 by name"
assert_ok berth exec a2 timeout 5 busybox wget -qO- http://web-alias/cgi-bin/who
assert_eq "peer=$a2_ip" "$OUT" "TCP a2 -> a1 by alias"
assert_ok berth exec a2 busybox ping -c1 -W2 a1
assert_contains "$(inspect_f a1 '{{json .NetworkSettings.Networks}}')" '"Aliases":["web-alias","second-alias"]' "inspect Aliases"
resolves a1 "$UPSTREAM_NAME" "$UPSTREAM_ADDR"
no_name a1 no-such-name
assert_ok berth exec a2 getent ahosts a1
assert_match "$OUT" "^$a1_ip " "getent ahosts (A and AAAA queries) a1"
# The network's names are answered by its server, for every query type: nothing about
# them goes to the host's resolvers (Docker's resolver answers an AAAA query for an
# IPv4-only container name itself, with no records).  Forwarded, they leak the names
# and make every lookup wait for the upstream (10-15 s when it does not answer).
wait_until 5 grep -q "query\[A\] $UPSTREAM_NAME from" "$E2E_TMP/upstream.log" ||
	fail "the upstream server logged no query (log broken?)"
leaked=$(grep -E "query\[[A-Z]+\] ($(short_id a1)|$(short_id a2)|a1|a2|web-alias|second-alias) from" "$E2E_TMP/upstream.log")
soft assert_eq "" "$(echo "$leaked" | head -4)" "queries for the network's own names went to the host's resolver"

log "a container started later is resolvable at once, without a restart"
web a3 --network dnsnet
a3_ip=$(ip_on a3 dnsnet)
resolves a1 a3 "$a3_ip"
resolves a2 "$(short_id a3)" "$a3_ip"
assert_ok berth exec a1 timeout 5 busybox wget -qO- http://a3/
assert_eq hello-a3 "$OUT" "TCP to the newcomer by name"
assert_eq "$dns_pid" "$(berth_dnsmasqs)" "dnsmasq was not restarted"

log "names go with the container: stop, start, rm"
assert_ok berth stop -t 1 a3
no_name a1 a3
assert_ok berth start a3
wait_running a3
resolves a1 a3 "$(ip_on a3 dnsnet)"
a2_short=$(short_id a2)
assert_ok berth rm -f a2
no_name a1 a2
no_name a1 "$a2_short"
resolves a1 a3 "$(ip_on a3 dnsnet)"
assert_ok berth rm -f a1
no_name a3 a1
no_name a3 web-alias
no_name a3 second-alias
assert_eq "$dns_pid" "$(berth_dnsmasqs)" "dnsmasq was not restarted"

log "network connect --alias; disconnect removes the names"
assert_ok berth network create --subnet 10.20.1.0/24 othernet
assert_ok berth run -d --name o1 --network othernet -- busybox sleep 100
wait_running o1
no_name a3 o1
assert_ok berth network connect --alias conn-alias dnsnet o1
o1_ip=$(ip_on o1 dnsnet)
assert_match "$o1_ip" '^10\.20\.0\.[0-9]+$' "o1's dnsnet address"
resolves a3 o1 "$o1_ip"
resolves a3 conn-alias "$o1_ip"
assert_ok berth exec o1 timeout 5 busybox wget -qO- "http://$a3_ip/"
assert_eq hello-a3 "$OUT" "TCP o1 -> a3 over eth1"
# Docker: a container resolves the names of every network it is on.
soft resolves o1 a3 "$a3_ip"
soft assert_ok berth exec o1 timeout 5 busybox wget -qO- http://a3/
soft assert_eq hello-a3 "$OUT" "TCP o1 -> a3 by name over eth1"
assert_ok berth network disconnect dnsnet o1
no_name a3 o1
no_name a3 conn-alias
assert_fails berth network connect --alias x bridge o1
assert_fails berth run -d --name bad-alias --network-alias x -- busybox sleep 100
assert_fails berth inspect bad-alias

log "--internal network: its names resolve, the outside's do not"
assert_ok berth network create --internal --subnet 10.20.3.0/24 dnsint
assert_ok berth run -d --name n1 --network dnsint -- busybox sleep 100
assert_ok berth run -d --name n2 --network dnsint -- busybox sleep 100
wait_running n1
wait_running n2
resolves n1 n2 "$(ip_on n2 dnsint)"
# Docker (>= 26, moby#47538): a container only on internal networks gets no answers
# from external DNS servers (DNS would be a way out of the internal network).
capture berth exec n1 getent hosts "$UPSTREAM_NAME"
[ "$RC" != 0 ] || soft fail "a container on an --internal network resolves $UPSTREAM_NAME through the host's resolver: $OUT"
assert_ok berth rm -f n1 n2
assert_ok berth network rm dnsint

sandbox_sub v6_names || soft fail "dual-stack names (sub-scenario above)"

log "the default bridge has no names, only --add-host"
web b1
assert_ok berth run -d --name b2 --add-host myhost:10.1.2.3 --add-host other.example:10.9.8.7 -- busybox sleep 100
wait_running b2
b1_ip=$(inspect_f b1 '{{.NetworkSettings.IPAddress}}')
no_name b2 b1
no_name b2 "$(short_id b1)"
no_name b2 a3
resolves b2 myhost 10.1.2.3
resolves b2 other.example 10.9.8.7
assert_ok berth exec b2 busybox cat /etc/hosts
assert_match "$OUT" $'(^|\n)10\\.1\\.2\\.3[ \t]+myhost(\n|$)' "--add-host line in /etc/hosts"
assert_eq "nameserver $OUTSIDE_IP" "$(resolv_of b2 | grep '^nameserver')" "the default bridge uses the host's resolvers"
resolves b2 "$UPSTREAM_NAME" "$UPSTREAM_ADDR"
assert_ok berth exec b2 timeout 5 busybox wget -qO- "http://$b1_ip/"
assert_eq hello-b1 "$OUT" "the default bridge works by address"
assert_ok berth run --rm --network dnsnet --add-host userhost:10.4.4.4 -- getent hosts userhost
assert_match "$OUT" '^10\.4\.4\.4 +userhost$' "--add-host on a user network"

log "--dns, --dns-search, --dns-option"
assert_ok berth run --rm --dns 192.0.2.1 --dns 192.0.2.2 --dns-search example.test --dns-search corp.test \
	--dns-option ndots:2 --dns-option timeout:1 -- busybox cat /etc/resolv.conf
assert_eq "nameserver 192.0.2.1 nameserver 192.0.2.2" "$(echo "$OUT" | grep '^nameserver' | xargs)" "--dns replaces the nameservers"
assert_match "$OUT" $'(^|\n)search example.test corp.test(\n|$)' "--dns-search"
assert_match "$OUT" $'(^|\n)options ndots:2 timeout:1(\n|$)' "--dns-option"
assert_ok berth run --rm --network dnsnet --dns 192.0.2.1 --dns-search example.test --dns-option ndots:2 -- busybox cat /etc/resolv.conf
assert_eq "nameserver 10.20.0.1" "$(echo "$OUT" | grep -m1 '^nameserver')" "on a user network the gateway comes first"
assert_match "$OUT" $'(^|\n)search example.test(\n|$)' "--dns-search on a user network"
assert_match "$OUT" $'(^|\n)options ndots:2(\n|$)' "--dns-option on a user network"
assert_fails berth run --rm --dns not-an-ip -- busybox true

log "--dns and daemon.json dns are where unknown names go"
other_dns
assert_ok berth run --rm --dns "$OTHER_DNS" -- getent hosts "$OTHER_NAME"
assert_match "$OUT" "^$OTHER_ADDR " "--dns on the default bridge is asked"
# On a user network the network's DNS server (one per network, shared by its
# containers, forwarding to the host's resolvers) comes first and the --dns
# servers after it: unlike Docker's per-container embedded DNS, they are not its
# upstream (a documented difference, see README "User-defined networks").
capture berth run --rm --network dnsnet --dns "$OTHER_DNS" -- cat /etc/resolv.conf
assert_match "$OUT" "nameserver $OTHER_DNS" "--dns on a user network is in resolv.conf after the network's server"
daemon_json "{\"dns\": [\"$OTHER_DNS\"]}"
assert_ok berth run --rm -- getent hosts "$OTHER_NAME"
assert_match "$OUT" "^$OTHER_ADDR " "daemon.json dns on the default bridge is asked"
daemon_json_rm
kill "$other_pid"
wait "$other_pid" 2>/dev/null
other_pid=
outside ip addr del "$OTHER_DNS/24" dev o-out

log "daemon.json dns: the default nameservers on the default bridge"
daemon_json '{"dns": ["192.0.2.53", "192.0.2.54"]}'
assert_ok berth run --rm -- busybox cat /etc/resolv.conf
assert_eq "nameserver 192.0.2.53 nameserver 192.0.2.54" "$(echo "$OUT" | grep '^nameserver' | xargs)" "daemon.json dns"
assert_ok berth run --rm --dns 192.0.2.1 -- busybox cat /etc/resolv.conf
assert_eq "nameserver 192.0.2.1" "$(echo "$OUT" | grep '^nameserver' | xargs)" "--dns wins over daemon.json"
assert_ok berth run --rm --network dnsnet -- busybox cat /etc/resolv.conf
assert_eq "nameserver 10.20.0.1" "$(echo "$OUT" | grep -m1 '^nameserver')" "user network with daemon.json dns: the gateway first"
daemon_json_rm

log "remove everything"
assert_ok berth rm -f a3 o1 b1 b2
assert_ok berth network rm dnsnet othernet
wait_until 5 sh -c "! pgrep -x dnsmasq | grep -vxq '$upstream_pid'" || fail "berth's dnsmasq left: $(pgrep -a dnsmasq)"
kill "$upstream_pid"
wait "$upstream_pid" 2>/dev/null
umount /etc/resolv.conf
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after"
exit 0
