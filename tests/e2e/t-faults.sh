#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault injection (issue 10): a berth command SIGKILLed at any point leaves a state that
# `berth reload` repairs, on both firewall backends.
#
# Throughout: a user network "lab" and a container "web" on it publishing 8080 -> 80
# (so the rules, sets and DNS are not trivial). Baseline: a snapshot of the host (links,
# addresses without the kernel's fe80:: ones, routes, rules, nft ruleset without
# handles, iptables-save on the iptables backend, named netns and the run dir's netns
# files, mounts under berth's dirs, berth-monitor and dnsmasq pids, `berth ps -a`,
# `berth network ls`, the DNS hosts files of user networks, and the store's endpoints,
# ports and CNI attachments).
#
# For every fault point (BERTH_FAULT=POINT: the process kills itself there) the command
# that reaches it exits 137 (a start whose monitor reached it fails: run 125, start 1);
# then `berth reload`; then the cleanup of what the command legitimately made (it must
# succeed, e.g. `berth rm -f victim`), and:
#  - the snapshot is the baseline again (no leaked veth, bridge, address, route, netns,
#    mount, rule, set/map element, DNS entry, address or port allocation, monitor);
#  - no container is recorded as running whose process is gone;
#  - the victim's address and host port are free again (a container with --ip of that
#    address and -p of that port starts) and it reaches web by name (DNS + bridge);
#  - web's published port answers from the outside.
# Points and commands:
#  attach:allocated, attach:plugged, start:rules — `berth run -d` (user network with
#    dynamic and fixed --ip, default bridge), `berth start` of a created container;
#  attach:allocated, attach:plugged — `berth network connect lab C` of a running
#    container (after reload: connected in the store <=> the interface exists);
#  rm:stopped, rm:released, rm:deleted — `berth rm -f` of a running container, `berth
#    rm` of a stopped one (at rm:deleted the record is gone: reload sweeps the run and
#    state directories left);
#  network-create:stored, network-rm:bridge — `berth network create/rm` (the subnet is
#    free again afterwards);
#  cni-add:stored, cni-add:plugged, cni-del:unplugged — berth-cni driven through the CNI
#    protocol with a port mapping; a DEL or a GC (and for a killed DEL, the next DEL)
#    leaves no veth, store attachment or DNAT mapping; the pod's address is free again.
# Random points: `berth run -d` and `berth rm -f` killed (kill -9) after a random delay
# within their usual duration, 20 times, each followed by the same checks.
# On the iptables backend (the second run) fewer iterations of each (a fixed --ip, a
# second start, repeated connect and network faults left out; 10 random points) to stay
# within the per-test timeout with sanitizers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fw-lib.sh"
fw_each_backend "$@"
sandbox_enter "$@"
BE=$(fw_be)
[ "$BE" = iptables ] && need_tools iptables-save ip6tables-save
log "backend $BE"
QUICK='' NREP=2 NRANDOM=20
[ "$BE" = iptables ] && QUICK=1 NREP=1 NRANDOM=10

e2e_find_berth_cni

LAB=10.77.0
H=$OUTSIDE_HOST_IP

# ---------------------------------------------------------------- the snapshot

# snap FILE: host_snapshot (lib.sh) without the kernel's fe80:: addresses and routes,
# plus iptables-save (iptables backend), berth-monitor and dnsmasq pids, berth's own
# view (ps -a, network ls), the DNS hosts files and the store's allocations.
snap()
{
	local f=$1 h
	host_snapshot "$f.raw"
	sed -E -e 's/\{"family":"inet6","local":"fe80::[^{}]*\},?//g' -e 's/,\]/]/g' \
		-e '/^\{"dst":"fe80::\/64",/d' -e '/^\{"type":"multicast","dst":"ff00::\/8",/d' \
		"$f.raw" >"$f"
	{
		if [ "$BE" = iptables ]; then
			echo "## iptables-save"
			iptables-save | sed -E -e 's/\[[0-9]+:[0-9]+\]/[0:0]/g' -e '/^#/d'
			ip6tables-save | sed -E -e 's/\[[0-9]+:[0-9]+\]/[0:0]/g' -e '/^#/d'
		fi
		echo "## monitors"
		ps -C berth-monitor -o pid= | sort
		echo "## dnsmasq"
		ps -C dnsmasq -o pid= | sort
		echo "## berth ps -a"
		"$BERTH" ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.State}} {{.Ports}}' 2>&1 | sort
		echo "## berth network ls"
		"$BERTH" network ls --format '{{.ID}} {{.Name}} {{.Driver}}' 2>&1 | sort
		echo "## dns hosts"
		for h in "$BERTH_RUN_ROOT"/networks/*/hosts "$BERTH_RUN_ROOT"/networks/*/servers; do
			[ -e "$h" ] || continue
			echo "# ${h#"$BERTH_RUN_ROOT"/networks/}"
			sort "$h"
		done
		echo "## run dir netns files"
		find "$BERTH_RUN_ROOT" -name netns 2>/dev/null | sort
		if [ -n "$SQL" ]; then
			echo "## store"
			sqlite3 "$BERTH_ROOT/berth.db" \
				"SELECT 'ep', container_id, network_id, ifname, veth, ip, mac FROM endpoints ORDER BY 2, 3;
				 SELECT 'port', container_id, proto, host_port, ctr_port FROM ports ORDER BY 2, 4;
				 SELECT 'cni', container_id, ifname, veth, ip FROM cni ORDER BY 2;
				 SELECT 'net', id, name, bridge, subnet FROM networks ORDER BY 2;" 2>&1
		fi
	} >>"$f"
}
SQL=
command -v sqlite3 >/dev/null && SQL=1
[ -n "$SQL" ] || log "no sqlite3: the store's allocations are checked through berth only"

BASE=$E2E_TMP/base

# ---------------------------------------------------------------- the checks

# running_alive WHAT: every container recorded as running has a live process.
running_alive()
{
	local id st pid
	for id in $("$BERTH" ps -aq --no-trunc); do
		st=$(inspect_f "$id" '{{.State.Status}}')
		[ "$st" = running ] || continue
		pid=$(inspect_f "$id" '{{.State.Pid}}')
		if [ "$pid" -gt 0 ] 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
			continue
		fi
		fail "$1: $(inspect_f "$id" '{{.Name}}') is recorded as running, but its process $pid is gone"
	done
}

# web_answers WHAT: web's published port answers from the outside.
web_answers()
{
	assert_get outside "http://$H:8080/" hello-web "$1: outside -> web's published port"
}

# free_again WHAT NET IP: a container with --ip IP and -p 9090:80 on NET starts (the
# address and the host port were released), resolves and reaches web (on lab), then
# goes away.
free_again()
{
	local what=$1 net=$2 ip=$3
	capture berth run -d --name ipcheck --network "$net" --ip "$ip" -p 9090:80 -- busybox sleep 1000
	[ "$RC" = 0 ] || { fail "$what: $ip and port 9090 should be free again: $OUT"; return; }
	if [ "$net" = lab ]; then
		capture berth exec ipcheck busybox ping -c1 -W2 web
		[ "$RC" = 0 ] || fail "$what: a new container on lab does not reach web by name: $OUT"
	fi
	assert_ok berth rm -f ipcheck
}

# repaired WHAT NET IP CLEANUP...: after the fault and `berth reload`: nothing recorded
# as running is dead; the legitimate cleanup succeeds; then the host is the baseline,
# the address IP on NET is free, web answers.
repaired()
{
	local what=$1 net=$2 ip=$3 i
	shift 3
	running_alive "$what (after reload)"
	for ((i = 1; i <= $#; i++)); do
		# shellcheck disable=SC2086
		capture berth ${!i}
		[ "$RC" = 0 ] || fail "$what: cleanup 'berth ${!i}' failed (exit $RC): $OUT"
	done
	running_alive "$what (after cleanup)"
	snap "$E2E_TMP/now"
	cmp -s "$BASE" "$E2E_TMP/now" || fail "$what: the host is not as before:
$(diff -u "$BASE" "$E2E_TMP/now" | grep -v '^ ' | head -40)"
	[ -n "$ip" ] && free_again "$what" "$net" "$ip"
	web_answers "$what"
}

# faulted POINT CMD...: CMD, with BERTH_FAULT=POINT, must die at that point (137).  A
# start plugs the network in the container's monitor (while the container process sets
# itself up), so there the monitor dies, and the command fails (run 125, start 1) saying so.
faulted()
{
	local point=$1
	shift
	capture env BERTH_FAULT="$point" "$BERTH" "$@"
	case "$1:$point" in
	run:attach:plugged | run:start:rules | start:attach:plugged | start:start:rules)
		local want=125 # run; start fails with 1, as docker start does
		[ "$1" = start ] && want=1
		[ "$RC" = "$want" ] && [[ "$OUT" == *"monitor process died"* ]] ||
			fail "BERTH_FAULT=$point berth $*: expected exit $want (the monitor killed at the point), got $RC: $OUT"
		;;
	*) [ "$RC" = 137 ] || fail "BERTH_FAULT=$point berth $*: expected exit 137 (killed at the point), got $RC: $OUT" ;;
	esac
}

reload() { assert_ok berth reload; }

# released WHAT NAME: after the reload, the container NAME (if it exists and does not
# run) holds nothing: no address, no veth, no netns name or file.
released()
{
	local what=$1 name=$2 id
	id=$(inspect_f "$name" '{{.Id}}' 2>/dev/null) || return 0
	status_is "$name" running && return 0
	assert_eq "" "$(inspect_f "$name" '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')" \
		"$what: after reload, $name (not running) holds an address"
	assert_eq "$BASE_VETHS" "$(host_veths | sort)" "$what: after reload, the host's veths"
	[ -e "$BERTH_NETNS_DIR/$name" ] || [ -L "$BERTH_NETNS_DIR/$name" ] &&
		fail "$what: after reload, the netns name $name stays"
	[ -e "$BERTH_RUN_ROOT/containers/$id/netns" ] &&
		fail "$what: after reload, the netns file of $name stays"
	return 0
}

# ---------------------------------------------------------------- setup

outside_setup
assert_ok berth network create --subnet "$LAB.0/24" lab
fw_web web --network lab -p 8080:80
web_answers "setup"
# First-use effects (the default bridge, the kernel's link-local addresses on bridge
# ports) before the baseline.
assert_ok berth run -d --name warm1 -p 9090:80 -- busybox sleep 1000
assert_ok berth run -d --name warm2 --network lab -p 9091:80 -- busybox sleep 1000
wait_running warm1
wait_running warm2
assert_ok berth rm -f warm1 warm2
snap "$BASE"
BASE_VETHS=$(host_veths | sort)

# ---------------------------------------------------------------- run / start

VICTIM=(-p 9090:80 -- busybox sleep 1000)
for point in attach:allocated attach:plugged start:rules; do
	# (network, --ip): dynamic on lab (.3, the lowest free), fixed on lab, the default bridge
	specs=("lab:" "lab:$LAB.50" "bridge:")
	[ -n "$QUICK" ] && specs=("lab:" "bridge:")
	for spec in "${specs[@]}"; do
		net=${spec%%:*} fixed=${spec#*:}
		ip=${fixed:-$([ "$net" = lab ] && echo "$LAB.3" || echo 172.17.0.2)}
		log "run killed at $point (network $net, ip $ip)"
		faulted "$point" run -d --name victim --network "$net" ${fixed:+--ip "$fixed"} "${VICTIM[@]}"
		if [ "$point" != attach:allocated ]; then
			# The monitor died, run did not: as Docker's, the container
			# stays, created, with the error.
			assert_eq created "$(inspect_f victim '{{.State.Status}}')" "run killed at $point: the container"
			assert_contains "$(inspect_f victim '{{.State.Error}}')" "monitor process died" \
				"run killed at $point: State.Error"
		fi
		reload
		released "run killed at $point ($net $ip)" victim
		repaired "run killed at $point ($net $ip)" "$net" "$ip" "rm -f victim"
	done
	log "start killed at $point"
	assert_ok berth create --name victim --network lab "${VICTIM[@]}"
	faulted "$point" start victim
	reload
	released "start killed at $point" victim
	repaired "start killed at $point" lab "$LAB.3" "rm -f victim"
	[ -n "$QUICK" ] && continue
	log "start killed at $point, then started again"
	assert_ok berth create --name victim --network lab "${VICTIM[@]}"
	faulted "$point" start victim
	reload
	assert_ok berth start victim
	wait_running victim
	assert_eq "$LAB.3" "$(inspect_f victim '{{.NetworkSettings.Networks.lab.IPAddress}}')" \
		"start after a start killed at $point: the address"
	assert_ok berth exec victim busybox ping -c1 -W2 web
	repaired "start killed at $point, started again" lab "$LAB.3" "rm -f victim"
done

# ---------------------------------------------------------------- network connect

for point in attach:allocated attach:plugged; do
	for it in $(seq 1 "$NREP"); do
		log "network connect killed at $point ($it)"
		assert_ok berth run -d --name conn -- busybox sleep 1000
		wait_running conn
		faulted "$point" network connect lab conn
		reload
		running_alive "connect killed at $point"
		cip=$(inspect_f conn '{{with index .NetworkSettings.Networks "lab"}}{{.IPAddress}}{{end}}' 2>&1)
		if [ -n "$cip" ]; then
			# connected in the store: the interface with that address must exist
			capture ip -n conn -4 -o addr show
			soft assert_contains "$OUT" " $cip/" "connect killed at $point, reload: conn is connected to lab as $cip in the store, but has no such address"
		else
			capture ip -n conn -4 -o addr show
			soft assert_not_contains "$OUT" " $LAB." "connect killed at $point, reload: conn is not connected to lab in the store, but has an address there"
		fi
		repaired "connect killed at $point" lab "$LAB.3" "rm -f conn"
	done
done

# ---------------------------------------------------------------- rm

for point in rm:stopped rm:released rm:deleted; do
	cleanup=("rm -f victim")
	[ "$point" = rm:deleted ] && cleanup=() # (nothing left to remove by name)
	log "rm -f of a running container killed at $point"
	assert_ok berth run -d --name victim --network lab "${VICTIM[@]}"
	wait_running victim
	faulted "$point" rm -f victim
	reload
	released "rm -f killed at $point" victim
	repaired "rm -f killed at $point" lab "$LAB.3" "${cleanup[@]}"
	log "rm of a stopped container killed at $point"
	assert_ok berth run -d --name victim --network lab --ip "$LAB.60" "${VICTIM[@]}"
	wait_running victim
	assert_ok berth stop -t 0 victim
	faulted "$point" rm victim
	reload
	released "rm killed at $point" victim
	repaired "rm killed at $point" lab "$LAB.60" "${cleanup[@]}"
done

# ---------------------------------------------------------------- networks

# net_free WHAT: the subnet of vnet can be used again.
net_free()
{
	capture berth network create --subnet 10.88.0.0/24 vnet2
	[ "$RC" = 0 ] || fail "$1: the subnet 10.88.0.0/24 should be free again: $OUT"
	assert_ok berth network rm vnet2
}

for it in $(seq 1 "$NREP"); do
	log "network create killed at network-create:stored ($it)"
	faulted network-create:stored network create --subnet 10.88.0.0/24 vnet
	reload
	repaired "network create killed ($it)" "" "" "network rm vnet"
	net_free "network create killed ($it)"
	log "network rm killed at network-rm:bridge ($it)"
	assert_ok berth network create --subnet 10.88.0.0/24 vnet
	faulted network-rm:bridge network rm vnet
	reload
	repaired "network rm killed ($it)" "" "" "network rm vnet"
	net_free "network rm killed ($it)"
done

# ---------------------------------------------------------------- berth-cni

CNI_NET='{"cniVersion":"1.1.0","name":"kube","type":"berth-cni","bridge":"cni0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.22.0.0/24","rangeStart":"10.22.0.10","rangeEnd":"10.22.0.20"}'
CNI_PM='"runtimeConfig":{"portMappings":[{"hostPort":8181,"containerPort":80,"protocol":"tcp"}]}'

# cni CMD ID NETNS [VAR=VALUE...]: berth-cni with the network above (with the port
# mapping for ADD); result in OUT, status in RC.
cni()
{
	local cmd=$1 id=$2 ns=$3 c
	shift 3
	c="$CNI_NET,$CNI_PM}"
	capture env CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" CNI_NETNS="$ns" CNI_IFNAME=eth0 \
		CNI_PATH=/nonexistent "$@" "$BERTH_CNI" <<<"$c"
}

# cni_gc: GC with no valid attachment at all.
cni_gc()
{
	capture env CNI_COMMAND=GC CNI_PATH=/nonexistent "$BERTH_CNI" \
		<<<"$CNI_NET,\"cni.dev/valid-attachments\":[]}"
}

cni_veths() { ip -o link show master cni0 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//'; }

# cni_clean WHAT: no veth on cni0, no attachment in the store, no DNAT mapping of 8181.
cni_clean()
{
	assert_eq "" "$(cni_veths)" "$1: veths on cni0"
	if [ -n "$SQL" ]; then
		assert_eq 0 "$(sqlite3 "$BERTH_ROOT/berth.db" 'SELECT count(*) FROM cni' 2>&1)" "$1: CNI attachments in the store"
	fi
	assert_rules_forget "$1" 8181 10.22.0.10
}

log "berth-cni: a first ADD and DEL make the network and bridge cni0 (the baseline)"
ip netns add pod || fail "ip netns add pod"
ip -n pod link set lo up
cni ADD c0 /run/netns/pod
[ "$RC" = 0 ] || fail "berth-cni ADD failed: $OUT"
assert_eq "10.22.0.10/24" "$(ip -n pod -4 -o addr show dev eth0 | awk '{print $4}')" "the pod's address"
cni DEL c0 /run/netns/pod
[ "$RC" = 0 ] || fail "berth-cni DEL failed: $OUT"
cni_clean "after a plain ADD + DEL"
snap "$BASE"

for point in cni-add:stored cni-add:plugged; do
	for how in DEL GC; do
		log "berth-cni ADD killed at $point, then $how"
		cni ADD c1 /run/netns/pod BERTH_FAULT="$point"
		[ "$RC" = 137 ] || fail "berth-cni ADD with BERTH_FAULT=$point: expected 137, got $RC: $OUT"
		if [ "$how" = DEL ]; then cni DEL c1 /run/netns/pod; else cni_gc; fi
		[ "$RC" = 0 ] || fail "berth-cni $how after an ADD killed at $point failed (exit $RC): $OUT"
		ip -n pod link del eth0 2>/dev/null
		cni_clean "ADD killed at $point, then $how"
		repaired "berth-cni ADD killed at $point, then $how" "" ""
		log "... the address and host port are free again"
		cni ADD c2 /run/netns/pod CNI_ARGS="IgnoreUnknown=1;IP=10.22.0.10"
		[ "$RC" = 0 ] || fail "ADD killed at $point, then $how: 10.22.0.10 and 8181 should be free again: $OUT"
		cni DEL c2 /run/netns/pod
		[ "$RC" = 0 ] || fail "berth-cni DEL c2 failed: $OUT"
		cni_clean "ADD killed at $point, then $how, then ADD + DEL c2"
	done
done

for how in DEL GC reload; do
	log "berth-cni DEL killed at cni-del:unplugged, then $how"
	cni ADD c3 /run/netns/pod
	[ "$RC" = 0 ] || fail "berth-cni ADD c3 failed: $OUT"
	cni DEL c3 /run/netns/pod BERTH_FAULT=cni-del:unplugged
	[ "$RC" = 137 ] || fail "berth-cni DEL with BERTH_FAULT=cni-del:unplugged: expected 137, got $RC: $OUT"
	case $how in
	DEL) cni DEL c3 /run/netns/pod ;;
	GC) cni_gc ;;
	reload) capture berth reload ;;
	esac
	[ "$RC" = 0 ] || fail "$how after a DEL killed at cni-del:unplugged failed (exit $RC): $OUT"
	if [ "$how" = reload ]; then
		# the pod still exists: for berth the attachment is the runtime's to DEL
		cni DEL c3 /run/netns/pod
		[ "$RC" = 0 ] || fail "DEL after reload failed: $OUT"
	fi
	cni_clean "DEL killed at cni-del:unplugged, then $how"
	repaired "berth-cni DEL killed, then $how" "" ""
done

# ---------------------------------------------------------------- random points

log "random points: berth run -d / berth rm -f killed after a random delay"
# their usual duration, in ms (the delays are drawn within it)
t0=$(date +%s%N)
assert_ok berth run -d --name victim --network lab "${VICTIM[@]}"
t1=$(date +%s%N)
assert_ok berth rm -f victim
t2=$(date +%s%N)
# (up to twice that: some kills land after the command finished)
run_ms=$((2 * (t1 - t0) / 1000000 + 5))
rm_ms=$((2 * (t2 - t1) / 1000000 + 5))
log "delays drawn from 0-${run_ms} ms (run), 0-${rm_ms} ms (rm -f)"
killed=0
for it in $(seq 1 "$NRANDOM"); do
	if ((it % 2)); then
		d=$((RANDOM % run_ms))
		"$BERTH" run -d --name victim --network lab "${VICTIM[@]}" >/dev/null 2>&1 &
	else
		assert_ok berth run -d --name victim --network lab "${VICTIM[@]}"
		d=$((RANDOM % rm_ms))
		"$BERTH" rm -f victim >/dev/null 2>&1 &
	fi
	p=$!
	sleep "$(printf '0.%03d' "$d")"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] && killed=$((killed + 1))
	what="random $it ($( ((it % 2)) && echo run || echo rm) killed after $d ms, exit $rc)"
	reload
	released "$what" victim
	# (victim may or may not exist now, depending on where the kill landed)
	if "$BERTH" inspect victim >/dev/null 2>&1; then
		repaired "$what" lab "$LAB.3" "rm -f victim"
	else
		repaired "$what" lab "$LAB.3"
	fi
done
log "$killed of $NRANDOM commands were killed before they finished"
exit 0
