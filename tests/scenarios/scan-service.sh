# SPDX-License-Identifier: GPL-2.0
# kleaktrack-scan, the script kleaktrack-scan.service runs, as systemd
# would run it but without systemd: a module that cannot be loaded is one
# log line and success; otherwise it loads the module, scans twice and
# writes the JSON report and the metrics whole, with the planted leaks.
export KLEAKTRACK_REPORT_DIR=/tmp/state KLEAKTRACK_TEXTFILE_DIR=/tmp/textfile
mkdir -p $KLEAKTRACK_TEXTFILE_DIR

# No module to load: success, one clear line, the dashboard sees "down".
KLEAKTRACK_MODPROBE="insmod /nonexistent/kleaktrack.ko" \
	kleaktrack-scan > /tmp/out1 2> /tmp/err1
expect cannot-load-rc 0 $?
cat /tmp/err1
check cannot-load-line grep -q '^kleaktrack-scan: cannot load kleaktrack (insmod /nonexistent/kleaktrack.ko: .*); not scanning$' /tmp/err1
expect cannot-load-one-line 1 "$(wc -l < /tmp/err1)"
check cannot-load-down grep -qx 'kleaktrack_up 0' $KLEAKTRACK_TEXTFILE_DIR/kleaktrack.prom
check cannot-load-no-report test ! -e $KLEAKTRACK_REPORT_DIR/kleaktrack.json

# Refused under Secure Boot (the key is not enrolled): the line says what
# to do. The refusal is modprobe's, as the kernel gives it (EKEYREJECTED).
printf '#!/bin/sh\necho "modprobe: ERROR: could not insert '"'"'kleaktrack'"'"': Key was rejected by service" >&2\nexit 1\n' > /tmp/modprobe-rejected
chmod +x /tmp/modprobe-rejected
KLEAKTRACK_MODPROBE=/tmp/modprobe-rejected kleaktrack-scan 2> /tmp/err1b
expect key-rejected-rc 0 $?
cat /tmp/err1b
check key-rejected-hint grep -q "Key was rejected by service); not scanning; enroll DKMS's key: mokutil --import /var/lib/dkms/mok.pub$" /tmp/err1b

# The module is loaded by the script, with the options it is given.
KLEAKTRACK_MODPROBE="insmod $KLT_MODS/kleaktrack.ko min_age_ms=1000 scan_interval_s=0" \
	kleaktrack-scan > /tmp/out2 2> /tmp/err2
expect run-rc 0 $?
cat /tmp/err2
check run-loaded grep -q '^kleaktrack-scan: loaded kleaktrack' /tmp/err2
check run-scanned test "$(klt_hdr scans)" -ge 2
j=$KLEAKTRACK_REPORT_DIR/kleaktrack.json
check json-written test -s $j
check json-document sh -c "head -c 1 $j | grep -q '{' && tail -c 2 $j | grep -q '}'"
p=$KLEAKTRACK_TEXTFILE_DIR/kleaktrack.prom
check metrics-up grep -qx 'kleaktrack_up 1' $p
expect metrics-scans "$(klt_hdr scans)" "$(sed -n 's/^kleaktrack_scans_total //p' $p)"

# Leaks planted now, while it records. Loaded already: not loaded again
# (the command would fail); the next runs find them.
check insmod-leaky insmod $KLT_MODS/kleaktrack_leaky.ko
check plant sh -c "echo 1 > /sys/module/kleaktrack_leaky/parameters/plant"
sleep 2
s0=$(klt_hdr scans)
KLEAKTRACK_MODPROBE=false kleaktrack-scan > /tmp/out3 2> /tmp/err3
expect rerun-rc 0 $?
check rerun-quiet test ! -s /tmp/err3
check rerun-scanned test "$(klt_hdr scans)" -ge $((s0 + 2))
KLEAKTRACK_MODPROBE=false kleaktrack-scan 2> /tmp/err4
check json-has-leaks grep -q '"leaky_kmalloc+' $j
check metrics-leak-site grep -q '^kleaktrack_leak_site_bytes{function="leaky_kmalloc",module="kleaktrack_leaky",kind="direct"} ' $p
check metrics-leaks test "$(sed -n 's/^kleaktrack_suspected_leaks{kind="direct"} //p' $p)" -ge 1
expect no-temp-files 0 "$(ls -A $KLEAKTRACK_REPORT_DIR $KLEAKTRACK_TEXTFILE_DIR | grep -c "\.tmp\.")"

check rmmod-leaky rmmod kleaktrack_leaky
check rmmod klt_unload
