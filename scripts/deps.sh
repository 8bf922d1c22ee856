#!/bin/sh
# Install berth's build and test dependencies from Debian's archive, if missing,
# and any further packages named as arguments (bench/run.sh: iperf3 gnuplot-nox).
# What each one is for: see README.md, "Dependencies".
set -eu
PKGS="meson ninja-build pkg-config gcc libc6-dev
libmnl-dev libnftables-dev libnftnl-dev libsqlite3-dev libjansson-dev libcmocka-dev
libcap-ng-dev libseccomp-dev
nftables iptables iproute2 dnsmasq-base busybox-static procps util-linux"
# Test-only: Debian's nginx, run inside containers by the reverse-proxy test;
# podman, which drives berth-cni through its CNI backend in t-cni-podman;
# jq, which the CNI tests read results with; sqlite3, with which t-store makes
# stores of older layouts (and t-faults reads the store's allocations).
TEST_PKGS="nginx-light podman jq sqlite3"

missing=""
for p in $PKGS $TEST_PKGS "$@"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A package may start its service on this host (nginx, iperf3): a policy-rc.d (only
# while installing, only if there is none) keeps it from starting anything.
created=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	created=1
fi
rc=0
apt-get update -qq >/dev/null || rc=$?
# shellcheck disable=SC2086
[ "$rc" = 0 ] && { apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?; }
[ -n "$created" ] && rm -f /usr/sbin/policy-rc.d
exit "$rc"
