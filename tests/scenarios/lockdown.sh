# SPDX-License-Identifier: GPL-2.0
# A Secure Boot machine without UEFI: load, then lock the kernel down
# ("integrity", what Debian, Ubuntu and Fedora do under Secure Boot).
# debugfs then refuses kleaktrack's files; kleakctl goes through
# /dev/kleaktrack without being told and works end to end.
check insmod-leaky insmod $KLT_MODS/kleaktrack_leaky.ko
check insmod klt_load min_age_ms=1000 scan_interval_s=0
check device-exists test -c /dev/kleaktrack
expect device-mode-0600 600 "$(stat -c %a /dev/kleaktrack)"
check device-header grep -q '^# kleaktrack report v1' /dev/kleaktrack
check device-same-header sh -c "grep '^# tracked_objects' $KLT_DBG > /dev/null && grep -q '^# tracked_objects' /dev/kleaktrack"
check stats-unlocked kleakctl stats

mount -t securityfs none /sys/kernel/security 2>/dev/null
lk=/sys/kernel/security/lockdown
if [ ! -e $lk ]; then
	fail lockdown-available "no $lk (CONFIG_SECURITY_LOCKDOWN_LSM)"
	return 0 2>/dev/null || exit 0
fi
echo "KLT-INFO lockdown before: $(cat $lk)"
check lockdown-integrity sh -c "echo integrity > $lk"
check lockdown-on grep -q '\[integrity\]' $lk
# debugfs now refuses any file with a write bit, even to read.
check debugfs-refused sh -c "! cat $KLT_DBG > /dev/null 2>&1"
check debugfs-refused-eperm sh -c "cat $KLT_DBG 2>&1 | grep -q 'Operation not permitted'"
check debugfs-kmemleak-refused sh -c "! cat /sys/kernel/debug/kmemleak > /dev/null 2>&1"
# The scenario helpers from here on go through the device too.
KLT_DBG=/dev/kleaktrack

check plant sh -c "echo 1 > /sys/module/kleaktrack_leaky/parameters/plant"
sleep 7
klt_churn
kleakctl scan --twice > /tmp/scan.out 2> /tmp/scan.err
expect kleakctl-scan-twice-exit-0 0 $?
check kleakctl-scan-no-error test ! -s /tmp/scan.err
klt_scan_until 1 "kleakctl scan --twice"
kleakctl report > /tmp/report.txt 2> /tmp/report.err
expect report-exit-1 1 $?
check report-no-error test ! -s /tmp/report.err
check report-direct grep -q '^Direct leak of [0-9]* byte(s) in [0-9]* object(s) allocated from:' /tmp/report.txt
check report-planted-frame grep -q '^    #[0-9]* leaky_[a-z_]*+0x[0-9a-f]*/0x[0-9a-f]* \[kleaktrack_leaky\]$' /tmp/report.txt
check report-summary grep -q "^SUMMARY: $(klt_hdr leaked_bytes) byte(s) leaked in $(klt_hdr leaks) object(s)." /tmp/report.txt
kleakctl report --json > /tmp/report.json 2> /tmp/json.err
expect json-exit-1 1 $?
check json-no-error test ! -s /tmp/json.err
check json-kind grep -q '"kind": "direct"' /tmp/report.json
check json-planted grep -q '"leaky_' /tmp/report.json
kleakctl stats > /tmp/stats.txt 2> /tmp/stats.err
expect stats-exit-0 0 $?
check stats-params grep -q min_age_ms /tmp/stats.txt
check stats-leaks grep -q "$(klt_hdr leaks)" /tmp/stats.txt
check set-param kleakctl set min_age_ms=2000
expect set-param-value 2000 "$(cat $KLT_PARAMS/min_age_ms)"
check clear kleakctl clear
kleakctl report > /dev/null
expect cleared-exit-0 0 $?

# Told to use debugfs, kleakctl says why it cannot.
KLEAKTRACK_DEBUGFS=/sys/kernel/debug/kleaktrack kleakctl report > /dev/null 2> /tmp/forced.err
expect forced-debugfs-exit-2 2 $?
check forced-debugfs-lockdown-message grep -q 'lockdown' /tmp/forced.err

check rmmod-leaky rmmod kleaktrack_leaky
check rmmod klt_unload
check device-gone test ! -e /dev/kleaktrack
# Why the module must be signed for Secure Boot (see kleaktrack.rst).
check unsigned-insmod-refused sh -c "! insmod $KLT_MODS/kleaktrack.ko"
check unsigned-refused-logged sh -c "dmesg | grep -q 'Lockdown: insmod: unsigned module loading is restricted'"
kleakctl report > /dev/null 2> /tmp/err
expect not-loaded-exit-2 2 $?
