#!/bin/sh
# Fuzz berth's parsers with libFuzzer (tests/fuzz): build with clang, ASan and
# UBSan into build-fuzz/, then run each target for a while from a copy of its
# seed corpus (the repository is never written). Any crash, leak, UB report,
# timeout or out-of-memory fails the target.
#   scripts/fuzz.sh [--time SECONDS] [--target NAME]    (default: 20 s, every target)
# A failing input is kept under build-fuzz/artifacts/NAME/; replay it with
#   build-fuzz/tests/fuzz/fuzz-NAME FILE
set -eu
cd "$(dirname "$0")/.."

time=20
only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--time) time="${2:?--time needs seconds}"; shift 2 ;;
	--target) only="${2:?--target needs a name}"; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "fuzz: unknown argument $1" >&2; exit 2 ;;
	esac
done
case "$time" in ''|*[!0-9]*) echo "fuzz: --time wants whole seconds" >&2; exit 2 ;; esac

# clang 14 is Debian 12's clang; libFuzzer's runtime (libclang_rt.fuzzer) is in
# libclang-rt-14-dev.
sh scripts/deps.sh clang libclang-rt-14-dev

targets=$(sed -n "s/^fuzz_targets = \[\(.*\)\]/\1/p" tests/fuzz/meson.build | tr -d "' " | tr ',' ' ')
if [ -n "$only" ]; then
	case " $targets " in
	*" $only "*) targets="$only" ;;
	*) echo "fuzz: no target $only (have: $targets)" >&2; exit 2 ;;
	esac
fi

dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
	# The library is instrumented for coverage (fuzzer-no-link); the targets
	# link libFuzzer. UB aborts instead of printing and going on.
	CC=clang meson setup "$dir" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		>/dev/null
fi
exes=""
for t in $targets; do exes="$exes tests/fuzz/fuzz-$t"; done
# Only the fuzz targets and what they need (libberth-pure), not the whole tree.
# shellcheck disable=SC2086
ninja -C "$dir" $exes >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
pass=0 fail=0
for t in $targets; do
	mkdir -p "$tmp/$t"
	cp tests/fuzz/corpus/"$t"/* "$tmp/$t/"
	art="$dir/artifacts/$t"
	rm -rf "$art"
	mkdir -p "$art"
	# -timeout: one input taking this long is a hang; -rss_limit_mb: a
	# runaway allocation. Both count as failures, like a crash.
	if "$dir/tests/fuzz/fuzz-$t" -max_total_time="$time" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
		"$tmp/$t" >"$tmp/$t.log" 2>&1; then
		stats=$(grep -E '^stat::number_of_executed_units' "$tmp/$t.log" | awk '{print $2}')
		echo "PASS $t (${stats:-?} inputs in ${time}s)"
		pass=$((pass + 1))
		rmdir "$art" 2>/dev/null || true
	else
		echo "FAIL $t: libFuzzer's report follows; input kept in $art/"
		grep -vE '^#[0-9]+|^INFO:|^stat::|^MS:|^Done |NEW_FUNC' "$tmp/$t.log" | head -60
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
