# SPDX-License-Identifier: GPL-2.0
# Load, the debugfs file (root only), parameters, unload; 20 cycles (5 on
# the debug kernels, where each takes several seconds).
check insmod klt_load
check debugfs-exists test -f $KLT_DBG
expect debugfs-mode-0600 600 "$(stat -c %a $KLT_DBG)"
for p in min_age_ms scan_interval_s max_objects stack_depth sample force; do
	check "param-$p" test -r $KLT_PARAMS/$p
done
check report-header grep -q '^# kleaktrack report v1' $KLT_DBG
expect force-default N "$(cat $KLT_PARAMS/force)"
check rmmod klt_unload
# On a tested release force=1 changes nothing and says nothing.
check insmod-force klt_load force=1
check force-silent sh -c "! dmesg | grep -q 'kleaktrack: not tested on'"
check rmmod-force klt_unload
check debugfs-gone test ! -e $KLT_DBG

cycles=20
case $KLT_TARGET in debug*) cycles=5 ;; esac
ok=0
i=0
while [ $i -lt $cycles ]; do
	klt_load && test -f $KLT_DBG && cat $KLT_DBG >/dev/null && klt_unload &&
		test ! -e $KLT_DBG && ok=$((ok + 1))
	i=$((i + 1))
done
expect cycles $cycles $ok
klt_kmemleak_check

# Unload during an allocation storm and during a scan.
( while [ ! -e /tmp/stop ]; do ls -R /sys > /dev/null 2>&1; done ) &
storm=$!
ok=0
i=0
while [ $i -lt 5 ]; do
	klt_load scan_interval_s=0 min_age_ms=0 || break
	( echo scan > $KLT_DBG ) &
	scanner=$!
	sleep 1
	# The writer holds the file open: rmmod is refused until it is done.
	tries=0
	while ! rmmod kleaktrack 2>/dev/null && [ $tries -lt 100 ]; do
		sleep 1
		tries=$((tries + 1))
	done
	wait $scanner
	[ -e $KLT_DBG ] || ok=$((ok + 1))
	i=$((i + 1))
done
touch /tmp/stop
wait $storm
expect unload-under-load-5 5 $ok

# The automatic scanner is stopped mid-scan by rmmod.
check load-autoscan klt_load scan_interval_s=1 min_age_ms=0
sleep 2
check rmmod-during-autoscan klt_unload

# A long interval is long: secs * HZ must not wrap (17179870 s * 250 Hz
# is 2^32 + 1000 jiffies, 4 seconds if it wrapped), by command or parameter.
check load-long-interval klt_load min_age_ms=0
check cmd-long-interval klt_cmd scan=17179870
n=$(klt_hdr scans)
sleep 9
expect no-scan-after-long-interval-cmd "$n" "$(klt_hdr scans)"
echo 17179870 > $KLT_PARAMS/scan_interval_s
sleep 9
expect no-scan-after-long-interval-param "$n" "$(klt_hdr scans)"
check rmmod-long-interval klt_unload
