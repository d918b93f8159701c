# SPDX-License-Identifier: GPL-2.0
# Allocation-path benchmark (tools/bench/run.sh). One boot measures every
# configuration, repetitions interleaved so that they share the machine
# state: bare (kleaktrack not loaded), full tracking, sample=64, loaded
# with track=off and, with kltb_profile=1, stack_depth=1. Booted with
# kmemleak=on it measures kmemleak instead, then kmemleak switched off at
# run time. Knobs from the kernel command line: kltb_reps, kltb_iters.
KLTB=/sys/kernel/debug/kleaktrack_bench
KMEMLEAK=/sys/kernel/debug/kmemleak
bench() { echo "$*" > $KLTB && cat $KLTB; }
arg() {
	_v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^kltb_$1=//p" | tail -1)
	echo "${_v:-$2}"
}
reps=$(arg reps 5)
iters=$(arg iters 2000)
min_ms=$(arg min_ms 200)
profile=$(arg profile 0)
bad=0

# run_set CFG REP: each workload, one thread and one per vCPU (vmalloc
# and per-CPU, a hundred times slower, with a tenth of the iterations).
run_set() {
	for _op in kmalloc cache vmalloc percpu; do
		for _th in 1 0; do
			_n=$iters
			case $_op in vmalloc|percpu) _n=$((iters / 10 + 1));; esac
			_l=$(bench $_op $_n $_th) || bad=$((bad + 1))
			echo "KLT-BENCH kind=alloc cfg=$1 rep=$2 $_l"
		done
	done
}

check insmod-bench insmod $KLT_MODS/kleaktrack_bench.ko min_ms=$min_ms
# Warm the slab caches up once, untimed.
bench kmalloc $iters 0 > /dev/null
if [ -e $KMEMLEAK ] && echo scan=off > $KMEMLEAK 2>/dev/null; then
	r=1
	while [ $r -le $reps ]; do
		run_set kmemleak $r
		r=$((r + 1))
	done
	echo off > $KMEMLEAK
	sleep 2
	r=1
	while [ $r -le $reps ]; do
		run_set kmemleak-off $r
		r=$((r + 1))
	done
else
	r=1
	while [ $r -le $reps ]; do
		run_set bare $r
		klt_load scan_interval_s=0 || bad=$((bad + 1))
		run_set full $r
		echo 64 > $KLT_PARAMS/sample
		run_set sample64 $r
		echo 1 > $KLT_PARAMS/sample
		if [ "$profile" = 1 ]; then
			echo 1 > $KLT_PARAMS/stack_depth
			run_set depth1 $r
			echo 16 > $KLT_PARAMS/stack_depth
		fi
		klt_cmd track=off
		run_set idle $r
		if [ "$profile" = 1 ]; then
			# What the probe pays per record, measured directly.
			for _d in 5 20; do
				for _op in unwind depot; do
					_l=$(bench $_op 20000 $_d) || bad=$((bad + 1))
					echo "KLT-BENCH kind=profile cfg=$_op$_d rep=$r $_l"
				done
			done
		fi
		echo "KLT-BENCH kind=stats cfg=full rep=$r tracked=$(klt_hdr tracked_objects) untracked=$(klt_hdr untracked) unknown_frees=$(klt_hdr unknown_frees)"
		klt_unload || bad=$((bad + 1))
		r=$((r + 1))
	done
fi
expect bench-alloc-runs 0 $bad
check rmmod-bench rmmod kleaktrack_bench
