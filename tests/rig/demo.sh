#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot a Debian 6.12 guest, load kleaktrack and a leaky sample,
# scan twice and show the report. Installs what it needs on first use.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

"$KLT_ROOT/tests/rig/deps.sh" || exit 2
make -s -C "$KLT_ROOT/tools/kleakctl" clean >/dev/null 2>&1
make -s -C "$KLT_ROOT/tools/kleakctl" STATIC=1 >/dev/null || exit 2
mkdir -p "$KLT_OUT"
cp "$KLT_ROOT/tools/kleakctl/kleakctl" "$KLT_OUT/kleakctl-static"
make -s -C "$KLT_ROOT/tools/kleakctl" clean >/dev/null 2>&1
target=${1:-debian-6.12}
echo "booting a $target guest (qemu, software emulation: about a minute)..."
"$KLT_ROOT/tests/rig/guest.sh" "$target" demo -t 300 >/dev/null
rc=$?
log=$KLT_OUT/logs/$target/demo.log
sed -n '/^KLT-DEMO-BEGIN/,/^KLT-DEMO-END/{/^KLT-DEMO/d;p}' "$log"
echo
echo "(full console log: $log)"
exit $rc
