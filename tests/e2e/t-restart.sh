#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Restart policies, reconcile after a dead monitor and after a reboot, system prune and
# system reset (nftables backend).
#  - errors: --restart bogus, always:3, on-failure:-1, on-failure:x and --rm --restart
#    always exit 125 with Docker's message and create nothing; inspect shows
#    HostConfig.RestartPolicy (default {"no", 0});
#  - always: a container that exits is started again (RestartCount grows, new pid, its
#    published port answers again); the restarted monitor does not keep its
#    predecessors' descriptors; `berth stop` stops it for good (state exited and no
#    monitor left that could restart it, count unchanged), also during the back-off of
#    a crash loop; `berth start` brings it back and the policy applies again;
#  - `berth rm -f` of an always / unless-stopped / on-failure:3 container: its process
#    ends and no monitor runs a container berth does not record (the policy must not
#    restart a container being removed);
#  - on-failure:2: exit 5 -> exactly 2 restarts, then exited (5) for good; exit 0 -> no
#    restart; no / default: never; unless-stopped: like always until stopped by hand;
#  - a killed monitor (kill -9 of the container process's parent) then `berth reload`:
#    a --restart no container is exited, its process gone, its veth, netns name,
#    address and host port released; a --restart always one runs again and is reachable;
#  - reboot, in a fresh nested sandbox: every berth process killed by pid, mounts under
#    berth's dirs unmounted, the run dir emptied, berth's links deleted, the ruleset
#    flushed; then `berth ps` alone brings back always (even one stopped by hand, as
#    Docker after a daemon restart) and unless-stopped containers, not no or a stopped
#    unless-stopped one; the restarted containers reach each other by name and their
#    published port answers from the outside;
#  - system prune -f removes the stopped containers and unused networks and prints
#    Docker's shape (a "n" at the prompt removes nothing); system reset -f leaves no
#    berth link, netns, mount, process, container, network (but host/none), CNI
#    attachment, nor nft table but `table inet berth` with only the empty user chain.

# ---------------------------------------------------------------- helpers (also for
# the nested sandbox: defined before sandbox_enter)

# fd_links PID: what the process's descriptors point to, one per line.
fd_links()
{
	local f
	for f in "/proc/$1/fd"/*; do
		readlink "$f" 2>/dev/null
	done
}

# live_monitors: the berth-monitor processes that have not ended.
live_monitors()
{
	local p
	for p in $(pgrep -x berth-monitor); do
		proc_gone "$p" || echo "$p"
	done
}

# monitors_quiet: every live monitor is the parent of a live process (its container):
# none is waiting to start one again (a monitor in its restart back-off has no child).
monitors_quiet()
{
	local p k busy
	for p in $(live_monitors); do
		busy=
		for k in $(pgrep -P "$p"); do
			proc_gone "$k" || busy=1
		done
		[ -n "$busy" ] || return 1
	done
	return 0
}

# unrecorded: live processes run by a monitor that are no container berth records as
# running (a monitor's short-lived helper fork, also named berth-monitor, aside).
unrecorded()
{
	local rec p k c
	rec=" $(for c in $("$BERTH" ps -q --no-trunc); do container_pid "$c"; done | xargs) "
	for p in $(live_monitors); do
		for k in $(pgrep -P "$p"); do
			proc_gone "$k" && continue
			[ "$(cat "/proc/$k/comm" 2>/dev/null)" = berth-monitor ] && continue
			case $rec in *" $k "*) ;; *) echo "$k" ;; esac
		done
	done
}

no_unrecorded() { [ -z "$(unrecorded)" ]; }

# settled NAME: exited, and no monitor anywhere waits to start a container again (checked
# twice: a restart hands over between two monitors through a fork).
settled()
{
	status_is "$1" exited && monitors_quiet && status_is "$1" exited && monitors_quiet
}

wait_settled()
{
	wait_until 20 settled "$1" ||
		fail "$1 did not settle as exited with no monitor waiting to restart (status $(inspect_f "$1" '{{.State.Status}}'); monitors:
$(ps -o pid,ppid,stat,comm,args --ppid "$(live_monitors | xargs | tr ' ' ,)" -p "$(live_monitors | xargs | tr ' ' ,)")"
}

restarts() { inspect_f "$1" '{{.RestartCount}}'; }

# restarts_at_least NAME N
restarts_at_least() { [ "$(restarts "$1")" -ge "$2" ] 2>/dev/null; }

# running_new NAME OLDPID: running with a live process other than OLDPID.
running_new()
{
	local p
	status_is "$1" running || return 1
	p=$(container_pid "$1")
	[ "$p" != "$2" ] && [ "$p" -gt 0 ] && kill -0 "$p"
}

# berth_mounts: mount points under berth's run and state dirs (but those in
# HIDDEN_MOUNTS: in the nested sandbox, the outer sandbox's mounts are still listed,
# under the nested sandbox's own /run, out of reach).
HIDDEN_MOUNTS=
berth_mounts()
{
	awk -v a="$BERTH_RUN_ROOT" -v b="$BERTH_ROOT" 'index($5, a) == 1 || index($5, b) == 1 {print $5}' \
		/proc/self/mountinfo | grep -vxF -e "${HIDDEN_MOUNTS:-/nonexistent}" || true
}

# proc_gone PID: the process ended (gone, or a zombie not yet reaped).
proc_gone() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# proc_reaped PID: the process is gone from the process table.
proc_reaped() { [ ! -e "/proc/$1" ]; }

# live_count COMM,...: processes of these names that have not ended.
# shellcheck disable=SC2009
live_count() { ps -C "$1" -o stat= | grep -vc '^Z'; }

GET_OUT=
# http_ok URL WANT: GET from the outside netns answers WANT.
http_ok() { GET_OUT=$(ip netns exec outside timeout 3 busybox wget -qO- "$1" 2>&1) && [ "$GET_OUT" = "$2" ]; }

# ---------------------------------------------------------------- reboot (nested)

reboot_scenario()
{
	HIDDEN_MOUNTS=$(berth_mounts)
	outside_setup
	assert_ok berth network create --subnet 10.79.0.0/24 lab
	assert_ok berth run -d --name r-always --hostname r-always --restart always --network lab \
		-p 8080:80 -e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
	assert_ok berth run -d --name r-unless --restart unless-stopped --network lab -- busybox sleep 100000
	assert_ok berth run -d --name r-no --restart no --network lab -- busybox sleep 100000
	assert_ok berth run -d --name r-dflt --network lab -- busybox sleep 100000
	assert_ok berth run -d --name r-unless-stopped --restart unless-stopped --network lab -- busybox sleep 100000
	assert_ok berth run -d --name r-always-stopped --restart always -- busybox sleep 100000
	local c
	for c in r-always r-unless r-no r-dflt r-unless-stopped r-always-stopped; do
		wait_running "$c"
	done
	assert_ok berth stop -t 1 r-unless-stopped r-always-stopped
	wait_listen r-always 80
	wait_until 5 http_ok "http://$OUTSIDE_HOST_IP:8080/" hello-r-always ||
		fail "before the reboot: the published port of r-always does not answer: $GET_OUT"

	log "reboot: kill berth's processes, unmount, empty the run dir, delete the links, flush the rules"
	local pids p m
	pids="$(ps -C berth-monitor -o pid=) $(ps -C dnsmasq -o pid=)"
	for c in r-always r-unless r-no r-dflt; do
		pids="$pids $(container_pid "$c")"
	done
	# shellcheck disable=SC2086
	kill -9 $pids
	for p in $pids; do
		wait_until 5 proc_reaped "$p" || fail "process $p survived kill -9 (or was not reaped)"
	done
	for m in $(berth_mounts | sort -r); do
		umount -l "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	assert_eq "" "$(berth_mounts)" "mounts under berth's dirs after unmounting them"
	rm -rf "${BERTH_RUN_ROOT:?}"
	for p in "$BERTH_NETNS_DIR"/*; do
		[ "${p##*/}" = outside ] && continue
		umount -l "$p" 2>/dev/null
		rm -f "$p"
	done
	for p in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'); do
		case $p in berth0 | br-* | veth*) ip link del "$p" 2>/dev/null ;; esac
	done
	nft flush ruleset
	echo 0 >/proc/sys/net/ipv4/ip_forward
	assert_eq "lo o-host" "$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | xargs)" "links after the reboot"
	assert_eq 0 "$(live_count berth-monitor)" "monitors after the reboot"

	log "the first command after the reboot restarts what the policies say"
	assert_ok berth ps
	for c in r-always r-unless r-always-stopped; do
		wait_running "$c"
		p=$(container_pid "$c")
		kill -0 "$p" || fail "$c is recorded as running but its process $p is gone"
		m=$(monitor_pid_of "$p")
		assert_eq berth-monitor "$(cat "/proc/$m/comm")" "$c runs under a monitor after the reboot"
	done
	for c in r-no r-dflt r-unless-stopped; do
		status_is "$c" exited || fail "$c should stay exited after the reboot, is $(inspect_f "$c" '{{.State.Status}}')"
		settled "$c" || fail "$c is exited, but a monitor waits to start a container again"
	done
	wait_listen r-always 80
	assert_ok berth exec r-unless busybox ping -c1 -W2 r-always
	assert_ok berth exec r-always busybox ping -c1 -W2 r-unless
	wait_until 5 http_ok "http://$OUTSIDE_HOST_IP:8080/" hello-r-always ||
		fail "after the reboot: the published port of r-always does not answer from the outside: $GET_OUT"
	assert_eq 1 "$(cat /proc/sys/net/ipv4/ip_forward)" "ip_forward after the reboot"
	log "a second command does not restart anything again"
	p=$(container_pid r-always)
	assert_ok berth ps
	assert_eq "$p" "$(container_pid r-always)" "r-always keeps its process on the next command"
	return 0
}

. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
export BERTH_FIREWALL_BACKEND=nftables

# ---------------------------------------------------------------- errors

log "bad restart policies: exit 125 with Docker's message, nothing created"
bad()
{
	local want=$1
	shift
	capture berth run -d "$@" -- busybox true
	assert_eq 125 "$RC" "berth run $*: exit status ($OUT)"
	assert_contains "$OUT" "$want" "berth run $*"
	capture berth create "$@" -- busybox true
	assert_eq 125 "$RC" "berth create $*: exit status ($OUT)"
	assert_contains "$OUT" "$want" "berth create $*"
}
bad "invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'" --restart bogus
bad "invalid restart policy: maximum retry count can only be used with 'on-failure'" --restart always:3
bad "invalid restart policy: maximum retry count cannot be negative" --restart on-failure:-1
bad "invalid restart policy format: maximum retry count must be an integer" --restart on-failure:x
bad "Conflicting options: --restart and --rm" --rm --restart always
assert_eq "" "$(berth ps -aq)" "no container was created by a refused policy"

log "inspect: HostConfig.RestartPolicy"
assert_ok berth create --name p-dflt -- busybox true
assert_ok berth create --name p-of --restart on-failure:2 -- busybox true
assert_ok berth create --name p-us --restart unless-stopped -- busybox true
assert_eq '{"Name":"no","MaximumRetryCount":0} 0' "$(inspect_f p-dflt '{{json .HostConfig.RestartPolicy}} {{.RestartCount}}')" "default policy"
assert_eq '{"Name":"on-failure","MaximumRetryCount":2}' "$(inspect_f p-of '{{json .HostConfig.RestartPolicy}}')" "on-failure:2"
assert_eq '{"Name":"unless-stopped","MaximumRetryCount":0}' "$(inspect_f p-us '{{json .HostConfig.RestartPolicy}}')" "unless-stopped"
assert_ok berth rm p-dflt p-of p-us

outside_setup
assert_ok berth network create --subnet 10.78.0.0/24 lab

# ---------------------------------------------------------------- always

log "always: a container killed from outside is started again"
assert_ok berth run -d --name web --hostname web --restart always --network lab -p 8080:80 \
	-e "CGI=$WHO_CGI" -- busybox sh -c "$WHO_HTTPD"
wait_running web
wait_listen web 80
wait_until 5 http_ok "http://$OUTSIDE_HOST_IP:8080/" hello-web || fail "web's published port does not answer: $GET_OUT"
pid=$(container_pid web)
mon=$(monitor_pid_of "$pid")
assert_eq berth-monitor "$(cat "/proc/$mon/comm")" "web's parent is its monitor"
fds0=$(fd_links "$mon" | wc -l)
for n in 1 2 3; do
	kill -9 "$pid"
	wait_until 15 running_new web "$pid" || fail "always: web was not started again after kill $n (status $(inspect_f web '{{.State.Status}}'))"
	assert_eq "$n" "$(restarts web)" "RestartCount after kill $n"
	pid=$(container_pid web)
	wait_listen web 80
	wait_until 5 http_ok "http://$OUTSIDE_HOST_IP:8080/" hello-web ||
		fail "always: web's published port does not answer after restart $n: $GET_OUT"
done
mon=$(monitor_pid_of "$pid")
fds=$(fd_links "$mon" | wc -l)
[ "$fds" -le "$fds0" ] || soft fail "web's monitor after 3 restarts holds $fds descriptors, the first one held $fds0 (its predecessors' are inherited: $(fd_links "$mon" | grep -c container.log) of them are the log):
$(fd_links "$mon" | sort | uniq -c)"

log "always: berth stop stops it for good, berth start brings it back"
veth=$(inspect_f web '{{.NetworkSettings.Networks.lab.EndpointID}}')
assert_ok berth stop -t 1 web
wait_settled web
assert_eq 3 "$(restarts web)" "RestartCount after stop"
kill -0 "$pid" 2>/dev/null && fail "web's process survived berth stop"
ip link show "$veth" >/dev/null 2>&1 && fail "web's veth $veth stays after stop"
http_ok "http://$OUTSIDE_HOST_IP:8080/" hello-web && fail "web's port answers after stop"
assert_ok berth start web
wait_running web
pid=$(container_pid web)
kill -9 "$pid"
wait_until 15 running_new web "$pid" || fail "always: after berth start, the policy applies again"
wait_listen web 80
wait_until 5 http_ok "http://$OUTSIDE_HOST_IP:8080/" hello-web || fail "web after start + kill: $GET_OUT"

log "always: a crash loop, stopped during its back-off"
assert_ok berth run -d --name loop --restart always -- busybox sh -c 'exit 3'
wait_until 20 restarts_at_least loop 3 || fail "always: loop restarted only $(restarts loop) times"
assert_ok berth stop -t 1 loop
wait_settled loop
n=$(restarts loop)
assert_eq 3 "$(inspect_f loop '{{.State.ExitCode}}')" "loop's exit code"
settled loop || fail "loop was started again after berth stop"
assert_eq "$n" "$(restarts loop)" "RestartCount of loop after stop"

log "rm -f of a container whose policy would restart it: nothing of it lives on"
for pol in always unless-stopped on-failure:3; do
	assert_ok berth run -d --name rmme --restart "$pol" -- busybox sleep 100000
	wait_running rmme
	rpid=$(container_pid rmme)
	assert_ok berth rm -f rmme
	proc_gone "$rpid" || soft fail "rm -f ($pol): the container process $rpid lives on"
	if ! wait_until 3 no_unrecorded; then
		ghosts=$(unrecorded | xargs)
		soft fail "rm -f ($pol): the policy restarted the container being removed: a monitor runs a container process berth does not record:
$(ps -o pid,ppid,stat,comm,args -p "${ghosts// /,}")
$(ps -o pid,ppid,stat,comm,args -p "$(for g in $ghosts; do monitor_pid_of "$g"; done | xargs | tr ' ' ,)" | tail -n +2)
berth ps -a: $(berth ps -a --format '{{.Names}}' | xargs)"
		for g in $ghosts; do # (so that the next checks are not disturbed)
			m=$(monitor_pid_of "$g")
			kill -9 "$g" "$m"
			wait_until 5 proc_reaped "$m"
		done
	fi
done

# ---------------------------------------------------------------- on-failure, no, unless-stopped

log "on-failure:2: two restarts after exit 5, none after exit 0"
assert_ok berth run -d --name of-fail --restart on-failure:2 -- busybox sh -c 'exit 5'
assert_ok berth run -d --name of-ok --restart on-failure:2 -- busybox sh -c 'exit 0'
assert_ok berth run -d --name of-nomax --restart on-failure -- busybox sh -c 'exit 0'
assert_ok berth run -d --name no-dflt -- busybox sh -c 'exit 1'
assert_ok berth run -d --name no-no --restart no -- busybox sh -c 'exit 1'
for c in of-fail of-ok of-nomax no-dflt no-no; do
	wait_settled "$c"
done
assert_eq "2 5" "$(inspect_f of-fail '{{.RestartCount}} {{.State.ExitCode}}')" "on-failure:2 after exit 5: restarts, exit code"
assert_eq "0 0" "$(inspect_f of-ok '{{.RestartCount}} {{.State.ExitCode}}')" "on-failure:2 after exit 0"
assert_eq "0 0" "$(inspect_f of-nomax '{{.RestartCount}} {{.State.ExitCode}}')" "on-failure after exit 0"
assert_eq "0 1" "$(inspect_f no-dflt '{{.RestartCount}} {{.State.ExitCode}}')" "no policy after exit 1"
assert_eq "0 1" "$(inspect_f no-no '{{.RestartCount}} {{.State.ExitCode}}')" "--restart no after exit 1"
assert_ok berth ps -a
assert_match "$OUT" "Exited \\(5\\)[^"$'\n'"]*of-fail" "ps -a: of-fail exited (5)"

log "unless-stopped: restarted until stopped by hand"
assert_ok berth run -d --name us --restart unless-stopped --network lab -- busybox sleep 100000
wait_running us
pid=$(container_pid us)
kill -9 "$pid"
wait_until 15 running_new us "$pid" || fail "unless-stopped: us was not started again"
assert_eq 1 "$(restarts us)" "RestartCount of us"
assert_ok berth stop -t 1 us
wait_settled us
assert_ok berth start us
wait_running us
assert_ok berth exec us busybox ping -c1 -W2 web

# ---------------------------------------------------------------- a killed monitor

log "a killed monitor, then reload: --restart no is exited and releases everything"
assert_ok berth run -d --name orphan --network lab --ip 10.78.0.40 -p 8090:80 -- busybox sleep 100000
wait_running orphan
opid=$(container_pid orphan)
omon=$(monitor_pid_of "$opid")
assert_eq berth-monitor "$(cat "/proc/$omon/comm")" "orphan's parent is its monitor"
oveth=$(inspect_f orphan '{{.NetworkSettings.Networks.lab.EndpointID}}')
assert_match "$oveth" '^veth' "orphan's veth"
kill -9 "$omon"
# (reload runs once the monitor is really gone: a zombie not yet reaped by the
# sandbox's init still counts as alive for berth, as it does for `kill -0`)
wait_until 5 proc_reaped "$omon" || fail "the killed monitor $omon was not reaped"
assert_ok berth reload
status_is orphan exited || fail "orphan should be exited after reload, is $(inspect_f orphan '{{.State.Status}}')"
assert_eq 137 "$(inspect_f orphan '{{.State.ExitCode}}')" "orphan's exit code"
wait_until 5 sh -c "! kill -0 $opid 2>/dev/null" || fail "orphan's process $opid survived the reload"
ip link show "$oveth" >/dev/null 2>&1 && fail "orphan's veth $oveth stays after the reload"
[ -e "$BERTH_NETNS_DIR/orphan" ] || [ -L "$BERTH_NETNS_DIR/orphan" ] && fail "orphan's netns name stays after the reload"
assert_ok berth inspect -f '{{.NetworkSettings.Networks.lab.IPAddress}}' orphan
assert_eq "" "$OUT" "orphan holds no address after the reload"
capture berth run -d --name taker --network lab --ip 10.78.0.40 -p 8090:80 -- busybox sleep 100000
[ "$RC" = 0 ] || fail "orphan's address and port should be free after the reload: $OUT"
assert_ok berth rm -f taker

log "a killed monitor, then reload: --restart always runs again"
pid=$(container_pid web)
mon=$(monitor_pid_of "$pid")
kill -9 "$mon"
wait_until 5 proc_reaped "$mon" || fail "the killed monitor $mon was not reaped"
assert_ok berth reload
wait_until 15 running_new web "$pid" || fail "web (always) should run again after its monitor was killed and reload"
pid=$(container_pid web)
assert_eq berth-monitor "$(cat "/proc/$(monitor_pid_of "$pid")/comm")" "web runs under a monitor again"
assert_ok berth exec us busybox ping -c1 -W2 web
wait_listen web 80
wait_until 5 http_ok "http://$OUTSIDE_HOST_IP:8080/" hello-web || fail "web after its monitor was killed and reload: $GET_OUT"

# ---------------------------------------------------------------- reboot

log "reboot (in a fresh nested sandbox)"
sandbox_sub reboot_scenario || fail "the reboot scenario failed"

# ---------------------------------------------------------------- prune and reset

log "system prune"
assert_ok berth network create spare
stopped=$(for c in $(berth ps -aq --no-trunc); do
	[ "$(inspect_f "$c" '{{.State.Status}}')" != running ] && echo "$c"
done | sort)
running=$(for c in $(berth ps -aq --no-trunc); do
	[ "$(inspect_f "$c" '{{.State.Status}}')" = running ] && echo "$c"
done | sort)
assert_ne "" "$stopped" "there are stopped containers to prune"
capture_split berth system prune <<<n
assert_eq 0 "$RC" "prune answered n"
assert_contains "$OUT" "WARNING! This will remove:" "prune's prompt"
assert_eq "$(printf '%s\n' "$stopped" "$running" | sort | grep .)" "$(berth ps -aq --no-trunc | sort)" "prune answered n removes nothing"
capture_split berth system prune -f
assert_eq 0 "$RC" "system prune -f ($ERR)"
want="Deleted Containers:
$stopped

Deleted Networks:
spare

Total reclaimed space: 0B"
got=$(printf '%s\n' "$OUT" | awk '/^Deleted Containers:/ {c = 1; print; next} c && /^$/ {c = 0} c {print | "sort"; next} {close("sort"); print}')
assert_eq "$want" "$got" "system prune -f output"
assert_eq "$running" "$(berth ps -aq --no-trunc | sort)" "only the running containers are left"
capture berth network ls --format '{{.Name}}'
assert_not_contains "$OUT" spare "network ls after prune"
assert_contains "$OUT" lab "network ls after prune (lab is in use)"
assert_ok berth exec us busybox ping -c1 -W2 web

log "system reset"
if [ -x "${BERTH%/src/cli/berth}/src/cni/berth-cni" ]; then
	BERTH_CNI=${BERTH%/src/cli/berth}/src/cni/berth-cni
else
	BERTH_CNI=$(dirname "$BERTH")/berth-cni
fi
if [ -x "$BERTH_CNI" ]; then
	ip netns add pod
	capture env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/pod CNI_IFNAME=eth0 \
		CNI_PATH=/nonexistent "$BERTH_CNI" <<<'{"cniVersion":"1.1.0","name":"kube","type":"berth-cni","bridge":"cni0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.22.0.0/24"},"runtimeConfig":{"portMappings":[{"hostPort":8181,"containerPort":80,"protocol":"tcp"}]}}'
	[ "$RC" = 0 ] || fail "berth-cni ADD before reset: $OUT"
else
	log "(no berth-cni binary: reset without a CNI attachment)"
fi
pids=$(for c in $(berth ps -q --no-trunc); do container_pid "$c"; done)
assert_ne "" "$pids" "running containers before reset"
assert_ok berth system reset -f
for p in $pids; do
	proc_gone "$p" || fail "container process $p survived system reset"
done
[ -x "$BERTH_CNI" ] && { assert_eq "lo" "$(ip -n pod -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | xargs)" "the pod's links after reset"; ip netns del pod; }
assert_eq "lo o-host" "$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | xargs)" "links after reset"
assert_eq "outside" "$(find "$BERTH_NETNS_DIR" -mindepth 1 -printf "%f\n" | sort | xargs)" "named netns after reset"
assert_eq "" "$(berth_mounts)" "mounts under berth's dirs after reset"
assert_eq "" "$(find "$BERTH_RUN_ROOT/containers" "$BERTH_ROOT/containers" -mindepth 1 2>/dev/null)" "container dirs after reset"
wait_until 5 sh -c '! ps -C berth-monitor,dnsmasq -o stat= | grep -qv "^Z"' ||
	soft fail "berth-monitor or dnsmasq processes after reset:
$(ps -C berth-monitor,dnsmasq -o pid,ppid,stat,comm,args)"
assert_eq "" "$(berth ps -aq)" "containers after reset"
assert_eq "host none" "$(berth network ls --format '{{.Name}}' | sort | xargs)" "networks after reset"
soft assert_eq "table inet berth {
	chain user {
	}
}" "$(nft list ruleset)" "the ruleset after reset"
exit 0
