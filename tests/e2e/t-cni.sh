#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# berth-cni, the CNI plugin, driven as a runtime drives it (CNI_* environment, the
# network configuration on stdin, the result or the spec's error object on stdout), on
# both firewall backends, with "pods" made by `ip netns add`:
#  VERSION lists 0.3.1 and 1.1.0; ADD with cniVersion 1.0.0 and 0.3.1: the result's
#    interfaces (bridge, host veth, eth0 with its sandbox), ips (address in
#    rangeStart-rangeEnd, gateway, interface index of eth0; "version" only before
#    1.0.0), routes, all matching the kernel; Docker's MAC (02:42 + IPv4); pods ping
#    each other and reach an outside host, which sees the host's address (ipMasq);
#  portMappings: outside -> host:8080 reaches the pod (which sees the real client),
#    the host reaches it on its own address, the pod itself through the host
#    (hairpinMode); gone after DEL (traffic and DNAT map / iptables rule);
#  a host port held by another attachment: refused naming it, nothing left behind;
#  CNI_ARGS IP= (IgnoreUnknown=1), runtimeConfig.ips, an address outside the range
#    (code 7), runtimeConfig.mac;
#  CHECK passes, then fails once the pod's eth0 is gone; DEL twice, DEL after the
#    netns is gone, DEL with another configuration: all succeed and release the
#    address; GC with cni.dev/valid-attachments releases the unlisted attachment (veth,
#    address, port) and leaves the listed one working; STATUS 0, and 50 on a full /30;
#  errors with their codes (6 bad JSON, 1 cniVersion 0.2.0, 4 no CNI_NETNS, 2 ipam
#    dhcp, 2 vlan, 3 missing netns, 4 unknown CNI_ARGS key), each leaving no veth,
#    network or address behind;
#  a berth container on cni:NAME and a pod ping each other;
#  in the end: no veth on the bridge, no DNAT mapping, `berth network rm` accepts the
#    network (no attachment left in the store).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw-lib.sh"
fw_each_backend "$@"
sandbox_enter "$@"
need_tools jq iptables-save
e2e_find_berth_cni
BE=$(fw_be)
log "backend $BE"

outside_setup
outside_httpd 8080
H=$OUTSIDE_HOST_IP
GW=10.22.0.1

# The network under test ("kube" on bridge cni0), as a runtime would pass it.
NET='"name":"kube","type":"berth-cni","bridge":"cni0","isGateway":true,"isDefaultGateway":true,"ipMasq":true,"hairpinMode":true,"ipam":{"type":"host-local","subnet":"10.22.0.0/24","rangeStart":"10.22.0.10","rangeEnd":"10.22.0.20","routes":[{"dst":"192.0.2.0/24"}]}'

# conf VERSION [FIELD...]: the configuration with cniVersion VERSION and extra
# top-level fields ('"runtimeConfig":{...}').
conf()
{
	local v=$1 f extra=
	shift
	for f; do extra="$extra,$f"; done
	printf '{"cniVersion":"%s",%s%s}' "$v" "$NET" "$extra"
}

# cni CMD CONTAINERID NETNS CONF [VAR=VALUE...]: run berth-cni; the result (or error
# object) in OUT, stderr in ERR, status in RC.
cni()
{
	local cmd=$1 id=$2 ns=$3 c=$4
	shift 4
	capture_split env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" CNI_NETNS="$ns" \
		CNI_IFNAME=eth0 CNI_PATH=/nonexistent "$@" "$BERTH_CNI" <<<"$c"
}

# cni_ok CMD ID NETNS CONF [VAR=VALUE...]: must exit 0 (result in OUT).
cni_ok()
{
	cni "$@"
	[ "$RC" = 0 ] || fail "berth-cni $1 $2 failed (exit $RC): $OUT $ERR"
}

# cni_err CODE CMD ID NETNS CONF [VAR=VALUE...]: must fail with the spec's error
# object carrying CODE (and a message).
cni_err()
{
	local code=$1
	shift
	cni "$@"
	[ "$RC" != 0 ] || fail "berth-cni $1 $2 should fail with code $code but succeeded: $OUT"
	assert_eq "$code" "$(jq -r .code <<<"$OUT" 2>&1)" "berth-cni $1 $2: error code (output: $OUT)"
	[ -n "$(jq -r '.msg // empty' <<<"$OUT")" ] || fail "berth-cni $1 $2: error without msg: $OUT"
}

# jqf FILTER: FILTER applied to OUT (raw).
jqf() { jq -r "$1" <<<"$OUT"; }

# pod NAME: a fresh netns with its loopback up (as the runtime's loopback plugin does).
pod()
{
	ip netns add "$1" || fail "ip netns add $1"
	ip -n "$1" link set lo up
}

at()
{
	local where=$1
	shift
	case $where in
	host) "$@" ;;
	*) ip netns exec "$where" "$@" ;;
	esac
}


# get WHERE URL WANT [WHAT]: HTTP GET from WHERE (host, or a netns) answers WANT.
get()
{
	capture at "$1" timeout 5 busybox wget -qO- "$2"
	[ "$RC" = 0 ] || fail "${4:-GET}: $1 -> $2 failed (exit $RC): $OUT"
	[ "$OUT" = "$3" ] || fail "${4:-GET}: $1 -> $2: expected [$3], got [$OUT]"
}

no_get()
{
	capture at "$1" timeout 2 busybox wget -qO- "$2"
	[ "$RC" != 0 ] || fail "${3:-GET}: $1 -> $2 should fail but answered: $OUT"
}

ping_ok()
{
	capture at "$1" busybox ping -c1 -W2 "$2"
	[ "$RC" = 0 ] || fail "${3:-ping}: $1 -> $2 failed: $OUT"
}

# bridge_veths: the host veths enslaved to cni0, sorted.
bridge_veths() { ip -o link show master cni0 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
all_links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }

# pod_ip NETNS: eth0's IPv4 address/prefix in NETNS.
pod_ip() { ip -n "$1" -4 -o addr show dev eth0 | awk '{print $4}'; }
pod_mac() { ip -n "$1" -o link show dev eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# shellcheck disable=SC2086
docker_mac() { printf '02:42:%02x:%02x:%02x:%02x' ${1//./ }; }

# dnat_rules: the published-port mappings of the backend, one per line.
dnat_rules()
{
	if [ "$BE" = nftables ]; then
		local m
		for m in dnat4 dnat4_any dnat6 dnat6_any; do
			nft list map inet berth "$m" |
				awk '/elements = \{/ {on = 1; sub(/.*elements = \{/, "")} on {print} /\}/ {on = 0}' |
				tr ',' '\n' | sed -e 's/[{}]//g' -e 's/^[[:space:]]*//' | grep -v '^$' | sed "s/^/$m: /"
		done
	else
		iptables-save -t nat | grep -e '-j DNAT' || true
	fi
}

# has_host_port PORT: the backend maps host port PORT.
has_host_port()
{
	if [ "$BE" = nftables ]; then
		nft list map inet berth dnat4_any | grep -Eq "\. $1 :"
	else
		iptables-save -t nat | grep -e '-j DNAT' | grep -q -- "--dport $1 "
	fi
}

# ------------------------------------------------------------------- VERSION
log "VERSION"
capture_split env CNI_COMMAND=VERSION "$BERTH_CNI" <<<'{"cniVersion":"1.1.0"}'
assert_eq 0 "$RC" "VERSION exit status ($ERR)"
assert_eq true "$(jqf '.supportedVersions | index("0.3.1") != null')" "VERSION lists 0.3.1: $OUT"
assert_eq true "$(jqf '.supportedVersions | index("1.1.0") != null')" "VERSION lists 1.1.0: $OUT"
assert_eq 1.1.0 "$(jqf .cniVersion)" "VERSION cniVersion"

# ------------------------------------------------------------------- ADD
log "ADD p1 (cniVersion 1.0.0, portMappings 8080->80)"
pod p1
PM1='"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
cni_ok ADD c1 /run/netns/p1 "$(conf 1.0.0 "$PM1")"
R1=$OUT
assert_eq 1.0.0 "$(jqf .cniVersion)" "p1 result cniVersion"
assert_eq 3 "$(jqf '.interfaces | length')" "p1 result: interfaces (bridge, veth, eth0)"
assert_eq cni0 "$(jqf '.interfaces[0].name')" "p1 interfaces[0] is the bridge"
assert_eq null "$(jqf '.interfaces[0].sandbox')" "the bridge has no sandbox"
assert_eq "$(cat /sys/class/net/cni0/address)" "$(jqf '.interfaces[0].mac')" "bridge MAC in the result"
veth1=$(jqf '.interfaces[1].name')
assert_eq null "$(jqf '.interfaces[1].sandbox')" "the host veth has no sandbox"
assert_eq "$veth1" "$(bridge_veths)" "the result's host veth is the one port of cni0"
assert_eq "$(cat "/sys/class/net/$veth1/address")" "$(jqf '.interfaces[1].mac')" "host veth MAC"
assert_eq 1 "$(jqf '.ips | length')" "p1: one address"
idx=$(jqf '.ips[0].interface')
assert_eq eth0 "$(jqf ".interfaces[$idx].name")" "ips[0].interface points at eth0"
assert_eq /run/netns/p1 "$(jqf ".interfaces[$idx].sandbox")" "eth0's sandbox"
addr1=$(jqf '.ips[0].address')
ip1=${addr1%/*}
assert_match "$addr1" '^10\.22\.0\.(1[0-9]|20)/24$' "p1 address in rangeStart-rangeEnd"
assert_eq "$addr1" "$(pod_ip p1)" "p1's eth0 has the result's address"
assert_eq "$GW" "$(jqf '.ips[0].gateway')" "p1 gateway"
assert_eq false "$(jqf '.ips[0] | has("version")')" "1.0.0: no per-IP version"
assert_eq "$(docker_mac "$ip1")" "$(jqf ".interfaces[$idx].mac")" "p1 MAC is 02:42 + IPv4"
assert_eq "$(docker_mac "$ip1")" "$(pod_mac p1)" "p1 eth0 MAC in the kernel"
assert_eq '192.0.2.0/24 0.0.0.0/0' "$(jqf '[.routes[].dst] | join(" ")')" "p1 routes"
assert_eq "$GW $GW" "$(jqf '[.routes[] | .gw // "'"$GW"'"] | join(" ")')" "p1 route gateways"
assert_match "$(ip -n p1 -4 route show default)" "^default via $GW dev eth0" "p1 default route"
assert_match "$(ip -n p1 -4 route show 192.0.2.0/24)" "^192\.0\.2\.0/24 via $GW dev eth0" "p1 ipam route"
assert_eq "$GW/24" "$(ip -4 -o addr show dev cni0 | awk '{print $4}')" "isGateway: cni0 holds the gateway"
capture berth network ls
assert_contains "$OUT" "cni:kube" "berth network ls"

log "ADD p2 (cniVersion 0.3.1)"
pod p2
cni_ok ADD c2 /run/netns/p2 "$(conf 0.3.1)"
assert_eq 0.3.1 "$(jqf .cniVersion)" "p2 result cniVersion"
assert_eq 4 "$(jqf '.ips[0].version')" "0.3.1: ips carry version 4"
addr2=$(jqf '.ips[0].address')
ip2=${addr2%/*}
assert_match "$addr2" '^10\.22\.0\.(1[0-9]|20)/24$' "p2 address in rangeStart-rangeEnd"
assert_ne "$ip1" "$ip2" "p1 and p2 addresses"
assert_eq "$addr2" "$(pod_ip p2)" "p2's eth0 has the result's address"
assert_eq "$(docker_mac "$ip2")" "$(pod_mac p2)" "p2 eth0 MAC"
assert_eq 2 "$(bridge_veths | wc -l)" "two ports on cni0"

log "pods reach each other and the outside (masqueraded)"
ping_ok p1 "$ip2" "p1 -> p2"
ping_ok p2 "$ip1" "p2 -> p1"
get p1 "http://$OUTSIDE_IP:8080/cgi-bin/who" "peer=$H" "p1 -> outside: the outside sees the host"
get p2 "http://$OUTSIDE_IP:8080/cgi-bin/who" "peer=$H" "p2 -> outside: the outside sees the host"

# ------------------------------------------------------------------- portMappings
log "portMappings: 8080 -> p1:80"
pod_httpd p1
assert_eq true "$(has_host_port 8080 && echo true)" "8080 in the DNAT mappings:
$(dnat_rules)"
get outside "http://$H:8080/" hello-p1 "outside -> host:8080"
get outside "http://$H:8080/cgi-bin/who" "peer=$OUTSIDE_IP" "outside -> host:8080: the pod sees the real client"
get host "http://$H:8080/" hello-p1 "host -> its own address:8080"
get host "http://$GW:8080/" hello-p1 "host -> bridge address:8080"
get p2 "http://$H:8080/" hello-p1 "p2 -> host:8080"
get p1 "http://$H:8080/" hello-p1 "p1 -> host:8080 (itself, hairpinMode)"

log "a host port another attachment has: refused, nothing left behind"
pod p3
links_before=$(all_links)
cni_err 999 ADD c3 /run/netns/p3 "$(conf 1.0.0 "$PM1")"
assert_contains "$(jqf .msg)" "c1" "the conflict names the owner"
assert_contains "$(jqf .msg)" "8080" "the conflict names the port"
assert_eq "$links_before" "$(all_links)" "no link left by the refused ADD"
assert_eq "" "$(ip -n p3 -o link show eth0 2>/dev/null)" "no eth0 left in p3"
get outside "http://$H:8080/" hello-p1 "8080 still reaches p1"

log "runtimeConfig.mac; the refused ADD took no address"
cni_ok ADD c3 /run/netns/p3 "$(conf 1.0.0 '"runtimeConfig":{"mac":"02:aa:bb:cc:dd:03"}')"
addr3=$(jqf '.ips[0].address')
ip3=${addr3%/*}
assert_eq 10.22.0.12/24 "$addr3" "p3 gets the next free address (the refused ADD held none)"
assert_eq 02:aa:bb:cc:dd:03 "$(jqf '.interfaces[2].mac')" "runtimeConfig.mac in the result"
assert_eq 02:aa:bb:cc:dd:03 "$(pod_mac p3)" "runtimeConfig.mac on p3's eth0"
ping_ok p3 "$ip1" "p3 (own MAC) -> p1"
ping_ok p1 "$ip3" "p1 -> p3 (own MAC)"

log "CNI_ARGS IP=, runtimeConfig.ips, an address outside the range"
pod p4
cni_ok ADD c4 /run/netns/p4 "$(conf 1.0.0)" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;IP=10.22.0.18"
assert_eq 10.22.0.18/24 "$(jqf '.ips[0].address')" "CNI_ARGS IP="
assert_eq 10.22.0.18/24 "$(pod_ip p4)" "CNI_ARGS IP= on p4's eth0"
assert_eq "$(docker_mac 10.22.0.18)" "$(pod_mac p4)" "p4 MAC follows the requested address"
pod p5
links_before=$(all_links)
cni_err 7 ADD c5 /run/netns/p5 "$(conf 1.0.0)" CNI_ARGS="IP=10.22.0.30"
assert_contains "$(jqf .msg)" "10.22.0.30" "the out-of-range error names the address"
cni_err 7 ADD c5 /run/netns/p5 "$(conf 1.0.0 '"runtimeConfig":{"ips":["10.22.0.200/24"]}')"
cni_err 4 ADD c5 /run/netns/p5 "$(conf 1.0.0)" CNI_ARGS="K8S_POD_NAME=x"
assert_eq "$links_before" "$(all_links)" "no link left by the refused ADDs"
cni_ok ADD c5 /run/netns/p5 "$(conf 1.0.0 '"runtimeConfig":{"ips":["10.22.0.19/24"]}')"
assert_eq 10.22.0.19/24 "$(pod_ip p5)" "runtimeConfig.ips"
ping_ok p5 10.22.0.18 "p5 -> p4"

# ------------------------------------------------------------------- CHECK
log "CHECK"
cni_ok CHECK c1 /run/netns/p1 "$(conf 1.0.0 "$PM1" "\"prevResult\":$R1")"
cni_ok CHECK c2 /run/netns/p2 "$(conf 1.0.0)"
ip -n p2 link del eth0 || fail "ip -n p2 link del eth0"
cni CHECK c2 /run/netns/p2 "$(conf 1.0.0)"
assert_ne 0 "$RC" "CHECK after eth0 was deleted by hand"
code=$(jqf .code)
assert_match "$code" '^[1-9][0-9]*$' "CHECK failure carries a code: $OUT"
assert_contains "$(jqf .msg)" eth0 "CHECK failure names the interface"

# ------------------------------------------------------------------- DEL
log "DEL twice"
cni_ok DEL c2 /run/netns/p2 "$(conf 1.0.0)"
cni_ok DEL c2 /run/netns/p2 "$(conf 1.0.0)"
assert_eq 4 "$(bridge_veths | wc -l)" "p1 p3 p4 p5 left on cni0"

log "DEL p1: its port mapping goes"
cni_ok DEL c1 /run/netns/p1 "$(conf 1.0.0 "$PM1")"
assert_eq "" "$(ip -n p1 -o link show eth0 2>/dev/null)" "p1's eth0 gone"
ip link show "$veth1" >/dev/null 2>&1 && fail "p1's host veth $veth1 still exists"
no_get outside "http://$H:8080/" "outside -> host:8080 after DEL"
no_get host "http://$H:8080/" "host -> host:8080 after DEL"
has_host_port 8080 && fail "8080 still mapped after DEL:
$(dnat_rules)"
cni_ok DEL c1 /run/netns/p1 "$(conf 1.0.0 "$PM1")"

log "DEL after the netns is gone"
ip netns del p3
cni_ok DEL c3 /run/netns/p3 "$(conf 1.0.0)"
assert_eq 2 "$(bridge_veths | wc -l)" "p4 p5 left on cni0 after DEL with the netns gone"

log "DEL with another configuration (other subnet and bridge) releases the attachment"
other=$(conf 1.0.0 | jq -c '.bridge = "cni9" | .ipam.subnet = "10.99.0.0/24" | del(.ipam.rangeStart, .ipam.rangeEnd)')
cni_ok DEL c4 /run/netns/p4 "$other"
assert_eq "" "$(ip -n p4 -o link show eth0 2>/dev/null)" "p4's eth0 gone"
assert_eq 1 "$(bridge_veths | wc -l)" "p5 left on cni0"
ip link show cni9 >/dev/null 2>&1 && fail "DEL made bridge cni9"
log "DEL with a dataDir berth never used succeeds and makes nothing"
cni_ok DEL c5 /run/netns/p5 "$(conf 1.0.0 '"dataDir":"'"$E2E_TMP"'/nodata"' '"runDir":"'"$E2E_TMP"'/norun"')"
[ ! -e "$E2E_TMP/nodata" ] || fail "DEL made $E2E_TMP/nodata: $(ls -A "$E2E_TMP/nodata")"
[ ! -e "$E2E_TMP/norun" ] || fail "DEL made $E2E_TMP/norun"
assert_eq 1 "$(bridge_veths | wc -l)" "p5 still on cni0 after a DEL elsewhere"
pod p6
cni_ok ADD c6 /run/netns/p6 "$(conf 1.0.0)" CNI_ARGS="IP=10.22.0.18"
assert_eq 10.22.0.18/24 "$(pod_ip p6)" "p4's address is free again"
ping_ok p6 10.22.0.19 "p6 -> p5"

# ------------------------------------------------------------------- a berth container
log "a berth container on cni:kube and a pod"
assert_ok berth run -d --name bc --network cni:kube -- busybox sleep 100000
wait_running bc
bc_ip=$(berth inspect -f '{{(index .NetworkSettings.Networks "cni:kube").IPAddress}}' bc)
assert_match "$bc_ip" '^10\.22\.0\.[0-9]+$' "the container's address on cni:kube"
ping_ok p5 "$bc_ip" "pod p5 -> berth container"
assert_ok berth exec bc busybox ping -c1 -W2 10.22.0.19

# ------------------------------------------------------------------- GC
log "GC: only c5 is valid"
pod p7
PM7='"runtimeConfig":{"portMappings":[{"hostPort":8081,"containerPort":80,"protocol":"tcp"}]}'
cni_ok ADD c7 /run/netns/p7 "$(conf 1.0.0 "$PM7")"
ip7=$(jqf '.ips[0].address')
ip7=${ip7%/*}
veth7=$(jqf '.interfaces[1].name')
pod_httpd p7
assert_eq true "$(has_host_port 8081 && echo true)" "8081 in the DNAT mappings:
$(dnat_rules)"
get outside "http://$H:8081/" hello-p7 "outside -> host:8081 before GC"
cni_ok DEL c6 /run/netns/p6 "$(conf 1.0.0)"
cni_ok GC "" "" "$(conf 1.1.0 '"cni.dev/valid-attachments":[{"containerID":"c5","ifname":"eth0"}]')"
ip link show "$veth7" >/dev/null 2>&1 && fail "GC left the host veth $veth7 of c7"
assert_eq "" "$(ip -n p7 -o link show eth0 2>/dev/null)" "GC removed p7's eth0"
has_host_port 8081 && fail "8081 still mapped after GC:
$(dnat_rules)"
no_get outside "http://$H:8081/" "outside -> host:8081 after GC"
ping_ok p5 "$GW" "p5 (valid) -> gateway after GC"
ping_ok p5 "$bc_ip" "p5 (valid) -> berth container after GC"
get p5 "http://$OUTSIDE_IP:8080/cgi-bin/who" "peer=$H" "p5 (valid) -> outside after GC"
pod p8
cni_ok ADD c8 /run/netns/p8 "$(conf 1.0.0)" CNI_ARGS="IP=$ip7"
assert_eq "$ip7/24" "$(pod_ip p8)" "c7's address is free after GC"
cni_ok DEL c8 /run/netns/p8 "$(conf 1.0.0)"

# ------------------------------------------------------------------- STATUS
log "STATUS"
cni_ok STATUS "" "" "$(conf 1.1.0)"
TINY='{"cniVersion":"1.1.0","name":"tiny","type":"berth-cni","bridge":"cni1","isGateway":true,"ipam":{"type":"host-local","subnet":"10.30.0.0/30"}}'
cni_ok STATUS "" "" "$TINY"
pod t1
cni_ok ADD t1 /run/netns/t1 "$TINY"
assert_eq 10.30.0.2/30 "$(jqf '.ips[0].address')" "the only address of the /30"
cni_err 50 STATUS "" "" "$TINY"
pod t2
cni_err 999 ADD t2 /run/netns/t2 "$TINY"
assert_contains "$(jqf .msg)" "no free address" "ADD on the full /30"
cni_ok DEL t1 /run/netns/t1 "$TINY"
cni_ok STATUS "" "" "$TINY"

# ------------------------------------------------------------------- errors
log "errors carry the spec's codes and leave nothing"
pod pe
links_before=$(all_links)
nets_before=$(berth network ls --format '{{.Name}}' | sort)
assert_contains "$nets_before" cni:kube "berth network ls --format"
ERRNET='{"cniVersion":"1.0.0","name":"errs","type":"berth-cni","bridge":"cni2","isGateway":true,"ipam":{"type":"host-local","subnet":"10.40.0.0/24"}}'
cni_err 6 ADD ce /run/netns/pe '{"cniVersion": "1.0.0", "name": "errs", '
cni_err 6 ADD ce /run/netns/pe '[1, 2]'
cni_err 1 ADD ce /run/netns/pe "$(jq -c '.cniVersion = "0.2.0"' <<<"$ERRNET")"
capture_split env CNI_COMMAND=ADD CNI_CONTAINERID=ce CNI_IFNAME=eth0 "$BERTH_CNI" <<<"$ERRNET"
assert_eq 4 "$(jqf .code)" "ADD without CNI_NETNS: $OUT"
assert_contains "$(jqf .msg)" CNI_NETNS "ADD without CNI_NETNS"
cni_err 2 ADD ce /run/netns/pe "$(jq -c '.ipam.type = "dhcp"' <<<"$ERRNET")"
cni_err 2 ADD ce /run/netns/pe "$(jq -c '.vlan = 5' <<<"$ERRNET")"
cni_err 3 ADD ce /run/netns/nosuchns "$ERRNET"
cni_err 1 CHECK ce /run/netns/pe "$(jq -c '.cniVersion = "0.3.1"' <<<"$ERRNET")"
assert_eq "$links_before" "$(all_links)" "no link left by the failed ADDs"
assert_eq "" "$(ip -n pe -o link show eth0 2>/dev/null)" "no eth0 in pe"
assert_eq "$nets_before" "$(berth network ls --format '{{.Name}}' | sort)" "no network made by the failed ADDs"
# (the store has no attachment: the next ADD gets the first address)
cni_ok ADD ce /run/netns/pe "$ERRNET"
assert_eq 10.40.0.2/24 "$(jqf '.ips[0].address')" "first ADD after the errors"
cni_ok DEL ce /run/netns/pe "$ERRNET"

# ------------------------------------------------------------------- the end
log "after every DEL: nothing left"
assert_ok berth rm -f bc
cni_ok DEL c5 /run/netns/p5 "$(conf 1.0.0)"
cni_ok DEL c7 /run/netns/p7 "$(conf 1.0.0 "$PM7")"
assert_eq "" "$(bridge_veths)" "no veth left on cni0"
assert_eq "" "$(ip -o link show type veth | grep -v o-host)" "no veth left at all"
assert_eq "" "$(dnat_rules)" "no DNAT mapping left"
assert_ok berth network rm cni:kube cni:tiny cni:errs
capture berth network ls
assert_not_contains "$OUT" "cni:" "berth network ls after rm"
log "ok"
