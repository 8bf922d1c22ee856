#!/bin/bash
# Benchmark part 4: the same latency figures for the systems berth is compared
# with, where they are installed: `compare.sh cni|docker|podman` (each in its own
# sandbox). Where one is missing or cannot run here, it says "skipped: ..." and
# succeeds. Run by bench/run.sh.
#
#  cni     the CNI reference plugins (bridge + host-local + portmap), driven
#          directly with CNI_COMMAND=ADD/DEL and the config on stdin, the way a
#          runtime calls them: network only, so compare with berth's network share.
#  docker  a dockerd of our own inside the sandbox (state under its tmpfs),
#          `docker run -d` / `docker rm -f` of a busybox image imported from
#          busybox-static. Never the machine's own dockerd.
#  podman  podman with storage and config inside the sandbox, same image.
set -eu
# shellcheck disable=SC2034 # used by lib.sh
PART=compare
. "$(dirname "$0")/lib.sh"
what=$1
CNI_DIR=${CNI_DIR:-/usr/lib/cni}

skip() {
	md "skipped: $*"
	md ""
	say "$what skipped: $*"
	fig "$what.skipped" 1
	exit 0
}

# Decide before making a sandbox whether there is anything to run.
if [ -z "${BENCH_SANDBOX:-}" ]; then
	case $what in
	cni) md "### CNI reference plugins (bridge + host-local + portmap, $CNI_DIR)" ;;
	docker) md "### Docker (dockerd)" ;;
	podman) md "### Podman" ;;
	*) echo "usage: $0 cni|docker|podman" >&2; exit 2 ;;
	esac
	md ""
	case $what in
	cni) for p in bridge host-local portmap; do [ -x "$CNI_DIR/$p" ] || skip "not installed (no $CNI_DIR/$p)"; done ;;
	docker) command -v dockerd >/dev/null && command -v docker >/dev/null || skip "not installed (no dockerd)" ;;
	podman) command -v podman >/dev/null || skip "not installed" ;;
	esac
fi
sandbox "$@"

# A busybox image (sleep) for docker and podman, from busybox-static.
rootfs_tar() {
	local bb r=/run/b/rootfs
	bb=$(command -v busybox) || return 1
	mkdir -p $r/bin $r/etc $r/proc $r/sys $r/dev $r/tmp
	cp "$bb" $r/bin/busybox
	for a in sh sleep true; do ln -sf busybox "$r/bin/$a"; done
	tar -C $r -cf /run/b/rootfs.tar .
}

cni() {
	local conf=/run/b/bridge.json
	cat >$conf <<-'EOF'
	{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "cni0",
	 "isGateway": true, "ipMasq": true, "hairpinMode": true,
	 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.0.0/16"}]],
	          "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "/run/b/cni-ipam"}}
	EOF
	export CNI_PATH=$CNI_DIR CNI_IFNAME=eth0
	portmap_conf() {
		printf '{"cniVersion": "1.0.0", "name": "bench", "type": "portmap", "snat": true,
		 "capabilities": {"portMappings": true},
		 "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]},
		 "prevResult": %s}' "$1"
	}
	# One container's network: netns, ADD (bridge, then portmap if $1), DEL
	# in reverse order, netns gone. Times in $key.{ns,add,del}.
	local key i t0 t1 t2 t3 t4 res
	for mode in bridge portmap; do
		key=cni.$mode
		: >/run/b/$key.add
		: >/run/b/$key.del
		: >/run/b/$key.ns
		for i in $(seq 0 "$RUNS"); do # round 0 warms up and is not counted
			export CNI_CONTAINERID=bench$i CNI_NETNS=/run/netns/c$i
			t0=$(us)
			ip netns add "c$i"
			t1=$(us)
			res=$(CNI_COMMAND=ADD "$CNI_DIR/bridge" <$conf) || { echo "$res" >&2; return 1; }
			if [ $mode = portmap ]; then
				portmap_conf "$res" | CNI_COMMAND=ADD "$CNI_DIR/portmap" >/dev/null || return 1
			fi
			t2=$(us)
			if [ $mode = portmap ]; then
				portmap_conf "$res" | CNI_COMMAND=DEL "$CNI_DIR/portmap" >/dev/null || return 1
			fi
			CNI_COMMAND=DEL "$CNI_DIR/bridge" <$conf >/dev/null || return 1
			t3=$(us)
			ip netns del "c$i"
			t4=$(us)
			[ "$i" = 0 ] && continue
			echo $((t2 - t1)) >>/run/b/$key.add
			echo $((t3 - t2)) >>/run/b/$key.del
			echo $((t1 - t0 + t4 - t3)) >>/run/b/$key.ns
		done
	done
	md "Network only (no process is started): compare with berth's network share above."
	md ""
	md "| setup | operation | median (ms) | p99 (ms) | min (ms) | max (ms) | n |"
	md "|---|---|---:|---:|---:|---:|---:|"
	for mode in bridge portmap; do
		label="bridge + host-local"
		[ $mode = portmap ] && label="bridge + host-local + portmap (8080:80)"
		for op in add del ns; do
			read -r med p99 min max n <<<"$(stats /run/b/cni.$mode.$op)"
			fig "cni.$mode.$op.median" "$med"
			fig "cni.$mode.$op.p99" "$p99"
			o="ADD"
			[ $op = del ] && o="DEL"
			[ $op = ns ] && o="ip netns add + del"
			md "| $label | $o | $med | $p99 | $min | $max | $n |"
			say "CNI $label $o: median $med ms, p99 $p99 ms"
		done
	done
	md ""
}

# latency_cli NAME: the three latency rows for a Docker-like command line in
# $CLI (an array, its rm -f taking $RM_OPTS) with image $IMG.
latency_cli() {
	run_b() { exec "${CLI[@]}" run -d "$IMG" sleep 600; }
	run_n() { exec "${CLI[@]}" run -d --net=none "$IMG" sleep 600; }
	run_p() { exec "${CLI[@]}" run -d -p 8080:80 "$IMG" sleep 600; }
	rm_c() { "${CLI[@]}" rm -f "${RM_OPTS[@]}" "$1"; }
	local i
	for i in 1 2 3; do rm_c "$(run_b)" >/dev/null || return 1; done
	latency_header
	latency_loop "$1 default bridge" "$what.bridge" run_b rm_c
	latency_loop "$1 --net=none" "$what.none" run_n rm_c
	latency_loop "$1 bridge + -p 8080:80" "$what.p1" run_p rm_c
	local s
	s=$(minus "$(figure "$what.bridge.run.median")" "$(figure "$what.none.run.median")")
	fig "$what.net.run.share" "$s"
	md ""
	md "Network's share of \`run -d\` (median bridge minus none): **$s ms**; of \`rm -f\`:"
	md "$(minus "$(figure "$what.bridge.rm.median")" "$(figure "$what.none.rm.median")") ms."
	md ""
}

docker_bench() {
	local sock=/run/b/docker.sock log=/run/b/dockerd.log i
	echo '{}' >/run/b/docker.json # not the machine's /etc/docker/daemon.json
	dockerd --config-file /run/b/docker.json --data-root /run/b/docker/data --exec-root /run/b/docker/exec \
		-H unix://$sock --pidfile /run/b/docker.pid >$log 2>&1 &
	BENCH_PIDS+=($!)
	CLI=(docker -H "unix://$sock")
	for i in $(seq 60); do "${CLI[@]}" info >/dev/null 2>&1 && break; sleep 0.5; done
	"${CLI[@]}" info >/dev/null 2>&1 || { tail -5 $log >&2; return 1; }
	rootfs_tar || return 1
	"${CLI[@]}" import /run/b/rootfs.tar bench/busybox >/dev/null || return 1
	IMG=bench/busybox
	md "dockerd $(dockerd --version | awk '{ print $3 }' | tr -d ,), its own instance in the sandbox."
	md ""
	latency_cli docker
}

# crun refuses a hybrid cgroup layout (v1 controllers with a cgroup2 mount
# beside them): in the sandbox's own /sys/fs/cgroup, mount the v1 hierarchies
# again (the same ones) and leave cgroup2 out.
v1_cgroups_only() {
	local c
	[ -d /sys/fs/cgroup/unified ] || return 0
	mount -t tmpfs cgroup /sys/fs/cgroup
	for c in cpu cpuacct cpuset memory pids devices freezer blkio; do
		mkdir /sys/fs/cgroup/$c
		mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c 2>/dev/null || rmdir /sys/fs/cgroup/$c
	done
}

podman_cleanup() {
	podman rm -af -t 0 >/dev/null 2>&1 || true
	[ -n "${PODMAN_CGROUPS:-}" ] || return 0
	rmdir /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true
}

podman_bench() {
	local p=/run/b/podman
	mkdir -p $p/net
	cat >$p/containers.conf <<-EOF
	[containers]
	default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	tmp_dir = "$p/tmp"
	[network]
	network_config_dir = "$p/net"
	EOF
	cat >$p/storage.conf <<-EOF
	[storage]
	driver = "overlay"
	graphroot = "$p/root"
	runroot = "$p/run"
	EOF
	export CONTAINERS_CONF=$p/containers.conf CONTAINERS_STORAGE_CONF=$p/storage.conf
	v1_cgroups_only
	# Its cgroups are the machine's: remove what it leaves there (the empty
	# libpod_parent/conmon) unless it was there before.
	[ -d /sys/fs/cgroup/pids/libpod_parent ] || PODMAN_CGROUPS=1
	trap 'podman_cleanup; sandbox_cleanup' EXIT
	CLI=(podman)
	RM_OPTS=(-t 0) # podman's rm -f stops with SIGTERM and waits 10 s; Docker's kills
	rootfs_tar || return 1
	"${CLI[@]}" import /run/b/rootfs.tar localhost/bench/busybox >/dev/null || return 1
	IMG=localhost/bench/busybox
	md "$(podman --version), storage and config inside the sandbox."
	md ""
	latency_cli podman
	podman_dataplane
	podman_scale
}

# podman_scale: part 2's figures for Podman: SCALE containers started one
# after another on its default network and left running, the median of the 10
# runs around container 10, 100, ..., the same starts probed (lib.sh), their
# ratios, the total, the memory of Podman's processes per running container
# (its conmons: podman itself exits after each command), and removing them all
# (100 names a call, -t 0).
podman_scale() {
	local dat=/run/b/podman-scale.dat pdat=/run/b/podman-probe.dat i t0 t1 p v start total points
	: >"$dat"
	: >"$pdat"
	points=$(scale_points)
	start=$(us)
	for i in $(seq "$SCALE"); do
		case " $points " in *" $i "*) probe "$pdat" "$i" "podman rm -f -t 0" podman run -d --name probe "$IMG" sleep 3600 ;; esac
		t0=$(us)
		podman run -d --name "s$i" "$IMG" sleep 3600 >/dev/null || return 1
		t1=$(us)
		echo "$i $(ms "$t0" "$t1")" >>"$dat"
		if [ $((i % 100)) = 0 ]; then say "podman: $i containers, last run -d $(((t1 - t0) / 1000)) ms"; fi
	done
	total=$((($(us) - start - PROBING) / 1000))
	md ""
	md "Scale, as in section 2: $SCALE containers (\`podman run -d --name sN ... sleep 3600\`)"
	md "one after another, all left running:"
	md ""
	md "| figure | value |"
	md "|---|---:|"
	for p in $points; do
		v=$(around "$dat" "$p")
		fig "podman.scale.at.$p" "$v"
		fig "podman.scale.probe.$p" "$(probed "$pdat" "$p")"
		md "| \`run -d\` of container $p (ms): in the ramp / probed | $v / $(figure "podman.scale.probe.$p") |"
	done
	fig podman.scale.ratio "$(ratio "$(figure "podman.scale.at.$SCALE")" "$(figure podman.scale.at.10)")"
	fig podman.scale.probe.ratio "$(ratio "$(figure "podman.scale.probe.$SCALE")" "$(figure podman.scale.probe.10)")"
	md "| container $SCALE / container 10: in the ramp / probed | $(figure podman.scale.ratio) / $(figure podman.scale.probe.ratio) |"
	fig podman.scale.total.s "$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 1000 }')"
	md "| total time for $SCALE (s) | $(figure podman.scale.total.s) |"
	local pids n pss
	pids=$(pgrep -x conmon || true)
	n=$(echo "$pids" | grep -c . || true)
	# shellcheck disable=SC2086
	pss=$(for p in $pids; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '/^Pss:/ { s += $2 } END { print s + 0 }')
	fig podman.scale.pss.kib "$(awk -v k="$pss" -v n="$SCALE" 'BEGIN { printf "%.0f", k / n }')"
	md "| Podman's memory per running container, PSS of its $n conmon processes (KiB) | $(figure podman.scale.pss.kib) |"
	say "podman: $SCALE containers, run -d ratio $(figure podman.scale.ratio), $(figure podman.scale.pss.kib) KiB PSS each"
	t0=$(us)
	by_hundred podman rm -f -t 0
	t1=$(us)
	fig podman.scale.rm.per.ms "$(awk -v t=$((t1 - t0)) -v n="$SCALE" 'BEGIN { printf "%.1f", t / 1e3 / n }')"
	md "| \`rm -f -t 0\` of all $SCALE, 100 names a call: per container (ms) | $(figure podman.scale.rm.per.ms) |"
}

# podman_dataplane: dataplane.sh's pairs for Podman's default network (CNI
# bridge, portmap and firewall plugins), against the same bare path, here. Its
# containers run on an overlay of the machine's root (--rootfs /:O), which has
# iperf3 and connrate.
podman_dataplane() {
	local srv
	# shellcheck disable=SC2034 # (for gbps and crate)
	SECS=$IPERF_SECS CSECS=$CONN_SECS
	bare_reference
	podman run -d --name dpsrv --rootfs -p 5201:5201 -p 8080:80 -p 8081:81 /:O \
		sh -c "iperf3 -s >/dev/null & \"\$0\" -e 81 & exec \"\$0\" -l 80" "$CONNRATE" >/dev/null || return 1
	podman run -d --name dpcli --rootfs /:O sleep 3600 >/dev/null || return 1
	srv=$(podman inspect -f '{{.NetworkSettings.IPAddress}}' dpsrv)
	sleep 0.5
	in_cli() { podman exec dpcli "$@"; }
	for round in $(seq "$ROUNDS"); do
		say "data plane, round $round/$ROUNDS"
		dp_round "$srv" "$srv"
	done
	md ""
	md "Data plane, as in section 3 ($ROUNDS rounds, bare and Podman back to back; clients"
	md "in a container run with \`podman exec\`):"
	md ""
	dp_rows Podman podman
	podman rm -f -t 0 dpsrv dpcli >/dev/null
}

RM_OPTS=()
case $what in
cni) cni || skip "the plugins are installed but failed here (see the log)" ;;
docker) docker_bench || skip "dockerd is installed but could not run here (see the log)" ;;
podman) podman_bench || skip "podman is installed but could not run here (see the log)" ;;
esac
