# SPDX-License-Identifier: GPL-2.0
# Sourced inside the guest before a scenario. A scenario reports each
# check as one "KLT: PASS|FAIL|SKIP <check>[: why]" line; the host counts.

KLT_DBG=/sys/kernel/debug/kleaktrack
KLT_PARAMS=/sys/module/kleaktrack/parameters
KLT_MODS=/lib/klt

pass() { echo "KLT: PASS $1"; }
fail() { echo "KLT: FAIL $1: $2"; }
skip() { echo "KLT: SKIP $1: $2"; }

# check NAME CMD...: PASS if CMD succeeds, FAIL with its output otherwise.
check() {
	_n=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		pass "$_n"
	else
		fail "$_n" "$* -> $(head -c 300 /tmp/check.out | tr '\n' ' ')"
	fi
}

# expect NAME WANT GOT: compare two strings.
expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want '$2', got '$3'"; fi
}

klt_load() { insmod $KLT_MODS/kleaktrack.ko "$@"; }
klt_unload() { rmmod kleaktrack; }
klt_cmd() { echo "$1" > $KLT_DBG; }
# A header value of the report: klt_hdr KEY
klt_hdr() { sed -n "s/^# $1: //p" $KLT_DBG; }

# kmemleak (kunit/debug kernels, booted with kmemleak=on) as an oracle
# for leaks of kleaktrack itself: scan twice, print between markers.
klt_kmemleak_check() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	echo scan > /sys/kernel/debug/kmemleak 2>/dev/null || return 0
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	echo KLT-KMEMLEAK-BEGIN
	cat /sys/kernel/debug/kmemleak
	echo KLT-KMEMLEAK-END
}

# One line per report entry: "<size> <direct|indirect> <first frame of the
# sample module, or -> <comm>".
klt_entries() {
	awk '
	function out() { if (size != "") print size, class, (fn == "" ? "-" : fn), comm }
	/^unreferenced object / { out(); size = $5; sub(/\):$/, "", size); class = "direct"; fn = ""; comm = "" }
	/^  comm "/ { comm = $2; gsub(/[",]/, "", comm) }
	/^  leak: / { class = $2 }
	/^    \[</ && fn == "" { f = $2; sub(/\+.*/, "", f); if (f ~ /^(leaky|keep)_/) fn = f }
	END { out() }' "$1"
}

# count_entries FILE PATTERN: entries whose summary line matches PATTERN.
count_entries() { klt_entries "$1" | grep -c "$2"; }

# Scan twice, min_age_ms apart, as kmemleak users do to confirm leaks.
klt_scan_twice() {
	klt_cmd scan
	sleep $(( ($(cat $KLT_PARAMS/min_age_ms) + 999) / 1000 ))
	klt_cmd scan
}

# Some ordinary activity: forks reuse (and clear) cached task stacks and
# the slab churns, as on any running system. A conservative scanner cannot
# tell a stale copy of a pointer from a live one; churn ages stale copies
# out, as it does on a real machine between two scans.
klt_churn() {
	_i=0
	while [ $_i -lt 8 ]; do
		sh -c 'ls -R /sys/kernel > /dev/null 2>&1; cat /proc/meminfo > /dev/null'
		_i=$((_i + 1))
	done
}
