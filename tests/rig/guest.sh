#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one scenario in a qemu guest of one target and judge it.
#
#   guest.sh TARGET SCENARIO [-m MiB] [-s CPUS] [-t SECONDS] [-a APPEND]
#
# Builds kleaktrack.ko and the test modules against the target's tree,
# packs a busybox initramfs with them, kleakctl and the scenario, boots
# qemu (TCG) with a hard timeout and keeps the console log under
# build/logs/. Prints one "PASS|FAIL|SKIP <target>/<scenario>/<check>"
# line per check the scenario made, then one for the guest run itself.
# KLT_KO=<path> boots another kleaktrack.ko (the one DKMS built, see
# tests/rig/package.sh) in place of the rig's, named "dkms-<scenario>".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

target=${1:?usage: guest.sh TARGET SCENARIO [options]}
scenario=${2:?usage: guest.sh TARGET SCENARIO [options]}
shift 2
mem=512 smp=2 timeout=300
# kmemleak, built into our own kernels, is the oracle for our own leaks.
case $target in kunit|debug|debug-rt) append="kmemleak=on" ;; *) append="" ;; esac
# Multi-threaded TCG executes stale code after cross-CPU text patching
# (jump labels, static calls): tracepoint (un)registration under load then
# oopses on a spurious int3 at a site already restored. One host thread
# running all vCPUs in turn keeps SMP semantics without that artefact.
accel=${KLT_ACCEL:-tcg,thread=single}
while getopts "m:s:t:a:" o; do
	case $o in
	m) mem=$OPTARG ;;
	s) smp=$OPTARG ;;
	t) timeout=$OPTARG ;;
	a) append=$OPTARG ;;
	*) klt_die "bad option" ;;
	esac
done

script=$KLT_ROOT/tests/scenarios/$scenario.sh
[ -f "$script" ] || klt_die "no scenario $scenario ($script)"
# A scenario may opt out of kmemleak: "# klt-no-kmemleak: <why>".
grep -q '^# klt-no-kmemleak:' "$script" && [ "$append" = kmemleak=on ] && append=""
# ... and add to the kernel command line: "# klt-append: <args>".
extra=$(sed -n 's/^# klt-append: //p' "$script")
[ -n "$extra" ] && append="$append $extra"
# ... and devices to qemu: "# klt-qemu: <args>" (a scenario's own -m wins).
qextra=$(sed -n 's/^# klt-qemu: //p' "$script")
klt_target "$target"
[ -f "$KLT_IMAGE" ] || klt_die "no kernel image for $target: $KLT_IMAGE"
[ -d "$KLT_KDIR" ] || klt_die "no build tree for $target: $KLT_KDIR"

run=$scenario
[ -n "${KLT_KO:-}" ] && run=dkms-$scenario
name=$target/$run
work=$KLT_OUT/guest/$target
logdir=$KLT_OUT/logs/$target
mkdir -p "$work" "$logdir"
log=$logdir/$run.log
rm -f "$log"

# Modules are built once per target and run (the build stamps their tree).
"$KLT_ROOT/tests/rig/modules.sh" "$target" >"$logdir/build.log" 2>&1 || {
	echo "FAIL $name/build: module build failed (see $logdir/build.log)"
	tail -15 "$logdir/build.log" | sed 's/^/    /'
	exit 1
}
mods=$KLT_OUT/modules/$target

# initramfs: busybox, modules, kleakctl, the scenario and its helpers.
root=$work/root.$run
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/klt,etc}
cp /bin/busybox "$root/bin/busybox"
for app in $(/bin/busybox --list | grep -vx busybox); do
	ln -sf /bin/busybox "$root/bin/$app" 2>/dev/null
done
cp "$mods"/*.ko "$root/lib/klt/"
if [ -n "${KLT_KO:-}" ]; then
	[ -f "$KLT_KO" ] || klt_die "no module at KLT_KO=$KLT_KO"
	cp "$KLT_KO" "$root/lib/klt/kleaktrack.ko"
fi
kunit=$KLT_KDIR/lib/kunit/kunit.ko
[ -f "$kunit" ] && cp "$kunit" "$root/lib/klt/"
[ -x "$KLT_OUT/kleakctl-static" ] && cp "$KLT_OUT/kleakctl-static" "$root/bin/kleakctl"
# Helpers of the scenarios (tests/helpers): scripts as they are, C
# programs built static on the host.
for h in "$KLT_ROOT"/tests/helpers/*; do
	[ -f "$h" ] || continue
	case $h in
	*.c)
		bin=$KLT_OUT/helpers/$(basename "$h" .c)
		mkdir -p "$KLT_OUT/helpers"
		if [ ! -x "$bin" ] || [ "$h" -nt "$bin" ]; then
			cc -static -O2 -Wall -o "$bin" "$h" ||
				klt_die "cannot build $h"
		fi
		cp "$bin" "$root/bin/"
		;;
	*) cp "$h" "$root/bin/" ;;
	esac
done
# The systemd service's script, for the scenario that runs it.
cp "$KLT_ROOT/tools/systemd/kleaktrack-scan" "$root/bin/"
cp "$KLT_ROOT/tests/scenarios/lib.sh" "$root/etc/klt-lib.sh"
cp "$script" "$root/etc/scenario.sh"
[ -d "$KLT_ROOT/tests/fixtures" ] && cp -r "$KLT_ROOT/tests/fixtures" "$root/etc/fixtures"
cat >"$root/init" <<EOF
#!/bin/sh
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2>/dev/null
mount -t debugfs none /sys/kernel/debug
export PATH=/bin:/sbin KLT_TARGET=$target KLT_RELEASE=$KLT_RELEASE
echo "KLT-BEGIN $name"
cd /tmp && sh -c '. /etc/klt-lib.sh; . /etc/scenario.sh'
rc=\$?
echo KLT-DMESG-BEGIN
dmesg
echo KLT-DMESG-END
echo "KLT-END rc=\$rc"
sync
reboot -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/$run.cpio.gz"

start=$(date +%s)
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 -accel "$accel" \
	-m "$mem" -smp "$smp" $qextra \
	-nographic -no-reboot -kernel "$KLT_IMAGE" \
	-initrd "$work/$run.cpio.gz" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=5 nokaslr $append" \
	</dev/null >"$log" 2>&1
qrc=$?
secs=$(($(date +%s) - start))
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

# Per-check lines from the guest.
sed -n 's/^KLT: \(PASS\|FAIL\|SKIP\) \(.*\)$/\1 \2/p' "$log" |
	while read -r verdict rest; do
		echo "$verdict $name/$rest"
	done

# The guest run itself: ended, and no splat.
why=""
splat='BUG:|WARNING:|Oops|KASAN:|possible recursive locking|inconsistent lock state|sleeping function called from invalid context|INFO: task .* blocked|soft lockup|hard LOCKUP|Kernel panic|general protection fault|circular locking dependency|suspicious RCU usage'
if grep -Eq "$splat" "$log"; then
	why="kernel splat"
elif [ $qrc = 124 ] || [ $qrc = 137 ]; then
	why="timeout after ${timeout}s"
elif ! grep -q '^KLT-END' "$log"; then
	why="guest did not finish (qemu rc $qrc)"
elif sed -n '/^KLT-KMEMLEAK-BEGIN/,/^KLT-KMEMLEAK-END/p' "$log" |
	grep -Eq '\[kleaktrack\]|comm "kleaktrack"' ||
	grep -q '^KLT-SELFLEAK' "$log"; then
	why="kmemleak reports an object allocated by kleaktrack"
fi
if [ -z "$why" ]; then
	echo "PASS $name (${secs}s)"
else
	echo "FAIL $name: $why (log: $log)"
	grep -En -A8 "$splat|^KLT: FAIL" "$log" | head -40 | sed 's/^/    /'
	exit 1
fi
