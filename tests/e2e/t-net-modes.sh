#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Network modes: --net=none (loopback only, up), --net=host (the host's links and
# hostname), --net=container:NAME (NAME's eth0, IP, MAC and loopback), and bad modes
# that fail cleanly.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

outside_setup
outside_httpd 8080
host_snapshot "$E2E_TMP/before0"

log "--net=none: only lo, up"
assert_ok berth run -d --name none --net=none -- busybox sleep 100
wait_running none
assert_ok berth exec none busybox ip -o link show
assert_eq 1 "$(echo "$OUT" | grep -c .)" "links with --net=none:
$OUT"
assert_contains "$OUT" ": lo:" "lo exists"
assert_match "$OUT" '[<,]UP[,>]' "lo is up"
assert_ok berth exec none busybox ls /sys/class/net
assert_eq lo "$OUT" "/sys/class/net with --net=none"
assert_ok berth exec none busybox ping -c1 -W2 127.0.0.1
assert_fails berth exec none busybox ping -c1 -W1 "$OUTSIDE_IP"
assert_eq "" "$(host_veths)" "--net=none made a veth"
assert_eq "" "$(inspect_f none '{{.NetworkSettings.IPAddress}}')" "no address in inspect"
assert_eq none "$(inspect_f none '{{.HostConfig.NetworkMode}}')" "NetworkMode"
assert_ok berth run --rm --network none -- busybox cat /sys/class/net/lo/operstate
assert_ok berth rm -f none
assert_eq "" "$(host_veths)"

log "--net=host: the host's links and hostname"
assert_ok berth run --rm --net=host -- busybox ip -o link show
assert_contains "$OUT" "o-host" "the host's veth is visible"
assert_ok berth run --rm --net=host -- busybox hostname
assert_eq berth-e2e-host "$OUT" "the host's hostname"
assert_ok berth run --rm --net=host -- busybox ping -c1 -W2 "$OUTSIDE_IP"
assert_ok berth run --rm --net=host -- timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "host networking goes straight out"
assert_ok berth run -d --name hostnet --net=host -- busybox sh -c \
	'mkdir -p /www && echo from-host-net >/www/index.html && exec busybox httpd -f -p 127.0.0.1:8181 -h /www'
wait_running hostnet
wait_until 5 sh -c "busybox netstat -ltn | grep -q '127.0.0.1:8181 '" || fail "hostnet server not on the host's loopback"
assert_ok timeout 5 busybox wget -qO- http://127.0.0.1:8181/
assert_eq from-host-net "$OUT" "a --net=host server is on the host's loopback"
assert_eq "" "$(host_veths)" "--net=host made a veth"
assert_eq host "$(inspect_f hostnet '{{.HostConfig.NetworkMode}}')" "NetworkMode"
# with berth0 present, the host's links include it
assert_ok berth run -d --name c1 --hostname c1 -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
wait_running c1
assert_ok berth exec hostnet busybox ip -o link show
assert_contains "$OUT" berth0 "berth0 seen from --net=host"
assert_ok berth exec hostnet busybox ping -c1 -W2 172.17.0.2
assert_ok berth rm -f hostnet
[ -e /run/netns/hostnet ] && fail "a netns name for a --net=host container"
ip link show o-host >/dev/null 2>&1 || fail "rm of a --net=host container removed a host link"

log "--net=container:NAME: the same eth0, IP, MAC, loopback"
wait_listen c1 80
c1_mac=$(berth exec c1 busybox cat /sys/class/net/eth0/address)
assert_ok berth run -d --name c2 --net=container:c1 -- busybox sleep 100
wait_running c2
assert_ok berth exec c2 busybox cat /sys/class/net/eth0/address
assert_eq "$c1_mac" "$OUT" "MAC of the shared eth0"
assert_ok berth exec c2 busybox ip -o -4 addr show dev eth0
assert_contains "$OUT" "inet 172.17.0.2/16" "IP of the shared eth0"
assert_eq 1 "$(host_veths | grep -c .)" "a joined container makes no veth"
c1_pid=$(container_pid c1)
c2_pid=$(container_pid c2)
assert_eq "$(readlink "/proc/$c1_pid/ns/net")" "$(readlink "/proc/$c2_pid/ns/net")" "one netns"
assert_ok berth exec c2 timeout 5 busybox wget -qO- http://127.0.0.1/
assert_eq hello-c1 "$OUT" "c2 reaches c1's server on 127.0.0.1"
assert_ok berth exec c2 timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "c2 reaches the outside through c1's eth0"
assert_ok berth run --rm --net "container:$(inspect_f c1 '{{.Id}}')" -- busybox cat /sys/class/net/eth0/address
assert_eq "$c1_mac" "$OUT" "container:ID works too"
mode=$(inspect_f c2 '{{.HostConfig.NetworkMode}}')
assert_match "$mode" '^container:' "NetworkMode of c2"
assert_ok berth rm -f c2
assert_ok berth exec c1 busybox ip -o -4 addr show dev eth0
assert_contains "$OUT" "inet 172.17.0.2/16" "c1 keeps its eth0 after c2 is removed"
assert_ok berth exec c1 busybox ping -c1 -W2 "$OUTSIDE_IP"

log "bad modes fail cleanly"
n_links=$(ip -o link | wc -l)
assert_fails berth run -d --name j1 --net=container:missing -- busybox sleep 100
assert_contains "$OUT" missing "the message names the missing container"
assert_fails berth inspect j1
assert_ok berth run -d --name stopped -- busybox true
wait_exited stopped
assert_fails berth run -d --name j2 --net=container:stopped -- busybox sleep 100
assert_start_failed j2
assert_fails berth run -d --name j3 --net=bogus -- busybox sleep 100
assert_contains "$OUT" bogus "the message names the bad mode"
assert_fails berth inspect j3
assert_fails berth run -d --name j4 --net=container: -- busybox sleep 100
assert_fails berth inspect j4
assert_eq "$n_links" "$(ip -o link | wc -l)" "links after bad modes"
assert_eq 2 "$(berth ps -aq | wc -l)" "containers after bad modes (c1 and stopped)"

log "remove everything"
assert_ok berth rm -f c1 stopped
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before0" "$E2E_TMP/after" --except-berth
exit 0
