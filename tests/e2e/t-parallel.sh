#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many berth commands at once (issue 10): 32 `run`s in parallel, on the default
# bridge and on a user network, some publishing ports; then `rm`s mixed with new
# `run`s; then 16 berth-cni ADDs at once. Every command succeeds, addresses and
# host ports are unique, the rules hold exactly the running containers' ports, the
# containers reach each other, and once everything is removed the host is as before.
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
e2e_find_berth_cni

N=32

# run_many PREFIX FIRST LAST: start containers PREFIX$FIRST..PREFIX$LAST at once;
# the even ones on the user network, every fourth publishing port 80 on a random
# host port. Fails unless every run succeeds.
run_many()
{
	local p=$1 i pids=()
	for i in $(seq "$2" "$3"); do
		local args=(--name "$p$i")
		[ $((i % 2)) = 0 ] && args+=(--network lab)
		[ $((i % 4)) = 0 ] && args+=(-p 80)
		berth run -d "${args[@]}" -- busybox sleep 1000 >"$E2E_TMP/$p$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || fail "parallel run $p$(($2 + i)) failed: $(cat "$E2E_TMP/$p$(($2 + i)).out")"
	done
}

# The running containers' addresses on each network are unique, and the dnat map
# holds exactly one element per published port of a running container.
check_unique()
{
	local what=$1 all dup
	all=$(berth ps -q | while read -r id; do
		inspect_f "$id" '{{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAddress}}{{"\n"}}{{end}}'
	done | grep .)
	dup=$(sort <<<"$all" | uniq -d)
	assert_eq "" "$dup" "$what: addresses in use twice"
	assert_eq "$(berth ps -q | wc -l)" "$(wc -l <<<"$all")" "$what: one address per running container"
	local ports want
	ports=$(nft list map inet berth dnat4_any | grep -o 'tcp \. [0-9]* : [0-9.]* \. 80' | sort)
	want=$(berth ps -q | while read -r id; do
		berth port "$id" 2>/dev/null | sed -n 's|^80/tcp -> 0.0.0.0:\([0-9]*\)$|\1|p' | while read -r hp; do
			echo "tcp . $hp : $(inspect_f "$id" '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}') . 80"
		done
	done | sort)
	assert_eq "$want" "$ports" "$what: the dnat map holds exactly the running containers' ports"
	assert_eq "" "$(sort <<<"$ports" | awk '{print $3}' | uniq -d)" "$what: host ports published twice"
}

log "baseline: the networks exist, a container came and went on each (the kernel's first-use link-local address)"
assert_ok berth network create --subnet 10.66.0.0/24 lab
assert_ok berth run -d --name first -- busybox sleep 100
assert_ok berth run -d --name first-lab --network lab -- busybox sleep 100
wait_running first
wait_running first-lab
assert_ok berth rm -f first first-lab
host_snapshot "$E2E_TMP/base"

log "$N runs at once"
run_many pa 1 "$N"
for i in $(seq "$N"); do wait_running "pa$i"; done
assert_eq "$N" "$(berth ps -q | wc -l)" "running containers"
check_unique "after $N parallel runs"
assert_ok berth exec pa1 busybox ping -c1 -W2 "$(inspect_f pa31 '{{.NetworkSettings.IPAddress}}')"
assert_ok berth exec pa2 busybox ping -c1 -W2 pa32

log "rms mixed with runs"
pids=()
for i in $(seq 1 16); do
	berth rm -f "pa$i" >"$E2E_TMP/rm$i.out" 2>&1 &
	pids+=($!)
done
run_many pb 1 16
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "rm pa$((i + 1)) failed: $(cat "$E2E_TMP/rm$((i + 1)).out")"
done
for i in $(seq 1 16); do wait_running "pb$i"; done
assert_eq 32 "$(berth ps -q | wc -l)" "running after the mix"
assert_eq 0 "$(berth ps -a --format '{{.Status}}' | grep -c Exited)" "nothing left exited"
for i in $(seq 1 16); do
	berth inspect "pa$i" >/dev/null 2>&1 && fail "pa$i is still recorded after its rm"
done
check_unique "after rms mixed with runs"
assert_ok berth exec pb1 busybox ping -c1 -W2 "$(inspect_f pa17 '{{.NetworkSettings.IPAddress}}')"
assert_ok berth exec pb2 busybox ping -c1 -W2 pa18

log "16 berth-cni ADDs at once"
conf='{"cniVersion":"1.0.0","name":"par","type":"berth-cni","bridge":"cnipar","isDefaultGateway":true,"ipam":{"subnet":"10.67.0.0/24"}}'
# cni_all CMD OUT: CMD for pod1..pod16 at once, each result in $E2E_TMP/OUT<i>.json;
# every one must succeed.
cni_all()
{
	local cmd=$1 out=$2 i pids=()
	for i in $(seq 1 16); do
		(echo "$conf" | CNI_COMMAND="$cmd" CNI_CONTAINERID="pod$i" CNI_NETNS="/run/netns/pod$i" \
			CNI_IFNAME=eth0 "$BERTH_CNI" >"$E2E_TMP/$out$i.json") &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || fail "$cmd pod$((i + 1)) failed: $(cat "$E2E_TMP/$out$((i + 1)).json")"
	done
}
for i in $(seq 1 16); do ip netns add "pod$i"; done
cni_all ADD pod
addrs=$(for i in $(seq 1 16); do ip -n "pod$i" -4 -o addr show eth0 | awk '{print $4}'; done)
assert_eq 16 "$(sort -u <<<"$addrs" | grep -c .)" "16 distinct pod addresses"
assert_ok ip netns exec pod1 busybox ping -c1 -W2 "$(sed -n 16p <<<"$addrs" | cut -d/ -f1)"
cni_all DEL del
for i in $(seq 1 16); do ip netns del "pod$i"; done
assert_ok berth network rm cni:par

log "everything removed: the host is as before"
# shellcheck disable=SC2046
assert_ok berth rm -f $(berth ps -aq)
host_snapshot "$E2E_TMP/end"
assert_snapshot_eq "$E2E_TMP/base" "$E2E_TMP/end"
exit 0
