# SPDX-License-Identifier: GPL-2.0
# klt-append: debugfs=off
# A kernel booted with debugfs=off: kleaktrack loads, says so once, and
# /dev/kleaktrack is the whole interface; kleakctl uses it.
check insmod-leaky insmod $KLT_MODS/kleaktrack_leaky.ko
check insmod klt_load min_age_ms=1000 scan_interval_s=0
check no-debugfs-file test ! -e $KLT_DBG
check warned sh -c "dmesg | grep -q 'kleaktrack: no /sys/kernel/debug/kleaktrack (-[0-9]*): use /dev/kleaktrack'"
check device-exists test -c /dev/kleaktrack
KLT_DBG=/dev/kleaktrack
check plant sh -c "echo 1 > /sys/module/kleaktrack_leaky/parameters/plant"
sleep 7
klt_churn
check kleakctl-scan-twice kleakctl scan --twice
klt_scan_until 1 "kleakctl scan --twice"
kleakctl report > /tmp/report.txt 2> /tmp/report.err
expect report-exit-1 1 $?
check report-no-error test ! -s /tmp/report.err
check report-planted-frame grep -q '^    #[0-9]* leaky_[a-z_]*+0x[0-9a-f]*/0x[0-9a-f]* \[kleaktrack_leaky\]$' /tmp/report.txt
check clear kleakctl clear
kleakctl report > /dev/null
expect cleared-exit-0 0 $?
check rmmod-leaky rmmod kleaktrack_leaky
check rmmod klt_unload
check device-gone test ! -e /dev/kleaktrack
