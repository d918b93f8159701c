# SPDX-License-Identifier: GPL-2.0
# klt-qemu: -m 512M,slots=2,maxmem=1G -object memory-backend-ram,id=hp0,size=256M -device pc-dimm,id=dimm0,memdev=hp0
# klt-append: memhp_default_state=online_movable
# Memory taken offline and back while kleaktrack scans and while it
# unloads: a hot-pluggable DIMM onlined movable, so its blocks can go.
# Offline waits for a scan in progress to stop (the scan reads struct
# pages, which offline takes away), no scan starts until it is done,
# and an unload in between leaves nothing held; nothing is misreported.
MEM=/sys/devices/system/memory
movable=""
for b in $MEM/memory*; do
	[ "$(cat $b/state 2>/dev/null)" = online ] || continue
	grep -qx Movable $b/valid_zones 2>/dev/null && movable="$movable $b"
done
echo "KLT-INFO movable blocks:$movable"
if [ -z "$movable" ]; then
	skip hotplug-memory "no movable memory block (qemu pc-dimm not seen)"
	return 0 2>/dev/null || exit 0
fi
pass hotplug-memory
blk=${movable##* }

check insmod klt_load min_age_ms=1000 scan_interval_s=0
# Offline and online again, with scans running all the while.
( while [ ! -e /tmp/stop ]; do echo scan > $KLT_DBG 2>/dev/null; done ) &
scanner=$!
ok=0
i=0
while [ $i -lt 6 ]; do
	echo offline > $blk/state && [ "$(cat $blk/state)" = offline ] &&
		echo online_movable > $blk/state &&
		[ "$(cat $blk/state)" = online ] && ok=$((ok + 1))
	i=$((i + 1))
done
touch /tmp/stop
wait $scanner
rm -f /tmp/stop
expect offline-online-during-scans 6 $ok
check scan-after klt_scan_twice
expect no-leaks-after-offline 0 "$(klt_hdr leaks)"
expect walk-trusted 0 "$(klt_hdr last_scan_untrusted)"
check rmmod klt_unload

# Unload while a block goes offline, at points spread over it, with the
# automatic scanner running (a writer would hold the file, and rmmod
# wait for it).
ok=0
i=0
while [ $i -lt 8 ]; do
	klt_load scan_interval_s=1 min_age_ms=0 || break
	sleep 1
	( echo offline > $blk/state ) &
	off=$!
	usleep $((i * 20000))
	klt_unload || break
	wait $off
	[ "$(cat $blk/state)" = offline ] || break
	echo online_movable > $blk/state || break
	ok=$((ok + 1))
	i=$((i + 1))
done
expect unload-during-offline-8 8 $ok
check memory-back-online sh -c "[ \"\$(cat $blk/state)\" = online ]"
# And the module works after it all.
check insmod-again klt_load min_age_ms=1000 scan_interval_s=0
check scan-again klt_scan_twice
expect no-leaks-at-end 0 "$(klt_hdr leaks)"
check rmmod-again klt_unload
