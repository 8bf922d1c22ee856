#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The reverse-proxy case end to end: on a user network app-net, an application
# container "application-container" (busybox httpd with a page of its own, not
# published) and Debian's nginx in a second container, published with -p 8080:80,
# doing `proxy_pass http://application-container:80;` (the name resolved by nginx at
# startup through the container's resolver, the network's DNS server) and, under
# /dyn/, per request through `resolver <gateway>`.  A client in the outside gets the
# application's page through the proxy at the host's address; the application is
# reachable from the outside only through the proxy.  Then everything goes and the
# host is as before.
#
# The host's /etc/resolv.conf is replaced (a bind mount in the sandbox's own mount
# namespace) by one naming a DNS server in the "outside" namespace, so that what the
# network's dnsmasq forwards stays inside the test.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
need_tools dnsmasq
[ -x /usr/sbin/nginx ] || skip "needs nginx (Debian's nginx-light: scripts/deps.sh)"

outside_setup
printf 'nameserver %s\n' "$OUTSIDE_IP" >"$E2E_TMP/host-resolv.conf"
mount --bind "$E2E_TMP/host-resolv.conf" /etc/resolv.conf || fail "bind mount over /etc/resolv.conf"
# The "host's resolver": answers nothing (REFUSED), at once.
bg ip netns exec outside dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	--no-hosts --listen-address="$OUTSIDE_IP" --bind-interfaces --user=root
upstream_pid=$!
wait_until 5 sh -c "ip netns exec outside busybox netstat -lnu | grep -q '$OUTSIDE_IP:53 '" ||
	fail "upstream DNS server did not start"

assert_ok berth run --rm -- busybox true
host_snapshot "$E2E_TMP/before"

TOKEN=app-page-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')

log "app-net and the application container"
assert_ok berth network create app-net
gw=$(berth network inspect app-net | sed -n 's/^ *"Gateway": "\([^"]*\)".*/\1/p' | head -1)
assert_match "$gw" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "app-net's gateway"
# shellcheck disable=SC2016
assert_ok berth run -d --name application-container --network app-net -e "TOKEN=$TOKEN" \
	-e "CGI=$WHO_CGI" -- busybox sh -c 'mkdir -p /www/cgi-bin /www/dyn &&
echo "$TOKEN" >/www/index.html && echo "dyn-$TOKEN" >/www/dyn/index.html &&
printf "%s\n" "$CGI" >/www/cgi-bin/who && chmod +x /www/cgi-bin/who &&
exec busybox httpd -f -p 80 -h /www'
wait_running application-container
wait_listen application-container 80
app_ip=$(inspect_f application-container '{{(index .NetworkSettings.Networks "app-net").IPAddress}}')
assert_match "$app_ip" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "the application's address"

log "the nginx proxy, published on 8080"
# Everything nginx writes is under /tmp (its compiled-in /var/lib/nginx and
# /var/log/nginx are not needed).  The config is written inside the container.
NGINX_CONF="worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path /tmp/nginx-body;
	proxy_temp_path /tmp/nginx-proxy;
	fastcgi_temp_path /tmp/nginx-fastcgi;
	uwsgi_temp_path /tmp/nginx-uwsgi;
	scgi_temp_path /tmp/nginx-scgi;
	server {
		listen 80;
		location / {
			proxy_pass http://application-container:80;
		}
		location /dyn/ {
			resolver $gw valid=1s ipv6=off;
			set \$app application-container;
			proxy_pass http://\$app:80;
		}
	}
}"
# shellcheck disable=SC2016
proxy_cmd='printf "%s\n" "$CONF" >/tmp/nginx.conf && exec nginx -e stderr -c /tmp/nginx.conf -g "daemon off;"'
published=1
soft assert_ok berth run -d --name proxy --network app-net -p 8080:80 -e "CONF=$NGINX_CONF" -- \
	sh -c "$proxy_cmd" || published=0
if [ "$published" = 0 ]; then
	# Go on without -p, to see whether the rest (names, proxying) works.
	log "(publishing on a user network was refused; the proxy runs unpublished)"
	assert_ok berth run -d --name proxy --network app-net -e "CONF=$NGINX_CONF" -- sh -c "$proxy_cmd"
fi
wait_running proxy
wait_until 10 sh -c "ip netns exec proxy busybox netstat -ltn | grep -q ':80 '" ||
	fail "nginx does not listen; its log:
$(berth logs proxy 2>&1 | tail -20)"
proxy_ip=$(inspect_f proxy '{{(index .NetworkSettings.Networks "app-net").IPAddress}}')

log "inside app-net: the proxy serves the application's page"
assert_ok berth run --rm --network app-net -- timeout 5 busybox wget -qO- http://proxy/
assert_eq "$TOKEN" "$OUT" "a client on app-net through the proxy"
assert_ok berth run --rm --network app-net -- timeout 5 busybox wget -qO- http://proxy/dyn/
assert_eq "dyn-$TOKEN" "$OUT" "through nginx's resolver (per request)"
assert_ok berth exec proxy timeout 5 busybox wget -qO- http://proxy/cgi-bin/who
assert_eq "peer=$proxy_ip" "$OUT" "the application sees the proxy's address"

log "from the outside: the proxy at the host's address"
if [ "$published" = 1 ]; then
	assert_ok berth port proxy
	assert_contains "$OUT" "80/tcp -> 0.0.0.0:8080" "berth port proxy"
	assert_ok outside timeout 5 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8080/"
	assert_eq "$TOKEN" "$OUT" "the outside gets the application's page through the proxy"
	assert_ok outside timeout 5 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8080/dyn/"
	assert_eq "dyn-$TOKEN" "$OUT" "the outside through nginx's resolver"
	assert_ok outside timeout 5 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8080/cgi-bin/who"
	assert_eq "peer=$proxy_ip" "$OUT" "the application sees the proxy, not the outside"
	assert_ok timeout 5 busybox wget -qO- http://127.0.0.1:8080/
	assert_eq "$TOKEN" "$OUT" "the host through 127.0.0.1:8080"
else
	soft fail "the proxy could not be published on app-net: the outside cannot reach it"
fi

log "the application itself is not published nor reachable from the outside"
assert_eq "" "$(berth port application-container 2>&1)" "berth port application-container"
assert_eq "{}" "$(inspect_f application-container '{{json .NetworkSettings.Ports}}')" "the application's Ports"
assert_fails outside timeout 3 busybox wget -qO- "http://$OUTSIDE_HOST_IP:80/"
assert_fails outside timeout 3 busybox wget -qO- "http://$app_ip/"
# With a route to app-net through the host, the unpublished port stays closed
# (Docker >= 28 drops direct routed access to unpublished container ports).
app_subnet=$(berth network inspect app-net | sed -n 's/^ *"Subnet": "\([^"]*\)".*/\1/p' | head -1)
outside ip route add "$app_subnet" via "$OUTSIDE_HOST_IP" || fail "route in the outside"
capture outside timeout 3 busybox wget -qO- "http://$app_ip/"
[ "$RC" != 0 ] || soft fail "with a route through the host, the outside reaches the unpublished application directly: $OUT"
outside ip route del "$app_subnet" via "$OUTSIDE_HOST_IP"

log "remove everything: the host is as before"
assert_ok berth rm -f proxy application-container
assert_ok berth network rm app-net
wait_until 5 sh -c "! pgrep -x dnsmasq | grep -vxq '$upstream_pid'" || fail "berth's dnsmasq left: $(pgrep -a dnsmasq)"
assert_fails outside timeout 3 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8080/"
kill "$upstream_pid"
wait "$upstream_pid" 2>/dev/null
umount /etc/resolv.conf
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after"
exit 0
