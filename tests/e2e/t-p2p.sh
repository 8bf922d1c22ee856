#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Point-to-point links (berth p2p connect|ls|inspect|rm).
#
# Containers c1, c2 (bridge), web (bridge, an httpd), n1 (--net=none), and links
#   w1: c1:10.1.1.1 <-> c2:10.1.1.2            (c1 p2p0, c2 p2p0)
#   w2: c1:10.1.2.1 <-> host:10.1.2.2          (c1 p2p1, a p2p* link on the host)
#   w3: n1:10.1.3.1 <-> c2:10.1.3.2, --mtu 1400 (n1 p2p0, c2 p2p1)
# Each end has its /32 and a /32 route to the peer; ping and TCP (busybox nc, a
# listener on each side in turn) cross every link both ways; the bridge and the
# outside still work for c1; p2p ls shows both ends "up"; p2p inspect gives the JSON
# fields.  Stopping c2 takes w1 and w3 down (the peers' interfaces go), starting it
# brings them back with traffic; stopping c1 takes the host's end away and starting
# it brings it back.  p2p rm removes both ends; rm -f of a container removes its
# links (none left in p2p ls, no p2p* link on the host).  Bad input (address in use
# on either side, the same container twice, a stopped, created or missing container,
# bad addresses, a duplicate --name, bad MTUs) fails with a clear message and leaves
# no interface, address, route or link record behind.
# Sub-scenarios (fresh sandboxes): a stopped container whose netns something holds
# open (stop must still take its links down, start must wire the new namespace), and
# an address that a stopped container's link holds (refused, or both links up).
. "$(dirname "$0")/lib.sh"

HAVE_PY=
command -v python3 >/dev/null 2>&1 && HAVE_PY=1

# at WHERE CMD...: run CMD in container WHERE, or on the host if WHERE is "host".
at()
{
	local w=$1
	shift
	if [ "$w" = host ]; then
		"$@"
	else
		"$BERTH" exec "$w" "$@"
	fi
}

# addrs_of WHERE IF: IPv4 addresses of IF as "a.b.c.d/len" lines (ip -4 -j addr).
addrs_of()
{
	local j
	j=$(at "$1" ip -4 -j addr show dev "$2") || return 1
	if [ -n "$HAVE_PY" ]; then
		printf '%s' "$j" | python3 -c 'import json, sys
for l in json.load(sys.stdin):
    for a in l.get("addr_info", []):
        print("%s/%d" % (a["local"], a["prefixlen"]))'
	else
		printf '%s' "$j" | grep -o '"local":"[^"]*","prefixlen":[0-9]*' |
			sed -E 's/"local":"([^"]*)","prefixlen":([0-9]+)/\1\/\2/'
	fi
}

# routes_of WHERE: the main table as "DST dev IF [via GW]" lines (ip -j route).
routes_of()
{
	local j
	j=$(at "$1" ip -4 -j route show) || return 1
	if [ -n "$HAVE_PY" ]; then
		printf '%s' "$j" | python3 -c 'import json, sys
for r in json.load(sys.stdin):
    s = "%s dev %s" % (r["dst"], r.get("dev", "?"))
    if "gateway" in r:
        s += " via " + r["gateway"]
    print(s)'
	else
		at "$1" ip -4 -o route show | sed -E 's/^([^ ]+) (via ([^ ]+) )?dev ([^ ]+).*/\1 dev \4 via \3/; s/ via $//'
	fi
}

# mtu_of WHERE IF
mtu_of() { at "$1" cat "/sys/class/net/$2/mtu"; }

# links_of WHERE: the names of its links, sorted.  links_are WHERE "A B...": exactly.
links_of() { at "$1" ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
links_are() { [ "$(links_of "$1" | tr '\n' ' ' | sed 's/ $//')" = "$2" ]; }

# assert_end WHERE IF ADDR PEER WHAT: IF has exactly ADDR/32 and a route to PEER/32.
assert_end()
{
	local w=$1 ifn=$2 addr=$3 peer=$4 what=$5
	capture addrs_of "$w" "$ifn"
	assert_eq "$addr/32" "$OUT" "$what: IPv4 addresses of $ifn in $w"
	capture routes_of "$w"
	assert_contains "$OUT" "$peer dev $ifn" "$what: route to the peer in $w"
	assert_not_contains "$OUT" "$peer dev $ifn via" "$what: the peer route has no gateway"
}

# assert_no_link WHERE IF WHAT: IF does not exist in WHERE (waits for a netns that is
# being torn down: the kernel frees a dead namespace's links asynchronously).
if_gone() { ! at "$1" ip link show dev "$2" >/dev/null 2>&1; }
assert_no_link()
{
	wait_until 5 if_gone "$1" "$2" || fail "$3: $2 still exists in $1"
}

# ping_ok FROM IP WHAT
ping_ok()
{
	wait_until 5 at "$1" busybox ping -c1 -W1 "$2" ||
		fail "$3: $1 cannot ping $2"
}

# listening WHERE PORT: something listens on TCP PORT in WHERE.
listening() { at "$1" busybox netstat -ltn | grep -q ":$2 "; }

# tcp_once SERVER SERVER_IP CLIENT PORT WHAT: a busybox nc listener in SERVER, a
# client in CLIENT; each side sends a line, each must receive the other's.  (The
# listener answers only after it has read the client's line: were both to send at
# once, a client could see the listener's EOF and exit before sending its own.)
tcp_once()
{
	local srv=$1 ip=$2 cli=$3 port=$4 what=$5 f=$E2E_TMP/tcp.$4
	: >"$f"
	bg at "$srv" busybox nc -l -p "$port" -e busybox sh -c \
		"read l; echo \"got \$l\" >&2; echo from-$srv" >"$f" 2>&1
	wait_until 5 listening "$srv" "$port" || fail "$what: no listener on $srv:$port"
	capture at "$cli" busybox sh -c "echo from-$cli | timeout 5 busybox nc $ip $port"
	assert_eq "from-$srv" "$OUT" "$what: $cli got the listener's line over TCP to $ip:$port"
	wait_until 5 grep -q "^got from-$cli\$" "$f" || fail "$what: the listener in $srv did not get $cli's line:
$(cat "$f")"
}

# tcp_both A A_IP B B_IP PORT WHAT: TCP from B to A and from A to B.
tcp_both()
{
	tcp_once "$1" "$2" "$3" "$5" "$6 ($3 -> $1)"
	tcp_once "$3" "$4" "$1" "$(($5 + 1))" "$6 ($1 -> $3)"
}

# p2p_state NAME: "up" or "down" from the STATE column of `p2p ls`.
p2p_state() { "$BERTH" p2p ls | awk -v n="$1" '$1 == n {print $NF}'; }
p2p_is() { [ "$(p2p_state "$1")" = "$2" ]; }

# world: everything a link could leave behind: links, IPv4 addresses and routes of
# the host and of every named netns, and berth's link records.
world()
{
	local ns
	echo "## host"
	ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
	ip -o -4 addr | awk '{print $2, $4}' | sort
	ip -4 route show table all | sort
	for ns in $(ls /run/netns | sort); do
		echo "## $ns"
		ip -n "$ns" -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
		ip -n "$ns" -o -4 addr | awk '{print $2, $4}' | sort
		ip -n "$ns" -4 route show table all | sort
	done
	echo "## p2p"
	"$BERTH" p2p ls --format json
}

# expect_refused WHAT REGEX CMD...: CMD must fail, say something matching REGEX
# (extended, case-insensitive) on stderr, print nothing on stdout, and leave the
# world as it was.  A wrongly accepted link is removed again so later checks start
# clean.  Soft: the test goes on.
expect_refused()
{
	local what=$1 re=$2
	shift 2
	world >"$E2E_TMP/world.before" 2>&1
	capture_split "$@"
	if [ "$RC" = 0 ]; then
		soft fail "$what: accepted, should be refused: $* (printed [$OUT])"
		[ -n "$OUT" ] && "$BERTH" p2p rm "$OUT" >/dev/null 2>&1
		return 0
	fi
	printf '%s\n' "$ERR" | grep -Eiq -- "$re" ||
		soft fail "$what: the message does not match /$re/: [$ERR]"
	[ -z "$OUT" ] || soft fail "$what: printed on stdout: [$OUT]"
	world >"$E2E_TMP/world.after" 2>&1
	cmp -s "$E2E_TMP/world.before" "$E2E_TMP/world.after" ||
		soft fail "$what: left something behind:
$(diff -u "$E2E_TMP/world.before" "$E2E_TMP/world.after" | head -30)"
	return 0
}

# Sub-scenario: an address that a stopped container's link holds.  w1 joins c1 and
# c2; c2 stops; a new link gives c3 c2's address 10.1.1.2 (and c1 a route to it).
# Either berth refuses that, or when c2 starts both links are up: it must not start
# c2 with w1 silently down.
sub_stopped_address()
{
	local c
	for c in c1 c2 c3; do
		assert_ok berth run -d --name "$c" -- busybox sleep 300
	done
	assert_ok berth p2p connect --name w1 c1:10.1.1.1 c2:10.1.1.2
	assert_ok berth stop -t 1 c2
	# (the kernel frees a stopped container's netns, and so c1's end, a moment later)
	wait_until 5 if_gone c1 p2p0 || fail "c1's end of w1 stays after c2 stopped"
	capture berth p2p connect --name w2 c3:10.1.1.2 c1:10.1.9.1
	if [ "$RC" != 0 ]; then
		log "refused: $OUT"
		assert_contains "$OUT" 10.1.1.2 "the refusal names the address"
		return 0
	fi
	capture_split berth start c2
	soft assert_eq up "$(p2p_state w1)" "w1 after c2 started again, while w2 gives 10.1.1.2 to c3 (berth start said: [$ERR], exit $RC)"
	soft assert_eq up "$(p2p_state w2)" "w2"
	[ "$E2E_FAILED" = 0 ]
}

# Sub-scenario: something holds a stopped container's netns open (a tool that
# entered it, an open /proc/PID/ns/net): the namespace outlives the container, so
# its link ends do too unless berth removes them.  Stopping c2 must still take w1
# down (c1's end gone, p2p ls "down"), and starting c2 again must bring w1 back to
# the new c2, not leave c1 wired to the old namespace.
sub_held_netns()
{
	local c
	for c in c1 c2; do
		assert_ok berth run -d --name "$c" -- busybox sleep 300
	done
	assert_ok berth p2p connect --name w1 c1:10.1.1.1 c2:10.1.1.2
	exec 7</run/netns/c2
	assert_ok berth stop -t 1 c2
	wait_until 5 if_gone c1 p2p0 ||
		soft fail "c1's end of w1 stays while c2 is stopped (its netns held open)"
	wait_until 5 p2p_is w1 down ||
		soft fail "p2p ls: w1 is $(p2p_state w1) while c2 is stopped (its netns held open)"
	assert_ok berth start c2
	wait_running c2
	if if_gone c2 p2p0; then
		soft fail "c2 has no p2p0 after it started again: w1 not restored"
		p2p_is w1 up && soft fail "p2p ls says w1 is up although c2 has no end of it"
	fi
	soft assert_eq up "$(p2p_state w1)" "w1 after c2 started again"
	# c1's 10.1.1.2 must be the new c2, not the old namespace
	soft tcp_once c2 10.1.1.2 c1 5100 "w1 to the restarted c2"
	exec 7<&-
	[ "$E2E_FAILED" = 0 ]
}

sandbox_enter "$@"

outside_setup
outside_httpd 8080
# Make berth0 and the tables exist, so the final snapshot compares like with like.
assert_ok berth run --rm -- busybox true
host_snapshot "$E2E_TMP/before"

log "containers: c1, c2, web on the bridge; n1 with --net=none"
for c in c1 c2; do
	assert_ok berth run -d --name "$c" --hostname "$c" -- busybox sleep 1000
done
assert_ok berth run -d --name web --hostname web -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
assert_ok berth run -d --name n1 --net=none -- busybox sleep 1000
for c in c1 c2 web n1; do wait_running "$c"; done
web_ip=$(inspect_f web '{{.NetworkSettings.IPAddress}}')
c1_ip=$(inspect_f c1 '{{.NetworkSettings.IPAddress}}')
c2_ip=$(inspect_f c2 '{{.NetworkSettings.IPAddress}}')
c1_id=$(inspect_f c1 '{{.Id}}')
c2_id=$(inspect_f c2 '{{.Id}}')
n1_id=$(inspect_f n1 '{{.Id}}')
wait_listen web 80
host_links0=$(links_of host)

log "connect: container <-> container (w1), container <-> host (w2), --net=none <-> container with --mtu (w3)"
capture_split berth p2p connect --name w1 c1:10.1.1.1 c2:10.1.1.2
assert_eq 0 "$RC" "p2p connect w1: $ERR"
assert_eq w1 "$OUT" "p2p connect prints the link's name"
capture_split berth p2p connect c1:10.1.2.1 host:10.1.2.2
assert_eq 0 "$RC" "p2p connect c1 <-> host: $ERR"
w2=$OUT
assert_match "$w2" '^[A-Za-z0-9][A-Za-z0-9_.-]*$' "a generated link name"
assert_ok berth p2p connect --name w3 --mtu 1400 n1:10.1.3.1 c2:10.1.3.2

log "each end: its /32 and a route to the peer; interface names p2p0, p2p1"
assert_end c1 p2p0 10.1.1.1 10.1.1.2 w1
assert_end c2 p2p0 10.1.1.2 10.1.1.1 w1
assert_end c1 p2p1 10.1.2.1 10.1.2.2 "w2 (the second link of c1)"
assert_end n1 p2p0 10.1.3.1 10.1.3.2 w3
assert_end c2 p2p1 10.1.3.2 10.1.3.1 "w3 (the second link of c2)"
assert_eq "eth0 lo p2p0 p2p1" "$(links_of c1 | tr '\n' ' ' | sed 's/ $//')" "links of c1"
assert_eq "eth0 lo p2p0 p2p1" "$(links_of c2 | tr '\n' ' ' | sed 's/ $//')" "links of c2"
assert_eq "lo p2p0" "$(links_of n1 | tr '\n' ' ' | sed 's/ $//')" "links of n1 (--net=none)"
capture routes_of n1
assert_eq "10.1.3.2 dev p2p0" "$OUT" "the only route of n1"
capture routes_of c1
assert_contains "$OUT" "default dev eth0 via 172.17.0.1" "c1 keeps its default route via the bridge"

log "the host's end of w2"
host_if=$(comm -13 <(printf '%s\n' "$host_links0") <(links_of host))
assert_match "$host_if" '^p2p[^ ]*$' "one new p2p* link on the host"
assert_end host "$host_if" 10.1.2.2 10.1.2.1 w2

log "ping and TCP both ways"
ping_ok c1 10.1.1.2 w1
ping_ok c2 10.1.1.1 w1
tcp_both c1 10.1.1.1 c2 10.1.1.2 5000 w1
ping_ok c1 10.1.2.2 w2
ping_ok host 10.1.2.1 w2
tcp_both c1 10.1.2.1 host 10.1.2.2 5010 w2
ping_ok n1 10.1.3.2 w3
ping_ok c2 10.1.3.1 w3
tcp_both n1 10.1.3.1 c2 10.1.3.2 5020 w3
# the link is point-to-point: c1 does not reach w3's addresses through it
assert_fails at c1 busybox ping -c1 -W1 10.1.3.1

log "the bridge and the outside still work"
assert_ok at c1 timeout 5 busybox wget -qO- "http://$web_ip/"
assert_eq hello-web "$OUT" "c1 reaches a bridge container"
assert_ok at c1 timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/cgi-bin/who"
assert_eq "peer=$OUTSIDE_HOST_IP" "$OUT" "c1 reaches the outside (masqueraded)"
assert_ok at c2 timeout 5 busybox wget -qO- "http://$web_ip/cgi-bin/who"
assert_eq "peer=$c2_ip" "$OUT" "c2 reaches web from its bridge address"
assert_ok at c1 busybox ping -c1 -W2 "$c2_ip"
assert_fails at n1 busybox ping -c1 -W1 "$OUTSIDE_IP"

log "MTU: w3 is 1400 on both ends, w1 the default"
assert_eq 1400 "$(mtu_of n1 p2p0)" "MTU of w3 in n1"
assert_eq 1400 "$(mtu_of c2 p2p1)" "MTU of w3 in c2"
assert_eq 1500 "$(mtu_of c1 p2p0)" "MTU of w1 in c1"
assert_eq 1500 "$(mtu_of c2 p2p0)" "MTU of w1 in c2"

log "p2p ls"
assert_ok berth p2p ls
ls_out=$OUT
assert_match "$(echo "$ls_out" | head -1)" '^NAME +END A +END B +STATE' "p2p ls header"
assert_eq 4 "$(echo "$ls_out" | wc -l)" "p2p ls: a header and three links:
$ls_out"
assert_match "$ls_out" "(^|"$'\n'")w1 +c1 p2p0/10\.1\.1\.1 +c2 p2p0/10\.1\.1\.2 +up($|"$'\n'")" "p2p ls: w1"
assert_match "$ls_out" "(^|"$'\n'")$w2 +c1 p2p1/10\.1\.2\.1 +host $host_if/10\.1\.2\.2 +up($|"$'\n'")" "p2p ls: w2"
assert_match "$ls_out" "(^|"$'\n'")w3 +n1 p2p0/10\.1\.3\.1 +c2 p2p1/10\.1\.3\.2 +up($|"$'\n'")" "p2p ls: w3"

log "p2p inspect"
capture_split berth p2p inspect w1 "$w2" w3
assert_eq 0 "$RC" "p2p inspect: $ERR"
inspect_json=$OUT
if [ -n "$HAVE_PY" ]; then
	capture python3 -c '
import json, re, sys
want = {
    sys.argv[1]: (0, True, [("c1", sys.argv[3], "p2p0", "10.1.1.1"), ("c2", sys.argv[4], "p2p0", "10.1.1.2")]),
    sys.argv[2]: (0, True, [("c1", sys.argv[3], "p2p1", "10.1.2.1"), ("host", "", sys.argv[6], "10.1.2.2")]),
    "w3": (1400, True, [("n1", sys.argv[5], "p2p0", "10.1.3.1"), ("c2", sys.argv[4], "p2p1", "10.1.3.2")]),
}
links = json.loads(sys.stdin.read())
assert isinstance(links, list), "not a JSON array"
assert [l["Name"] for l in links] == [sys.argv[1], sys.argv[2], "w3"], "names/order: %r" % [l.get("Name") for l in links]
for l in links:
    mtu, up, ends = want[l["Name"]]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", l["Created"]), "Created: %r" % l["Created"]
    if mtu:
        assert l["Mtu"] == mtu, "%s: Mtu %r" % (l["Name"], l["Mtu"])
    assert l["Up"] is up, "%s: Up %r" % (l["Name"], l["Up"])
    got = [(e["Container"], e["ContainerID"], e["Interface"], e["Address"]) for e in l["Ends"]]
    assert got == ends, "%s: Ends %r, want %r" % (l["Name"], got, ends)
print("ok")' w1 "$w2" "$c1_id" "$c2_id" "$n1_id" "$host_if" <<<"$inspect_json"
	assert_eq ok "$OUT" "p2p inspect JSON"
else
	for s in '"Name": "w1"' '"Mtu": 1400' '"Up": true' "\"ContainerID\": \"$c1_id\"" \
		'"Interface": "p2p0"' '"Address": "10.1.1.1"' "\"Interface\": \"$host_if\""; do
		assert_contains "$inspect_json" "$s" "p2p inspect JSON"
	done
fi
assert_fails berth p2p inspect nosuchlink
assert_contains "$OUT" nosuchlink "p2p inspect of a missing link names it"

log "stop c2: w1 and w3 go down, the peers' interfaces go"
assert_ok berth stop -t 1 c2
wait_until 5 p2p_is w1 down ||
	fail "w1 not down after c2 stopped:
$(berth p2p ls)"
wait_until 5 p2p_is w3 down || fail "w3 not down after c2 stopped"
assert_eq up "$(p2p_state "$w2")" "w2 (c1 <-> host) after c2 stopped"
assert_no_link c1 p2p0 "w1 after c2 stopped"
assert_no_link n1 p2p0 "w3 after c2 stopped"
capture routes_of c1
assert_not_contains "$OUT" "10.1.1.2" "c1's route to c2's end after c2 stopped"
assert_eq lo "$(links_of n1)" "n1 after its only peer stopped"
ping_ok c1 10.1.2.2 "w2 while c2 is stopped"

log "start c2: the links are back and carry traffic"
assert_ok berth start c2
wait_running c2
assert_eq up "$(p2p_state w1)" "w1 after c2 started"
assert_eq up "$(p2p_state w3)" "w3 after c2 started"
assert_end c1 p2p0 10.1.1.1 10.1.1.2 "w1 after restart"
assert_end c2 p2p0 10.1.1.2 10.1.1.1 "w1 after restart"
assert_end n1 p2p0 10.1.3.1 10.1.3.2 "w3 after restart"
assert_end c2 p2p1 10.1.3.2 10.1.3.1 "w3 after restart"
assert_eq 1400 "$(mtu_of n1 p2p0)" "MTU of w3 in n1 after restart"
assert_eq 1400 "$(mtu_of c2 p2p1)" "MTU of w3 in c2 after restart"
ping_ok c1 10.1.1.2 "w1 after restart"
ping_ok c2 10.1.1.1 "w1 after restart"
tcp_both c1 10.1.1.1 c2 10.1.1.2 5030 "w1 after restart"
ping_ok n1 10.1.3.2 "w3 after restart"
assert_ok at c2 timeout 5 busybox wget -qO- "http://$OUTSIDE_IP:8080/"
assert_eq hello-outside "$OUT" "c2 reaches the outside after restart"

log "stop c1: the host's end of w2 goes; start: it is back"
assert_ok berth stop -t 1 c1
assert_no_link host "$host_if" "w2 after c1 stopped"
capture routes_of host
assert_not_contains "$OUT" "10.1.2.1" "the host's route to c1's end after c1 stopped"
assert_eq down "$(p2p_state "$w2")" "w2 after c1 stopped"
assert_eq down "$(p2p_state w1)" "w1 after c1 stopped"
assert_no_link c2 p2p0 "w1 after c1 stopped"
assert_ok berth start c1
wait_running c1
assert_eq up "$(p2p_state "$w2")" "w2 after c1 started"
assert_end host "$host_if" 10.1.2.2 10.1.2.1 "w2 after c1 restarted"
assert_end c1 p2p1 10.1.2.1 10.1.2.2 "w2 after c1 restarted"
ping_ok host 10.1.2.1 "w2 after c1 restarted"
tcp_both c1 10.1.2.1 host 10.1.2.2 5040 "w2 after c1 restarted"
ping_ok c2 10.1.1.1 "w1 after c1 restarted"

log "p2p rm w1: both ends go, the other links stay"
capture_split berth p2p rm w1
assert_eq 0 "$RC" "p2p rm w1: $ERR"
assert_eq w1 "$OUT" "p2p rm prints the name"
assert_no_link c1 p2p0 "after p2p rm w1"
assert_no_link c2 p2p0 "after p2p rm w1"
capture routes_of c1
assert_not_contains "$OUT" "10.1.1.2" "c1's route to w1's peer after p2p rm"
assert_ok berth p2p ls
assert_not_contains "$OUT" "w1 " "p2p ls after p2p rm w1"
assert_eq 3 "$(echo "$OUT" | wc -l)" "p2p ls: two links left"
ping_ok c1 10.1.2.2 "w2 after p2p rm w1"
ping_ok n1 10.1.3.2 "w3 after p2p rm w1"
assert_fails berth p2p rm w1
assert_contains "$OUT" w1 "p2p rm of a removed link names it"
log "a removed link does not come back on restart"
assert_ok berth stop -t 1 c2
assert_no_link n1 p2p0 "w3 after c2 stopped"
assert_ok berth start c2
wait_running c2
assert_eq "eth0 lo p2p1" "$(links_of c2 | tr '\n' ' ' | sed 's/ $//')" "links of c2 after restart"
assert_eq up "$(p2p_state w3)" "w3 after the second restart"

log "bad input: refused, nothing left behind"
assert_ok berth run -d --name ex -- busybox true
wait_exited ex
assert_ok berth create --name cr -- busybox sleep 100
# address already in use on either side
expect_refused "c1's address of w2 again in c1" 'already in use|in use' \
	berth p2p connect c1:10.1.2.1 c2:10.2.0.2
expect_refused "c2's address of w3 again in c2" 'already in use|in use' \
	berth p2p connect c1:10.2.0.1 c2:10.1.3.2
expect_refused "c1's bridge address" 'already in use|in use' \
	berth p2p connect c1:"$c1_ip" c2:10.2.0.2
expect_refused "c2's bridge address" 'already in use|in use' \
	berth p2p connect c1:10.2.0.1 c2:"$c2_ip"
expect_refused "the host's bridge address" 'already in use|in use' \
	berth p2p connect c1:10.2.0.1 host:172.17.0.1
expect_refused "the host's address to the outside" 'already in use|in use' \
	berth p2p connect c1:10.2.0.1 host:"$OUTSIDE_HOST_IP"
expect_refused "the host's end of w2 again" 'already in use|in use' \
	berth p2p connect c2:10.2.0.1 host:10.1.2.2
expect_refused "a peer address c1 already routes through w2 (the host's 10.1.2.2)" 'in use|already|conflict|route to' \
	berth p2p connect n1:10.1.2.2 c1:10.2.0.1
expect_refused "the host's loopback address 127.0.0.1" 'in use|loopback|invalid|not allowed' \
	berth p2p connect c2:10.2.0.1 host:127.0.0.1
# the same container twice
expect_refused "the same container twice" 'both ends|same|twice|different' \
	berth p2p connect c1:10.2.0.1 c1:10.2.0.2
expect_refused "the same container by name and by id" 'both ends|same|twice|different' \
	berth p2p connect c1:10.2.0.1 "${c1_id:0:12}":10.2.0.2
# not running, missing
expect_refused "an exited container (first end)" 'not running' \
	berth p2p connect ex:10.2.0.1 c1:10.2.0.2
expect_refused "an exited container (second end)" 'not running' \
	berth p2p connect c1:10.2.0.1 ex:10.2.0.2
expect_refused "an exited container with the host" 'not running' \
	berth p2p connect ex:10.2.0.1 host:10.2.0.2
expect_refused "a created, never started container" 'not running' \
	berth p2p connect cr:10.2.0.1 c1:10.2.0.2
expect_refused "a missing container (first end)" 'no such container.*nosuch' \
	berth p2p connect nosuch:10.2.0.1 c1:10.2.0.2
expect_refused "a missing container (second end)" 'no such container.*nosuch' \
	berth p2p connect c1:10.2.0.1 nosuch:10.2.0.2
# bad addresses and arguments
expect_refused "an address out of range" 'invalid.*10\.2\.0\.300' \
	berth p2p connect c1:10.2.0.300 c2:10.2.0.2
expect_refused "a word for an address" 'invalid.*bogus' \
	berth p2p connect c1:10.2.0.1 c2:bogus
expect_refused "a CIDR for an address" 'invalid|/32|prefix' \
	berth p2p connect c1:10.2.0.1/24 c2:10.2.0.2
expect_refused "an empty address" 'wants|usage|address' \
	berth p2p connect c1: c2:10.2.0.2
expect_refused "no address" 'wants|usage|address' \
	berth p2p connect c1 c2:10.2.0.2
expect_refused "one end only" 'wants|usage|argument' \
	berth p2p connect c1:10.2.0.1
expect_refused "the same address on both ends" 'both ends|same' \
	berth p2p connect c1:10.2.0.1 c2:10.2.0.1
expect_refused "the host as the first end" 'first end|host' \
	berth p2p connect host:10.2.0.1 c1:10.2.0.2
expect_refused "the unspecified address 0.0.0.0" 'invalid|0\.0\.0\.0|unspecified|not allowed' \
	berth p2p connect c1:0.0.0.0 c2:10.2.0.2
expect_refused "the unspecified address 0.0.0.0 on the host" 'invalid|0\.0\.0\.0|unspecified|not allowed' \
	berth p2p connect c1:10.2.0.1 host:0.0.0.0
expect_refused "the broadcast address" 'invalid|255\.255\.255\.255|broadcast|not allowed' \
	berth p2p connect c1:255.255.255.255 c2:10.2.0.2
expect_refused "a multicast address" 'invalid|224\.0\.0\.1|multicast|not allowed' \
	berth p2p connect c1:10.2.0.1 c2:224.0.0.1
# names and MTUs
expect_refused "a duplicate --name" 'already exists.*w3|w3.*already exists' \
	berth p2p connect --name w3 c1:10.2.0.1 c2:10.2.0.2
expect_refused "the generated name of w2 as --name" 'already exists' \
	berth p2p connect --name "$w2" c1:10.2.0.1 c2:10.2.0.2
expect_refused "--mtu 10" 'mtu' berth p2p connect --mtu 10 c1:10.2.0.1 c2:10.2.0.2
expect_refused "--mtu 100000" 'mtu' berth p2p connect --mtu 100000 c1:10.2.0.1 c2:10.2.0.2
expect_refused "--mtu abc" 'mtu|invalid' berth p2p connect --mtu abc c1:10.2.0.1 c2:10.2.0.2
expect_refused "an unknown flag" 'unknown flag|--bogus' berth p2p connect --bogus c1:10.2.0.1 c2:10.2.0.2
expect_refused "p2p rm of a missing link" 'no such link.*nosuch' berth p2p rm nosuchlink
assert_eq up "$(p2p_state "$w2")" "w2 after the bad input"
assert_eq up "$(p2p_state w3)" "w3 after the bad input"
ping_ok host 10.1.2.1 "w2 after the bad input"
ping_ok n1 10.1.3.2 "w3 after the bad input"

log "rm -f c1 removes w2 (the host's end, its route)"
assert_ok berth rm -f c1
assert_ok berth p2p ls --format '{{.Name}}'
assert_eq w3 "$OUT" "links left after rm -f c1"
assert_no_link host "$host_if" "w2 after rm -f c1"
assert_eq "" "$(ip -o link show | awk -F': ' '{print $2}' | grep '^p2p' || true)" "p2p* links on the host after rm -f c1"
capture routes_of host
assert_not_contains "$OUT" "10.1.2.1" "the host's route to c1's end after rm -f c1"

log "rm -f c2 removes w3; p2p ls is empty"
assert_ok berth rm -f c2
assert_ok berth p2p ls
assert_eq 1 "$(echo "$OUT" | wc -l)" "p2p ls after the last link went (header only):
$OUT"
assert_ok berth p2p ls --format json
assert_eq "" "$OUT" "p2p ls --format json with no links"
assert_eq lo "$(links_of n1)" "n1 after its peer was removed"

log "rm (not -f) of a stopped container removes its links too"
assert_ok berth p2p connect --name w4 n1:10.1.4.1 web:10.1.4.2
ping_ok n1 10.1.4.2 w4
assert_ok berth stop -t 1 web
assert_ok berth rm web
assert_ok berth p2p ls --format '{{.Name}}'
assert_eq "" "$OUT" "links after rm of a stopped container"
wait_until 5 links_are n1 lo || fail "n1 after its stopped peer was removed: $(links_of n1)"
assert_fails berth p2p inspect w4

log "remove everything: the host is as it was"
assert_ok berth rm -f n1 ex cr
assert_eq "" "$(ip -o link show | awk -F': ' '{print $2}' | grep '^p2p' || true)" "p2p* links on the host at the end"
host_snapshot "$E2E_TMP/after"
assert_snapshot_eq "$E2E_TMP/before" "$E2E_TMP/after" --except-berth

log "a stopped container whose netns is held open"
sandbox_sub sub_held_netns || soft fail "sub-scenario: a stopped container whose netns is held open"
log "an address held by a stopped container's link"
sandbox_sub sub_stopped_address || soft fail "sub-scenario: an address held by a stopped container's link"
exit 0
