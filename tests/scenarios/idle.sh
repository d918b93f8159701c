# SPDX-License-Identifier: GPL-2.0
# On a quiet system nothing is a leak; the automatic scan runs; the
# commands behave; bad input is refused without harm.
check insmod klt_load min_age_ms=1000 scan_interval_s=0
sleep 2
klt_churn
check scan-twice klt_scan_twice
cat $KLT_DBG > /tmp/report
n=$(klt_hdr leaks)
expect idle-no-leaks 0 "$n"
[ "$n" = 0 ] || { echo KLT-REPORT-BEGIN; cat /tmp/report; echo KLT-REPORT-END; }
check tracked-some test "$(klt_hdr tracked_objects)" -gt 100
check pages-scanned test "$(klt_hdr pages_scanned)" -gt 1000
expect untracked-zero 0 "$(klt_hdr untracked)"
# The walk of a real kernel is trusted, the depot never ran dry, and the
# SLUB layout was recognised (none of this one-line news in dmesg).
expect walk-trusted 0 "$(klt_hdr last_scan_untrusted)"
expect untrusted-scans 0 "$(klt_hdr untrusted_scans)"
check no-untrusted-line sh -c "! dmesg | grep -q 'kleaktrack: scan not trusted'"
expect stacks-lost 0 "$(klt_hdr stacks_lost)"
check slub-layout-known sh -c "dmesg | grep -q 'kleaktrack: SLUB layout of '"
check not-forced sh -c "! dmesg | grep -q 'kleaktrack: not tested on'"

# Automatic scans from the kthread.
s0=$(klt_hdr scans)
check scan-secs klt_cmd scan=1
# A scan takes seconds on the KASAN kernel under TCG: wait for one.
for _i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 2
	[ "$(klt_hdr scans)" -gt "$s0" ] && break
done
check auto-scan test "$(klt_hdr scans)" -gt "$s0"
check scan-off klt_cmd scan=off
expect interval-param 0 "$(cat $KLT_PARAMS/scan_interval_s)"

# Commands and bad input.
for c in scan=on scan=off clear stack=off scan stack=on track=off track=on \
	 dump=0xffff888000000000 why=0; do
	check "cmd-$c" klt_cmd "$c"
done
for c in bogus scan=x dump=zz "scan scan" track=; do
	check "bad-cmd-$c" sh -c "! echo '$c' > $KLT_DBG"
done
check bad-cmd-long sh -c "! head -c 5000 /dev/zero | tr '\\0' a > $KLT_DBG"
check bad-cmd-binary sh -c "! dd if=/dev/urandom of=$KLT_DBG bs=32 count=1 2>/dev/null"
check still-works klt_cmd scan
check param-sample sh -c "echo 4 > $KLT_PARAMS/sample && echo 1 > $KLT_PARAMS/sample"
check rmmod klt_unload
klt_kmemleak_check
