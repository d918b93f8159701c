# SPDX-License-Identifier: GPL-2.0
# klt-no-kmemleak: kmemleak's own metadata points at every object, so
# with kmemleak on no object is ever unreferenced (see kleaktrack.rst).
# Leaks whose code is gone when the report is read: allocated by init text
# (freed once init has run), and by a module that is then unloaded, with
# another module loaded where it was. Every frame keeps the name kallsyms
# gave it while the code was there; none names the code that came later.
# What the module's bss and per-CPU variables held is leaked at the
# unload, and found although the freed memory still holds the pointers.
check insmod klt_load min_age_ms=1000 scan_interval_s=0
check insmod-gone insmod $KLT_MODS/kleaktrack_gone.ko
gone_text=$(cat /sys/module/kleaktrack_gone/sections/.text)

told() { klt_told kleaktrack_gone "$1"; }

init=$(told gone_init_leak)
pcpu=$(told gone_pcpu)
nodes=$(told gone_list)
head=$(echo $nodes | awk '{ print $NF }')
check init-leak-reported klt_reported $init
klt_frames $init /tmp/report > /tmp/init-before
echo "KLT-INFO init leak frames:"
cat /tmp/init-before
# The init text was freed before this report: still named, with the size
# kallsyms gave each function while it was there.
for f in gone_init_leak gone_init; do
	want=$(dmesg | sed -n "s/.*kleaktrack_gone: symbol $f+0x0\(\/0x[0-9a-f]* \[kleaktrack_gone\]\)$/\1/p")
	got=$(sed -n "s/^$f+0x[0-9a-f]*\(\/.*\)$/\1/p" /tmp/init-before | head -1)
	check "init-named-$f" test -n "$want"
	expect "init-size-$f" "$want" "$got"
done

# The list is held from the module's bss until the unload: its head's
# frames as named while the module is loaded.
check dump-head klt_cmd "dump=0x$head"
klt_dumped $head > /tmp/head-before
echo "KLT-INFO list head frames while loaded:"
cat /tmp/head-before
check head-frames-named grep -q '^gone_list+0x[0-9a-f]*/0x[0-9a-f]* \[kleaktrack_gone\]$' /tmp/head-before

# Held from the module's per-CPU variable and bss: not leaks yet.
expect pcpu-held-not-reported 0 "$(for a in $pcpu $head; do grep -c "^unreferenced object 0x$a " /tmp/report; done | awk '{ n += $1 } END { print n + 0 }')"

check rmmod-gone rmmod kleaktrack_gone
exit_leak=$(told gone_exit_leak)
# The module's per-CPU area is freed, but its memory still holds the
# pointers (until the next module's per-CPU area is copied over it, so
# before the next load): not a root any more.
check pcpu-held-reported klt_reported $pcpu
# Another module, most likely where kleaktrack_gone was.
check insmod-other insmod $KLT_MODS/kleaktrack_leaky.ko
echo "KLT-INFO kleaktrack_gone .text was $gone_text, kleaktrack_leaky .text is $(cat /sys/module/kleaktrack_leaky/sections/.text)"

# KASAN's quarantine can hide one object for long on the debug kernels:
# there the exit leak is named from dump= alone.
case $KLT_TARGET in
debug*)	check all-reported klt_reported $init $nodes $pcpu ;;
*)	check all-reported klt_reported $init $nodes $pcpu $exit_leak ;;
esac
klt_frames $init /tmp/report > /tmp/init-after
klt_frames $head /tmp/report > /tmp/head-after
klt_dumped $exit_leak > /tmp/exit-after
echo "KLT-INFO after the unload: init leak, list head, exit leak frames:"
cat /tmp/init-after /tmp/head-after /tmp/exit-after
expect init-frames-unchanged "$(cat /tmp/init-before)" "$(cat /tmp/init-after)"
expect head-frames-unchanged "$(cat /tmp/head-before)" "$(cat /tmp/head-after)"
check exit-leak-named grep -q '^gone_exit_leak+0x[0-9a-f]*/0x[0-9a-f]* \[kleaktrack_gone\]$' /tmp/exit-after
expect head-direct direct "$(klt_class $head /tmp/report)"
n=0
for a in $nodes; do
	[ "$a" = "$head" ] && continue
	[ "$(klt_class $a /tmp/report)" = indirect ] && n=$((n + 1))
done
expect nodes-indirect 5 $n
n=0
for a in $pcpu; do
	[ "$(klt_class $a /tmp/report)" = direct ] && n=$((n + 1))
done
expect pcpu-held-direct "$(echo $pcpu | wc -w)" $n
# No frame of any entry names the module that came later, or is unnamed.
expect no-misnamed-frame 0 "$(grep -c 'kleaktrack_leaky\]' /tmp/report)"
expect no-unnamed-frame 0 "$(grep -c 'unloaded\]' /tmp/report)"
expect names-dropped 0 "$(klt_hdr names_dropped)"
check rmmod-other rmmod kleaktrack_leaky
check rmmod klt_unload
klt_kmemleak_check
