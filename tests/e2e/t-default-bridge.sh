#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The default bridge (Docker's docker0): berth0 172.17.0.1/16, addresses in order,
# MAC 02:42 + IPv4, default route via the bridge, container<->container and
# host<->container traffic (ICMP and TCP), no IPv6 link-local chatter on an IPv4
# bridge, the namespace (SandboxKey, the `ip netns` name; nothing mounted), --ip and
# --mac-address, and bad input that fails clearly and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

host_snapshot "$E2E_TMP/before"

# no_leftovers WHAT: no container, veth, netns name or network namespace beyond the
# expected ones (each container's, held by its process; berth mounts none).
no_leftovers()
{
	local want_ps=$1 what=$2
	assert_eq "$want_ps" "$(berth ps -aq | wc -l)" "$what: containers listed by ps -a"
	assert_eq "$want_ps" "$(host_veths | grep -c .)" "$what: host veths"
	assert_eq "$want_ps" "$(find "$BERTH_NETNS_DIR" -mindepth 1 -maxdepth 1 | wc -l)" "$what: named netns"
	assert_eq 0 "$(grep -c " $BERTH_RUN_ROOT/" /proc/self/mountinfo)" "$what: mounts in the run dir"
	assert_eq "$((want_ps + 1))" "$(lsns -t net -n -o NS | sort -u | wc -l)" "$what: network namespaces (the host's and one per container)"
}

log "two containers: 172.17.0.2 and .3 in order"
assert_ok berth run -d --name c1 -- busybox sleep 100
assert_ok berth run -d --name c2 -- busybox sh -c \
	'mkdir -p /www && echo hello-from-c2 >/www/index.html && exec busybox httpd -f -p 80 -h /www'
wait_running c1
wait_running c2
assert_eq 172.17.0.2 "$(inspect_f c1 '{{.NetworkSettings.IPAddress}}')" "first address"
assert_eq 172.17.0.3 "$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')" "second address"

log "berth0 exists with 172.17.0.1/16"
assert_ok ip -o -4 addr show dev berth0
assert_contains "$OUT" "inet 172.17.0.1/16" "berth0 address"
ip -d link show berth0 | grep -q bridge || fail "berth0 is not a bridge"
assert_contains "$(ip -o link show berth0)" "state UP" "berth0 is up"

log "MAC is 02:42 + the IPv4 bytes, inside and in inspect"
assert_ok berth exec c1 busybox cat /sys/class/net/eth0/address
assert_eq 02:42:ac:11:00:02 "$OUT" "c1 eth0 MAC"
assert_ok berth exec c2 busybox cat /sys/class/net/eth0/address
assert_eq 02:42:ac:11:00:03 "$OUT" "c2 eth0 MAC"
assert_eq 02:42:ac:11:00:03 "$(inspect_f c2 '{{.NetworkSettings.MacAddress}}')" "c2 inspect MAC"

log "eth0 and the default route inside"
assert_ok berth exec c1 busybox ip -o -4 addr show dev eth0
assert_contains "$OUT" "inet 172.17.0.2/16" "c1 eth0 address"
assert_ok berth exec c1 busybox ip route
assert_match "$OUT" "(^|"$'\n'")default via 172\\.17\\.0\\.1 dev eth0" "default route"
assert_ok berth exec c1 busybox ip -o link show
assert_eq 2 "$(echo "$OUT" | grep -c .)" "only lo and eth0 inside:
$OUT"
assert_match "$(echo "$OUT" | grep eth0)" '[<,]UP[,>]' "eth0 up"
assert_match "$(echo "$OUT" | grep ': lo')" '[<,]UP[,>]' "lo up"
# The bridge has no IPv6: eth0 gets no link-local address either (its DAD, router
# solicitations and MLD reports would be flooded to every port); lo keeps ::1.
assert_ok berth exec c1 busybox ip -o -6 addr show dev eth0
assert_eq "" "$OUT" "no IPv6 address on eth0"
assert_ok berth exec c1 busybox ip -o -6 addr show dev lo
assert_contains "$OUT" "::1/128" "lo keeps ::1"
# Nor has the host's end, a bridge port: no address, no route in the host's table.
v1=$(inspect_f c1 '{{.NetworkSettings.Networks.bridge.EndpointID}}')
assert_eq 1 "$(cat "/proc/sys/net/ipv6/conf/$v1/disable_ipv6")" "IPv6 off on the port $v1"
assert_eq "" "$(ip -6 route show table all dev "$v1")" "no IPv6 route through the port"

log "the namespace: SandboxKey and the ip netns name, nothing mounted"
key=$(inspect_f c1 '{{.NetworkSettings.SandboxKey}}')
assert_eq "/proc/$(container_pid c1)/ns/net" "$key" "SandboxKey"
assert_contains "$(nsenter --net="$key" ip -o -4 addr show dev eth0)" "172.17.0.2/16" "nsenter --net=SandboxKey"
assert_contains "$(ip netns exec c1 ip -o -4 addr show dev eth0)" "172.17.0.2/16" "ip netns exec c1"

log "container <-> container, host <-> container"
assert_ok berth exec c1 busybox ping -c1 -W2 172.17.0.3
assert_ok berth exec c2 busybox ping -c1 -W2 172.17.0.2
assert_ok berth exec c1 busybox ping -c1 -W2 172.17.0.1
assert_ok busybox ping -c1 -W2 172.17.0.2
wait_until 5 sh -c "ip netns exec c2 busybox netstat -ltn | grep -q ':80 '" || fail "httpd in c2 not listening"
assert_ok berth exec c1 timeout 5 busybox wget -qO- http://172.17.0.3/
assert_eq hello-from-c2 "$OUT" "TCP c1 -> c2"
assert_ok timeout 5 busybox wget -qO- http://172.17.0.3/
assert_eq hello-from-c2 "$OUT" "TCP host -> c2"
assert_ok berth exec c2 busybox ip neigh show 172.17.0.1
gw_mac=$(echo "$OUT" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')

assert_ok berth rm -f c1
assert_ok berth run -d --name c1 -- busybox sleep 100
wait_running c1
assert_eq 172.17.0.2 "$(inspect_f c1 '{{.NetworkSettings.IPAddress}}')" "the lowest free address is reused"
assert_ok berth exec c2 busybox ping -c1 -W2 172.17.0.2

log "--ip and --mac-address"
assert_ok berth run -d --name fixed --ip 172.17.0.50 -- busybox sleep 100
wait_running fixed
assert_eq 172.17.0.50 "$(inspect_f fixed '{{.NetworkSettings.IPAddress}}')" "--ip in inspect"
assert_ok berth exec fixed busybox ip -o -4 addr show dev eth0
assert_contains "$OUT" "inet 172.17.0.50/16" "--ip inside"
assert_ok berth exec fixed busybox cat /sys/class/net/eth0/address
assert_eq 02:42:ac:11:00:32 "$OUT" "MAC derived from --ip"
assert_ok berth exec c2 busybox ping -c1 -W2 172.17.0.50
# (an address no container had before: c2 has no stale neighbour entry for it)
assert_ok berth run -d --name mac --ip 172.17.0.60 --mac-address 02:42:ac:11:00:99 -- busybox sleep 100
wait_running mac
assert_ok berth exec mac busybox cat /sys/class/net/eth0/address
assert_eq 02:42:ac:11:00:99 "$OUT" "--mac-address inside"
assert_eq 02:42:ac:11:00:99 "$(inspect_f mac '{{.NetworkSettings.MacAddress}}')" "--mac-address in inspect"
macip=$(inspect_f mac '{{.NetworkSettings.IPAddress}}')
assert_ok berth exec c2 busybox ping -c1 -W2 "$macip"
assert_ok berth run -d --name both --ip 172.17.0.51 --mac-address 02:00:00:00:00:51 -- busybox sleep 100
wait_running both
assert_ok berth exec both busybox sh -c 'cat /sys/class/net/eth0/address; busybox ip -o -4 addr show dev eth0'
assert_contains "$OUT" 02:00:00:00:00:51
assert_contains "$OUT" "inet 172.17.0.51/16"
n=$(berth ps -aq | wc -l)   # c2 fixed mac both

log "a taken --ip fails, names the address, leaves a created container holding nothing"
no_leftovers "$n" "before bad input"
assert_fails berth run -d --name dup --ip 172.17.0.50 -- busybox sleep 100
assert_contains "$OUT" 172.17.0.50 "taken --ip message"
assert_eq "$((n + 1))" "$(berth ps -aq | wc -l)" "the container of the failed run is listed (Docker's: created)"
assert_eq "$n" "$(host_veths | grep -c .)" "host veths after a taken --ip"
assert_start_failed dup 172.17.0.50
no_leftovers "$n" "after a taken --ip"
assert_fails berth run --rm --ip 172.17.0.1 -- busybox true
assert_contains "$OUT" 172.17.0.1 "the gateway address is taken"
no_leftovers "$n" "after --ip of the gateway"

log "out-of-range and malformed --ip fail"
assert_fails berth run -d --name far --ip 10.9.9.9 -- busybox sleep 100
assert_contains "$OUT" 10.9.9.9 "out-of-range --ip message"
no_leftovers "$n" "after an out-of-range --ip"
assert_fails berth run --rm --ip nonsense -- busybox true
no_leftovers "$n" "after a malformed --ip"
assert_fails berth run --rm --ip 172.17.0.300 -- busybox true
no_leftovers "$n" "after --ip 172.17.0.300"

log "bad MAC fails"
for m in nonsense 02:42:ac:11:00 02:42:ac:11:00:zz 02:42:ac:11:00:99:11; do
	assert_fails berth run -d --name badmac --mac-address "$m" -- busybox sleep 100
	assert_contains "$OUT" "$m" "bad MAC message names it"
	no_leftovers "$n" "after bad MAC $m"
done

log "name in use"
assert_fails berth run -d --name c2 -- busybox sleep 100
assert_contains "$OUT" "is already in use" "name in use message"
no_leftovers "$n" "after a name in use"
assert_eq 172.17.0.3 "$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')" "the first c2 is untouched"
assert_ok berth exec c2 busybox true

log "unknown flag: exit 125"
assert_rc 125 berth run --no-such-flag -- busybox true
no_leftovers "$n" "after an unknown flag"
assert_rc 125 berth run -d --net -- busybox true
no_leftovers "$n" "after a flag without its value"

log "command not found: exit 127; as Docker's, the container stays (created), holding nothing"
assert_rc 127 berth run --name nocmd -- no-such-command-e2e
assert_contains "$OUT" no-such-command-e2e "the error names the command"
assert_eq 127 "$(inspect_f nocmd '{{.State.ExitCode}}')" "State.ExitCode after a missing command"
assert_eq "$n" "$(host_veths | grep -c .)" "host veths after a missing command"
assert_start_failed nocmd no-such-command-e2e
no_leftovers "$n" "after a missing command"
assert_rc 127 berth run --rm -- no-such-command-e2e
no_leftovers "$n" "after a missing command with --rm"
capture berth run -d --name nocmd2 -- no-such-command-e2e
[ "$RC" != 0 ] || fail "run -d of a missing command succeeded: $OUT"
assert_start_failed nocmd2 no-such-command-e2e
no_leftovers "$n" "after run -d of a missing command"
assert_rc 126 berth run --name noexec -- /etc/hostname
assert_eq 126 "$(inspect_f noexec '{{.State.ExitCode}}')" "State.ExitCode after a non-executable command"
assert_start_failed noexec /etc/hostname
assert_rc 126 berth run --rm -- /etc/hostname
no_leftovers "$n" "after a non-executable command"

log "the address of a removed container is free again"
assert_ok berth rm -f fixed
assert_ok berth run -d --name again --ip 172.17.0.50 -- busybox sleep 100
wait_running again
assert_ok berth exec c2 busybox ping -c1 -W2 172.17.0.50

log "the bridge keeps one MAC while containers come and go (Docker gives docker0 its own)"
# shellcheck disable=SC2046
assert_ok berth rm -f $(berth ps -aq)
no_leftovers 0 "after rm -f of all"
assert_ok berth run -d --name m1 -- busybox sleep 100
wait_running m1
mac_a=$(cat /sys/class/net/berth0/address)
v1=$(cat "/sys/class/net/$(host_veths)/address")
assert_ok berth run -d --name m2 -- busybox sleep 100
wait_running m2
assert_ok berth exec m2 busybox ping -c1 -W2 172.17.0.1
assert_ok berth exec m2 busybox ip neigh show 172.17.0.1
learned=$(echo "$OUT" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
assert_ok berth rm -f m1
mac_b=$(cat /sys/class/net/berth0/address)
soft assert_ne "$v1" "$mac_a" "berth0 took the MAC of a container's veth"
soft assert_eq "$mac_a" "$mac_b" "berth0 MAC changed when a container left"
soft assert_eq "$learned" "$mac_b" "the gateway MAC m2 learned is gone from the bridge"
soft assert_ok berth exec m2 busybox ping -c1 -W2 172.17.0.1 ||
	echo "    (m2's neighbour entry for 172.17.0.1 names a MAC the bridge no longer has)"
assert_ok berth rm -f m2

log "berth0 deleted behind berth's back: reload restores it"
assert_ok ip link del berth0
assert_ok berth reload
assert_ok ip -o -4 addr show dev berth0
assert_contains "$OUT" "inet 172.17.0.1/16" "berth0 restored by reload"
assert_ok berth run --rm -- busybox ping -c1 -W2 172.17.0.1

log "remove everything: only berth0 and its table remain"
no_leftovers 0 "after rm -f of all"
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth
exit 0
