#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Go templates and --format, each value checked against one obtained another way:
# inspect -f with field paths ({{.State.Pid}} against /proc and the netns,
# {{.Name}}, {{.Config.Hostname | upper}} against hostname inside), range over the
# networks (against `ip` inside, in Go's sorted key order), index (a map, and a list
# element), json (.NetworkSettings.Ports against `berth port` and a real connection
# from the outside; {{json .}} against `berth inspect`), printf, if/else, with, len,
# join, eq, variables, trim markers; errors name the bad field and exit non-zero.
# ps --format TEMPLATE (a real tab for \t, as Docker), --format json (one JSON object
# per line) and {{json .}}; network ls --format TEMPLATE and json (every network the
# table lists); p2p ls --format TEMPLATE and json (against p2p inspect and `ip`).
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"

HAVE_PY=
command -v python3 >/dev/null 2>&1 && HAVE_PY=1

# py CODE ARGS...: python3 CODE with stdin and ARGS.  Without python3 the JSON checks
# fall back to grep on the text.
py() { python3 -c "$@"; }

# inspect_ok NAME TEMPLATE: render, must succeed; output in OUT.
inspect_ok() { assert_ok berth inspect -f "$2" "$1"; }

outside_setup
log "containers: web (bridge + two user networks, -p 8080:80), n1 (--net=none), ex (exited 3)"
assert_ok berth network create --subnet 10.55.66.0/24 zeta
assert_ok berth network create --subnet 10.55.67.0/24 alpha
assert_ok berth run -d --name web -p 8080:80 -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
assert_ok berth run -d --name n1 --net=none -- busybox sleep 1001
assert_ok berth run -d --name ex -- busybox sh -c 'exit 3'
wait_running web
wait_running n1
wait_exited ex
assert_ok berth network connect zeta web
assert_ok berth network connect alpha web
wait_listen web 80
web_id=$(inspect_f web '{{.Id}}')
assert_match "$web_id" '^[0-9a-f]{64}$' ".Id"

log "{{.State.Pid}}: the container's process (from /proc) in the container's netns"
inspect_ok n1 '{{.State.Pid}}'
pid=$OUT
assert_match "$pid" '^[1-9][0-9]*$' ".State.Pid"
procs=
for p in /proc/[0-9]*; do
	[ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" = "busybox sleep 1001 " ] && procs="$procs ${p#/proc/}"
done
assert_eq " $pid" "$procs" "the one process running 'busybox sleep 1001' (from /proc)"
assert_eq "$(stat -L -c %i /run/netns/n1)" "$(stat -L -c %i "/proc/$pid/ns/net")" "the pid's netns is n1's"
web_pid=$(inspect_f web '{{.State.Pid}}')
assert_eq "$(stat -L -c %i /run/netns/web)" "$(stat -L -c %i "/proc/$web_pid/ns/net")" "web's pid is in web's netns"

log "{{.Name}}, {{printf}}, {{.Config.Hostname | upper}}"
inspect_ok web '{{.Name}}'
assert_eq /web "$OUT" ".Name"
assert_ok berth inspect -f '{{.Name}}' web n1 ex
assert_eq "/web
/n1
/ex" "$OUT" "one line per container, in the order given"
inspect_ok web '{{printf "%s:%d" .Name .State.Pid}}'
assert_eq "/web:$web_pid" "$OUT" "printf %s:%d"
inspect_ok web '{{printf "%q|%5s|%-4d|%x|%v" .Name "ab" 7 255 .State.Running}}'
assert_eq '"/web"|   ab|7   |ff|true' "$OUT" "printf verbs"
inside_hostname=$(berth exec web busybox hostname)
assert_ne "" "$inside_hostname" "hostname inside"
inspect_ok web '{{.Config.Hostname}}'
assert_eq "$inside_hostname" "$OUT" ".Config.Hostname"
inspect_ok web '{{.Config.Hostname | upper}}'
assert_eq "$(echo "$inside_hostname" | tr a-z A-Z)" "$OUT" ".Config.Hostname | upper"
inspect_ok web '{{upper .Config.Hostname}}'
assert_eq "$(echo "$inside_hostname" | tr a-z A-Z)" "$OUT" "upper .Config.Hostname"
inspect_ok web '{{.Name | printf "%s!" | upper}}'
assert_eq "/WEB!" "$OUT" "a pipeline of two functions"

log "{{range .NetworkSettings.Networks}}: every address, in network-name order (as Go ranges a map)"
ips_inside=$(berth exec web ip -4 -o addr show | awk '$2 != "lo" {print $2, $4}')
eth0_ip=$(echo "$ips_inside" | awk '$1 == "eth0" {sub("/.*", "", $2); print $2}')
eth1_ip=$(echo "$ips_inside" | awk '$1 == "eth1" {sub("/.*", "", $2); print $2}')
eth2_ip=$(echo "$ips_inside" | awk '$1 == "eth2" {sub("/.*", "", $2); print $2}')
assert_match "$eth0_ip" '^172\.17\.' "eth0 (bridge) inside web"
assert_match "$eth1_ip" '^10\.55\.66\.' "eth1 (zeta) inside web"
assert_match "$eth2_ip" '^10\.55\.67\.' "eth2 (alpha) inside web"
inspect_ok web '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}'
assert_eq "$eth2_ip $eth0_ip $eth1_ip " "$OUT" "range over the networks (alpha, bridge, zeta)"
inspect_ok web '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}/{{$v.IPPrefixLen}},{{end}}'
assert_eq "alpha=$eth2_ip/24,bridge=$eth0_ip/16,zeta=$eth1_ip/24," "$OUT" "range with key and value variables"
inspect_ok web '{{len .NetworkSettings.Networks}}'
assert_eq 3 "$OUT" "len of the networks"
inspect_ok n1 '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
assert_eq "" "$OUT" "range for a --net=none container: no address"
assert_eq "lo" "$(berth exec n1 busybox ls /sys/class/net)" "n1 has only lo"
inspect_ok n1 '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}'
assert_eq none "$OUT" "the network of a --net=none container"
inspect_ok web '{{range .Config.Cmd}}[{{.}}]{{else}}empty{{end}}'
assert_match "$OUT" '^\[busybox\]\[sh\]\[-c\]\[' "range over a list"
inspect_ok n1 '{{range .Config.Env}}{{.}}{{else}}-{{end}}{{range $i, $a := .Args}} {{$i}}={{$a}}{{end}}'
assert_match "$OUT" ' 0=sleep 1=1001$' "range with an index variable"

log "{{index .NetworkSettings.Networks \"bridge\"}}: a map with the endpoint's values"
mac_inside=$(berth exec web cat /sys/class/net/eth0/address)
gw_host=$(ip -4 -o addr show dev berth0 | awk '{sub("/.*", "", $4); print $4}')
inspect_ok web '{{index .NetworkSettings.Networks "bridge"}}'
m=$OUT
assert_match "$m" '^map\[.*\]$' "index of an object prints a map"
assert_contains "$m" "IPAddress:$eth0_ip " "the map's IPAddress"
assert_contains "$m" "MacAddress:$mac_inside" "the map's MacAddress (from /sys inside)"
assert_contains "$m" "Gateway:$gw_host " "the map's Gateway (berth0's address on the host)"
assert_contains "$m" "IPPrefixLen:16 " "the map's IPPrefixLen"
# Go prints a map with its keys sorted
keys=$(echo "$m" | sed 's/^map\[//; s/\]$//' | grep -oE '(^| )[A-Za-z0-9]+:' | tr -d ' :')
assert_eq "$(echo "$keys" | LC_ALL=C sort)" "$keys" "the map's keys are sorted"
inspect_ok web '{{(index .NetworkSettings.Networks "zeta").IPAddress}}'
assert_eq "$eth1_ip" "$OUT" "a field of an index result"
inspect_ok web '{{index .Config.Cmd 1}}'
assert_eq "sh" "$OUT" "index of a list"
inspect_ok web '{{.NetworkSettings.Networks.alpha.MacAddress}}'
assert_eq "$(berth exec web cat /sys/class/net/eth2/address)" "$OUT" "a path through a map key"

log "{{json .NetworkSettings.Ports}}: the published port, as berth port says and as it works"
inspect_ok web '{{json .NetworkSettings.Ports}}'
ports_json=$OUT
if [ -n "$HAVE_PY" ]; then
	capture py 'import json, sys
p = json.loads(sys.stdin.read())
for k in sorted(p):
    for b in p[k] or []:
        print("%s -> %s:%s" % (k, b["HostIp"], b["HostPort"]))' <<<"$ports_json"
	assert_eq 0 "$RC" "json .NetworkSettings.Ports is JSON: $ports_json"
	assert_eq "$(berth port web)" "$OUT" "json .NetworkSettings.Ports against berth port"
else
	assert_eq '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}' "$ports_json" "json .NetworkSettings.Ports"
fi
inspect_ok web '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}'
assert_eq 8080 "$OUT" "HostPort through index"
assert_ok outside timeout 5 busybox wget -qO- "http://$OUTSIDE_HOST_IP:8080/"
assert_contains "$OUT" hello- "the published port answers from the outside"
inspect_ok web '{{json .Config.Cmd}}'
if [ -n "$HAVE_PY" ]; then
	capture py 'import json, sys
print("same" if json.loads(sys.argv[1]) == ["busybox", "sh", "-c", sys.argv[2]] else "differ")' "$OUT" "$WHO_HTTPD"
	assert_eq same "$OUT" "json .Config.Cmd"
else
	assert_match "$OUT" '^\["busybox","sh","-c",".*"\]$' "json .Config.Cmd"
fi
if [ -n "$HAVE_PY" ]; then
	log "{{json .}} is berth inspect's object"
	inspect_ok web '{{json .}}'
	one=$OUT
	assert_ok berth inspect web
	capture py 'import json, sys
a = json.loads(sys.argv[1]); b = json.loads(sys.argv[2])
print("same" if [a] == b else "differ")' "$one" "$OUT"
	assert_eq same "$OUT" "{{json .}} against berth inspect"
fi

log "join, if/else, with, eq, variables, trim markers, comments"
inspect_ok web '{{join .Config.Cmd "|"}}'
assert_eq "busybox|sh|-c|$WHO_HTTPD" "$OUT" "join .Config.Cmd"
assert_eq "busybox sleep 1001" "$(inspect_f n1 '{{.Path}} {{join .Args " "}}')" ".Path and .Args joined"
assert_eq "busybox sleep 1001 " "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "... as /proc says"
assert_ok berth inspect -f '{{if .State.Running}}running{{else}}stopped {{.State.ExitCode}}{{end}}' web ex
assert_eq "running
stopped 3" "$OUT" "if/else on .State.Running, .State.ExitCode"
assert_ok berth ps -a --format '{{.Names}} {{.Status}}'
assert_contains "$OUT" "ex Exited (3)" "ps agrees on the exit code"
inspect_ok web '{{with .State}}{{.Status}} {{.Pid}}{{end}}'
assert_eq "running $web_pid" "$OUT" "with .State"
inspect_ok ex '{{with .State.Pid}}pid {{.}}{{else}}no pid{{end}}'
assert_eq "no pid" "$OUT" "with on a zero value takes the else branch"
inspect_ok web '{{if eq .State.Status "running"}}yes{{end}} {{ne .State.Pid 0}} {{and .State.Running .State.Paused}} {{or .State.Paused "p"}} {{not .State.Running}}'
assert_eq "yes true false p false" "$OUT" "eq, ne, and, or, not"
inspect_ok web '{{$n := .Name}}{{$p := .State.Pid}}{{$n}}={{$p}}'
assert_eq "/web=$web_pid" "$OUT" "variables"
inspect_ok web '  {{- .Name -}}  {{/* a comment */}} x'
assert_eq "/web x" "$OUT" "trim markers and a comment"
inspect_ok web '{{lower "ABC"}} {{title "abc def"}} {{split "a,b" ","}} {{len (split "a,b,c" ",")}}'
assert_eq "abc Abc Def [a b] 3" "$OUT" "lower, title, split, len of a call"
inspect_ok web '{{.State}}'
assert_match "$OUT" "^map\[.*Pid:$web_pid .*Running:true .*\]$" "an object prints as a map"
inspect_ok web '{{.Config.Cmd}}'
assert_eq "[busybox sh -c $WHO_HTTPD]" "$OUT" "a list prints as [a b c]"

log "errors: non-zero, naming the bad field or function, nothing on stdout"
capture_split berth inspect -f '{{.State.Pidd}}' web
assert_ne 0 "$RC" "a bad field"
assert_contains "$ERR" Pidd "the message names the bad field"
assert_eq "" "$OUT" "nothing on stdout for a bad field"
capture_split berth inspect -f '{{.Nope.Deeper}}' web
assert_ne 0 "$RC" "a bad top-level field"
assert_contains "$ERR" Nope "the message names the bad field"
capture_split berth inspect -f '{{nosuchfunc .Name}}' web
assert_ne 0 "$RC" "an unknown function"
assert_contains "$ERR" nosuchfunc "the message names the function"
capture_split berth inspect -f '{{.Name' web
assert_ne 0 "$RC" "an unterminated action"
assert_ne "" "$ERR" "a message for an unterminated action"
capture_split berth inspect -f '{{range .Name}}x{{end' web
assert_ne 0 "$RC" "a broken range"
capture_split berth inspect -f '{{.State.Pid | upper}}' web
assert_ne 0 "$RC" "upper of a number"
capture_split berth inspect -f '{{.Name}}' web nosuch
assert_ne 0 "$RC" "a missing container among others"
assert_eq /web "$OUT" "the others are still printed"
assert_contains "$ERR" nosuch "the message names the missing container"

log "ps --format TEMPLATE"
assert_ok berth ps --format '{{.Names}}\t{{.Status}}'
ps_out=$OUT
case $ps_out in
*$'\t'*) ;;
*) soft fail "ps --format: \\t in the template is not a tab (Docker turns \\t into a tab): [$ps_out]" ;;
esac
# (the rest is checked whichever way \t came out)
ps_norm=$(printf '%s\n' "$ps_out" | sed 's/\\t/\t/g')
assert_eq "n1 web" "$(printf '%s\n' "$ps_norm" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')" "ps --format names (running only)"
printf '%s\n' "$ps_norm" | cut -f2 | grep -qv '^Up' && fail "ps --format status of a running container: $ps_out"
assert_ok berth ps -a --format '{{.Names}}|{{.Status}}|{{.State}}'
assert_contains "$OUT" "ex|Exited (3)" "ps -a --format: the exited container"
assert_contains "$OUT" "|exited" "ps -a --format .State"
assert_eq 3 "$(echo "$OUT" | wc -l)" "ps -a --format: one line per container"
assert_ok berth ps --format '{{.ID}} {{.Names}}'
assert_contains "$OUT" "${web_id:0:12} web" "ps --format .ID is the short id"
assert_ok berth ps --no-trunc --format '{{.ID}}'
soft assert_contains "$OUT" "$web_id" "ps --no-trunc --format .ID is the full id"
assert_ok berth ps --format '{{.Names}} {{.Ports}}'
assert_contains "$OUT" "web 0.0.0.0:8080->80/tcp" "ps --format .Ports"
capture_split berth ps --format '{{.Nope}}'
assert_ne 0 "$RC" "ps --format with a bad field"
assert_contains "$ERR" Nope "the message names the bad field"
capture_split berth ps --format 'table {{.Names}}\t{{.Status}}'
soft assert_match "$(echo "$OUT" | head -1)" '^NAMES[[:space:]]+STATUS[[:space:]]*$' "ps --format 'table ...' prints a header (as Docker)"
soft assert_not_contains "$OUT" "table" "ps --format 'table ...' does not print the word table"

log "ps --format json: one JSON object per line"
assert_ok berth ps -a --format json
ps_json=$OUT
assert_eq 3 "$(echo "$ps_json" | wc -l)" "ps -a --format json: one line per container"
if [ -n "$HAVE_PY" ]; then
	capture py 'import json, sys
rows = [json.loads(l) for l in sys.stdin.read().splitlines()]
by = {r["Names"]: r for r in rows}
assert sorted(by) == ["ex", "n1", "web"], sorted(by)
w, n, e = by["web"], by["n1"], by["ex"]
assert w["ID"] == sys.argv[1][:12], w["ID"]
assert w["State"] == "running" and w["Status"].startswith("Up"), w
assert n["State"] == "running", n
assert e["State"] == "exited" and e["Status"].startswith("Exited (3)"), e
assert "0.0.0.0:8080->80/tcp" in w["Ports"], w["Ports"]
assert "sleep 1001" in n["Command"], n["Command"]
for r in rows:
    for k in ("ID", "Image", "Command", "CreatedAt", "RunningFor", "Status", "State", "Ports", "Names"):
        assert k in r, (k, r)
print("ok")' "$web_id" <<<"$ps_json"
	assert_eq ok "$OUT" "ps --format json"
	# Docker: --format json is {{json .}}
	assert_ok berth ps -a --format '{{json .}}'
	# (the two commands may straddle a second: "1 second ago" against "2
	# seconds ago"; the relative times are compared by their form only)
	capture py 'import json, re, sys
def rows(text):
    v = [json.loads(l) for l in text.splitlines()]
    for r in v:
        for k in ("RunningFor", "Status"):
            r[k] = re.sub(r"\d+|Less than a|About an?", "N", r.get(k, ""))
            r[k] = re.sub(r"(second|minute|hour)s\b", r"\1", r[k])
    return v
a, b = rows(sys.argv[1]), rows(sys.argv[2])
print("same" if a == b else "differ:\n%s\n%s" % (a, b))' "$ps_json" "$OUT"
	soft assert_eq same "$OUT" "ps --format '{{json .}}' against --format json"
else
	echo "$ps_json" | grep -qv '^{.*}$' && fail "ps --format json: not one object per line: $ps_json"
	assert_contains "$ps_json" '"Names":"web"' "ps --format json"
	assert_contains "$ps_json" '"State":"exited"' "ps --format json"
fi

log "network ls --format"
assert_ok berth network ls
table_names=$(echo "$OUT" | awk 'NR > 1 {print $2}' | sort)
assert_eq "alpha bridge host none zeta" "$(echo "$table_names" | tr '\n' ' ' | sed 's/ $//')" "network ls (table)"
assert_ok berth network ls --format '{{.Name}}'
soft assert_eq "$table_names" "$(echo "$OUT" | sort)" "network ls --format '{{.Name}}' lists what the table lists (host and none too, as Docker)"
assert_ok berth network ls --format '{{.Name}} {{.Driver}}'
assert_contains "$OUT" "zeta bridge" "network ls --format .Driver"
capture_split berth network ls --format '{{.Name}}\t{{.Scope}}'
soft assert_contains "$OUT" "bridge"$'\t'"local" "network ls --format: \\t is a tab"
capture_split berth network ls --format '{{.Nope}}'
assert_ne 0 "$RC" "network ls --format with a bad field"
assert_contains "$ERR" Nope "the message names the bad field"
assert_ok berth network ls --format json
net_json=$OUT
if [ -n "$HAVE_PY" ]; then
	capture py 'import json, subprocess, sys
rows = [json.loads(l) for l in sys.stdin.read().splitlines()]
by = {r["Name"]: r for r in rows}
for n in ("bridge", "alpha", "zeta"):
    full = json.loads(subprocess.check_output([sys.argv[1], "network", "inspect", n]))[0]
    r = by[n]
    assert r["ID"] == full["Id"][:12], (n, r["ID"], full["Id"])
    assert r["Driver"] == "bridge" and r["Scope"] == "local", r
print(" ".join(sorted(by)))' "$BERTH" <<<"$net_json"
	assert_eq 0 "$RC" "network ls --format json: $OUT"
	soft assert_eq "$(echo "$table_names" | tr '\n' ' ' | sed 's/ $//')" "$OUT" "network ls --format json lists what the table lists"
else
	echo "$net_json" | grep -qv '^{.*}$' && fail "network ls --format json: not one object per line: $net_json"
	assert_contains "$net_json" '"Name":"zeta"' "network ls --format json"
fi

log "p2p ls --format"
assert_ok berth run -d --name c2 -- busybox sleep 1002
wait_running c2
assert_ok berth p2p connect --name wire n1:10.7.0.1 c2:10.7.0.2
assert_ok berth p2p connect --name hostwire c2:10.7.1.1 host:10.7.1.2
assert_ok berth p2p ls --format '{{.Name}} {{(index .Ends 0).Container}}:{{(index .Ends 0).Address}} {{(index .Ends 1).Container}}:{{(index .Ends 1).Address}} {{.Up}} {{len .Ends}}'
assert_eq "wire n1:10.7.0.1 c2:10.7.0.2 true 2
hostwire c2:10.7.1.1 host:10.7.1.2 true 2" "$OUT" "p2p ls --format"
assert_ok berth p2p ls --format '{{range .Ends}}{{.Interface}}={{.Address}} {{end}}'
wire_line=$(echo "$OUT" | head -1)
assert_eq "p2p0=10.7.0.1 p2p0=10.7.0.2 " "$wire_line" "p2p ls --format range .Ends"
assert_eq "10.7.0.1/32" "$(berth exec n1 ip -4 -o addr show dev p2p0 | awk '{print $4}')" "the address p2p ls shows, in n1"
host_if=$(berth p2p ls --format '{{if eq .Name "hostwire"}}{{(index .Ends 1).Interface}}{{end}}' | grep .)
assert_eq "10.7.1.2/32" "$(ip -4 -o addr show dev "$host_if" | awk '{print $4}')" "the host's interface p2p ls names"
assert_ok berth p2p ls --format '{{if .Up}}{{.Name}} is up{{end}}'
assert_eq "wire is up
hostwire is up" "$OUT" "p2p ls --format if .Up"
capture_split berth p2p ls --format '{{.Name}}\t{{.Up}}'
soft assert_contains "$OUT" "wire"$'\t'"true" "p2p ls --format: \\t is a tab"
capture_split berth p2p ls --format '{{.Nope}}'
assert_ne 0 "$RC" "p2p ls --format with a bad field"
assert_contains "$ERR" Nope "the message names the bad field"
assert_ok berth p2p ls --format json
p2p_json=$OUT
assert_eq 2 "$(echo "$p2p_json" | wc -l)" "p2p ls --format json: one line per link"
if [ -n "$HAVE_PY" ]; then
	assert_ok berth p2p inspect wire hostwire
	capture py 'import json, sys
a = [json.loads(l) for l in sys.argv[1].splitlines()]
b = json.loads(sys.argv[2])
print("same" if a == b else "differ:\n%s\n%s" % (a, b))' "$p2p_json" "$OUT"
	assert_eq same "$OUT" "p2p ls --format json against p2p inspect"
else
	assert_contains "$p2p_json" '"Name":"wire"' "p2p ls --format json"
fi
assert_ok berth p2p ls --format '{{json .Ends}}'
assert_match "$(echo "$OUT" | head -1)" '^\[\{.*"Container":"n1".*\},\{.*"Container":"c2".*\}\]$' "json .Ends"

log "clean up"
assert_ok berth rm -f web n1 ex c2
assert_ok berth p2p ls --format '{{.Name}}'
assert_eq "" "$OUT" "no links left"
exit 0
