# SPDX-License-Identifier: GPL-2.0
# Debug aid (not in make check): what references each planted object.
insmod $KLT_MODS/kleaktrack_leaky.ko
klt_load min_age_ms=1000 scan_interval_s=0
echo 1 > /sys/module/kleaktrack_leaky/parameters/plant
sleep 7
klt_churn
kleakctl scan --twice
grep '^unreferenced' $KLT_DBG
for a in $(dmesg | sed -n 's/.*kleaktrack_leaky: .* at 0x\([0-9a-f]*\)$/\1/p'); do
	kleakctl scan >/dev/null
	klt_cmd "why=$a"
	kleakctl scan
done
dmesg | grep 'why:'
