# SPDX-License-Identifier: GPL-2.0
# Seconds-long smoke of the benchmark (make check): the bench module
# loads, runs each workload briefly, bare and under kleaktrack, and prints
# the "KLT-BENCH" lines that tools/bench/run.sh parses.
KLTB=/sys/kernel/debug/kleaktrack_bench
bench() { echo "$*" > $KLTB && cat $KLTB; }
# parses LINE: the line has ns_per_pair=<n> and no failed allocation.
parses() { echo "$1" | grep -Eq 'ns_per_pair=[0-9]+ .* failed=0$'; }

check insmod-bench insmod $KLT_MODS/kleaktrack_bench.ko min_ms=10
check bench-debugfs test -f $KLTB
# A vmalloc or per-CPU pair costs about a hundred kmalloc ones.
iters() { case $1 in vmalloc|percpu) echo 200;; *) echo 2000;; esac; }
for op in kmalloc cache vmalloc percpu; do
	for th in 1 0; do
		l=$(bench $op $(iters $op) $th)
		echo "KLT-BENCH kind=alloc cfg=bare rep=1 $l"
		check "bare-$op-t$th" parses "$l"
	done
done
check insmod klt_load scan_interval_s=0
for op in kmalloc cache vmalloc percpu; do
	l=$(bench $op $(iters $op) 0)
	echo "KLT-BENCH kind=alloc cfg=full rep=1 $l"
	check "full-$op" parses "$l"
done
check hold sh -c "echo hold 2000 > $KLTB && grep -q 'held=2000 .*failed=0' $KLTB"
t0=$(bench now)
check scan klt_cmd scan
t1=$(bench now)
echo "KLT-BENCH kind=scan cfg=kleaktrack rep=1 n=2000 tracked=$(klt_hdr tracked_objects) ns=$((t1 - t0)) pages=$(klt_hdr pages_scanned)"
expect scan-no-leaks-of-held 0 "$(grep -c 'kleaktrack_bench' $KLT_DBG)"
check release sh -c "echo release > $KLTB"
check rmmod klt_unload
check rmmod-bench rmmod kleaktrack_bench
klt_kmemleak_check
