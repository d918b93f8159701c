#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the kleakctl unit tests (C) and command line tests (sh), as called
# by "make -C tools/kleakctl check". Every test prints "PASS <name>" or
# "FAIL <name>: <reason>"; a runner that dies without saying which test
# failed (a sanitizer abort, a crash) is reported as a failure too.
#
# Environment: KLEAKCTL (the binary), KLEAKCTL_UNIT (the unit test binary),
# KLEAKCTL_TEST_PREFIX (put before every test name, e.g. "asan/", so two
# builds of the same tests report distinct names).

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fixtures=$top/tests/fixtures
: "${KLEAKCTL:?set KLEAKCTL to the kleakctl binary}"
: "${KLEAKCTL_UNIT:?set KLEAKCTL_UNIT to the unit test binary}"
prefix=${KLEAKCTL_TEST_PREFIX:-}

# Leak checking matters here: kleakctl should not leak while finding leaks.
# Exit code 86 keeps a sanitizer abort apart from "leaks found" (1).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=86}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=86}
export ASAN_OPTIONS UBSAN_OPTIONS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kleakctl-check.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

# runner NAME CMD...: show its PASS/FAIL lines; a runner that stops
# before its final "# done" line died in the middle, which is a failure.
runner() {
	name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	grep -v '^# done' "$tmp/$name.out"
	if ! grep -q '^# done' "$tmp/$name.out"; then
		echo "FAIL $name: runner died (status $rc) after its last reported test"
		sed 's/^/    /' "$tmp/$name.err" | head -40
	elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$tmp/$name.out"; then
		# All tests passed yet it failed: a sanitizer found a leak
		# or an error at exit.
		echo "FAIL $name: exited with status $rc after its tests passed"
		sed 's/^/    /' "$tmp/$name.err" | head -40
	elif [ "$rc" -ne 0 ] && [ -s "$tmp/$name.err" ]; then
		sed 's/^/    /' "$tmp/$name.err" | head -40 >&2
	fi
}

# The prefix is added here, not by each runner, so a runner's own
# "FAIL name: runner died" line gets it too.
named() {
	sed "s#^\(PASS\|FAIL\|SKIP\) #\1 $prefix#"
}

runner unit "$KLEAKCTL_UNIT" "$fixtures" | named | tee "$tmp/all.unit"
runner cli sh "$here/cli.sh" "$KLEAKCTL" "$fixtures" | named | tee "$tmp/all.cli"

pass=$(cat "$tmp/all.unit" "$tmp/all.cli" | grep -c '^PASS ')
fail=$(cat "$tmp/all.unit" "$tmp/all.cli" | grep -c '^FAIL ')
echo "kleakctl${prefix:+ ($prefix)}: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
