# SPDX-License-Identifier: GPL-2.0
# klt-no-kmemleak: kmemleak's own metadata points at every object, so
# with kmemleak on no object is ever unreferenced (see kleaktrack.rst).
# Debug aid (not in make check): what references each planted object.
insmod $KLT_MODS/kleaktrack_leaky.ko
klt_load min_age_ms=1000 scan_interval_s=0
sh -c "echo 1 > /sys/module/kleaktrack_leaky/parameters/plant"
sleep 7
klt_churn
check plant2 true; klt_scan_twice
grep '^unreferenced' $KLT_DBG
for a in $(dmesg | sed -n 's/.*kleaktrack_leaky: .* at 0x\([0-9a-f]*\)$/\1/p'); do
	klt_cmd scan
	klt_cmd "why=$a"
	klt_cmd scan
done
dmesg | grep 'why:'
