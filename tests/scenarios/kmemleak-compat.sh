# SPDX-License-Identifier: GPL-2.0
# klt-no-kmemleak: the kernel's own kmemleak would keep its file.
# /sys/kernel/debug/kmemleak on a kernel without kmemleak, driven the way
# its consumers drive it (tests/helpers/kml-*): a filesystem test suite, a
# fuzzer's executor and a module test suite. Each sees an empty file on a
# quiet system, planted leaks after they are planted, and an empty file
# again after its "clear". Both files show the same leaks, "clear" through
# either clears both, and the words behave as kmemleak's.
KML=/sys/kernel/debug/kmemleak
export KML

# A kernel built with kmemleak keeps its file (kunit/debug targets).
if [ -e $KML ]; then
	check insmod klt_load
	expect kernel-kmemleak-kept auto "$(cat $KLT_PARAMS/kmemleak_compat)"
	check kernel-kmemleak-logged sh -c "dmesg | grep -q 'kleaktrack: the kernel has kmemleak'"
	check kernel-kmemleak-no-header sh -c "! grep -q '^# kleaktrack' $KML"
	check rmmod klt_unload
	check kernel-kmemleak-still-there test -e $KML
	check compat-on-refused sh -c "! insmod $KLT_MODS/kleaktrack.ko kmemleak_compat=on"
	return 0 2>/dev/null || exit 0
fi

check insmod-bad-param sh -c "! insmod $KLT_MODS/kleaktrack.ko kmemleak_compat=maybe"
check insmod-leaky insmod $KLT_MODS/kleaktrack_leaky.ko
check insmod klt_load min_age_ms=1000 scan_interval_s=600
check kml-exists test -f $KML
expect kml-mode-0600 600 "$(stat -c %a $KML)"
expect kml-param auto "$(cat $KLT_PARAMS/kmemleak_compat)"
check kml-logged sh -c "dmesg | grep -q 'kleaktrack: /sys/kernel/debug/kmemleak shows'"
sleep 2
klt_churn

# Each consumer on a quiet system: nothing.
check fs-detect kml-fs-suite.sh detect
expect fs-detect-scan-off 0 "$(cat $KLT_PARAMS/scan_interval_s)"
check fuzz-setup kml-fuzz setup
kml-fs-suite.sh check /tmp/fs-quiet.out
expect fs-quiet-exit-0 0 $?
check fs-quiet-empty test ! -s /tmp/fs-quiet.out
kml-fuzz check > /tmp/fuzz-quiet.out
expect fuzz-quiet-exit-0 0 $?
check fuzz-quiet-no-leaks grep -qx 'LEAKS 0' /tmp/fuzz-quiet.out
check fuzz-quiet-nothing-read grep -qx 'FIRST-READ 0' /tmp/fuzz-quiet.out

plant() {
	echo 1 > /sys/module/kleaktrack_leaky/parameters/plant
	sleep 7		# kfree_rcu batches are freed a few seconds later
	klt_churn
}
# Every entry of $1 is a planted leak: prints the count of those that are not.
unplanted() {
	klt_planted | awk '{ print "0x" $2 }' > /tmp/planted-addrs
	klt_entries "$1" | grep -c -v -F -f /tmp/planted-addrs
}

# Filesystem suite, planted leaks: the test fails, with the leaks in OUT.
plant
kml-fs-suite.sh check /tmp/fs-leaks.out
expect fs-leaks-exit-1 1 $?
n=$(grep -c '^unreferenced object ' /tmp/fs-leaks.out)
echo "KLT-INFO fs suite: $n entries"
check fs-leaks-found test "$n" -ge 1
expect fs-leaks-all-planted 0 "$(unplanted /tmp/fs-leaks.out)"
check fs-leaks-no-header sh -c "! grep -q '^#' /tmp/fs-leaks.out"
check fs-leaks-format sh -c "grep '^    \[<' /tmp/fs-leaks.out | grep -vq '^    \[<[0-9a-f]\{16\}>\] [A-Za-z0-9_.]*+0x[0-9a-f]*/0x[0-9a-f]*\( \[[a-z0-9_]*\]\)\?$' && exit 1; exit 0"
check fs-cleared-kml test ! -s $KML
expect fs-cleared-own 0 "$(klt_hdr leaks)"
kml-fs-suite.sh check /tmp/fs-after.out
expect fs-after-clear-exit-0 0 $?

# Both files, same leaks; "clear" through kleaktrack's clears kmemleak's.
plant
klt_scan_until 1 > /dev/null
sed '/^#/d' $KLT_DBG > /tmp/own-entries
cat $KML > /tmp/kml-entries
check same-leaks-some test -s /tmp/kml-entries
check same-leaks-both-files cmp /tmp/own-entries /tmp/kml-entries
check clear-own klt_cmd clear
check clear-own-empties-kml test ! -s $KML

# Fuzzer, planted leaks: titles name the planted functions.
plant
kml-fuzz check > /tmp/fuzz-leaks.out
expect fuzz-leaks-exit-1 1 $?
cat /tmp/fuzz-leaks.out
n=$(grep -c '^LEAK ' /tmp/fuzz-leaks.out)
check fuzz-leaks-found test "$n" -ge 1
expect fuzz-titles-planted "$n" "$(grep -c -E '^LEAK memory leak in (leaky_kmalloc|leaky_cache_alloc|leaky_list|leaky_timer_fn|leaky_large|leaky_krealloc)$' /tmp/fuzz-leaks.out)"
check fuzz-cleared-kml test ! -s $KML

# Module suite, with the automatic scan on (kmemleak's thread, which the
# suite counts on during its wait): a clean module, then one that leaks
# at unload.
check rmmod-leaky rmmod kleaktrack_leaky
check auto-scan-2s klt_cmd scan=2
KML_WAIT=6 kml-module-suite.sh /tmp/mod-quiet.out $KLT_MODS/kleaktrack_leaky.ko
expect module-quiet-exit-0 0 $?
r=1
while :; do
	KML_WAIT=6 kml-module-suite.sh /tmp/mod-leak.out \
		$KLT_MODS/kleaktrack_leaky.ko leak_on_exit=1
	rc=$?
	a=$(dmesg | sed -n 's/.*kleaktrack_leaky: leaky_on_exit at 0x\([0-9a-f]*\)$/\1/p' | tail -1)
	echo "KLT-INFO module suite round $r: exit $rc, leak at $a"
	[ $rc = 1 ] || [ $r -ge 3 ] && break
	klt_churn
	r=$((r + 1))
done
expect module-leak-exit-1 1 $rc
check module-leak-found grep -q "^unreferenced object 0x$a (size 100):" /tmp/mod-leak.out
check module-clear sh -c "echo clear > $KML"
check module-cleared-kml test ! -s $KML
check auto-scan-off klt_cmd scan=off

# kmemleak's words, matched as prefixes, and what a write reports.
s0=$(klt_hdr scans)
check word-scanning sh -c "echo scanning > $KML"
expect word-scan-prefix-scanned $((s0 + 1)) "$(klt_hdr scans)"
check word-scan-secs sh -c "echo scan=0x258 > $KML"
expect word-scan-secs-value 600 "$(cat $KLT_PARAMS/scan_interval_s)"
check word-scan-off sh -c "echo scan=off > $KML"
check word-stack-off sh -c "echo stack=off > $KML"
check word-stack-on sh -c "echo stack=on > $KML"
check word-clear-prefix sh -c "echo clearly > $KML"
for w in bogus track=off why=0 scan=x stack=maybe; do
	check "word-refused-$w" sh -c "! echo '$w' > $KML"
done
check word-dump-untracked-refused sh -c "! echo dump=0x1 > $KML"
check word-dump-tracked sh -c "echo dump=0x$a > $KML"
check word-long-ok sh -c "printf 'scan=on%0200d' 0 > $KML"

# "off": kmemleak's, for good; then only "clear" is taken, everywhere.
check word-off sh -c "echo off > $KML"
eperm() { { echo "$1" > "$2"; } 2>&1 | grep -q 'Operation not permitted'; }
check off-scan-eperm eperm scan $KML
check off-bogus-eperm eperm bogus $KML
check off-own-scan-eperm eperm scan $KLT_DBG
check off-own-track-eperm eperm track=on $KLT_DBG
check off-clear-ok sh -c "echo clear > $KML"
check off-still-readable cat $KML
check rmmod klt_unload
check kml-gone test ! -e $KML
check insmod-compat-off klt_load kmemleak_compat=off
check compat-off-no-file test ! -e $KML
check rmmod-compat-off klt_unload
