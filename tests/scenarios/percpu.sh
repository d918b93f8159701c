# SPDX-License-Identifier: GPL-2.0
# klt-no-kmemleak: kmemleak's own metadata points at every object, so
# with kmemleak on no object is ever unreferenced (see kleaktrack.rst).
# Per-CPU allocations: a leaked one is reported by its cookie, as
# kmemleak reports it, with its size (one copy's), "cache: percpu" and a
# backtrace from the per-CPU allocator through its caller; what only one
# of its copies holds is an indirect leak held by it. A freed per-CPU
# allocation is not a root although its copies keep the pointers. One
# held from a module's data, or from a referenced kmalloc object, is not
# reported, and neither is what it holds from any CPU's copy; after the
# unload of the module that held them they are leaks, named as before.
check insmod klt_load min_age_ms=1000 scan_interval_s=0
check insmod-percpu insmod $KLT_MODS/kleaktrack_percpu.ko
told() { klt_told kleaktrack_percpu "$1" | tail -1; }
pc_orphan=$(told pc_orphan)
pc_plain=$(told pc_plain)
children=$(klt_told kleaktrack_percpu pc_child)
stale_child=$(told stale_child)
decoy_pcpu=$(told decoy_pcpu)
decoy_child=$(told decoy_child)
decoy_obj=$(told decoy_obj)
decoy_inner=$(told decoy_inner)
# The sample gives every possible CPU's copy a child: "0-1" is 2.
ncpu=$(tr ',' '\n' < /sys/devices/system/cpu/possible |
	awk -F- '{ n += NF == 2 ? $2 - $1 + 1 : 1 } END { print n }')
echo "KLT-INFO cookies: pc_orphan $pc_orphan pc_plain $pc_plain decoy_pcpu $decoy_pcpu decoy_inner $decoy_inner"
expect all-logged $((7 + ncpu)) "$(echo $pc_orphan $pc_plain $children $stale_child $decoy_pcpu $decoy_child $decoy_obj $decoy_inner | wc -w)"

check all-reported klt_reported $pc_orphan $pc_plain $children
r=/tmp/report
# Read at once: the place may be reused (and zeroed) at any time.
kept=$(cat /sys/module/kleaktrack_percpu/parameters/stale_kept)
expect pc-orphan-direct direct "$(klt_class $pc_orphan $r)"
expect pc-orphan-size "48 percpu" "$(klt_size_cache $pc_orphan $r)"
expect pc-plain-size "200 percpu" "$(klt_size_cache $pc_plain $r)"
for a in $children; do
	expect "child-held-$a" "$pc_orphan" "$(klt_holder $a $r)"
done
# In the same report, and only while the freed allocation's place was
# not reused (an allocation there is zeroed, and stale_child then a leak
# whatever the rule does).
if [ "$kept" = 1 ]; then
	c=$(klt_class $stale_child $r)
	expect stale-child-direct direct "$c"
	[ "$c" = direct ] || klt_why_missing "$stale_child" >&2
else
	skip stale-child-direct "the freed allocation's place was reused"
fi
klt_frames $pc_orphan $r > /tmp/pc-frames
echo "KLT-INFO pc_orphan frames:"
cat /tmp/pc-frames
check pc-first-frame sh -c "head -1 /tmp/pc-frames | grep -Eq '^pcpu_alloc(_noprof)?(\.[a-z0-9.]+)?\+0x[0-9a-f]+/0x[0-9a-f]+$'"
check pc-caller-frame grep -Eq '^pc_orphans\+0x[0-9a-f]+/0x[0-9a-f]+ \[kleaktrack_percpu\]$' /tmp/pc-frames
expect decoys-not-reported 0 "$(for a in $decoy_pcpu $decoy_child $decoy_obj $decoy_inner; do grep -c "^unreferenced object 0x$a " $r; done | awk '{ n += $1 } END { print n + 0 }')"
# dump= takes the cookie, as kmemleak's does.
check dump-decoy-pcpu klt_cmd "dump=0x$decoy_pcpu"
klt_dumped $decoy_pcpu > /tmp/decoy-before
check decoy-dumped test -s /tmp/decoy-before
# why= takes the cookie too, and names the allocation by it; the decoy is
# held from the module's data.
_l=$(dmesg | wc -l)
check why-cookie-cmd klt_cmd "why=0x$decoy_pcpu"
klt_cmd scan
klt_cmd why=0
dmesg | tail -n +$((_l + 1)) | grep 'why:' > /tmp/why-cookie
cat /tmp/why-cookie
check why-cookie grep -q "why: $(printf '0x%x' 0x$decoy_pcpu) is referenced from 0x" /tmp/why-cookie

check rmmod-percpu rmmod kleaktrack_percpu
check decoys-reported klt_reported $decoy_pcpu $decoy_child $decoy_obj $decoy_inner
expect decoy-pcpu-direct direct "$(klt_class $decoy_pcpu $r)"
expect decoy-child-held "$decoy_pcpu" "$(klt_holder $decoy_child $r)"
expect decoy-obj-direct direct "$(klt_class $decoy_obj $r)"
expect decoy-inner-held "$decoy_obj" "$(klt_holder $decoy_inner $r)"
expect decoy-inner-size "24 percpu" "$(klt_size_cache $decoy_inner $r)"
klt_frames $decoy_pcpu $r > /tmp/decoy-after
expect decoy-frames-unchanged "$(cat /tmp/decoy-before)" "$(cat /tmp/decoy-after)"
check decoy-named grep -Eq '^pc_decoys\+0x[0-9a-f]+/0x[0-9a-f]+ \[kleaktrack_percpu\]$' /tmp/decoy-after
expect no-unnamed-frame 0 "$(grep -c 'unloaded\]' $r)"
check rmmod klt_unload
klt_kmemleak_check
