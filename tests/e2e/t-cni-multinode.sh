#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# berth-cni as a Kubernetes cluster would use it, with network namespaces as nodes, on
# both firewall backends. Three "nodes" (netns node1..3), each with its own berth state
# (BERTH_ROOT / BERTH_RUN_ROOT on a tmpfs of its own) and its own pod subnet
# (10.244.N.0/24), share an underlay (bridge u0 in netns "wire", 192.168.50.0/24, whose
# .1 also routes to a "far" network 203.0.113.0/24 beyond it); each node routes the
# other nodes' pod subnets via their underlay addresses (no overlay). berth-cni runs
# inside each node's netns; pods are netns made from the node's.
#  ipMasq true + nonMasqueradeCIDR 10.244.0.0/16: pods on different nodes reach each
#    other by pod IP and the server sees the client pod's own address; a pod reaching
#    the far network is masqueraded (the far server sees the node's address); a pod on
#    node1 reaches a portMapping published on node2's underlay address, and so does the
#    far network (seeing its own address);
#  contrast on node1 (its network re-made with another configuration once empty):
#    without nonMasqueradeCIDR the pods on node2 see node1's address; with ipMasq false
#    they see the pod's address again and the far network is unreachable (it has no
#    route back to pod subnets);
#  each node's state is its own (berth network inspect shows the node's own subnet, no
#    cni0 in the sandbox); after every DEL no veth is left on any node's bridge and no
#    DNAT mapping is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw-lib.sh"
fw_each_backend "$@"
sandbox_enter "$@"
need_tools jq nsenter iptables-save
e2e_find_berth_cni
BE=$(fw_be)
log "backend $BE"

NODES="1 2 3"
ROUTER=192.168.50.1
FAR=203.0.113.2
node_ip() { echo "192.168.50.1$1"; }

# ------------------------------------------------------------------- the cluster
log "underlay: wire (bridge u0, router to far), nodes node1-3"
ip netns add wire || fail "netns wire"
ip -n wire link set lo up
ip -n wire link add u0 type bridge || fail "bridge u0"
ip -n wire addr add "$ROUTER/24" dev u0
ip -n wire link set u0 up
ip netns exec wire sysctl -qw net.ipv4.ip_forward=1 || fail "ip_forward in wire"
ip netns add far || fail "netns far"
ip -n far link set lo up
ip -n wire link add r-far type veth peer name eth0 netns far || fail "veth to far"
ip -n wire addr add 203.0.113.1/24 dev r-far
ip -n wire link set r-far up
ip -n far addr add "$FAR/24" dev eth0
ip -n far link set eth0 up
# the far network knows the underlay, never the pod subnets
ip -n far route add 192.168.50.0/24 via 203.0.113.1 || fail "far route"

for n in $NODES; do
	node=node$n
	ip netns add "$node" || fail "netns $node"
	ip -n "$node" link set lo up
	ip -n wire link add "n$n" type veth peer name uplink netns "$node" || fail "veth of $node"
	ip -n wire link set "n$n" master u0 up
	ip -n "$node" addr add "$(node_ip "$n")/24" dev uplink
	ip -n "$node" link set uplink up
	ip -n "$node" route add default via "$ROUTER" || fail "$node default route"
	# the "routes on the nodes" option: every other node's pod subnet via that node
	for m in $NODES; do
		[ "$m" = "$n" ] && continue
		ip -n "$node" route add "10.244.$m.0/24" via "$(node_ip "$m")" || fail "$node route to node$m"
	done
	mkdir -p "$E2E_TMP/$node"
	mount -t tmpfs -o mode=0755 tmpfs "$E2E_TMP/$node" || fail "tmpfs for $node"
	mkdir -p "$E2E_TMP/$node/root" "$E2E_TMP/$node/run"
done
for n in $NODES; do
	wait_until 5 ip netns exec node1 busybox ping -c1 -W1 "$(node_ip "$n")" ||
		fail "node1 cannot reach node$n on the underlay"
done

# far_httpd: who-server on far:8080 (GET /cgi-bin/who says peer=<source address>).
www=$E2E_TMP/www-far
mkdir -p "$www/cgi-bin"
echo hello-far >"$www/index.html"
printf '%s\n' "$WHO_CGI" >"$www/cgi-bin/who"
chmod +x "$www/cgi-bin/who"
bg ip netns exec far busybox httpd -f -p "$FAR:8080" -h "$www"
wait_listen far 8080

# node_env NODE: the environment of berth and berth-cni on NODE.
node_env()
{
	echo "BERTH_ROOT=$E2E_TMP/$1/root" "BERTH_RUN_ROOT=$E2E_TMP/$1/run" \
		"BERTH_CONFIG=$E2E_TMP/$1/daemon.json"
}

# on_node NODE CMD...: CMD in NODE's netns with NODE's berth state.
on_node()
{
	local node=$1
	shift
	# shellcheck disable=SC2046
	ip netns exec "$node" env $(node_env "$node") "$@"
}

# conf N [JQ FILTER]: node N's network configuration (filtered by JQ FILTER).
conf()
{
	jq -c "${2:-.}" <<EOF
{"cniVersion": "1.0.0", "name": "kube", "type": "berth-cni", "bridge": "cni0",
 "isGateway": true, "isDefaultGateway": true, "ipMasq": true,
 "nonMasqueradeCIDR": "10.244.0.0/16",
 "ipam": {"type": "host-local", "subnet": "10.244.$1.0/24"}}
EOF
}

# cni NODE CMD POD CONF [VAR=VALUE...]: berth-cni on NODE for POD (container id =
# netns name); result in OUT, stderr in ERR, status in RC; must succeed.
cni()
{
	local node=$1 cmd=$2 pod=$3 c=$4
	shift 4
	capture_split on_node "$node" CNI_COMMAND="$cmd" CNI_CONTAINERID="$pod" \
		CNI_NETNS="/run/netns/$pod" CNI_IFNAME=eth0 CNI_PATH=/nonexistent "$@" "$BERTH_CNI" <<<"$c"
	[ "$RC" = 0 ] || fail "berth-cni $cmd $pod on $node failed (exit $RC): $OUT $ERR"
}

# pod_add N POD [CONF]: make POD from node N's netns and ADD it; POD_IP is its address.
declare -A POD_IP
pod_add()
{
	local n=$1 pod=$2 c=${3:-$(conf "$1")}
	if [ ! -e "/run/netns/$pod" ]; then
		# (nsenter, not ip netns exec: a netns named in a throwaway mount ns would vanish)
		nsenter --net="/run/netns/node$n" ip netns add "$pod" || fail "netns $pod"
		ip -n "$pod" link set lo up
	fi
	cni "node$n" ADD "$pod" "$c"
	local a
	a=$(jq -r '.ips[0].address' <<<"$OUT")
	assert_match "$a" "^10\.244\.$n\.[0-9]+/24$" "$pod's address is in node$n's pod subnet"
	assert_eq "$a" "$(ip -n "$pod" -4 -o addr show dev eth0 | awk '{print $4}')" "$pod's eth0"
	POD_IP[$pod]=${a%/*}
}

pod_del() { cni "node$1" DEL "$2" "${3:-$(conf "$1")}"; }


get()
{
	capture ip netns exec "$1" timeout 5 busybox wget -qO- "$2"
	[ "$RC" = 0 ] || fail "${4:-GET}: $1 -> $2 failed (exit $RC): $OUT"
	[ "$OUT" = "$3" ] || fail "${4:-GET}: $1 -> $2: expected [$3], got [$OUT]"
}

no_get()
{
	capture ip netns exec "$1" timeout 2 busybox wget -qO- "$2"
	[ "$RC" != 0 ] || fail "${3:-GET}: $1 -> $2 should fail but answered: $OUT"
}

ping_ok()
{
	capture ip netns exec "$1" busybox ping -c1 -W2 "$2"
	[ "$RC" = 0 ] || fail "${3:-ping}: $1 -> $2 failed: $OUT"
}

# dnat_rules NODE: the published-port mappings on NODE, one per line.
dnat_rules()
{
	if [ "$BE" = nftables ]; then
		local m
		for m in dnat4 dnat4_any dnat6 dnat6_any; do
			ip netns exec "$1" nft list map inet berth "$m" 2>/dev/null |
				awk '/elements = \{/ {on = 1; sub(/.*elements = \{/, "")} on {print} /\}/ {on = 0}' |
				tr ',' '\n' | sed -e 's/[{}]//g' -e 's/^[[:space:]]*//' | grep -v '^$' | sed "s/^/$m: /"
		done
	else
		ip netns exec "$1" iptables-save -t nat | grep -e '-j DNAT' || true
	fi
}

# ------------------------------------------------------------------- pods
log "pods: a1 a2 on node1, b1 on node2 (portMapping 8080->80), c1 on node3"
pod_add 1 a1
pod_add 1 a2
PM='.runtimeConfig = {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}'
pod_add 2 b1 "$(conf 2 "$PM")"
pod_add 3 c1
pod_httpd b1
pod_httpd c1
assert_contains "$(dnat_rules node2)" 8080 "node2 maps 8080"
assert_eq "" "$(dnat_rules node1)" "node1 maps nothing"
a1=${POD_IP[a1]} a2=${POD_IP[a2]} b1=${POD_IP[b1]} c1=${POD_IP[c1]}

log "each node has its own state and its own bridge"
ip link show cni0 >/dev/null 2>&1 && fail "a cni0 in the sandbox itself: berth-cni left its node"
for n in $NODES; do
	capture on_node "node$n" "$BERTH" network inspect cni:kube
	assert_eq "10.244.$n.0/24" "$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$OUT")" "node$n's store: cni:kube subnet"
	assert_eq "10.244.$n.1/24" "$(ip -n "node$n" -4 -o addr show dev cni0 | awk '{print $4}')" "node$n's cni0"
done

log "pod to pod across nodes, no NAT (ipMasq true, nonMasqueradeCIDR 10.244.0.0/16)"
ping_ok a1 "$a2" "a1 -> a2 (same node)"
ping_ok a1 "$b1" "a1 (node1) -> b1 (node2)"
ping_ok a1 "$c1" "a1 (node1) -> c1 (node3)"
ping_ok b1 "$c1" "b1 (node2) -> c1 (node3)"
ping_ok c1 "$a2" "c1 (node3) -> a2 (node1)"
get a1 "http://$b1/cgi-bin/who" "peer=$a1" "a1 -> b1: b1 sees a1's pod address"
get a2 "http://$c1/cgi-bin/who" "peer=$a2" "a2 -> c1: c1 sees a2's pod address"
get c1 "http://$b1/cgi-bin/who" "peer=$c1" "c1 -> b1: b1 sees c1's pod address"
get b1 "http://$c1/" hello-c1 "b1 -> c1"

log "pod to the far network: masqueraded to the node's address"
get a1 "http://$FAR:8080/cgi-bin/who" "peer=$(node_ip 1)" "a1 -> far"
get c1 "http://$FAR:8080/cgi-bin/who" "peer=$(node_ip 3)" "c1 -> far"

log "a portMapping on node2's underlay address"
get a1 "http://$(node_ip 2):8080/" hello-b1 "a1 (node1) -> node2:8080"
get a1 "http://$(node_ip 2):8080/cgi-bin/who" "peer=$(node_ip 1)" "a1 -> node2:8080: b1 sees node1 (masqueraded towards a node address)"
get c1 "http://$(node_ip 2):8080/" hello-b1 "c1 (node3) -> node2:8080"
get far "http://$(node_ip 2):8080/cgi-bin/who" "peer=$FAR" "far -> node2:8080: b1 sees the real client"

# ------------------------------------------------------------------- contrast
log "node1 without nonMasqueradeCIDR: pods elsewhere see node1's address"
pod_del 1 a1
pod_del 1 a2
NOCIDR=$(conf 1 'del(.nonMasqueradeCIDR)')
pod_add 1 a1 "$NOCIDR"
a1=${POD_IP[a1]}
get a1 "http://$b1/cgi-bin/who" "peer=$(node_ip 1)" "a1 -> b1 masqueraded without nonMasqueradeCIDR"
get a1 "http://$FAR:8080/cgi-bin/who" "peer=$(node_ip 1)" "a1 -> far"
pod_del 1 a1 "$NOCIDR"

log "node1 with ipMasq false: pod addresses across nodes, the far network unreachable"
NOMASQ=$(conf 1 '.ipMasq = false | del(.nonMasqueradeCIDR)')
pod_add 1 a1 "$NOMASQ"
a1=${POD_IP[a1]}
get a1 "http://$b1/cgi-bin/who" "peer=$a1" "a1 -> b1 with ipMasq false"
no_get a1 "http://$FAR:8080/" "a1 -> far with ipMasq false (far has no route to pods)"
get c1 "http://$FAR:8080/cgi-bin/who" "peer=$(node_ip 3)" "node3 still masquerades c1 -> far"
pod_del 1 a1 "$NOMASQ"

log "back to nonMasqueradeCIDR on node1"
pod_add 1 a1
a1=${POD_IP[a1]}
get a1 "http://$b1/cgi-bin/who" "peer=$a1" "a1 -> b1: pod address again"
get a1 "http://$FAR:8080/cgi-bin/who" "peer=$(node_ip 1)" "a1 -> far: masqueraded again"

# ------------------------------------------------------------------- the end
log "DEL every pod: nothing left on any node"
pod_del 1 a1
pod_del 2 b1 "$(conf 2 "$PM")"
pod_del 3 c1
for n in $NODES; do
	assert_eq "" "$(ip -n "node$n" -o link show master cni0)" "node$n: veths left on cni0"
	assert_eq "" "$(dnat_rules "node$n")" "node$n: DNAT mappings left"
	capture on_node "node$n" "$BERTH" network rm cni:kube
	[ "$RC" = 0 ] || fail "node$n: berth network rm cni:kube: $OUT"
done
no_get far "http://$(node_ip 2):8080/" "far -> node2:8080 after DEL"
log "ok"
