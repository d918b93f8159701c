#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge the KTAP a kunit scenario printed, with the kernel's own parser.
#   ktap.sh TARGET LOG  -> one PASS/FAIL line per KUnit case
set -uo pipefail
. "$(dirname "$0")/lib.sh"

target=$1 log=$2
kunit_py=$(ls -d "$KLT_CACHE"/src/linux-source-6.12-*/tools/testing/kunit/kunit.py 2>/dev/null | head -1)
[ -n "$kunit_py" ] || { echo "FAIL $target/kunit/parse: kunit.py not found"; exit 1; }
out=${log%.log}.parsed
sed -n '/^KLT-DMESG-BEGIN/,/^KLT-DMESG-END/p' "$log" |
	python3 "$kunit_py" parse >"$out" 2>&1
rc=$?
# "[PASSED] case" / "[FAILED] case" / "[SKIPPED] case"; suites too.
n=0
while read -r verdict name; do
	case $verdict in
	'[PASSED]') echo "PASS $target/kunit/$name" ;;
	'[FAILED]') echo "FAIL $target/kunit/$name (see $out)" ;;
	'[SKIPPED]') echo "SKIP $target/kunit/$name" ;;
	*) continue ;;
	esac
	n=$((n + 1))
done < <(sed 's/\x1b\[[0-9;]*m//g; s/^\[[0-9:]*\] //' "$out" |
	 grep -E '^\[(PASSED|FAILED|SKIPPED)\] ' | grep -v '^\[[A-Z]*\] kleaktrack_[a-z_]*$')
if [ "$n" = 0 ]; then
	echo "FAIL $target/kunit/ran-zero-tests (see $out)"
elif [ $rc != 0 ] && ! grep -q 'FAILED' "$out"; then
	echo "FAIL $target/kunit/parse: kunit.py exited $rc (see $out)"
fi
