#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build kleaktrack.ko, the leaky sample, the benchmark and (where the tree
# has KUnit) the KUnit test module against one target's tree. Out-of-tree
# builds write next to their sources, so each target gets its own copy.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

target=${1:?usage: modules.sh TARGET [W=1 ...]}
shift
klt_target "$target"
[ -d "$KLT_KDIR" ] || klt_die "no build tree for $target at $KLT_KDIR"

src=$KLT_OUT/modules-src/$target
out=$KLT_OUT/modules/$target
mkdir -p "$src" "$out"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod*' --exclude='Module.symvers' --exclude='modules.order' \
	"$KLT_ROOT/Kbuild" "$KLT_ROOT/dkms.conf" "$KLT_ROOT/module" "$KLT_ROOT/include" "$src/"
mkdir -p "$src/tests"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod*' "$KLT_ROOT/tests/samples" "$KLT_ROOT/tests/kunit" \
	"$KLT_ROOT/tests/bench" "$src/tests/" 2>/dev/null || true

rm -f "$out"/*.ko
make -C "$KLT_KDIR" M="$src" "$@" modules
cp "$src/kleaktrack.ko" "$out/"
for d in samples bench; do
	if [ -f "$src/tests/$d/Kbuild" ]; then
		make -C "$KLT_KDIR" M="$src/tests/$d" "$@" modules
		cp "$src/tests/$d"/*.ko "$out/"
	fi
done
if grep -q '^CONFIG_KUNIT=[ym]' "$KLT_KDIR/.config" 2>/dev/null &&
   [ -f "$src/tests/kunit/Kbuild" ]; then
	make -C "$KLT_KDIR" M="$src/tests/kunit" "$@" modules
	cp "$src/tests/kunit"/*.ko "$out/"
fi
ls "$out"
