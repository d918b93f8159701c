#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Command line tests of kleakctl: sh cli.sh KLEAKCTL FIXTURE_DIR
#
# Runs the real binary against fixture reports and against a fake kernel:
# KLEAKTRACK_DEBUGFS points at a copy of a report, KLEAKTRACK_DEBUGFS_CMD
# at a log file that collects the command words, and KLEAKTRACK_PARAMS at
# a directory of parameter files. Prints "PASS <name>" or
# "FAIL <name>: <reason>" per test and "# done" at the end.

set -u
K=$1
F=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kleakctl-cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM
passed=0
failed=0
PYTHON=${PYTHON:-python3}

# run CMD...: $rc, and stdout/stderr in $tmp/out and $tmp/err.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/err" >>"$tmp/all-stderr"
}

expect_rc() {
	[ "$rc" -eq "$1" ] && return 0
	why="exit status $rc, expected $1; stderr: $(head -c 300 "$tmp/err")"
	return 1
}

# has FILE STRING: fixed-string search, for stdout or stderr.
has() {
	grep -qF -- "$2" "$1" && return 0
	why="$(basename "$1") lacks '$2'; it has: $(head -c 300 "$1")"
	return 1
}

hasnt() {
	grep -qF -- "$2" "$1" || return 0
	why="$(basename "$1") unexpectedly has '$2'"
	return 1
}

# count_is FILE REGEX N: N lines of FILE match REGEX.
count_is() {
	c=$(grep -cE -- "$2" "$1")
	[ "$c" -eq "$3" ] && return 0
	why="$(basename "$1") has $c lines matching '$2', expected $3"
	return 1
}

same() {
	cmp -s "$1" "$2" && return 0
	why="output differs from $(basename "$2"): $(diff "$2" "$1" | head -8 | tr '\n' '|')"
	return 1
}

# json_check FILE [EXPR...]: FILE must be one well-formed JSON document
# (strict: no NaN/Infinity), and each Python EXPR over it, as d, true.
# One interpreter per document: python3 can be slow to start.
json_check() {
	$PYTHON - "$@" >"$tmp/json.err" 2>&1 <<'PY' && return 0
import json, sys
def strict(c):
	raise ValueError("non-standard constant " + c)
with open(sys.argv[1], "rb") as f:
	d = json.loads(f.read().decode("utf-8"), parse_constant=strict)
for e in sys.argv[2:]:
	if not eval(e):
		print("JSON check failed: " + e)
		sys.exit(1)
PY
	why="$(tail -c 300 "$tmp/json.err")"
	return 1
}

san_re='==[0-9]+==ERROR|runtime error:'

t() {
	name=$1
	why=""
	: >"$tmp/all-stderr"
	if "t_$(echo "$name" | tr - _)"; then
		# A sanitizer report fails the test even if the output looked
		# right: the run exits with ASAN_OPTIONS exitcode 86 anyway.
		if grep -qE "$san_re" "$tmp/all-stderr"; then
			echo "FAIL $name: sanitizer: $(grep -m1 -E "$san_re" "$tmp/all-stderr")"
			failed=$((failed + 1))
		else
			echo "PASS $name"
			passed=$((passed + 1))
		fi
	else
		echo "FAIL $name: ${why:-failed}"
		failed=$((failed + 1))
	fi
}

# A fake kernel in $tmp/fake: report, command log and parameters.
fake() {
	rm -rf "$tmp/fake"
	mkdir -p "$tmp/fake/debug" "$tmp/fake/module/kleaktrack/parameters"
	cp "${1:-$F/realistic.report}" "$tmp/fake/debug/kleaktrack"
	: >"$tmp/fake/cmd"
	p=$tmp/fake/module/kleaktrack/parameters
	echo 5000 >"$p/min_age_ms"
	echo 600 >"$p/scan_interval_s"
	echo 65536 >"$p/max_objects"
	echo 16 >"$p/stack_depth"
	echo 1 >"$p/sample"
}

fk() {
	KLEAKTRACK_DEBUGFS=$tmp/fake/debug/kleaktrack \
	KLEAKTRACK_DEBUGFS_CMD=$tmp/fake/cmd \
	KLEAKTRACK_PARAMS=$tmp/fake/module/kleaktrack/parameters "$@"
}

ms_now() { date +%s%3N; }

# ---- help and usage ----

t_help_global() {
	run "$K" --help && expect_rc 0 && has "$tmp/out" "Usage: kleakctl" &&
		has "$tmp/out" "watch" && has "$tmp/out" "3 report not fully parsed"
}

help_of() {
	run "$K" "$1" --help && expect_rc 0 &&
		has "$tmp/out" "Usage: kleakctl $1" && [ ! -s "$tmp/err" ]
}
t_help_scan() { help_of scan; }
t_help_report() {
	help_of report && has "$tmp/out" "--fail-on" &&
		has "$tmp/out" "3 the report was not fully parsed"
}
t_help_clear() { help_of clear; }
t_help_dump() { help_of dump; }
t_help_stats() { help_of stats; }
t_help_metrics() { help_of metrics && has "$tmp/out" "--output PATH"; }
t_help_set() { help_of set && has "$tmp/out" "min_age_ms"; }
t_help_watch() { help_of watch; }
t_help_command() {
	run "$K" help report && expect_rc 0 &&
		has "$tmp/out" "Usage: kleakctl report"
}

t_version() {
	run "$K" --version && expect_rc 0 && has "$tmp/out" "kleakctl 1."
}

t_no_command() {
	run "$K" && expect_rc 2 && has "$tmp/err" "Usage: kleakctl" &&
		[ ! -s "$tmp/out" ]
}

t_unknown_command() {
	run "$K" frobnicate && expect_rc 2 &&
		has "$tmp/err" "unknown command 'frobnicate'"
}

# lines_are FILE N: FILE has exactly N lines.
lines_are() {
	c=$(wc -l <"$1")
	[ "$c" -eq "$2" ] && return 0
	why="$(basename "$1") has $c lines, expected $2: $(head -c 300 "$1")"
	return 1
}

# A usage error is one line and a pointer to --help, not the usage.
t_unknown_option() {
	run "$K" report --bogus && expect_rc 2 &&
		has "$tmp/err" "kleakctl report: unknown option '--bogus'" &&
		has "$tmp/err" "Try 'kleakctl report --help'" &&
		hasnt "$tmp/err" "Usage:" && lines_are "$tmp/err" 2 || return 1
	run "$K" scan -x && expect_rc 2 &&
		has "$tmp/err" "kleakctl scan: unknown option '-x'" || return 1
	# In "-xy" getopt rejects x before it leaves the word.
	run "$K" report -xy && expect_rc 2 &&
		has "$tmp/err" "kleakctl report: unknown option '-x'" || return 1
	run "$K" report -hx && expect_rc 0 || return 1
	run "$K" frobnicate && expect_rc 2 &&
		has "$tmp/err" "Try 'kleakctl --help'" && lines_are "$tmp/err" 2
}

t_bad_values() {
	for args in "--limit ten" "--min-age -1" "--min-size 12k" \
		"--fail-on=sometimes" "--json --folded" "--limit"; do
		# shellcheck disable=SC2086
		run "$K" report --file "$F/realistic.report" $args &&
			expect_rc 2 && lines_are "$tmp/err" 2 &&
			has "$tmp/err" "Try 'kleakctl report --help'" &&
			hasnt "$tmp/err" "Usage:" && [ ! -s "$tmp/out" ] ||
			{ why="$args: $why"; return 1; }
	done
	run "$K" watch --interval soon && expect_rc 2 &&
		lines_are "$tmp/err" 2 && has "$tmp/err" "Try 'kleakctl watch --help'"
}

t_missing_value() {
	run "$K" report --limit && expect_rc 2 &&
		has "$tmp/err" "option '--limit' needs a value"
}

t_bad_number() {
	run "$K" report --file "$F/realistic.report" --min-size 12k &&
		expect_rc 2 && has "$tmp/err" "--min-size: '12k' is not an unsigned number"
}

t_conflicting_options() {
	run "$K" report --file "$F/realistic.report" --json --folded &&
		expect_rc 2 && has "$tmp/err" "cannot be combined"
}

# ---- report ----

t_report_text_golden() {
	run "$K" report --file "$F/realistic.report" && expect_rc 1 &&
		same "$tmp/out" "$F/realistic.expected" && [ ! -s "$tmp/err" ]
}

t_report_folded_golden() {
	run "$K" report --file "$F/realistic.report" --folded &&
		expect_rc 1 && same "$tmp/out" "$F/realistic.folded"
}

t_report_no_leaks() {
	run "$K" report --file "$F/empty.report" && expect_rc 0 &&
		has "$tmp/out" "SUMMARY: 0 byte(s) leaked in 0 object(s)." || return 1
	: >"$tmp/zero"
	run "$K" report --file "$tmp/zero" && expect_rc 0
}

t_report_suppress_all() {
	run "$K" report --file "$F/realistic.report" \
		--suppress "$F/suppress-all.supp" && expect_rc 0 &&
		has "$tmp/out" "Suppressions used:" &&
		has "$tmp/out" "  4 group(s), 5248 byte(s): leak:[kleaktrack_leaky]" &&
		has "$tmp/out" "  1 group(s), 32 byte(s): leak:kobject_*" &&
		has "$tmp/out" "SUMMARY: 0 byte(s) leaked in 0 object(s)."
}

t_report_suppress_some() {
	run "$K" report --file "$F/realistic.report" \
		--suppress "$F/suppress-some.supp" && expect_rc 1 &&
		has "$tmp/out" "  1 group(s), 512 byte(s): leak:leaky_kmalloc" &&
		has "$tmp/out" "  1 group(s), 4096 byte(s): leak:getname_flags" &&
		hasnt "$tmp/out" "does_not_exist_anywhere" &&
		has "$tmp/out" "SUMMARY: 672 byte(s) leaked in 5 object(s)."
}

t_report_suppress_bad() {
	run "$K" report --file "$F/realistic.report" \
		--suppress "$F/suppress-bad.supp" && expect_rc 2 &&
		has "$tmp/err" "suppress-bad.supp:3: bad suppression 'leek:leaky_cache_alloc' (expected leak:<pattern>)" &&
		has "$tmp/err" "suppress-bad.supp:4: bad suppression 'leak:'" &&
		[ ! -s "$tmp/out" ] || return 1
	run "$K" report --file "$F/realistic.report" --suppress "$tmp/nope" &&
		expect_rc 2 && has "$tmp/err" "nope: No such file or directory"
}

t_report_json() {
	run "$K" report --file "$F/realistic.report" --json && expect_rc 1 &&
		{ $PYTHON -m json.tool "$tmp/out" >/dev/null ||
			{ why="python3 -m json.tool rejects the document"; return 1; }; } &&
		json_check "$tmp/out" \
			'd["version"] == 1 and d["summary"]["bytes"] == 5280' \
			'd["summary"]["direct_objects"] == 7 and d["summary"]["groups"] == 5' \
			'[g["kind"] for g in d["groups"]] == ["direct"]*3 + ["indirect"]*2' \
			'd["groups"][0]["stack"][1] == "leaky_kmalloc+0x1c/0x40 [kleaktrack_leaky]"' \
			'len(d["groups"][0]["addresses"]) == 4 and d["groups"][0]["age_max_s"] == 905' \
			'd["header"]["tracked_objects"] == 10234 and d["parse_errors"] == 0'
}

t_report_json_suppressed() {
	run "$K" report --file "$F/realistic.report" --json \
		--suppress "$F/suppress-all.supp" && expect_rc 0 &&
		json_check "$tmp/out" \
			'd["groups"] == [] and d["summary"]["suppressed_bytes"] == 5280' \
			'[s["groups"] for s in d["suppressed"]] == [4, 1]'
}

t_report_json_escaping() {
	run "$K" report --file "$F/weird.report" --json && expect_rc 1 &&
		json_check "$tmp/out" \
			'd["groups"][0]["comms"] == ["we\"ird\\ta\x1b[0m\xe9\xe9\u20ac"]' \
			'd["groups"][0]["modules"] == ["mod\xff"]'
}

t_report_json_all_objects() {
	run "$K" report --file "$F/realistic.report" --json --all-objects \
		--limit 2 && expect_rc 1 &&
		json_check "$tmp/out" \
			'len(d["objects"]) == 6 and {o["group"] for o in d["objects"]} == {0, 1}' \
			'd["summary"]["groups_omitted"] == 3'
}

# Leaks and unparsed entries: 3 wins, the leaks found are not all there are.
t_report_malformed() {
	run "$K" report --file "$F/malformed.report" && expect_rc 3 &&
		has "$tmp/err" "kleakctl: $F/malformed.report:16: cannot parse: bad object line" &&
		has "$tmp/err" "malformed.report:67: cannot parse: truncated entry" &&
		has "$tmp/err" "8 parse error(s), 6 entries skipped" &&
		count_is "$tmp/err" 'report not fully parsed.*exit status 3$' 1 &&
		has "$tmp/out" "Unparsed entries: 6 entries of at least 480 byte(s) could not be read:" &&
		has "$tmp/out" "SUMMARY: 288 byte(s) leaked in 3 object(s)." || return 1
	run "$K" report --file "$F/malformed.report" --json && expect_rc 3 &&
		json_check "$tmp/out" \
			'd["parse_errors"] == 8 and d["summary"]["skipped_entries"] == 6' \
			'd["summary"]["complete"] is False and d["summary"]["unparsed_entries"] == 6' \
			'd["groups"][-1]["kind"] == "unparsed" and d["groups"][-1]["objects"] == 6' \
			'd["groups"][-1]["bytes"] == 480 and d["summary"]["groups"] == 3'
}

# ---- fail closed: exit 3 ----

# The module refused to classify after an implausible root walk: the
# leaks listed are not all there are, so a gate must not pass (or pass
# on "known leaks found").
t_report_untrusted() {
	run "$K" report --file "$F/untrusted.report" && expect_rc 3 &&
		count_is "$tmp/err" 'last scan was not trusted' 1 &&
		has "$tmp/err" "untrusted.report: the last scan was not trusted and reported nothing new (see the kernel log); exit status 3" || return 1
	run "$K" report --file "$F/untrusted.report" --json && expect_rc 3 &&
		json_check "$tmp/out" \
			'd["summary"]["last_scan_trusted"] is False' \
			'd["summary"]["complete"] is True' || return 1
	run "$K" report --file "$F/realistic.report" --json && expect_rc 1 &&
		json_check "$tmp/out" 'd["summary"]["last_scan_trusted"] is True' || return 1
	# A flag that cannot be read is not a trusted scan either.
	run "$K" report --file "$F/untrusted-garbled.report" && expect_rc 3 &&
		has "$tmp/err" "header 'last_scan_untrusted' is not an unsigned number: 'yes'" &&
		count_is "$tmp/err" 'last scan was not trusted' 1
}

# The issue's case: the backtrace line changed format in every entry.
t_report_unparsed_all() {
	run "$K" report --file "$F/unparsable-frames.report" && expect_rc 3 &&
		has "$tmp/out" "SUMMARY: 0 byte(s) leaked in 0 object(s)." &&
		has "$tmp/out" "Unparsed entries: 10 entries of at least 5280 byte(s) could not be read:" &&
		has "$tmp/out" "    10 parse error(s), 10 entries skipped (see standard error)" &&
		count_is "$tmp/err" 'cannot parse: bad backtrace line' 10 &&
		count_is "$tmp/err" 'report not fully parsed' 1 &&
		has "$tmp/err" "unparsable-frames.report: report not fully parsed: 10 parse error(s), 10 entries skipped; 10 unparsed entries not counted above; exit status 3" || return 1
	run "$K" report --file "$F/unparsable-frames.report" --json && expect_rc 3 &&
		json_check "$tmp/out" \
			'd["summary"]["complete"] is False and d["summary"]["objects"] == 0' \
			'd["summary"]["unparsed_entries"] == 10 and d["summary"]["unparsed_bytes"] == 5280' \
			'[g["kind"] for g in d["groups"]] == ["unparsed"]' \
			'd["groups"][0]["objects"] == 10 and d["groups"][0]["sample"] is None' || return 1
	printf '[unparsed entries] 5280\n' >"$tmp/want"
	run "$K" report --file "$F/unparsable-frames.report" --folded &&
		expect_rc 3 && same "$tmp/out" "$tmp/want"
}

# Nothing hides the unparsed group or turns its status into 0 or 1.
t_report_unparsed_not_hidden() {
	printf 'leak:*\n' >"$tmp/everything.supp"
	for args in "--suppress $tmp/everything.supp" "--suppress $F/suppress-all.supp" \
		"--fail-on=direct" "--module not_loaded_here" "--limit 0" \
		"--min-size 100000" "--direct-only" "--min-age 100000" "--all-objects"; do
		# shellcheck disable=SC2086
		run "$K" report --file "$F/malformed.report" $args && expect_rc 3 &&
			has "$tmp/out" "Unparsed entries: 6 entries" ||
			{ why="$args: $why"; return 1; }
	done
	run "$K" report --file "$F/malformed.report" --json --limit 0 \
		--suppress "$tmp/everything.supp" && expect_rc 3 &&
		json_check "$tmp/out" '[g["kind"] for g in d["groups"]] == ["unparsed"]'
}

t_report_count_mismatch() {
	run "$K" report --file "$F/count-mismatch.report" && expect_rc 3 &&
		has "$tmp/err" "count-mismatch.report:4: header says leaks: 3, but 2 entries follow" &&
		has "$tmp/err" "report not fully parsed: 0 parse error(s), 0 entries skipped, 1 header count(s) disagree (1 entry missing); 1 unparsed entry not counted above; exit status 3" &&
		has "$tmp/out" "Unparsed entries: 1 entry of at least 0 byte(s) could not be read:" &&
		has "$tmp/out" "    1 header count(s) disagree with the entries, 1 entry missing" &&
		has "$tmp/out" "SUMMARY: 64 byte(s) leaked in 2 object(s)." || return 1
	run "$K" report --file "$F/count-mismatch.report" --json && expect_rc 3 &&
		json_check "$tmp/out" 'd["summary"]["missing_entries"] == 1 and d["summary"]["header_mismatches"] == 1' || return 1
	# The right count but not the right bytes.
	sed 's/^# leaked_bytes: 5280$/# leaked_bytes: 5281/' "$F/realistic.report" >"$tmp/bytes.report"
	run "$K" report --file "$tmp/bytes.report" && expect_rc 3 &&
		has "$tmp/err" "bytes.report:14: header says leaked_bytes: 5281, but the entries add up to 5280"
}

# A read cut short in the middle of the entries.
t_report_truncated() {
	head -n 60 "$F/realistic.report" >"$tmp/cut.report"
	run "$K" report --file "$tmp/cut.report" && expect_rc 3 &&
		has "$tmp/err" "header says leaks: 10, but 3 entries follow" || return 1
	# Cut exactly between two entries: no line is damaged, the count says it.
	awk '/^unreferenced object/ { n++ } n <= 4' "$F/realistic.report" >"$tmp/cut.report"
	run "$K" report --file "$tmp/cut.report" && expect_rc 3 &&
		has "$tmp/err" "header says leaks: 10, but 4 entries follow" &&
		has "$tmp/err" "0 parse error(s), 0 entries skipped, 1 header count(s) disagree (6 entries missing)"
}

# Reports pasted together are each checked against their own header.
t_report_concatenated() {
	cat "$F/realistic.report" "$F/realistic.report" >"$tmp/two.report"
	run "$K" report --file "$tmp/two.report" && expect_rc 1 &&
		[ ! -s "$tmp/err" ] &&
		has "$tmp/out" "SUMMARY: 10560 byte(s) leaked in 20 object(s)." || return 1
	cat "$F/count-mismatch.report" "$F/realistic.report" >"$tmp/two.report"
	run "$K" report --file "$tmp/two.report" && expect_rc 3 &&
		has "$tmp/err" "two.report:4: header says leaks: 3, but 2 entries follow" &&
		count_is "$tmp/err" 'header says' 1
}

t_report_empty_backtrace() {
	run "$K" report --file "$F/empty-backtrace.report" && expect_rc 1 &&
		[ ! -s "$tmp/err" ] && has "$tmp/out" "    (no backtrace)" || return 1
	run "$K" report --file "$F/empty-backtrace.report" --folded &&
		expect_rc 1 && has "$tmp/out" "[no backtrace] 64" || return 1
	run "$K" report --file "$F/empty-backtrace.report" --json &&
		expect_rc 1 && json_check "$tmp/out" 'd["groups"][0]["stack"] == []' || return 1
	run "$K" report --file "$F/empty-backtrace.report" --all-objects &&
		expect_rc 1 && has "$tmp/out" "  backtrace (crc 00000000):"
}

# scan and stats read the header alone: no count check, no noise.
t_header_only_no_check() {
	fake "$F/count-mismatch.report"
	run fk "$K" scan && expect_rc 0 && [ ! -s "$tmp/err" ] || return 1
	run fk "$K" stats && expect_rc 0 && [ ! -s "$tmp/err" ] || return 1
	run "$K" stats --file "$F/count-mismatch.report" && expect_rc 0 &&
		[ ! -s "$tmp/err" ]
}

t_report_garbage_only() {
	printf 'hello\nworld\n' >"$tmp/garbage"
	run "$K" report --file "$tmp/garbage" && expect_rc 2 &&
		has "$tmp/err" "garbage:1: cannot parse: unexpected line 'hello'" &&
		has "$tmp/err" "no report could be read"
}

# Task names are set by any process (prctl PR_SET_NAME): the raw entries
# are cleaned like every other output, and stay readable by kleakctl.
t_report_all_objects_clean() {
	run "$K" report --file "$F/weird.report" --all-objects && expect_rc 1 &&
		has "$tmp/out" '  comm "we"ird\ta?[0m??????", pid 9, jiffies 4000' || return 1
	if LC_ALL=C grep -q '[^[:print:]	]' "$tmp/out"; then
		why="control or non-ASCII bytes in the output: $(LC_ALL=C grep '[^[:print:]	]' "$tmp/out" | od -c | head -3)"
		return 1
	fi
	# CR LF line ends are a line end, not a '?'.
	sed 's/$/\r/' "$F/realistic.report" >"$tmp/crlf.report"
	run "$K" report --file "$tmp/crlf.report" --all-objects && expect_rc 1 &&
		hasnt "$tmp/out" "?" || return 1
	# The entries, without the blank line and the summary after them.
	sed '/^$/,$d' "$tmp/out" >"$tmp/again.report"
	run "$K" report --file "$tmp/again.report" && expect_rc 1 &&
		has "$tmp/out" "SUMMARY: 5280 byte(s) leaked in 10 object(s)."
}

# LeakSanitizer's semantics: substrings, '*', '^' and '$'.
t_report_suppress_lsan() {
	run "$K" report --file "$F/realistic.report" \
		--suppress "$F/suppress-lsan.supp" && expect_rc 1 &&
		has "$tmp/out" "  1 group(s), 32 byte(s): leak:kobject" &&
		has "$tmp/out" "  1 group(s), 512 byte(s): leak:^leaky_cache_alloc$" &&
		has "$tmp/out" "SUMMARY: 4736 byte(s) leaked in 7 object(s)." &&
		hasnt "$tmp/out" "kobject_add" || return 1
	# The scenario's pattern: exactly the module in brackets.
	printf 'leak:[kleaktrack_leaky]\nleak:[kleaktrack]\nleak:kleaktrack_leaky]\n' >"$tmp/mod.supp"
	run "$K" report --file "$F/realistic.report" --suppress "$tmp/mod.supp" &&
		expect_rc 1 &&
		has "$tmp/out" "  4 group(s), 5248 byte(s): leak:[kleaktrack_leaky]" &&
		has "$tmp/out" "SUMMARY: 32 byte(s) leaked in 1 object(s)." || return 1
	# Offsets only with a '+'.
	printf 'leak:0x1c\nleak:leaky_*+0x1c/0x40\n' >"$tmp/off.supp"
	run "$K" report --file "$F/realistic.report" --suppress "$tmp/off.supp" &&
		expect_rc 1 &&
		has "$tmp/out" "  1 group(s), 512 byte(s): leak:leaky_*+0x1c/0x40" &&
		has "$tmp/err" "off.supp:1: warning: suppression 'leak:0x1c' matched nothing"
}

# One warning per suppression that hid nothing; the status is unchanged.
t_report_suppress_unused() {
	run "$K" report --file "$F/realistic.report" \
		--suppress "$F/suppress-lsan.supp" && expect_rc 1 &&
		count_is "$tmp/err" 'warning: suppression' 2 &&
		has "$tmp/err" "kleakctl: $F/suppress-lsan.supp:7: warning: suppression 'leak:^_leaky_init' matched nothing" &&
		has "$tmp/err" "suppress-lsan.supp:9: warning: suppression 'leak:_ini\$' matched nothing" &&
		hasnt "$tmp/out" "warning" || return 1
	printf 'leak:*\nleak:\033[31mred\n' >"$tmp/stale.supp"
	run "$K" report --file "$F/realistic.report" --suppress "$tmp/stale.supp" &&
		expect_rc 0 && count_is "$tmp/err" 'warning: suppression' 1 &&
		has "$tmp/err" "stale.supp:2: warning: suppression 'leak:?[31mred' matched nothing" || return 1
	run "$K" report --file "$F/realistic.report" --suppress "$tmp/stale.supp" \
		--json && expect_rc 0 && count_is "$tmp/err" 'warning: suppression' 1 || return 1
	# Only stale ones: no leaks is still 0.
	run "$K" report --file "$F/empty.report" --suppress "$F/suppress-all.supp" &&
		expect_rc 0 && count_is "$tmp/err" 'matched nothing' 2
}

t_report_kmemleak() {
	run "$K" report --file "$F/kmemleak.report" && expect_rc 1 &&
		has "$tmp/out" "SUMMARY: 320 byte(s) leaked in 3 object(s)." &&
		has "$tmp/out" "    age 1175s, comm modprobe, e.g. 0xffff8881078a5e00" &&
		[ ! -s "$tmp/err" ]
}

t_report_stdin() {
	run sh -c '"$1" report --file - --json <"$2"' sh "$K" "$F/realistic.report" &&
		expect_rc 1 && json_check "$tmp/out" 'd["source"] == "<stdin>" and d["summary"]["objects"] == 10'
}

# Frames of unloaded code: named as they were, or "0x... [mod unloaded]",
# or "0x... [unloaded]"; all parse, and the module is the first word.
t_report_unloaded() {
	run "$K" report --file "$F/unloaded.report" && expect_rc 1 &&
		has "$tmp/out" "SUMMARY: 344 byte(s) leaked in 3 object(s)." &&
		has "$tmp/out" "0xffffffffc022a09b [kleaktrack_gone unloaded]" &&
		[ ! -s "$tmp/err" ] || return 1
	run "$K" report --file "$F/unloaded.report" --module kleaktrack_gone &&
		expect_rc 1 &&
		has "$tmp/out" "SUMMARY: 224 byte(s) leaked in 2 object(s)." || return 1
	run "$K" report --file "$F/unloaded.report" --json && expect_rc 1 &&
		json_check "$tmp/out" \
			'd["summary"]["complete"] is True' \
			'sorted(m for g in d["groups"] for m in g["modules"]) == ["kleaktrack_gone", "kleaktrack_gone", "unloaded"]'
}

# vmalloc areas: "cache: vmalloc", sizes past 4 MiB, an indirect kmalloc
# object held by an area; grouped by their stacks like any object.
t_report_vmalloc() {
	run "$K" report --file "$F/vmalloc.report" && expect_rc 1 &&
		has "$tmp/out" "Direct leak of 4198400 byte(s) in 1 object(s) allocated from:" &&
		has "$tmp/out" "    cache vmalloc, age 24s, comm insmod, e.g. 0xffffc9000046c000" &&
		has "$tmp/out" "Indirect leak of 72 byte(s) in 1 object(s) allocated from:" &&
		has "$tmp/out" "SUMMARY: 4210860 byte(s) leaked in 3 object(s)." &&
		[ ! -s "$tmp/err" ] || return 1
	run "$K" report --file "$F/vmalloc.report" --json && expect_rc 1 &&
		json_check "$tmp/out" \
			'd["summary"]["complete"] is True' \
			'd["summary"]["direct_bytes"] == 4210788' \
			'sorted(c for g in d["groups"] for c in g["caches"]) == ["kmalloc", "vmalloc", "vmalloc"]'
}

t_report_module() {
	run "$K" report --file "$F/realistic.report" --module kleaktrack_leaky &&
		expect_rc 1 && has "$tmp/out" "SUMMARY: 5248 byte(s) leaked in 9 object(s)." &&
		hasnt "$tmp/out" "kstrdup" || return 1
	run "$K" report --file "$F/realistic.report" --module not_loaded_here &&
		expect_rc 0
}

t_report_filters() {
	run "$K" report --file "$F/realistic.report" --min-size 100 &&
		expect_rc 1 && has "$tmp/out" "SUMMARY: 5120 byte(s) leaked in 7 object(s)." || return 1
	run "$K" report --file "$F/realistic.report" --min-age 903 &&
		expect_rc 1 && has "$tmp/out" "SUMMARY: 352 byte(s) leaked in 4 object(s)." || return 1
	run "$K" report --file "$F/realistic.report" --direct-only &&
		expect_rc 1 && has "$tmp/out" "SUMMARY: 1056 byte(s) leaked in 7 object(s)." &&
		hasnt "$tmp/out" "Indirect leak"
}

t_report_limit() {
	run "$K" report --file "$F/realistic.report" --limit 2 && expect_rc 1 &&
		has "$tmp/out" "3 more group(s) not shown (--limit 2): 4256 byte(s) in 4 object(s)" &&
		has "$tmp/out" "SUMMARY: 5280 byte(s) leaked in 10 object(s)." &&
		count_is "$tmp/out" ' leak of ' 2 || return 1
	run "$K" report --file "$F/realistic.report" --limit 0 && expect_rc 1 &&
		count_is "$tmp/out" ' leak of ' 0
}

t_report_fail_on() {
	printf 'leak:leaky_kmalloc\nleak:leaky_cache_alloc\nleak:kstrdup\n' >"$tmp/direct.supp"
	run "$K" report --file "$F/realistic.report" --suppress "$tmp/direct.supp" \
		--fail-on=direct && expect_rc 0 &&
		has "$tmp/out" "Indirect leak of 4096 byte(s)" || return 1
	run "$K" report --file "$F/realistic.report" --suppress "$tmp/direct.supp" \
		--fail-on any && expect_rc 1 || return 1
	run "$K" report --file "$F/realistic.report" --fail-on=sometimes &&
		expect_rc 2 && has "$tmp/err" "'sometimes' is not 'direct' or 'any'"
}

t_report_all_objects() {
	run "$K" report --file "$F/realistic.report" --all-objects && expect_rc 1 &&
		count_is "$tmp/out" '^unreferenced object ' 10 &&
		has "$tmp/out" "  leak: indirect (held by 0xffff888004a1c400)" &&
		has "$tmp/out" "SUMMARY: 5280 byte(s) leaked in 10 object(s)." || return 1
	run "$K" report --file "$F/realistic.report" --all-objects --limit 1 &&
		count_is "$tmp/out" '^unreferenced object ' 4
}

t_report_missing_file() {
	run "$K" report --file "$tmp/does-not-exist" && expect_rc 2 &&
		has "$tmp/err" "does-not-exist: No such file or directory"
}

# The 100k-entry report: generated here, not committed.
t_report_100k() {
	awk -v n=100000 'BEGIN {
		print "# kleaktrack report v1"
		print "# jiffies: 4295123456"
		print "# hz: 250"
		print "# leaks: " n
		for (i = 0; i < n; i++) {
			kind = (i % 10 == 9) ? "indirect (held by 0xffff888000000000)" : "direct"
			printf "unreferenced object 0xffff8880%08x (size 64):\n", i * 64
			printf "  comm \"insmod\", pid 123, jiffies %d\n", 4294900000 + i % 5000
			printf "  leak: %s\n  cache: kmalloc\n", kind
			print "  hex dump (first 32 bytes):"
			print "    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk"
			print "    6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk"
			printf "  backtrace (crc %08x):\n", i % 37
			print  "    [<ffffffff8132a1b2>] __kmalloc_cache_noprof+0x1a2/0x2f0"
			printf "    [<ffffffffc0a1d01c>] leaky_site_%d+0x1c/0x40 [kleaktrack_leaky]\n", i % 37
			print  "    [<ffffffff81002b36>] do_one_initcall+0x56/0x2e0"
			print  "    [<ffffffff8119b2c0>] do_init_module+0x60/0x230"
		}
	}' >"$tmp/big.report"
	start=$(ms_now)
	run "$K" report --file "$tmp/big.report" --limit 3
	end=$(ms_now)
	expect_rc 1 &&
		has "$tmp/out" "SUMMARY: 6400000 byte(s) leaked in 100000 object(s)." &&
		has "$tmp/out" "71 more group(s) not shown" || return 1
	[ $((end - start)) -lt 10000 ] ||
		{ why="took $((end - start)) ms"; return 1; }
	run "$K" report --file "$tmp/big.report" --json && expect_rc 1 &&
		json_check "$tmp/out" 'd["summary"]["objects"] == 100000 and d["summary"]["groups"] == 74 and sum(len(g["addresses"]) for g in d["groups"]) == 100000'
}

# ---- environment errors ----

t_env_debugfs_not_mounted() {
	run env KLEAKTRACK_DEBUGFS="$tmp/nodebug/kleaktrack" "$K" report &&
		expect_rc 2 &&
		has "$tmp/err" "kleakctl: debugfs is not mounted: mount -t debugfs none $tmp/nodebug" || return 1
	mkdir -p "$tmp/emptydebug"
	run env KLEAKTRACK_DEBUGFS="$tmp/emptydebug/kleaktrack" "$K" scan &&
		expect_rc 2 && has "$tmp/err" "debugfs is not mounted"
}

t_env_module_not_loaded() {
	mkdir -p "$tmp/debug2/tracing"
	run env KLEAKTRACK_DEBUGFS="$tmp/debug2/kleaktrack" \
		KLEAKTRACK_PARAMS="$tmp/sysmod/kleaktrack/parameters" "$K" report &&
		expect_rc 2 &&
		has "$tmp/err" "kleakctl: kleaktrack is not loaded: modprobe kleaktrack" || return 1
	run env KLEAKTRACK_PARAMS="$tmp/sysmod/kleaktrack/parameters" \
		"$K" set min_age_ms=10 && expect_rc 2 &&
		has "$tmp/err" "kleaktrack is not loaded: modprobe kleaktrack"
}

t_env_not_root() {
	fake
	if [ "$(id -u)" -ne 0 ]; then
		chmod 000 "$tmp/fake/debug/kleaktrack"
		run fk "$K" report
		chmod 644 "$tmp/fake/debug/kleaktrack"
	elif command -v setpriv >/dev/null; then
		# The binary must be reachable for nobody; the fake debugfs
		# under the private $tmp is not, like /sys/kernel/debug.
		cp "$K" "$tmp/kleakctl-nobody"
		mkdir -p "$tmp/pub"
		chmod 755 "$tmp/pub"
		mv "$tmp/kleakctl-nobody" "$tmp/pub/"
		chmod 711 "$tmp"
		chmod 700 "$tmp/fake"
		run fk setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$tmp/pub/kleakctl-nobody" report
		chmod 700 "$tmp"
	else
		why="running as root without setpriv: cannot drop privileges"
		return 1
	fi
	expect_rc 2 && has "$tmp/err" "kleakctl: must be run as root"
}

t_env_write_error() {
	fake
	run env KLEAKTRACK_DEBUGFS="$tmp/fake/debug/kleaktrack" \
		KLEAKTRACK_DEBUGFS_CMD=/dev/full "$K" clear && expect_rc 2 &&
		has "$tmp/err" "writing 'clear' to /dev/full: No space left on device"
}

# ---- commands against the fake kernel ----

t_scan() {
	fake
	run fk "$K" scan && expect_rc 0 &&
		has "$tmp/out" "2 new suspected leaks (4160 bytes)" &&
		[ "$(cat "$tmp/fake/cmd")" = "scan" ] ||
		{ why="${why:-command log is '$(cat "$tmp/fake/cmd")'}"; return 1; }
}

t_scan_twice() {
	fake
	echo 300 >"$tmp/fake/module/kleaktrack/parameters/min_age_ms"
	start=$(ms_now)
	run fk "$K" scan --twice
	end=$(ms_now)
	expect_rc 0 && has "$tmp/out" "4 new suspected leaks (8320 bytes)" &&
		[ "$(cat "$tmp/fake/cmd")" = "scan
scan" ] || { why="${why:-command log is '$(cat "$tmp/fake/cmd")'}"; return 1; }
	[ $((end - start)) -ge 300 ] ||
		{ why="did not wait min_age_ms ($((end - start)) ms)"; return 1; }
}

t_scan_twice_then_report_json() {
	fake
	echo 10 >"$tmp/fake/module/kleaktrack/parameters/min_age_ms"
	run fk sh -c '"$1" scan --twice && "$1" report --json' sh "$K"
	expect_rc 1 && has "$tmp/out" "new suspected leaks" || return 1
	# The first line is the scan's; the rest is the document.
	sed 1d "$tmp/out" >"$tmp/doc"
	json_check "$tmp/doc" 'd["summary"]["objects"] == 10'
}

t_scan_wait_age() {
	fake
	echo 200 >"$tmp/fake/module/kleaktrack/parameters/min_age_ms"
	start=$(ms_now)
	run fk "$K" scan --wait-age
	end=$(ms_now)
	expect_rc 0 && [ "$(cat "$tmp/fake/cmd")" = "scan" ] &&
		[ $((end - start)) -ge 200 ] ||
		{ why="${why:-wrong log or no wait}"; return 1; }
}

t_scan_missing_counters() {
	fake "$F/hashed.report"
	run fk "$K" scan && expect_rc 0 &&
		has "$tmp/out" "scan done; 3 suspected leaks (96 bytes) reported"
}

t_report_from_debugfs() {
	fake
	run fk "$K" report && expect_rc 1 &&
		same "$tmp/out" "$F/realistic.expected" &&
		[ ! -s "$tmp/fake/cmd" ] || { why="${why:-report wrote a command}"; return 1; }
}

t_clear() {
	fake
	run fk "$K" clear && expect_rc 0 && [ "$(cat "$tmp/fake/cmd")" = "clear" ] ||
		{ why="${why:-command log is '$(cat "$tmp/fake/cmd")'}"; return 1; }
	run fk "$K" clear extra && expect_rc 2
}

t_dump() {
	fake
	run fk "$K" dump FFFF888004A1C000 && expect_rc 0 &&
		has "$tmp/out" "dmesg" &&
		[ "$(cat "$tmp/fake/cmd")" = "dump=0xffff888004a1c000" ] ||
		{ why="${why:-command log is '$(cat "$tmp/fake/cmd")'}"; return 1; }
	run fk "$K" dump 0xnothex && expect_rc 2 &&
		has "$tmp/err" "'0xnothex' is not a hexadecimal address" || return 1
	run fk "$K" dump && expect_rc 2 && has "$tmp/err" "expected one address"
}

t_set() {
	fake
	p=$tmp/fake/module/kleaktrack/parameters
	run fk "$K" set min_age_ms=1000 stack_depth=8 && expect_rc 0 &&
		has "$tmp/out" "min_age_ms: 5000 -> 1000" &&
		[ "$(cat "$p/min_age_ms")" = 1000 ] && [ "$(cat "$p/stack_depth")" = 8 ] ||
		{ why="${why:-parameter files not written}"; return 1; }
	# Nothing is written unless every argument is valid.
	run fk "$K" set sample=2 bogus=1 && expect_rc 2 &&
		has "$tmp/err" "unknown parameter 'bogus'" &&
		[ "$(cat "$p/sample")" = 1 ] || { why="${why:-sample was written}"; return 1; }
	run fk "$K" set min_age_ms=-1 && expect_rc 2 &&
		has "$tmp/err" "min_age_ms: '-1' is not an unsigned number" || return 1
	run fk "$K" set min_age_ms=12abc && expect_rc 2 || return 1
	run fk "$K" set min_age_ms && expect_rc 2 &&
		has "$tmp/err" "'min_age_ms' is not PARAM=VALUE"
}

t_stats() {
	fake
	run fk "$K" stats && expect_rc 0 &&
		has "$tmp/out" "Report header ($tmp/fake/debug/kleaktrack)" &&
		has "$tmp/out" "Module parameters" &&
		has "$tmp/out" "(2.2 MiB)" && has "$tmp/out" "(13s ago)" || return 1
	# Every value starts in the same column.
	cols=$(awk '/^  [a-z_]+ +[0-9(]/ { match($0, /^  [a-z_]+ +/); print RLENGTH }' "$tmp/out" | sort -u)
	[ "$cols" = 25 ] || { why="value columns: $(echo $cols)"; return 1; }
	grep -q '^  min_age_ms  *5000$' "$tmp/out" &&
		grep -q '^  tracked_objects  *10234$' "$tmp/out" ||
		{ why="table rows wrong: $(head -c 300 "$tmp/out")"; return 1; }
}

t_stats_file() {
	run "$K" stats --file "$F/empty.report" && expect_rc 0 &&
		has "$tmp/out" "unknown_frees" && hasnt "$tmp/out" "Module parameters"
}

t_stats_json() {
	fake
	run fk "$K" stats --json && expect_rc 0 &&
		json_check "$tmp/out" 'd["parameters"]["min_age_ms"] == 5000 and d["header"]["hz"] == 250'
}

t_watch_new_groups() {
	fake
	# A FIFO as the report: the first scan reads one report, the second
	# (after the second "scan" word) a report with one more group.
	rm -f "$tmp/fake/debug/kleaktrack"
	mkfifo "$tmp/fake/debug/kleaktrack"
	cp "$F/realistic.report" "$tmp/r2"
	sed -n '/0xffff888005d2e000/,/do_one_initcall/p' "$F/realistic.report" |
		sed 's/0xffff888005d2e000/0xffff888009000000/; s/kstrdup+0x2c/kstrndup+0x2c/' >>"$tmp/r2"
	# timeout(1) everywhere: a FIFO nobody opens would block forever.
	(
		timeout 20 sh -c 'cat "$1" >"$2"' sh "$F/realistic.report" \
			"$tmp/fake/debug/kleaktrack"
		i=0
		while [ "$(wc -l <"$tmp/fake/cmd")" -lt 2 ] && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		timeout 20 sh -c 'cat "$1" >"$2"' sh "$tmp/r2" \
			"$tmp/fake/debug/kleaktrack"
	) &
	feeder=$!
	run fk timeout 30 "$K" watch --interval 0 --count 2
	wait $feeder
	expect_rc 0 && has "$tmp/out" "] 5 new leak group(s):" &&
		has "$tmp/out" "] 1 new leak group(s):" &&
		count_is "$tmp/out" ' leak of ' 6 &&
		sed -n '/] 1 new leak group/,$p' "$tmp/out" >"$tmp/second" &&
		count_is "$tmp/second" ' leak of ' 1 &&
		has "$tmp/second" "    #1 kstrndup+0x2c/0x60" ||
		{ why="${why:-unexpected output: $(tail -c 300 "$tmp/out" | tr '\n' '|')}"; return 1; }
}

# Unparsed entries show up in watch too, once while their number stays.
t_watch_unparsed() {
	fake "$F/malformed.report"
	run fk timeout 30 "$K" watch --interval 0 --count 2 && expect_rc 0 &&
		has "$tmp/out" "] 3 new leak group(s):" &&
		count_is "$tmp/out" '\] report not fully parsed:$' 1 &&
		count_is "$tmp/out" '^Unparsed entries: 6 entries' 1
}

t_watch_sigint() {
	fake
	# Not through the fk function: "cmd &" on a function forks a shell,
	# and a background shell ignores SIGINT. timeout(1) passes the
	# signal on, and ends a kleakctl that ignores it instead of hanging.
	env KLEAKTRACK_DEBUGFS="$tmp/fake/debug/kleaktrack" \
		KLEAKTRACK_DEBUGFS_CMD="$tmp/fake/cmd" \
		KLEAKTRACK_PARAMS="$tmp/fake/module/kleaktrack/parameters" \
		timeout 20 "$K" watch --interval 60 >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	while [ ! -s "$tmp/fake/cmd" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
	kill -INT $pid
	start=$(ms_now)
	wait $pid
	rc=$?
	end=$(ms_now)
	cat "$tmp/err" >>"$tmp/all-stderr"
	expect_rc 0 && has "$tmp/out" "5 new leak group(s)" || return 1
	[ $((end - start)) -lt 3000 ] || { why="exit took $((end - start)) ms"; return 1; }
}

# ---- reports captured from the qemu guests (tests/scenarios/leaks.sh) ----
t_guest_6_1() {
	run "$K" report --file "$F/guest-debian-6.1.report" &&
	expect_rc 1 && [ ! -s "$tmp/err" ] &&
	has "$tmp/out" "Indirect leak of 640 byte(s) in 10 object(s) allocated from:" &&
	has "$tmp/out" "Direct leak of 12000 byte(s) in 1 object(s) allocated from:" &&
	has "$tmp/out" "leaky_timer_fn+" &&
	has "$tmp/out" "SUMMARY: 17020 byte(s) leaked in 16 object(s)." || return 1
	run "$K" report --json --file "$F/guest-debian-6.1.report" &&
	json_check "$tmp/out" 'd["summary"]["direct_objects"] == 6' \
		'd["summary"]["indirect_objects"] == 10' \
		'any("leaky_cache" in g["caches"] for g in d["groups"])'
}

t_guest_6_12() {
	run "$K" report --json --file "$F/guest-debian-6.12.report" &&
	expect_rc 1 && [ ! -s "$tmp/err" ] &&
	json_check "$tmp/out" 'd["summary"]["groups"] >= 5' \
		'd["parse_errors"] == 0' || return 1
	printf 'leak:[kleaktrack_leaky]\n' > "$tmp/all.supp"
	run "$K" report --file "$F/guest-debian-6.12.report" --suppress "$tmp/all.supp" &&
	expect_rc 0
}

# ---- metrics ----

# promtool FILE: the Prometheus project's own parser and linter agree.
promtool_ok() {
	o=$(promtool check metrics <"$1" 2>&1) && return 0
	why="promtool: $(echo "$o" | head -5 | tr '\n' '|')"
	return 1
}

# The time of a saved report is its modification time: fixed here, so
# that the whole exposition can be compared.
t_metrics_golden() {
	cp "$F/realistic.report" "$tmp/r.report"
	touch -d @1796414830 "$tmp/r.report"
	run "$K" metrics --file "$tmp/r.report" && expect_rc 0 &&
		[ ! -s "$tmp/err" ] && same "$tmp/out" "$F/realistic.prom"
}

# Every fixture kleakctl reads gives an exposition promtool accepts.
t_metrics_promtool() {
	for r in "$F"/*.report; do
		r=$(basename "$r" .report)
		run "$K" metrics --file "$F/$r.report" || return 1
		promtool_ok "$tmp/out" || { why="$r: $why"; return 1; }
	done
}

# No two series of a family print the same labels (promtool does not
# check that), whatever the report: names that differ only in bytes the
# labels clean, a frame "[vmlinux]" and one without a module.
t_metrics_unique() {
	for r in "$F"/*.report; do
		run "$K" metrics --file "$r" --top 1000 || return 1
		d=$(grep -v '^#' "$tmp/out" | sed 's/ [^ ]*$//' | sort | uniq -d)
		[ -z "$d" ] || { why="$(basename "$r"): duplicate series: $d"; return 1; }
	done
	run "$K" metrics --file "$F/site-collisions.report" &&
		has "$tmp/out" 'kleaktrack_leak_sites 2' &&
		has "$tmp/out" 'kleaktrack_leak_site_bytes{function="foo",module="vmlinux",kind="direct"} 256'
}

# Series are summed per (function, module, kind) and cut to the top N
# by bytes; the count before the cut stays.
t_metrics_top() {
	run "$K" metrics --file "$F/realistic.report" --top 2 && expect_rc 0 &&
		count_is "$tmp/out" '^kleaktrack_leak_site_bytes\{' 2 &&
		has "$tmp/out" 'kleaktrack_leak_sites 5' &&
		has "$tmp/out" 'kleaktrack_leak_site_bytes{function="getname_flags",module="vmlinux",kind="indirect"} 4096' || return 1
	run "$K" metrics --file "$F/realistic.report" --top 0 && expect_rc 0 &&
		count_is "$tmp/out" '^kleaktrack_leak_site' 1 || return 1
	# The allocator frames are not the site; the function that called
	# them is, and two stacks through one function are one series.
	run "$K" metrics --file "$F/guest-debian-6.12.report" --top 100 &&
		hasnt "$tmp/out" 'function="__kmalloc' &&
		hasnt "$tmp/out" 'function="kmalloc' || return 1
	n=$(grep -c '^kleaktrack_leak_site_bytes{' "$tmp/out")
	u=$(sed -n 's/^kleaktrack_leak_site_bytes{\(.*\)} .*/\1/p' "$tmp/out" | sort -u | wc -l)
	[ "$n" = "$u" ] && [ "$n" -gt 0 ] || { why="$n series, $u distinct"; return 1; }
	run "$K" metrics --top x && expect_rc 2
}

t_metrics_kmemleak() {
	run "$K" metrics --file "$F/kmemleak.report" && expect_rc 0 &&
		has "$tmp/out" 'kleaktrack_suspected_leak_bytes{kind="direct"} 320' &&
		hasnt "$tmp/out" 'kleaktrack_tracked_objects'
}

# Label values are escaped as the text format wants.
t_metrics_escaping() {
	sed 's/leaky_kmalloc+/le"ak\\y+/' "$F/realistic.report" >"$tmp/e.report"
	run "$K" metrics --file "$tmp/e.report" && expect_rc 0 &&
		has "$tmp/out" 'function="le\"ak\\y",module="kleaktrack_leaky"' &&
		promtool_ok "$tmp/out"
}

# --output replaces the file whole, readable by the collector's user,
# and leaves no temporary file; a report that cannot be read still
# gives the collector kleaktrack_up 0.
t_metrics_output() {
	fake
	mkdir -p "$tmp/prom"
	echo stale >"$tmp/prom/kleaktrack.prom"
	run fk "$K" metrics --output "$tmp/prom/kleaktrack.prom" && expect_rc 0 &&
		[ ! -s "$tmp/out" ] && has "$tmp/prom/kleaktrack.prom" "kleaktrack_up 1" &&
		hasnt "$tmp/prom/kleaktrack.prom" stale || return 1
	[ "$(stat -c %a "$tmp/prom/kleaktrack.prom")" = 644 ] &&
		[ "$(ls "$tmp/prom" | wc -l)" = 1 ] ||
		{ why="mode or leftovers: $(ls -l "$tmp/prom" | tr '\n' '|')"; return 1; }
	mkdir -p "$tmp/debug3/tracing"
	run env KLEAKTRACK_DEBUGFS="$tmp/debug3/kleaktrack" \
		KLEAKTRACK_PARAMS="$tmp/nosys/kleaktrack/parameters" \
		"$K" metrics --output "$tmp/prom/kleaktrack.prom" && expect_rc 2 &&
		has "$tmp/err" "kleaktrack is not loaded" &&
		[ "$(cat "$tmp/prom/kleaktrack.prom" | grep -v '^#')" = "kleaktrack_up 0" ] ||
		{ why="${why:-down file: $(head -c 200 "$tmp/prom/kleaktrack.prom")}"; return 1; }
	run "$K" metrics --file "$F/realistic.report" --output "$tmp/nodir/x.prom" &&
		expect_rc 2 && has "$tmp/err" "$tmp/nodir/x.prom" || return 1
	# Never renamed over what is not a regular file (as root, /dev/stdout
	# would become one): a FIFO and a symlink stay.
	mkfifo "$tmp/prom/fifo"
	ln -s kleaktrack.prom "$tmp/prom/link"
	for o in fifo link; do
		run "$K" metrics --file "$F/realistic.report" --output "$tmp/prom/$o" &&
			expect_rc 2 && has "$tmp/err" "not a regular file, not replaced" || return 1
	done
	[ -p "$tmp/prom/fifo" ] && [ -L "$tmp/prom/link" ] &&
		[ "$(ls "$tmp/prom" | wc -l)" = 3 ] || { why="replaced or leftovers: $(ls -l "$tmp/prom" | tr '\n' '|')"; return 1; }
}

for name in guest-6-1 guest-6-12 help-global help-scan help-report help-clear help-dump help-stats \
	help-set help-watch help-command version no-command unknown-command \
	unknown-option missing-value bad-number conflicting-options \
	report-text-golden report-folded-golden report-no-leaks \
	report-suppress-all report-suppress-some report-suppress-bad \
	report-json report-json-suppressed report-json-escaping \
	report-json-all-objects report-malformed report-unparsed-all report-untrusted \
	report-unparsed-not-hidden report-count-mismatch report-truncated \
	report-concatenated report-empty-backtrace header-only-no-check \
	report-garbage-only report-all-objects-clean report-suppress-lsan \
	report-suppress-unused bad-values \
	report-kmemleak report-stdin report-unloaded report-vmalloc report-module report-filters report-limit \
	report-fail-on report-all-objects report-missing-file report-100k \
	env-debugfs-not-mounted env-module-not-loaded env-not-root \
	env-write-error scan scan-twice scan-twice-then-report-json \
	scan-wait-age scan-missing-counters report-from-debugfs clear dump set \
	stats stats-file stats-json watch-new-groups watch-unparsed watch-sigint \
	help-metrics metrics-golden metrics-unique metrics-top metrics-kmemleak metrics-output; do
	t "$name"
done
# The example alerts (tools/systemd/kleaktrack.rules.yml) on series as
# the metrics give them: they fire after two scans with new leaks.
t_alert_rules() {
	run promtool check rules "$F/../../tools/systemd/kleaktrack.rules.yml" &&
		expect_rc 0 || return 1
	run sh -c 'cd "$1" && promtool test rules alerts-test.yml' sh "$F" &&
		expect_rc 0 || { why="$why $(head -c 300 "$tmp/out")"; return 1; }
}

# promtool comes with Debian's prometheus package (tests/rig/deps.sh);
# a package build without it skips what only promtool can judge.
for name in metrics-promtool metrics-escaping alert-rules; do
	if command -v promtool >/dev/null 2>&1; then
		t "$name"
	else
		echo "SKIP $name: no promtool (apt-get install prometheus)"
	fi
done
echo "# done: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
