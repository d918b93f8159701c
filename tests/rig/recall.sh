#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recall campaign: run the leaks scenario N times on one target and count
# the runs whose first set of planted leaks was found whole in the first
# round of scans (what a stale pointer would spoil).
#
#   recall.sh TARGET [N]
set -uo pipefail
. "$(dirname "$0")/lib.sh"

target=${1:?usage: recall.sh TARGET [N]}
n=${2:-20}
whole=0
for i in $(seq "$n"); do
	"$KLT_ROOT/tests/rig/guest.sh" "$target" leaks > /dev/null 2>&1
	log=$KLT_OUT/logs/$target/leaks.log
	line=$(grep -m1 'KLT-INFO set 1 round 1:' "$log" || echo "no result")
	fails=$(grep -c '^KLT: FAIL' "$log")
	echo "run $i: $line; failed checks: $fails"
	case $line in *"missing:") [ "$fails" = 0 ] && whole=$((whole + 1)) ;; esac
	cp "$log" "$KLT_OUT/logs/$target/leaks.recall-$i.log"
done
echo "$target: first set whole in the first round in $whole of $n runs"
