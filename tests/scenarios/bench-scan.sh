# SPDX-License-Identifier: GPL-2.0
# Scan and memory benchmark (tools/bench/run.sh). Holds 10k, then 100k,
# then 1M live objects (as far as RAM allows) and times synchronous scans
# of the tracker in use: kmemleak when booted with kmemleak=on, kleaktrack
# otherwise. Memory: RAM in use before the tracker is loaded and after
# each stage; a boot with kltb_tracker=none measures the objects alone
# so that the host can subtract them.
# Knobs: kltb_reps, kltb_ns (cumulative stage sizes), kltb_tracker.
KLTB=/sys/kernel/debug/kleaktrack_bench
KMEMLEAK=/sys/kernel/debug/kmemleak
bench() { echo "$*" > $KLTB && cat $KLTB; }
arg() {
	_v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^kltb_$1=//p" | tr , ' ' | tail -1)
	echo "${_v:-$2}"
}
meminfo() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }
used_kb() { echo $(($(meminfo MemTotal) - $(meminfo MemFree))); }
reps=$(arg reps 5)
ns=$(arg ns "10000 100000 1000000")
mib=$(($(meminfo MemTotal) / 1024))
bad=0

tracker=$(arg tracker kleaktrack)
if [ -e $KMEMLEAK ] && echo scan=off > $KMEMLEAK 2>/dev/null; then
	tracker=kmemleak
	# Let boot-time objects age, as the kleaktrack run does with its load.
	echo clear > $KMEMLEAK
fi
check insmod-bench insmod $KLT_MODS/kleaktrack_bench.ko

# Stages that fit: ~110 B per object, ~250 B of kmemleak metadata, 96 B
# of kleaktrack records, and headroom.
fits() { [ $(($(meminfo MemAvailable) - 48 * 1024)) -gt $(($1 * 400 / 1024)) ]; }
stages=""
for n in $ns; do
	fits $n && stages="$stages $n"
done
echo "KLT-BENCH kind=info tracker=$tracker mem_mib=$mib stages=$(echo $stages | tr ' ' ,)"
max=0
for n in $stages; do max=$n; done

stage_mem() {
	echo "KLT-BENCH kind=mem cfg=$1 mem_mib=$mib n=$2 used_kb=$(($(used_kb) - u0)) slab_kb=$(($(meminfo Slab) - s0))"
}

# RAM in use from here on is the objects and the tracker's metadata.
sleep 2
sync
u0=$(used_kb)
s0=$(meminfo Slab)
if [ $tracker = kleaktrack ]; then
	klt_load scan_interval_s=0 max_objects=$((max + max / 4 + 100000)) ||
		bad=$((bad + 1))
fi
scan() {
	if [ $tracker = kleaktrack ]; then
		klt_cmd scan
	else
		echo scan > $KMEMLEAK
	fi
}
held=0
for n in $stages; do
	bench hold $((n - held)) > /dev/null || bad=$((bad + 1))
	held=$n
	stage_mem $tracker $n
	grep '^kmemleak_object ' /proc/slabinfo 2>/dev/null |
		awk -v n=$n -v m=$mib '{ print "KLT-BENCH kind=slab cache=kmemleak_object mem_mib=" m " n=" n " active=" $2 " objsize=" $4 }'
	[ $tracker = none ] && continue
	scan || bad=$((bad + 1))	# warm-up: first checksums, page tables
	r=1
	while [ $r -le $reps ]; do
		t0=$(bench now)
		scan || bad=$((bad + 1))
		t1=$(bench now)
		extra=""
		[ $tracker = kleaktrack ] &&
			extra="tracked=$(klt_hdr tracked_objects) pages=$(klt_hdr pages_scanned) scan_ms=$(klt_hdr last_scan_duration_ms)"
		echo "KLT-BENCH kind=scan cfg=$tracker mem_mib=$mib n=$n rep=$r ns=$((t1 - t0)) $extra"
		r=$((r + 1))
	done
done
if [ $tracker = kleaktrack ]; then
	expect no-leaks-of-held 0 "$(grep -c kleaktrack_bench $KLT_DBG)"
	klt_unload || bad=$((bad + 1))
fi
expect bench-scan-runs 0 $bad
check release sh -c "echo release > $KLTB"
check rmmod-bench rmmod kleaktrack_bench
