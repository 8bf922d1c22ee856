#!/bin/sh
# Install berth's build and test dependencies from Debian's archive, if missing.
# What each one is for: see README.md, "Dependencies".
set -eu
PKGS="meson ninja-build pkg-config gcc libc6-dev
libmnl-dev libnftables-dev libsqlite3-dev libjansson-dev libcmocka-dev
nftables iptables iproute2 busybox-static procps util-linux dnsmasq-base"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
