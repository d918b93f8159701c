# SPDX-License-Identifier: GPL-2.0
# make demo: a leaky module, kleaktrack, two scans, the report.
insmod $KLT_MODS/kleaktrack_leaky.ko
klt_load min_age_ms=1000 scan_interval_s=0
echo "# insmod kleaktrack.ko; a module leaks on purpose (tests/samples)"
echo 1 > /sys/module/kleaktrack_leaky/parameters/plant
sleep 7
klt_churn
klt_scan_until 16 "kleakctl scan"
echo KLT-DEMO-BEGIN
echo '$ kleakctl scan --twice'
kleakctl scan --twice
echo
echo '$ kleakctl report'
kleakctl report
echo
echo '$ head -30 /sys/kernel/debug/kleaktrack'
head -30 $KLT_DBG
echo KLT-DEMO-END
check demo-found-leaks test "$(klt_hdr leaks)" -gt 0
rmmod kleaktrack_leaky
klt_unload
