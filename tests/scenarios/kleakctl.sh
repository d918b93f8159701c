# SPDX-License-Identifier: GPL-2.0
# kleakctl against the real module: scan --twice, grouped JSON, exit codes,
# suppressions.
check insmod-leaky insmod $KLT_MODS/kleaktrack_leaky.ko
check insmod klt_load min_age_ms=1000 scan_interval_s=0
check plant sh -c "echo 1 > /sys/module/kleaktrack_leaky/parameters/plant"
sleep 7
klt_churn
check kleakctl-scan-twice kleakctl scan --twice
klt_scan_until 16 "kleakctl scan --twice"
kleakctl report --json > /tmp/report.json
expect report-exit-1 1 $?
kleakctl report > /tmp/report.txt
cat $KLT_DBG > /tmp/raw
echo KLT-KLEAKCTL-BEGIN
cat /tmp/report.txt
echo KLT-KLEAKCTL-END
# Every planted group, with its class and object count, from the JSON
# (one group per line once flattened), against the module's own report:
# recall is the leaks scenario's business, this one checks kleakctl.
tr -d '\n' < /tmp/report.json | tr -s ' ' | sed 's/{ "kind"/\n{ "kind"/g' > /tmp/groups
check found-some test "$(sed -n 's/^# leaks: //p' /tmp/raw)" -ge 1
for g in "direct leaky_kmalloc" "direct leaky_cache_alloc" "direct leaky_timer_fn" \
	 "direct leaky_large" "direct leaky_krealloc" "direct leaky_list" \
	 "indirect leaky_list"; do
	set -- $g
	n=$(count_entries /tmp/raw "^[0-9]* $1 $2 ")
	if [ "$n" -gt 0 ]; then
		check "json-$1-$2" sh -c "grep '\"$2+' /tmp/groups |
			grep -q '^{ \"kind\": \"$1\", \"bytes\": [0-9]*, \"objects\": $n,'"
	else
		check "json-$1-$2-none" sh -c "! grep '\"$2+' /tmp/groups |
			grep -q '^{ \"kind\": \"$1\"'"
	fi
done
for c in direct:Direct indirect:Indirect; do
	n=$(count_entries /tmp/raw "^80 ${c%:*} leaky_list ")
	[ "$n" -gt 0 ] || continue
	check "text-${c%:*}-list" grep -q "${c#*:} leak of $((n * 80)) byte(s) in $n object(s) allocated from:" /tmp/report.txt
done
check text-summary grep -q "^SUMMARY: $(sed -n 's/^# leaked_bytes: //p' /tmp/raw) byte(s) leaked in $(sed -n 's/^# leaks: //p' /tmp/raw) object(s)." /tmp/report.txt
klt_why_missing
printf 'leak:[kleaktrack_leaky]\n' > /tmp/all.supp
kleakctl report --suppress /tmp/all.supp > /tmp/supp.txt
expect suppressed-exit-0 0 $?
check suppressions-used grep -q 'leak:\[kleaktrack_leaky\]' /tmp/supp.txt
kleakctl stats > /tmp/stats.txt
check stats grep -q min_age_ms /tmp/stats.txt
check set-param kleakctl set min_age_ms=2000
expect set-param-value 2000 "$(cat $KLT_PARAMS/min_age_ms)"
kleakctl set bogus=1 2>/dev/null
expect set-bad-exit-2 2 $?
check clear kleakctl clear
kleakctl report > /dev/null
expect cleared-exit-0 0 $?
check rmmod-leaky rmmod kleaktrack_leaky
check rmmod klt_unload
kleakctl report > /dev/null 2>/tmp/err
expect not-loaded-exit-2 2 $?
check not-loaded-message grep -q 'modprobe kleaktrack' /tmp/err
