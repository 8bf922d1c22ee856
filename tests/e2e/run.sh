#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run berth's end-to-end tests: every tests/e2e/t-*.sh, or the ones named.
#
#   tests/e2e/run.sh [-j N] [-t SECONDS] [-v] [TEST...]
#
#   -j N        run N tests in parallel (default 2, env E2E_JOBS)
#   -t SECONDS  per-test timeout (default 120, env E2E_TIMEOUT)
#   -v          print every test's output, not only the failing ones'
#   TEST        t-run-basics, t-run-basics.sh or run-basics
#
# The berth binary comes from $BERTH (default: the repo's meson build dir).  Each test
# runs in its own throwaway network/mount/pid namespace (see lib.sh).  Prints one line
# per test, then "N passed, N failed, N skipped"; exits 1 if any test failed.

set -u
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
jobs=${E2E_JOBS:-2}
limit=${E2E_TIMEOUT:-120}
verbose=0
sanitize=${E2E_SANITIZE:-0}

while [ $# -gt 0 ]; do
	case $1 in
	-j) jobs=$2; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	-t) limit=$2; shift 2 ;;
	-v) verbose=1; shift ;;
	-s) sanitize=1; shift ;;
	-h | --help) sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

tests=()
if [ $# -eq 0 ]; then
	for f in "$E2E_DIR"/t-*.sh; do
		[ -e "$f" ] && tests+=("$f")
	done
else
	for a; do
		n=${a##*/}
		n=${n%.sh}
		case $n in t-*) ;; *) n=t-$n ;; esac
		if [ ! -f "$E2E_DIR/$n.sh" ]; then
			echo "run.sh: no such test: $a" >&2
			exit 2
		fi
		tests+=("$E2E_DIR/$n.sh")
	done
fi

if [ -n "${BERTH:-}" ]; then
	case $BERTH in /*) ;; *) BERTH=$PWD/$BERTH ;; esac
	export BERTH
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/berth-e2e.XXXXXX")
trap 'rm -rf "$out"' EXIT

# run_one FILE KEY: run a test with a timeout, record its status and output under KEY
# (the same test may be named more than once, e.g. to hunt a flaky failure).
run_one()
{
	local f=$1 n=$2
	local start=$SECONDS
	if [ "$sanitize" = 1 ]; then
		mkdir -p "$out/san/$n"
		local san=$out/san/$n
		ASAN_OPTIONS="log_path=$san/asan:${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="log_path=$san/ubsan:print_stacktrace=1:${UBSAN_OPTIONS:-}" \
			timeout -k 10 "$limit" bash "$f" >"$out/$n.log" 2>&1 </dev/null
	else
		timeout -k 10 "$limit" bash "$f" >"$out/$n.log" 2>&1 </dev/null
	fi
	local rc=$?
	if [ "$sanitize" = 1 ] && [ -n "$(ls -A "$out/san/$n")" ]; then
		{
			echo "SANITIZER REPORTS:"
			cat "$out/san/$n"/*
		} >>"$out/$n.log"
		[ "$rc" = 0 ] || [ "$rc" = 77 ] && rc=1
	fi
	echo "$rc $((SECONDS - start))" >"$out/$n.rc"
}

report()
{
	local key=$1 rc secs n
	n=${key#*.}
	read -r rc secs <"$out/$key.rc"
	case $rc in
	0) echo "PASS $n (${secs}s)"; pass=$((pass + 1))
	   [ "$verbose" = 1 ] && sed 's/^/    /' "$out/$key.log" ;;
	77) echo "SKIP $n: $(grep -m1 '^SKIP' "$out/$key.log" | sed 's/^SKIP: //')"
	    skipped=$((skipped + 1)) ;;
	124 | 137) echo "FAIL $n (timeout after ${limit}s)"; failed=$((failed + 1))
	    sed 's/^/    /' "$out/$key.log" ;;
	*) echo "FAIL $n (exit $rc, ${secs}s)"; failed=$((failed + 1))
	   sed 's/^/    /' "$out/$key.log" ;;
	esac
}

pass=0 failed=0 skipped=0
declare -A running=()
queue=("${tests[@]}")
idx=0

while [ ${#queue[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
	while [ ${#queue[@]} -gt 0 ] && [ ${#running[@]} -lt "$jobs" ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		idx=$((idx + 1))
		key=$idx.$(basename "$f" .sh)
		run_one "$f" "$key" &
		running[$!]=$key
	done
	wait -n 2>/dev/null || true
	for p in "${!running[@]}"; do
		if ! kill -0 "$p" 2>/dev/null; then
			wait "$p" 2>/dev/null
			report "${running[$p]}"
			unset "running[$p]"
		fi
	done
done

echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
