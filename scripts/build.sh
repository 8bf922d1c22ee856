#!/bin/sh
# Build berth into build/ (or build-asan/ with --asan). Prints the build dir.
set -eu
cd "$(dirname "$0")/.."
dir=build
opts=""
if [ "${1:-}" = "--asan" ]; then
	dir=build-asan
	opts="-Db_sanitize=address,undefined -Db_lundef=false"
fi
if [ ! -f "$dir/build.ninja" ]; then
	# shellcheck disable=SC2086
	meson setup "$dir" $opts >/dev/null
fi
ninja -C "$dir" >/dev/null
echo "$dir"
