#!/bin/sh
# Build and run every test: cmocka unit tests and the end-to-end suite (each
# e2e test in its own throwaway network+mount namespace). --asan runs the same
# on an AddressSanitizer+UndefinedBehaviorSanitizer build. Ends with one line
# "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
./scripts/deps.sh || exit 1
dir=$(./scripts/build.sh "$@") || exit 1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The forked monitor ends with _exit(); leak checks run on the unit tests.
export ASAN_OPTIONS=detect_leaks=0
# Sanitized builds run slower: give each e2e test more time.
export E2E_TIMEOUT=${E2E_TIMEOUT:-300}
passed=0 failed=0 skipped=0

ASAN_OPTIONS=detect_leaks=1 meson test -C "$dir" --suite unit --print-errorlogs >"$dir/unit.log" 2>&1
cat "$dir/unit.log" | grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Expected Fail|Unexpected Pass|Timeout):' || true
count() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$dir/unit.log" | tail -1; }
passed=$((passed + $(count Ok)))
failed=$((failed + $(count Fail) + $(count Timeout)))
skipped=$((skipped + $(count Skipped)))

if [ "$(id -u)" = 0 ]; then
	BERTH="$PWD/$dir/src/cli/berth" ./tests/e2e/run.sh >"$dir/e2e.log" 2>&1
	cat "$dir/e2e.log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$dir/e2e.log" | tail -1)
	set -- $line
	passed=$((passed + ${1:-0})); failed=$((failed + ${3:-1})); skipped=$((skipped + ${5:-0}))
else
	echo "e2e: skipped (needs root)"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
