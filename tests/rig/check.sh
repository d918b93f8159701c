#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite: static checks, kleakctl unit tests, KUnit on the
# kunit kernel and the qemu scenarios on every target. Ends with one line
# "N passed, N failed[, N skipped]" and fails if anything failed.
#
#   TARGETS="debian-6.12 kunit"  only these targets
#   SCENARIOS="leaks"            only these scenarios (also: static, kleakctl,
#                                package)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

results=$KLT_OUT/results.txt
mkdir -p "$KLT_OUT"
: >"$results"

want_target() { [ -z "${TARGETS:-}" ] || [[ " $TARGETS " == *" $1 "* ]]; }
want_scenario() { [ -z "${SCENARIOS:-}" ] || [[ " $SCENARIOS " == *" $1 "* ]]; }
record() { tee -a "$results"; }

"$KLT_ROOT/tests/rig/deps.sh" || { echo "FAIL setup/deps" | record; }

# Kernels we build ourselves (cached; only the first run pays). They build
# in the background while the guests of Debian's own kernels run: a build
# keeps both cores busy, a TCG guest only one.
mkdir -p "$KLT_OUT/logs"
kbuilt=$KLT_OUT/kernels.txt
for t in kunit debug debug-rt; do
	want_target "$t" || continue
	klog=$KLT_OUT/logs/kernel-$t.log
	if "$KLT_ROOT/tests/rig/kernel.sh" "$t" >"$klog" 2>&1; then
		echo "PASS setup/kernel-$t"
	else
		echo "FAIL setup/kernel-$t: build failed (log: $klog)"
	fi
done >"$kbuilt" 2>&1 &
kbuild=$!

# Static checks: W=1 builds against every Debian header tree; checkpatch
# (below) once the kernel source is unpacked.
if want_scenario static; then
	for t in debian-6.1 debian-6.12 debian-6.1-cloud debian-6.12-cloud debian-6.12-rt; do
		want_target "$t" || continue
		out=$KLT_OUT/logs/$t/w1.log
		mkdir -p "$(dirname "$out")"
		if "$KLT_ROOT/tests/rig/modules.sh" "$t" W=1 >"$out" 2>&1 &&
		   ! grep -q 'warning:' "$out"; then
			echo "PASS static/w1-$t" | record
		else
			echo "FAIL static/w1-$t: warnings or errors (log: $out)" | record
			grep -E 'warning:|error:' "$out" | head -10 | sed 's/^/    /'
		fi
	done
fi

# kleakctl: build (also statically, for the guests) and unit tests.
if [ -f "$KLT_ROOT/tools/kleakctl/Makefile" ]; then
	if make -s -C "$KLT_ROOT/tools/kleakctl" clean >/dev/null 2>&1 &&
	   make -s -C "$KLT_ROOT/tools/kleakctl" STATIC=1 >"$KLT_OUT/kleakctl-build.log" 2>&1; then
		cp "$KLT_ROOT/tools/kleakctl/kleakctl" "$KLT_OUT/kleakctl-static"
		make -s -C "$KLT_ROOT/tools/kleakctl" clean >/dev/null 2>&1
	else
		echo "FAIL kleakctl/build (log: $KLT_OUT/kleakctl-build.log)" | record
	fi
	if want_scenario kleakctl; then
		make -s -C "$KLT_ROOT/tools/kleakctl" check 2>&1 |
			sed -n 's/^\(PASS\|FAIL\|SKIP\) /\1 kleakctl\/unit\//p' | record
	fi
fi

# Guest scenarios: target -> scenarios. Debian's kernels first, while ours
# build.
matrix="
debian-6.1:load-unload leaks idle kleakctl tombstones kmemleak-compat lockdown no-debugfs memory-offline unload-names vmalloc percpu scan-service
debian-6.12:load-unload leaks idle kleakctl tombstones bench-smoke kmemleak-compat lockdown no-debugfs memory-offline unload-names vmalloc percpu scan-service
debian-6.1-cloud:load-unload leaks idle kleakctl
debian-6.12-cloud:load-unload leaks idle kleakctl
debian-6.12-rt:load-unload leaks idle kleakctl
debug:load-unload leaks idle tombstones kunit kmemleak-compat unload-names vmalloc percpu
debug-rt:load-unload leaks idle tombstones kmemleak-compat
kunit:kunit
"
run_matrix() {
	while IFS=: read -r t scs; do
		[ -n "$t" ] || continue
		[[ $t == $1 ]] || continue
		want_target "$t" || continue
		for s in $scs; do
			want_scenario "$s" || continue
			[ -f "$KLT_ROOT/tests/scenarios/$s.sh" ] || continue
			case $t in debug|debug-rt) to=900;; *) to=400;; esac
			"$KLT_ROOT/tests/rig/guest.sh" "$t" "$s" -t $to 2>&1 | record
		done
	done <<<"$matrix"
}
run_matrix 'debian-*'
wait $kbuild
record <"$kbuilt"
# The Debian packages: built, installed (DKMS), booted, removed.
want_scenario package && "$KLT_ROOT/tests/rig/package.sh" 2>&1 | record
if want_scenario static; then
	cp=$(ls -d "$KLT_CACHE"/src/linux-source-6.12-*/scripts/checkpatch.pl 2>/dev/null | head -1)
	if [ -z "$cp" ]; then
		echo "FAIL static/checkpatch: no linux-source tree unpacked" | record
	else
		for f in "$KLT_ROOT"/module/*.[ch] "$KLT_ROOT"/include/kleaktrack/*.h \
			 "$KLT_ROOT"/tests/kunit/*.c "$KLT_ROOT"/tests/samples/*.c \
			 "$KLT_ROOT"/tests/bench/*.c; do
			[ -f "$f" ] || continue
			rel=${f#"$KLT_ROOT"/}
			if o=$("$cp" --strict --no-tree --quiet --show-types \
				--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$f" 2>&1); then
				echo "PASS static/checkpatch/$rel" | record
			else
				echo "FAIL static/checkpatch/$rel" | record
				echo "$o" | head -12 | sed 's/^/    /'
			fi
		done
	fi
fi
run_matrix '[!d]*'
run_matrix 'debug*'

# KUnit results come as KTAP in the kunit scenario's log; the kernel's
# own parser judges them.
for t in kunit debug; do
	log=$KLT_OUT/logs/$t/kunit.log
	want_target "$t" && want_scenario kunit && [ -f "$log" ] || continue
	"$KLT_ROOT/tests/rig/ktap.sh" "$t" "$log" | record
done

pass=$(grep -c '^PASS' "$results")
fail=$(grep -c '^FAIL' "$results")
skip=$(grep -c '^SKIP' "$results")
if [ "$fail" != 0 ]; then
	echo
	echo "failed:"
	grep '^FAIL' "$results" | sed 's/^/  /'
fi
line="$pass passed, $fail failed"
[ "$skip" != 0 ] && line="$line, $skip skipped"
echo "$line"
[ "$fail" = 0 ] && [ "$pass" != 0 ]
