# SPDX-License-Identifier: GPL-2.0
# klt-no-kmemleak: kmemleak's own metadata points at every object, so
# with kmemleak on no object is ever unreferenced and this cannot fail.
# Live objects nobody recorded (allocated with track=off) on the tombstones
# of freed ones are roots: what they hold is referenced, not leaked.
check insmod-leaky insmod $KLT_MODS/kleaktrack_leaky.ko
check insmod klt_load min_age_ms=1000 scan_interval_s=0
check leaves sh -c "echo 1 > /sys/module/kleaktrack_leaky/parameters/untracked_holders"
check track-off klt_cmd track=off
check holders sh -c "echo 2 > /sys/module/kleaktrack_leaky/parameters/untracked_holders"
sleep 2
klt_scan_twice
klt_cmd scan
cat $KLT_DBG > /tmp/report
echo "KLT-INFO leaves reported: $(count_entries /tmp/report ' keep_untracked_leaf ')"
expect leaves-not-reported 0 "$(count_entries /tmp/report ' keep_untracked_leaf ')"
# The control: once the holders let go, the leaves are leaks (most of
# them: a stale copy of a pointer can hide one), so they were held only
# by the untracked holders.
check let-go sh -c "echo 3 > /sys/module/kleaktrack_leaky/parameters/untracked_holders"
sleep 2
klt_scan_twice
klt_cmd scan
cat $KLT_DBG > /tmp/report
n=$(count_entries /tmp/report ' keep_untracked_leaf ')
echo "KLT-INFO leaves reported after letting go: $n"
check leaves-reported-after-let-go test "$n" -ge 32
check track-on klt_cmd track=on
check rmmod-leaky rmmod kleaktrack_leaky
check rmmod klt_unload
