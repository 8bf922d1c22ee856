#!/bin/sh
# Run every unit test (meson suite "unit", tests/unit) under valgrind: any
# memory error or definitely/indirectly lost block fails the test.
#   scripts/valgrind.sh
# Builds build/ first (scripts/build.sh). valgrind's report of a failing test
# is printed; the full log of each is in build/valgrind/NAME.log.
set -eu
cd "$(dirname "$0")/.."

sh scripts/deps.sh valgrind
dir=$(sh scripts/build.sh)

# name<TAB>binary of every test in the unit suite, from meson's own list.
list=$(meson introspect "$dir" --tests | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if "unit" in t["suite"] or any(s.endswith(":unit") for s in t["suite"]):
        print(t["name"] + "\t" + " ".join(t["cmd"]))
')
if [ -z "$list" ]; then
	echo "valgrind: no unit tests found in $dir" >&2
	exit 1
fi

mkdir -p "$dir/valgrind"
pass=0 fail=0
tab=$(printf '\t')
while IFS="$tab" read -r name cmd; do
	log="$dir/valgrind/$name.log"
	# shellcheck disable=SC2086
	if valgrind --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --track-origins=yes \
		--log-file="$log" $cmd >"$log.out" 2>&1; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name (exit $?): valgrind's report follows; test output in $log.out"
		grep -vE '^==[0-9]+== *$' "$log" | head -80
		fail=$((fail + 1))
	fi
done <<EOF
$list
EOF
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
