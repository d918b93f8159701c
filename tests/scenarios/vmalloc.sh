# SPDX-License-Identifier: GPL-2.0
# klt-no-kmemleak: kmemleak's own metadata points at every object, so
# with kmemleak on no object is ever unreferenced (see kleaktrack.rst).
# vmalloc areas: a leaked area is reported as kmemleak reports it, with
# its requested size, "cache: vmalloc" and a backtrace from the vmalloc
# function through its caller; what only it holds (from any of its pages)
# is an indirect leak held by it. A freed area (by vfree() in a task, or
# from a timer, where vfree() defers the work) is not a root although its
# pages keep the pointers. An area reached from a referenced object is
# scanned, to its last page, and not reported; after the unload of the
# module that held it, it is an indirect leak named as before. Two areas
# held side by side are both referenced, although the second pointer
# looks like the vmalloc layer's record of where the first area ends.
check insmod klt_load min_age_ms=1000 scan_interval_s=0
check insmod-vmalloc insmod $KLT_MODS/kleaktrack_vmalloc.ko
check fell-back sh -c '! dmesg | grep -q "kvmalloc did not fall back"'
told() { klt_told kleaktrack_vmalloc "$1" | tail -1; }
vm_orphan=$(told vm_orphan)
vm_child=$(told vm_child)
kv_orphan=$(told kv_orphan)
others="$(told vz_orphan) $(told vnode_orphan) $(told vflags_orphan)"
stale_child=$(told stale_child)
timer_child=$(told timer_child)
decoys="$(told decoy_obj) $(told decoy_area) $(told decoy_child)"
set -- $decoys
decoy_obj=$1 decoy_area=$2 decoy_child=$3
pair=$(klt_told kleaktrack_vmalloc decoy_pair | tail -2)
echo "KLT-INFO decoy_pair: $pair"
expect all-logged 13 "$(echo $vm_orphan $vm_child $kv_orphan $others $stale_child $timer_child $decoys $pair | wc -w)"

check all-reported klt_reported $vm_orphan $vm_child $kv_orphan $others $stale_child $timer_child
r=/tmp/report
expect vm-orphan-direct direct "$(klt_class $vm_orphan $r)"
expect vm-orphan-size "$((3 * 4096 + 100)) vmalloc" "$(klt_size_cache $vm_orphan $r)"
expect vm-child-held "$vm_orphan" "$(klt_holder $vm_child $r)"
expect vm-child-kmalloc "72 kmalloc" "$(klt_size_cache $vm_child $r)"
expect kv-orphan-size "$((4 * 1048576 + 4096)) vmalloc" "$(klt_size_cache $kv_orphan $r)"
for a in $others $stale_child $timer_child; do
	expect "direct-$a" direct "$(klt_class $a $r)"
done
expect others-vmalloc "8192 vmalloc 5000 vmalloc 6000 vmalloc" "$(for a in $others; do klt_size_cache $a $r; done | tr '\n' ' ' | sed 's/ $//')"
# The contents were read through the area's own mapping.
check vm-orphan-contents sh -c "awk -v a=0x$vm_orphan '/^unreferenced object / { on = (\$3 \"\" == a \"\") } on' $r | grep -q '^    5a 5a 5a 5a'"
klt_frames $vm_orphan $r > /tmp/vm-frames
klt_frames $kv_orphan $r > /tmp/kv-frames
echo "KLT-INFO vm_orphan and kv_orphan frames:"
cat /tmp/vm-frames /tmp/kv-frames
check vm-first-frame sh -c "head -1 /tmp/vm-frames | grep -Eq '^vmalloc(_noprof)?\+0x[0-9a-f]+/0x[0-9a-f]+$'"
check vm-caller-frame grep -Eq '^vm_orphans\+0x[0-9a-f]+/0x[0-9a-f]+ \[kleaktrack_vmalloc\]$' /tmp/vm-frames
check kv-first-frame sh -c "head -1 /tmp/kv-frames | grep -Eq '^(__)?kvmalloc_node(_noprof)?\+0x[0-9a-f]+/0x[0-9a-f]+$'"
check kv-caller-frame grep -Eq '^kv_orphan\+0x[0-9a-f]+/0x[0-9a-f]+ \[kleaktrack_vmalloc\]$' /tmp/kv-frames
expect decoys-not-reported 0 "$(for a in $decoys $pair; do grep -c "^unreferenced object 0x$a " $r; done | awk '{ n += $1 } END { print n + 0 }')"
check dump-decoy-area klt_cmd "dump=0x$decoy_area"
klt_dumped $decoy_area > /tmp/decoy-before

check rmmod-vmalloc rmmod kleaktrack_vmalloc
check decoys-reported klt_reported $decoys $pair
expect decoy-obj-direct direct "$(klt_class $decoy_obj $r)"
expect decoy-area-held "$decoy_obj" "$(klt_holder $decoy_area $r)"
expect decoy-child-held "$decoy_area" "$(klt_holder $decoy_child $r)"
for a in $pair; do
	expect "pair-direct-$a" direct "$(klt_class $a $r)"
done
klt_frames $decoy_area $r > /tmp/decoy-after
expect decoy-frames-unchanged "$(cat /tmp/decoy-before)" "$(cat /tmp/decoy-after)"
check decoy-named grep -Eq '^vm_decoys\+0x[0-9a-f]+/0x[0-9a-f]+ \[kleaktrack_vmalloc\]$' /tmp/decoy-after
expect no-unnamed-frame 0 "$(grep -c 'unloaded\]' $r)"
check rmmod klt_unload
klt_kmemleak_check
