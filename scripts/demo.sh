#!/bin/sh
# berth's main job, end to end, on a fresh Debian 12 as root: install what is
# missing, build, then inside a throwaway network+mount namespace (which plays
# the host) start two containers on the default bridge that ping each other and
# fetch a page from an "outside" host, which sees the host's address (NAT).
# Nothing touches the machine's own network.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
dir=$(./scripts/build.sh)
BERTH="$PWD/$dir/src/cli/berth"
export BERTH
exec unshare --net --mount --fork sh -eu -c '
mount --make-rprivate /
mount -t tmpfs tmpfs /run
export BERTH_ROOT=/run/demo/root BERTH_RUN_ROOT=/run/demo/run BERTH_CONFIG=/run/demo/daemon.json
ip link set lo up
say() { printf "\n\033[1m# %s\033[0m\n" "$*"; }

say "an outside host, 198.51.100.2, one veth away from the host (198.51.100.1)"
ip netns add outside
ip link add vout type veth peer name eth0 netns outside
ip addr add 198.51.100.1/24 dev vout && ip link set vout up
ip netns exec outside sh -c "ip addr add 198.51.100.2/24 dev eth0; ip link set eth0 up; ip link set lo up"
mkdir -p /run/www && echo "hello from outside" > /run/www/index.html
ip netns exec outside busybox httpd -f -vv -p 198.51.100.2:80 -h /run/www 2>/run/httpd.log &
httpd=$!

say "berth run -d --name web -- busybox httpd -f -p 80"
$BERTH run -d --name web -- busybox sh -c "echo hello from web > /tmp/index.html; exec busybox httpd -f -p 80 -h /tmp"
say "berth run -d --name client -- sleep 300"
$BERTH run -d --name client -- sleep 300
$BERTH ps
web_ip=$($BERTH inspect -f "{{.NetworkSettings.IPAddress}}" web)
say "web is $web_ip, MAC $($BERTH inspect -f "{{.NetworkSettings.MacAddress}}" web)"
say "client pings web, and fetches its page"
$BERTH exec client busybox ping -c 2 "$web_ip"
$BERTH exec client busybox wget -qO- "http://$web_ip/"
say "client reaches the outside host through NAT"
$BERTH exec client busybox ping -c 1 198.51.100.2
$BERTH exec client busybox wget -qO- http://198.51.100.2/
say "the outside host saw the request come from:"
head -1 /run/httpd.log
say "ip netns exec client ip -br addr"
ip netns exec client ip -br addr
say "berth rm -f web client"
$BERTH rm -f web client
kill "$httpd"
say "done: no container, veth or namespace left"
ip -br link | grep veth || true
ls /run/netns
'
