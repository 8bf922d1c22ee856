#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Port publishing, on both firewall backends, with real traffic and no proxy process.
#  -p 8080:80: from the outside (the server sees the outside's own address), from the
#    host on its addresses and on 127.0.0.1, from another container through the
#    host's address (hairpin), and from the container itself through the host's
#    address; `berth port`, inspect .NetworkSettings.Ports, ps.
#  -p 127.0.0.1:9090:80 only on 127.0.0.1; -p 198.51.100.1:7070:80 only on that address;
#  -p 5353:53/udp (a UDP echo); ranges 8000-8002:8000-8002 and 9000-9005:80; -p 80 and
#  -P --expose 81 on ephemeral ports; conflicts with a container and with a host
#  process fail naming the owner and leave nothing; after rm the port is free, a UDP
#  client keeping its source port reaches the new container (no stale conntrack
#  entry), and every mapping is gone; bad specs fail with 125 naming the spec; a
#  published port works under a FORWARD DROP policy; daemon.json "ip": "127.0.0.1"
#  makes 127.0.0.1 the default host address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw-lib.sh"
fw_each_backend "$@"
sandbox_enter "$@"
need_tools iptables iptables-save
BE=$(fw_be)
log "backend $BE"

outside_setup
# a second host address on the outside link, to tell per-address bindings apart
OTHER_HOST_IP=198.51.100.3
assert_ok ip addr add "$OTHER_HOST_IP/24" dev o-host
H=$OUTSIDE_HOST_IP
read -r EPH_LO EPH_HI </proc/sys/net/ipv4/ip_local_port_range

# the published ports of NAME as `berth port NAME` prints them
port_of() { "$BERTH" port "$@"; }

# in_range N LO HI
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# no_proxy: nothing but the containers' own processes and monitors: no process
# listens on a published host port in the host's namespace.
no_proxy()
{
	capture ss -Htlnp
	assert_not_contains "$OUT" ":$1 " "$2: a host socket on published port $1 (a proxy?)"
}

# ------------------------------------------------------------------- -p 8080:80
log "-p 8080:80"
fw_web web -p 8080:80
web_ip=$(ctr_ip web)
assert_eq "80/tcp -> 0.0.0.0:8080" "$(port_of web)" "berth port web"
assert_eq "0.0.0.0:8080" "$(port_of web 80)" "berth port web 80"
assert_eq "0.0.0.0:8080" "$(port_of web 80/tcp)" "berth port web 80/tcp"
assert_fails berth port web 81
assert_contains "$OUT" "No public port '81/tcp' published for web" "berth port web 81"
assert_eq '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}' \
	"$(inspect_f web '{{json .NetworkSettings.Ports}}')" "inspect .NetworkSettings.Ports"
assert_contains "$(berth ps)" "0.0.0.0:8080->80/tcp" "berth ps PORTS"
no_proxy 8080 "-p 8080:80"

log "-p 8080:80 from the outside: the server sees the real client address"
assert_get outside "http://$H:8080/cgi-bin/who" "peer=$OUTSIDE_IP" "outside -> host:8080"
assert_get outside "http://$OTHER_HOST_IP:8080/" hello-web "outside -> the host's other address:8080"

log "-p 8080:80 from the host: its own addresses and 127.0.0.1"
assert_get host "http://$H:8080/" hello-web "host -> own address:8080"
assert_get host "http://172.17.0.1:8080/" hello-web "host -> bridge address:8080"
assert_get host "http://127.0.0.1:8080/" hello-web "host -> 127.0.0.1:8080"
assert_get host "http://localhost:8080/" hello-web "host -> localhost:8080"

log "-p 8080:80 from another container through the host's address (hairpin)"
fw_sleeper other
brnf0=$(cat "$FW_BRNF" 2>/dev/null || echo -)
for v in $(fw_brnf_values); do
	fw_brnf "$v"
	soft assert_get other "http://$H:8080/" hello-web "bridge-nf-call-iptables=$v: other container -> host:8080"
	soft assert_get other "http://172.17.0.1:8080/" hello-web "bridge-nf-call-iptables=$v: other container -> gateway:8080"
	log "-p 8080:80 from the container itself through the host's address (bridge-nf-call-iptables=$v)"
	soft assert_get web "http://$H:8080/" hello-web "bridge-nf-call-iptables=$v: web -> host:8080 (itself)"
	soft assert_get web "http://172.17.0.1:8080/" hello-web "bridge-nf-call-iptables=$v: web -> gateway:8080 (itself)"
done
fw_brnf "$brnf0"

# ------------------------------------------------------------------- host addresses
log "-p 127.0.0.1:9090:80: on 127.0.0.1 only"
fw_web lo9 -p 127.0.0.1:9090:80
assert_eq "127.0.0.1:9090" "$(port_of lo9 80)" "berth port lo9 80"
assert_get host http://127.0.0.1:9090/ hello-lo9 "host -> 127.0.0.1:9090"
assert_no_get host "http://$H:9090/" "host -> own address:9090 (bound to 127.0.0.1)"
assert_no_get outside "http://$H:9090/" "outside -> host:9090 (bound to 127.0.0.1)"
assert_no_get other "http://$H:9090/" "container -> host:9090 (bound to 127.0.0.1)"

log "-p $H:7070:80: on that address only"
fw_web a7 -p "$H:7070:80"
assert_eq "$H:7070" "$(port_of a7 80)" "berth port a7 80"
assert_get outside "http://$H:7070/cgi-bin/who" "peer=$OUTSIDE_IP" "outside -> $H:7070"
assert_get host "http://$H:7070/" hello-a7 "host -> $H:7070"
assert_no_get outside "http://$OTHER_HOST_IP:7070/" "outside -> $OTHER_HOST_IP:7070"
assert_no_get host http://127.0.0.1:7070/ "host -> 127.0.0.1:7070"
assert_no_get host http://172.17.0.1:7070/ "host -> 172.17.0.1:7070"

# ------------------------------------------------------------------- UDP
log "-p 5353:53/udp: a UDP echo"
fw_udp_echo udp 53 -p 5353:53/udp
assert_eq "0.0.0.0:5353" "$(port_of udp 53/udp)" "berth port udp 53/udp"
fw_udp outside "$H" 5353 from-outside
assert_eq 0 "$RC" "UDP outside -> host:5353: $OUT"
assert_eq "echo:from-outside peer=$OUTSIDE_IP" "$OUT" "UDP outside -> host:5353"
fw_udp host "$H" 5353 from-host
assert_eq 0 "$RC" "UDP host -> own address:5353: $OUT"
assert_match "$OUT" '^echo:from-host peer=' "UDP host -> own address:5353"
fw_udp host 127.0.0.1 5353 from-lo
assert_eq 0 "$RC" "UDP host -> 127.0.0.1:5353: $OUT"
assert_match "$OUT" '^echo:from-lo peer=' "UDP host -> 127.0.0.1:5353"
assert_no_tcp outside "$H" 5353 "TCP to a UDP-only mapping"

# ------------------------------------------------------------------- ranges
log "-p 8000-8002:8000-8002: three listeners"
PORTS="8000 8001 8002" fw_web rng -p 8000-8002:8000-8002
assert_eq "8000/tcp -> 0.0.0.0:8000
8001/tcp -> 0.0.0.0:8001
8002/tcp -> 0.0.0.0:8002" "$(port_of rng | sort)" "berth port rng"
for p in 8000 8001 8002; do
	assert_get outside "http://$H:$p/cgi-bin/who" "peer=$OUTSIDE_IP" "outside -> host:$p"
	assert_get host "http://127.0.0.1:$p/" hello-rng "host -> 127.0.0.1:$p"
done

log "-p 9000-9005:80: one host port from the range; a second container gets another"
fw_web r1 -p 9000-9005:80
fw_web r2 -p 9000-9005:80
capture port_of r1 80
assert_match "$OUT" '^0\.0\.0\.0:900[0-5]$' "berth port r1 80"
p1=${OUT##*:}
capture port_of r2 80
assert_match "$OUT" '^0\.0\.0\.0:900[0-5]$' "berth port r2 80"
p2=${OUT##*:}
assert_ne "$p1" "$p2" "two containers, one range"
assert_eq 1 "$(port_of r1 | grep -c .)" "r1 has one mapping"
assert_get outside "http://$H:$p1/" hello-r1 "outside -> r1's port $p1"
assert_get outside "http://$H:$p2/" hello-r2 "outside -> r2's port $p2"

# ------------------------------------------------------------------- random ports
log "-p 80 and -P --expose 81: ports from the ephemeral range $EPH_LO-$EPH_HI"
fw_web eph -p 80
capture port_of eph 80
assert_match "$OUT" '^0\.0\.0\.0:[0-9]+$' "berth port eph 80"
pe=${OUT##*:}
in_range "$pe" "$EPH_LO" "$EPH_HI" || fail "-p 80 got host port $pe, not in $EPH_LO-$EPH_HI"
assert_eq "80/tcp -> 0.0.0.0:$pe" "$(port_of eph)" "berth port eph"
assert_get outside "http://$H:$pe/cgi-bin/who" "peer=$OUTSIDE_IP" "outside -> -p 80's port $pe"
PORTS=81 fw_web pall -P --expose 81
capture port_of pall 81
assert_match "$OUT" '^0\.0\.0\.0:[0-9]+$' "berth port pall 81"
pp=${OUT##*:}
in_range "$pp" "$EPH_LO" "$EPH_HI" || fail "-P got host port $pp, not in $EPH_LO-$EPH_HI"
assert_ne "$pe" "$pp" "two random ports"
assert_eq "81/tcp -> 0.0.0.0:$pp" "$(port_of pall)" "berth port pall"
assert_eq "{\"81/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"$pp\"}]}" \
	"$(inspect_f pall '{{json .NetworkSettings.Ports}}')" "inspect -P"
assert_get outside "http://$H:$pp/" hello-pall "outside -> -P's port $pp"
assert_get host "http://127.0.0.1:$pp/" hello-pall "host -> 127.0.0.1:$pp"

log "inspect: exposed but not published is null, keys in Docker's (sorted) order"
fw_sleeper expo --expose 90 -p 8090:80 -p 8091:81/udp
soft assert_eq '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8090"}],"81/udp":[{"HostIp":"0.0.0.0","HostPort":"8091"}],"90/tcp":null}' \
	"$(inspect_f expo '{{json .NetworkSettings.Ports}}')" "inspect .NetworkSettings.Ports with an unpublished exposed port"
assert_contains "$(inspect_f expo '{{json .NetworkSettings.Ports}}')" '"90/tcp":null' "exposed, unpublished"

# ------------------------------------------------------------------- conflicts
# conflict_base: the containers, veths and rules that assert_nothing_new compares with.
conflict_base()
{
	base_ps=$(berth ps -aq | sort)
	base_veths=$(host_veths | sort)
	fw_rules_norm >"$E2E_TMP/rules.base"
}
# assert_nothing_new WHAT [NAME...]: no veth and no rule more than before; each
# NAME, whose run failed at start, is left created as Docker leaves it (checked,
# then removed); then no container more than before "conflict_base".
assert_nothing_new()
{
	local what=$1 name
	shift
	assert_eq "$base_veths" "$(host_veths | sort)" "$what: veths"
	assert_rules_unchanged "$E2E_TMP/rules.base" "$what"
	for name; do
		assert_start_failed "$name"
	done
	assert_eq "$base_ps" "$(berth ps -aq | sort)" "$what: containers"
}

log "conflict: the same host port twice fails naming the owner, leaves nothing"
conflict_base
capture_split berth run -d --name dup -p 8080:80 -- busybox sleep 100
assert_eq 125 "$RC" "second -p 8080:80: exit status"
assert_contains "$ERR" "port is already allocated" "second -p 8080:80"
assert_contains "$ERR" "8080" "second -p 8080:80 names the port"
assert_contains "$ERR" "web" "second -p 8080:80 names the owner"
assert_nothing_new "after the refused -p 8080:80" dup
log "a container whose start failed on a taken port starts once the port is free; its error goes"
fw_sleeper holder -p 8098:80
capture_split berth run -d --name late -p 8098:80 -- busybox sleep 100000
assert_eq 125 "$RC" "-p 8098:80 while holder has it"
assert_eq "created 128" "$(inspect_f late '{{.State.Status}} {{.State.ExitCode}}')" "late after its failed start"
assert_contains "$(inspect_f late '{{.State.Error}}')" "port is already allocated" "late's State.Error"
assert_ok berth rm -f holder
assert_ok berth start late
wait_running late
assert_eq "0 []" "$(inspect_f late '{{.State.ExitCode}} [{{.State.Error}}]')" "late's exit code and error once it runs"
assert_eq "80/tcp -> 0.0.0.0:8098" "$(port_of late)" "late publishes 8098"
assert_ok berth rm -f late
log "conflict: a --rm container whose start fails is removed"
capture_split berth run -d --rm --name gone -p 8080:80 -- busybox sleep 100
assert_eq 125 "$RC" "--rm -p 8080:80 while web has it"
assert_fails berth inspect gone
assert_nothing_new "after the refused --rm -p 8080:80"

log "conflict: overlapping address (127.0.0.1:8080 vs 0.0.0.0:8080) and a used range"
capture_split berth run -d --name dup2 -p 127.0.0.1:8080:80 -- busybox sleep 100
assert_eq 125 "$RC" "-p 127.0.0.1:8080:80 while 0.0.0.0:8080 is taken"
assert_contains "$ERR" "web" "-p 127.0.0.1:8080:80 names the owner"
capture_split berth run -d --name dup3 -p 8001-8003:8001-8003 -- busybox sleep 100
assert_eq 125 "$RC" "-p 8001-8003:8001-8003 overlapping rng's range"
assert_contains "$ERR" "rng" "-p 8001-8003 names the owner"
assert_nothing_new "after the refused overlaps" dup2 dup3
# the same port number on another protocol is free
fw_sleeper udp8080 -p 8080:80/udp
assert_ok berth rm -f udp8080

log "conflict: a port held by a host process fails naming the process, leaves nothing"
bg busybox nc -l -p 7777
nc_pid=$!
wait_until 5 sh -c "ss -Htln | grep -q ':7777 '" || fail "host nc does not listen"
conflict_base
capture_split berth run -d --name held -p 7777:80 -- busybox sleep 100
assert_eq 125 "$RC" "-p 7777:80 held by a host process: exit status"
assert_contains "$ERR" "7777" "-p 7777:80 names the port"
assert_contains "$ERR" "already in use" "-p 7777:80"
assert_contains "$ERR" "pid $nc_pid" "-p 7777:80 names the process"
assert_nothing_new "after the refused -p 7777:80" held
kill "$nc_pid" 2>/dev/null
wait "$nc_pid" 2>/dev/null
wait_until 5 sh -c "! ss -Htln | grep -q ':7777 '" || fail "host nc still listens"
fw_web held -p 7777:80
assert_get outside "http://$H:7777/" hello-held "the port, once the host process is gone"

log "conflict: a UDP port held by a host process"
if command -v perl >/dev/null; then
	bg perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalPort => 5454, Proto => "udp") or die; sleep 100'
	udp_pid=$!
	wait_until 5 sh -c "ss -Hluan | grep -q ':5454 '" || fail "host UDP socket not bound"
	conflict_base
	capture_split berth run -d --name heldu -p 5454:53/udp -- busybox sleep 100
	assert_eq 125 "$RC" "-p 5454:53/udp held by a host process"
	assert_contains "$ERR" "pid $udp_pid" "-p 5454:53/udp names the process"
	assert_nothing_new "after the refused -p 5454:53/udp" heldu
	kill "$udp_pid" 2>/dev/null
	wait "$udp_pid" 2>/dev/null
fi

# ------------------------------------------------------------------- rm frees
log "after rm the port works for a new container, the old mapping is gone"
old_web_ip=$web_ip
assert_ok berth rm -f web
assert_no_get outside "http://$H:8080/" "host:8080 after rm"
fw_web web2 -p 8080:80
web2_ip=$(ctr_ip web2)
assert_get outside "http://$H:8080/" hello-web2 "host:8080 for a new container"
assert_get host "http://127.0.0.1:8080/" hello-web2 "127.0.0.1:8080 for a new container"
if [ "$old_web_ip" != "$web2_ip" ]; then
	assert_rules_forget "after rm web" "$old_web_ip"
fi

log "UDP after rm: the same client flow reaches the new container (no stale conntrack entry)"
# The outside keeps its source port, as a DNS resolver or a game client would: the
# conntrack entry of the old mapping must go with the container, or the new one
# never sees the flow (it would be DNATed to the old address for as long as packets
# keep coming).  The old address is taken by another container meanwhile.
udp_ip=$(ctr_ip udp)
fw_udp outside "$H" 5353 before-rm 40053
assert_eq "echo:before-rm peer=$OUTSIDE_IP" "$OUT" "UDP from source port 40053 before rm"
assert_ok berth rm -f udp
fw_sleeper squat --ip "$udp_ip"
fw_udp_echo udp2 53 -p 5353:53/udp
assert_ne "$udp_ip" "$(ctr_ip udp2)" "the new UDP container's address"
fw_udp outside "$H" 5353 fresh-port
assert_eq "echo:fresh-port peer=$OUTSIDE_IP" "$OUT" "UDP to the new container from a new source port"
fw_udp outside "$H" 5353 same-port 40053
soft assert_eq "echo:same-port peer=$OUTSIDE_IP" "$OUT" "UDP to the new container from the old flow's source port (stale conntrack entry for $udp_ip?)"
[ "$OUT" = "echo:same-port peer=$OUTSIDE_IP" ] ||
	grep 'dport=5353' /proc/net/nf_conntrack 2>/dev/null | sed 's/^/    conntrack: /'
assert_ok berth rm -f squat

# ------------------------------------------------------------------- bad specs
log "bad -p specs fail with 125, naming the spec, and make nothing"
conflict_base
for spec in 99999:80 abc 1.2.3:80:80 80/xyz 8080:0 80-70 8000-8001:80-82 ''; do
	capture_split berth run -d -p "$spec" -- busybox sleep 100
	assert_eq 125 "$RC" "-p '$spec': exit status"
	assert_contains "$ERR" "\"$spec\"" "-p '$spec': the message names the spec"
done
capture_split berth run -d --expose abc -- busybox sleep 100
assert_eq 125 "$RC" "--expose abc: exit status"
assert_contains "$ERR" "abc" "--expose abc: the message names it"
assert_nothing_new "after the bad specs"

# ------------------------------------------------------------------- sctp (no traffic)
log "-p 9999:99/sctp is accepted and listed"
fw_sleeper sc -p 9999:99/sctp
assert_eq "99/sctp -> 0.0.0.0:9999" "$(port_of sc)" "berth port sc"
assert_eq "0.0.0.0:9999" "$(port_of sc 99/sctp)" "berth port sc 99/sctp"

# ------------------------------------------------------------------- everything gone
log "rm of everything: no mapping and no container address left in any rule"
ips="$web2_ip $(for c in lo9 a7 udp2 rng r1 r2 eph pall expo held sc other; do ctr_ip "$c"; done)"
# shellcheck disable=SC2046
assert_ok berth rm -f $(berth ps -aq)
# shellcheck disable=SC2086
assert_rules_forget "after rm of everything" $ips
if [ "$BE" = nftables ]; then
	for m in dnat4 dnat4_any dnat6 dnat6_any; do
		capture nft list map inet berth "$m"
		assert_eq 0 "$RC" "map $m after rm: $OUT"
		assert_not_contains "$OUT" "elements" "map $m after rm"
	done
else
	assert_not_contains "$(iptables-save -t nat)" "-j DNAT" "iptables nat after rm"
	assert_not_contains "$(iptables-save -t filter)" "ctstate DNAT -j ACCEPT" "iptables filter after rm"
fi
assert_iptables_save_clean "after rm of everything"
for p in 8080 9090 7070 8000 9000 "$pe" "$pp"; do
	assert_no_get host "http://127.0.0.1:$p/" "127.0.0.1:$p after rm"
done

# ------------------------------------------------------------------- FORWARD DROP
log "a published port works when the host's FORWARD policy is DROP (as Docker sets it)"
assert_ok iptables -P FORWARD DROP
fw_web fwd -p 8085:80
assert_get outside "http://$H:8085/cgi-bin/who" "peer=$OUTSIDE_IP" "outside -> host:8085 with FORWARD DROP"
PORTS=8086 fw_web fwd2 -p 8086:8086
assert_get fwd2 "http://$H:8085/" hello-fwd "container -> host:8085 with FORWARD DROP"
assert_eq "-P FORWARD DROP" "$(iptables -S FORWARD | head -1)" "FORWARD policy left alone"
assert_ok berth rm -f fwd fwd2
assert_ok iptables -P FORWARD ACCEPT

# ------------------------------------------------------------------- host-binding-ipv4
log "daemon.json \"ip\": \"127.0.0.1\": -p 8080:80 is only on 127.0.0.1"
daemon_json '{"ip": "127.0.0.1"}'
fw_web hb -p 8080:80
assert_eq "127.0.0.1:8080" "$(port_of hb 80)" "berth port hb 80"
assert_get host http://127.0.0.1:8080/ hello-hb "host -> 127.0.0.1:8080"
assert_no_get outside "http://$H:8080/" "outside -> host:8080 with ip=127.0.0.1"
assert_no_get host "http://$H:8080/" "host -> own address:8080 with ip=127.0.0.1"
log "... an explicit address still wins"
fw_web hb2 -p "$H:8081:80"
assert_get outside "http://$H:8081/" hello-hb2 "explicit address with ip=127.0.0.1"
assert_ok berth rm -f hb hb2
daemon_json_rm
exit 0
