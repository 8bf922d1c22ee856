#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Podman (Debian's 4.3, network_backend = "cni") driving berth-cni from a conflist:
# containers get addresses from the network's subnet and a default route via the
# bridge, reach each other by IP, reach an "outside" namespace masqueraded behind
# the host's address, `-p 8080:80` brings outside clients to a busybox httpd in a
# container (the server sees the real client), the network is routed (the outside,
# given a route, reaches a pod's own address: the Kubernetes model), the
# nonMasqueradeCIDR keeps pods' addresses towards that prefix, and `podman rm -f`
# releases everything (no veth on the bridge, no attachment in berth's store, the
# DNAT map empty).
#
# Every Podman path (storage, runroot, containers.conf, network config dir, tmp,
# locks, libcni's cache in /var/lib/cni, berth's store) is on tmpfs inside the
# sandbox; the containers run without cgroups (the sandbox's fresh sysfs has no
# cgroup mounts).
. "$(dirname "$0")/lib.sh"

if [ "${BERTH_E2E_SANDBOX:-}" != 1 ]; then
	command -v podman >/dev/null 2>&1 ||
		skip "podman is not installed (scripts/deps.sh installs Debian's podman)"
fi
sandbox_enter "$@"
need_tools podman busybox

# berth-cni of the same build as $BERTH (BERTH_CNI overrides), found by Podman by
# its "type" in a plugin dir that holds only it.
e2e_find_berth_cni
CNI_DIR=$E2E_TMP/cni-bin
mkdir -p "$CNI_DIR"
# Copies, not links: /tmp is about to be hidden (below), and a checkout may live there.
cp "$BERTH_CNI" "$CNI_DIR/berth-cni" || fail "copy berth-cni"
cp "$BERTH" "$E2E_TMP/berth" || fail "copy berth"
BERTH=$E2E_TMP/berth

NET=bcni BR=bcni0 SUBNET=10.77.0.0/24 GW=10.77.0.1 CLUSTER=10.244.0.0/16
IMG=localhost/berth-e2e/busybox

# ---- Podman's world, all on tmpfs inside the sandbox
P=$E2E_TMP/podman
mkdir -p "$P/net" "$P/tmp" "$P/root" "$P/run" "$P/rootfs/bin" "$P/rootfs/etc" "$P/rootfs/www"
# libcni keeps its result cache in /var/lib/cni (not configurable in Podman 4.3),
# image copies go through /var/tmp, locks live in /dev/shm: private tmpfs for each.
for d in /var/lib /var/tmp /tmp /dev/shm; do
	mount -t tmpfs -o mode=1777 tmpfs "$d" || fail "tmpfs on $d"
done
# berth's own default paths, on the sandbox's tmpfs: Podman runs the DEL of a
# stopped container from `podman container cleanup`, which conmon starts with an
# environment of its own (no BERTH_ROOT), so the plugin must find the store where
# berth's defaults put it, as it would on a real host.
export BERTH_ROOT=/var/lib/berth BERTH_RUN_ROOT=/run/berth BERTH_CONFIG=/etc/berth/daemon.json
[ -d /etc/berth ] && mount -t tmpfs -o mode=0755 tmpfs /etc/berth # (the machine's, hidden)
# crun wants a cgroup file system type at /sys/fs/cgroup (hidden by the sandbox's
# fresh sysfs); an empty tmpfs is one (the v1 layout), and with cgroups = "disabled"
# nothing is made in it.
mount -t tmpfs -o mode=0755 tmpfs /sys/fs/cgroup || fail "tmpfs on /sys/fs/cgroup"
cat >"$P/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
cgroups = "disabled"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
tmp_dir = "$P/tmp"
image_copy_tmp_dir = "$P/tmp"
[network]
network_backend = "cni"
network_config_dir = "$P/net"
default_network = "$NET"
cni_plugin_dirs = ["$CNI_DIR", "/usr/lib/cni"]
EOF
cat >"$P/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$P/root"
runroot = "$P/run"
EOF
printf 'unqualified-search-registries = []\n' >"$P/registries.conf"
export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf
export CONTAINERS_REGISTRIES_CONF=$P/registries.conf TMPDIR=$P/tmp

cat >"$P/net/10-$NET.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$NET",
  "plugins": [
    {
      "type": "berth-cni",
      "bridge": "$BR",
      "isGateway": true,
      "isDefaultGateway": true,
      "ipMasq": true,
      "nonMasqueradeCIDR": "$CLUSTER",
      "hairpinMode": true,
      "ipam": {"type": "host-local", "subnet": "$SUBNET"},
      "capabilities": {"portMappings": true}
    }
  ]
}
EOF

# An image from busybox-static: every applet as a link in /bin.
cp "$(command -v busybox)" "$P/rootfs/bin/busybox"
for a in $(busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$P/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$P/rootfs/etc/passwd"
echo 'root:x:0:' >"$P/rootfs/etc/group"
echo hello-from-pod >"$P/rootfs/www/index.html"
tar -C "$P/rootfs" -cf "$P/rootfs.tar" . || fail "rootfs tarball"
assert_ok podman import "$P/rootfs.tar" "$IMG"

assert_ok podman network ls --format '{{.Name}} {{.Driver}}'
assert_contains "$OUT" "$NET berth-cni" "podman does not list the conflist's network"

prun() { podman run -d --network "$NET" "$@"; }
pexec() { podman exec "$@"; }
# pod_ip NAME: eth0's IPv4 address seen inside the container.
pod_ip() { podman exec "$1" ip -4 -o addr show dev eth0 | awk '{print $4}'; }

# ---- two containers: addresses from the subnet, routes, each other by IP
log "podman run on $NET"
assert_ok prun --name c1 "$IMG" sleep 600
assert_ok prun --name c2 "$IMG" sleep 600
ip1=$(pod_ip c1) ip2=$(pod_ip c2)
assert_match "$ip1" '^10\.77\.0\.[0-9]+/24$' "c1's eth0 address"
assert_match "$ip2" '^10\.77\.0\.[0-9]+/24$' "c2's eth0 address"
assert_ne "$ip1" "$ip2" "two containers, one address"
ip1=${ip1%/*} ip2=${ip2%/*}
soft assert_eq "$ip1" "$(podman inspect -f "{{.NetworkSettings.Networks.$NET.IPAddress}}" c1)" "podman's view of c1"
# /proc inside agrees (the kernel's own table, not busybox's ip)
assert_ok pexec c1 cat /proc/net/fib_trie
assert_contains "$OUT" "$ip1" "c1's /proc/net/fib_trie"
assert_ok pexec c1 ip route
assert_contains "$OUT" "default via $GW dev eth0" "isDefaultGateway: default route in c1"
# MAC from the address, as berth does (02:42 + the IPv4 bytes)
# shellcheck disable=SC2086 # (the four bytes as four arguments)
mac1=$(printf '02:42:%02x:%02x:%02x:%02x' ${ip1//./ })
soft assert_eq "$mac1" "$(pexec c1 cat /sys/class/net/eth0/address)" "c1's MAC"
# the host side: the bridge holds the gateway, both veths are its ports
assert_ok ip -4 -o addr show dev "$BR"
assert_contains "$OUT" "$GW/24" "bridge $BR address"
assert_eq 2 "$(ip -o link show master "$BR" | wc -l)" "ports on $BR"
assert_ok pexec c1 ping -c1 -W2 "$ip2"
assert_ok pexec c2 ping -c1 -W2 "$ip1"
assert_ok pexec c1 ping -c1 -W2 "$GW"

# berth sees the network (and the attachments: a network with them cannot be removed)
assert_ok berth network ls
assert_contains "$OUT" "cni:$NET" "berth network ls"
assert_ok berth network inspect "cni:$NET"
assert_contains "$OUT" "\"$SUBNET\"" "berth network inspect: subnet"
assert_fails berth network rm "cni:$NET"
assert_contains "$OUT" "active endpoints" "berth network rm while pods are attached"

# ---- the outside: masqueraded behind the host's address
log "outside, masquerade"
outside_setup
outside_httpd 8080
assert_ok pexec c1 timeout 5 wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "ipMasq: the outside sees the host's address"
assert_ok pexec c1 ping -c1 -W2 "$OUTSIDE_IP"
assert_ok nft list set inet berth masq4
assert_contains "$OUT" "$SUBNET" "ipMasq: subnet in berth's masq4 set"

# ---- -p 8080:80 from outside to a busybox httpd in a container
log "-p 8080:80"
# shellcheck disable=SC2016 # ($CGI expands in the container)
assert_ok prun --name web -p 8080:80 -e "CGI=$WHO_CGI" "$IMG" sh -c \
	'mkdir -p /www/cgi-bin && printf "%s\n" "$CGI" >/www/cgi-bin/who && chmod +x /www/cgi-bin/who && exec httpd -f -p 80 -h /www'
ipw=$(pod_ip web)
ipw=${ipw%/*}
wait_until 5 pexec web sh -c 'netstat -ltn | grep -q ":80 "' || fail "httpd in web did not start"
assert_ok nft list ruleset
assert_contains "$OUT" "8080 : $ipw . 80" "DNAT element for -p 8080:80"
assert_ok outside timeout 5 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8080/"
assert_eq hello-from-pod "$OUT" "published port from outside"
assert_ok outside timeout 5 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8080/cgi-bin/who"
assert_eq "peer=$OUTSIDE_IP" "$OUT" "published port: the server sees the client's address"
# the port is not reachable on the outside's side of things by any other number
assert_fails outside timeout 3 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8081/"
# hairpin: a pod through the host's address to the published port
soft assert_ok pexec c1 timeout 5 wget -qO- "http://$OUTSIDE_HOST_IP:8080/"
soft assert_eq hello-from-pod "$OUT" "hairpin through the published port"

# ---- routed: another node (the outside, given a route) reaches a pod's address
log "routed pod subnet, nonMasqueradeCIDR"
outside ip route add "$SUBNET" via "$OUTSIDE_HOST_IP"
assert_ok outside timeout 5 busybox wget -qO- "http://$ipw/cgi-bin/who"
assert_eq "peer=$OUTSIDE_IP" "$OUT" "routed: the pod sees the other node's address"
# towards the cluster CIDR a pod keeps its own address: an address of the outside
# inside 10.244.0.0/16 plays a pod on another node
outside ip addr add 10.244.1.10/32 dev lo
ip route add 10.244.1.10/32 via "$OUTSIDE_IP"
bg ip netns exec outside busybox httpd -f -p 10.244.1.10:8080 -h "$E2E_TMP/www"
wait_listen outside 8080
assert_ok pexec c1 timeout 5 wget -qO- "http://10.244.1.10:8080/cgi-bin/who"
assert_eq "peer=$ip1" "$OUT" "nonMasqueradeCIDR: the pod's own address towards the cluster"

# ---- podman rm -f releases everything
log "podman rm -f"
assert_ok podman rm -f -t 0 c1 c2 web
assert_eq "" "$(podman ps -aq)" "podman ps after rm -f"
assert_eq 0 "$(ip -o link show master "$BR" | wc -l)" "ports left on $BR after rm -f"
assert_eq "" "$(ip -o link show type veth | grep -v o-host)" "veths left after rm -f"
for m in dnat4 dnat4_any; do
	assert_ok nft -j list map inet berth "$m"
	assert_not_contains "$OUT" '"elem"' "nft map $m not empty after rm -f"
done
assert_ok nft list ruleset
assert_not_contains "$OUT" "$ipw" "rules still name the web container's address"
# no attachment left: the network can be removed now
assert_ok berth network rm "cni:$NET"
assert_fails ip link show "$BR"

# ---- once more after the network was removed: ADD makes it again (and Podman's
# default_network is the conflist's: no --network)
log "network made again on the next ADD"
assert_ok podman run -d --name c3 "$IMG" sleep 600
assert_match "$(pod_ip c3)" '^10\.77\.0\.[0-9]+/24$' "c3's address"
assert_ok berth network ls
assert_contains "$OUT" "cni:$NET" "network back in berth network ls"
assert_ok podman rm -f -t 0 c3
assert_eq 0 "$(ip -o link show master "$BR" | wc -l)" "ports left on $BR after the second rm -f"

exit 0
