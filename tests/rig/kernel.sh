#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) the kunit, debug or debug-rt kernel from linux-source-6.12
# with the fragments kept in tests/configs/, cached under $KLT_CACHE keyed by source
# version and config hash. Prints the build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

target=${1:?usage: kernel.sh kunit|debug|debug-rt}
frags=$(klt_frags "$target") ||
	klt_die "kernel.sh builds kunit, debug or debug-rt, not '$target'"

ver=$(klt_source_version) || true
[ -n "$ver" ] || klt_die "linux-source-6.12 is not installed (run tests/rig/deps.sh)"
out=$(klt_kernel_dir "$target")
if [ -f "$out/.klt-done" ]; then
	echo "$out"
	exit 0
fi

src=$KLT_CACHE/src/linux-source-6.12-$ver
if [ ! -f "$src/.klt-unpacked" ]; then
	klt_log "unpacking linux-source-6.12 $ver"
	rm -rf "$src" && mkdir -p "$src"
	tar -C "$src" --strip-components=1 -xf /usr/src/linux-source-6.12.tar.xz
	touch "$src/.klt-unpacked"
fi

rm -rf "$out" && mkdir -p "$out"
log=$out/build.log
klt_log "building the $target kernel in $out (first run only; log: $log)"
{
	make -C "$src" O="$out" tinyconfig
	KCONFIG_CONFIG=$out/.config "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$out" "$out/.config" $frags
	make -C "$src" O="$out" olddefconfig
} >"$log" 2>&1 || { tail -20 "$log" >&2; klt_die "configuring the $target kernel failed"; }

# A fragment option the Kconfig solver dropped silently is a rig bug. A
# later fragment's setting of an option replaces an earlier one's.
declare -A want=()
for f in $frags; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
		*) continue ;;
		esac
		want[$opt]=$line
	done <"$f"
done
missing=0
for opt in "${!want[@]}"; do
	line=${want[$opt]}
	case $line in
	"# "*) grep -q "^$opt=" "$out/.config" || continue ;;
	esac
	if ! grep -qx "$line" "$out/.config"; then
		klt_log "config: $line did not stick"
		missing=1
	fi
done
[ $missing = 0 ] || klt_die "the $target config fragment does not apply to $ver"

make -C "$src" O="$out" -j"$KLT_JOBS" bzImage modules >>"$log" 2>&1 ||
	{ tail -30 "$log" >&2; klt_die "building the $target kernel failed (log: $log)"; }
# Out-of-tree builds need the tree prepared for M= modules.
make -C "$src" O="$out" -j"$KLT_JOBS" modules_prepare >>"$log" 2>&1
touch "$out/.klt-done"
echo "$out"
