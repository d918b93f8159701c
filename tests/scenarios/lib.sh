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

# Every load notes where the module lives, so that kmemleak frames of an
# unloaded kleaktrack (bare addresses) can still be attributed to it.
klt_load() {
	insmod $KLT_MODS/kleaktrack.ko "$@" || return
	# From the lowest section (init text included) to 64 KiB past the
	# highest one.
	_lo=$(cat /sys/module/kleaktrack/sections/.* 2>/dev/null | sort | head -1)
	_hi=$(cat /sys/module/kleaktrack/sections/.* 2>/dev/null | sort | tail -1)
	[ -n "$_lo" ] && echo "$_lo $((_hi - _lo + 65536))" >> /tmp/klt-ranges
	return 0
}
klt_unload() { rmmod kleaktrack; }
klt_cmd() { echo "$1" > $KLT_DBG; }
# A header value of the report: klt_hdr KEY
klt_hdr() { sed -n "s/^# $1: //p" $KLT_DBG; }

# kmemleak (kunit/debug kernels, booted with kmemleak=on) as an oracle
# for leaks of kleaktrack itself: scan twice, print between markers.
klt_kmemleak_check() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	# kmemleak reports nothing younger than 5 s, and confirms in 2 scans.
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak 2>/dev/null || return 0
	echo scan > /sys/kernel/debug/kmemleak
	echo KLT-KMEMLEAK-BEGIN
	cat /sys/kernel/debug/kmemleak | tee /tmp/kmemleak
	echo KLT-KMEMLEAK-END
	# Frames inside any address range kleaktrack was loaded at.
	[ -s /tmp/klt-ranges ] || return 0
	grep -o '0xffffffff[0-9a-f]*\|\[<ffffffff[0-9a-f]*>\]' /tmp/kmemleak |
		tr -d '[]<>' | sed 's/^0x//' | sort -u |
		while read -r a; do
			while read -r base size; do
				if [ $((0x$a)) -ge $((base)) ] &&
				   [ $((0x$a)) -lt $((base + size)) ]; then
					echo "KLT-SELFLEAK frame 0x$a in kleaktrack"
				fi
			done < /tmp/klt-ranges
		done
}

# One line per report entry: "<size> <direct|indirect> <first frame of the
# sample module, or -> <comm> <address>".
klt_entries() {
	awk '
	function out() { if (size != "") print size, class, (fn == "" ? "-" : fn), comm, addr }
	/^unreferenced object / { out(); addr = $3; size = $5; sub(/\):$/, "", size); class = "direct"; fn = ""; comm = "" }
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

# Scan until the report holds at least $1 leaks, at most 5 rounds of
# churn and two scans. A stale copy of a pointer (in memory that looks in
# use) hides a leak until it is overwritten; on a fresh, idle guest that
# sometimes takes a little activity. Prints the rounds it took.
klt_scan_until() {
	_r=1
	while :; do
		${2:-klt_scan_twice} > /dev/null
		echo "KLT-INFO round $_r: $(klt_hdr leaks) leaks; missing:$(klt_missing)"
		[ "$(klt_hdr leaks)" -ge "$1" ] || [ $_r -ge 5 ] && break
		klt_churn
		_r=$((_r + 1))
	done
	echo "KLT-INFO scan rounds: $_r"
}

# The leaks the sample module planted (as it logged them): "<name> <addr>"
# lines, of set $1 only if given.
klt_planted() {
	dmesg | sed -n 's/.*kleaktrack_leaky: \(set [0-9]*\)$/\1/p
		s/.*kleaktrack_leaky: \([a-z_]*\) at 0x\([0-9a-f]*\)$/\1 \2/p' |
		awk -v want="${1:-}" '$1 == "set" { set = $2; next }
			want == "" || set == want'
}

# The planted leaks (of set $1, or all) not in the report.
klt_missing() {
	cat $KLT_DBG > /tmp/klt-missing.report
	klt_planted "${1:-}" |
		while read -r _n _a; do
			grep -q "^unreferenced object 0x$_a " /tmp/klt-missing.report ||
				printf ' %s@%s' "$_n" "$_a"
		done
}

# For the log: what still references each planted leak the report lacks
# (of the missing list $1, " name@addr ...", or now).
klt_why_missing() {
	_l=$(dmesg | wc -l)
	for _a in $(echo "${1-$(klt_missing)}" | sed 's/[a-z_]*@//g'); do
		echo "KLT-INFO missed 0x$_a"
		klt_cmd "why=0x$_a"
		klt_cmd scan
	done
	dmesg | tail -n +$((_l + 1)) |
		sed -n 's/^\[[^]]*\] \(kleaktrack: why:\)/\1/p' | sort | uniq -c |
		head -40
}

# The addresses sample module MOD logged for WHAT ("MOD: WHAT at 0x..."),
# oldest first.
klt_told() { dmesg | sed -n "s/.*$1: $2 at 0x\([0-9a-f]*\)$/\1/p"; }
# The backtrace of ADDR's entry in REPORT, one symbol per line. Compared
# as strings: busybox awk would read "0x..." as a number, and neighbouring
# addresses are equal as doubles.
klt_frames() {
	awk -v a="0x$1" '
	/^unreferenced object / { on = ($3 "" == a ""); next }
	on && /^    \[</ { sub(/^ *\[<[0-9a-f]*>\] /, ""); print }' "$2"
}
# The class of ADDR's entry in REPORT.
klt_class() {
	awk -v a="0x$1" '/^unreferenced object / { on = ($3 "" == a ""); next }
	on && /^  leak: / { print $2 }' "$2"
}
# Scan until every ADDR is reported (a stale pointer can hide one for a
# while: churn ages it out), at most 4 rounds; the report in /tmp/report.
klt_reported() {
	_r=1
	while :; do
		klt_scan_twice > /dev/null
		cat $KLT_DBG > /tmp/report
		_m=
		for _a in "$@"; do
			grep -q "^unreferenced object 0x$_a " /tmp/report ||
				_m="$_m $_a"
		done
		[ -z "$_m" ] || [ $_r -ge 4 ] && break
		klt_churn
		_r=$((_r + 1))
	done
	echo "KLT-INFO rounds: $_r, missing:$_m"
	# What holds them, for the log (a why= scan changes no verdict).
	[ -z "$_m" ] || klt_why_missing "$_m" >&2
	[ -z "$_m" ]
}

# The backtrace of ADDR as dump= prints it (the last dump of it).
klt_dumped() {
	klt_cmd "dump=0x$1" || return
	dmesg | awk -v a="0x$1" '
	index($0, "kleaktrack: object " a " ") { on = 1; bt = 0; n = 0; next }
	on && /kleaktrack:     \[</ { sub(/.*\[<[0-9a-f]*>\] /, ""); f[++n] = $0; bt = 1; next }
	on && bt { on = 0 }
	END { for (i = 1; i <= n; i++) print f[i] }'
}

# The holder of ADDR's entry in REPORT, if it is an indirect leak.
klt_holder() {
	awk -v a="0x$1" '/^unreferenced object / { on = ($3 "" == a ""); next }
	on && /^  leak: indirect \(held by 0x[0-9a-f]*\)$/ {
		sub(/.*held by 0x/, ""); sub(/\)$/, ""); print }' "$2"
}
# The size and the cache of ADDR's entry in REPORT, as "SIZE CACHE".
klt_size_cache() {
	awk -v a="0x$1" '/^unreferenced object / {
		on = ($3 "" == a ""); if (on) { s = $5; sub(/\):$/, "", s) }; next }
	on && /^  cache: / { print s, $2 }' "$2"
}
