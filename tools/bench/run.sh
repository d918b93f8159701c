#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot the benchmark guests one after the other, collect the
# "KLT-BENCH" lines of their console logs, print one table and write it
# as JSON to build/bench/results.json. A benchmark that reports; it does
# not judge timings (see Documentation/performance.rst).
#
#   tools/bench/run.sh [--quick] [--reps N] [--only alloc|scan]
#
# --quick: 3 repetitions, shorter loops, 256 MiB scan guests up to 100k
# objects (a few minutes). The full run takes 5 repetitions, adds the
# 1 GiB guests and 1M objects, and the profile variants. --only redoes
# one half and keeps the other half's results of the previous run;
# --report only prints the table of the previous run again.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/rig/lib.sh"
# Results under build/bench; the guests build and log in a tree of their
# own so that a concurrent make check cannot swap modules under us.
out=$KLT_OUT/bench
export KLT_OUT=$out/rig
# The rig's default, one host thread for all vCPUs (see guest.sh).
export KLT_ACCEL=${KLT_ACCEL:-tcg,thread=single}

quick=0 reps="" only=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--reps) reps=$2; shift ;;
	--only) only=$2; shift ;;
	--report) only=none ;;
	-h|--help) sed -n '3,14p' "$0"; exit 0 ;;
	*) klt_die "unknown option $1" ;;
	esac
	shift
done

if [ $quick = 1 ]; then
	reps=${reps:-3} min_ms=100 ns=10000,100000 mems="256"
else
	reps=${reps:-5} min_ms=300 ns=10000,100000,1000000 mems="256 1024"
fi
# The kunit kernel (tinyconfig, no ACPI) finds no PIT/HPET to calibrate
# the TSC against and would time with jiffies: tell it the TSC rate, as
# measured by a Debian guest on this host (TCG's TSC is the host's).
tsc_khz() {
	mhz=$(sed -n 's/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' \
		"$KLT_OUT"/logs/debian-6.1*/*.log "$out"/logs/alloc-debian*.log \
		2>/dev/null | head -1)
	[ -n "$mhz" ] || mhz=$(sed -n 's/^cpu MHz\t*: //p' /proc/cpuinfo | head -1)
	awk -v m="$mhz" 'BEGIN { printf "%d\n", m * 1000 }'
}
mkdir -p "$out/logs"
raw=$out/raw.txt
if [ "$only" = none ]; then
	[ -f "$raw" ] || klt_die "no previous run ($raw)"
elif [ -n "$only" ] && [ -f "$raw" ]; then
	grep -v "^run=$only-" "$raw" >"$raw.keep"
	mv "$raw.keep" "$raw"
else
	: >"$raw"
fi
failed=0
start=$(date +%s)

# run LABEL TARGET SCENARIO GUEST-OPTIONS...: one guest; its KLT-BENCH
# lines go to $raw prefixed with the label and target.
run() {
	label=$1 target=$2 scenario=$3
	shift 3
	klt_log "== $label: $target $scenario $*"
	if ! "$root/tests/rig/guest.sh" "$target" "$scenario" "$@" \
		>"$out/logs/$label.result" 2>&1 ||
	   grep -q '^FAIL' "$out/logs/$label.result"; then
		failed=$((failed + 1))
		klt_log "   FAILED: $(grep -v '^PASS' "$out/logs/$label.result" | head -5)"
	fi
	cp "$KLT_OUT/logs/$target/$scenario.log" "$out/logs/$label.log" 2>/dev/null
	sed -n "s/^KLT-BENCH /run=$label target=$target /p" \
		"$out/logs/$label.log" >>"$raw"
	klt_log "   $(grep -c "^run=$label " "$raw") result lines"
}

common="kltb_reps=$reps kltb_min_ms=$min_ms"
if [ "$only" != scan ] && [ "$only" != none ]; then
	profile=$([ $quick = 1 ] && echo 0 || echo 1)
	run alloc-debian-6.12 debian-6.12 bench-alloc -m 512 -s 2 -t 1200 \
		-a "$common kltb_profile=$profile"
fi
tsc="tsc_early_khz=$(tsc_khz) tsc=reliable"
if [ "$only" != scan ] && [ "$only" != none ]; then
	run alloc-kunit kunit bench-alloc -m 512 -s 2 -t 1200 -a "$tsc $common"
	run alloc-kunit-kmemleak kunit bench-alloc -m 512 -s 2 -t 1200 \
		-a "kmemleak=on $tsc $common"
fi
if [ "$only" != alloc ] && [ "$only" != none ]; then
	for m in $mems; do
		o="-m $m -s 2 -t 2400"
		a="$tsc kltb_ns=$ns $common"
		run scan-none-$m kunit bench-scan $o -a "kltb_tracker=none $a"
		run scan-kleaktrack-$m kunit bench-scan $o -a "$a"
		run scan-kmemleak-$m kunit bench-scan $o -a "kmemleak=on $a"
	done
fi

machine="$(nproc) CPUs ($(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)), $(qemu-system-x86_64 --version | head -1), TCG"
python3 - "$raw" "$out/results.json" "$machine" "$(($(date +%s) - start))" "$reps" <<'EOF'
import json, statistics, sys, time

raw, jpath, machine, secs, reps = sys.argv[1:6]
rows = []
for line in open(raw):
    d = {}
    for w in line.split():
        if '=' in w:
            k, v = w.split('=', 1)
            d[k] = int(v) if v.isdigit() else v
    # the guest size asked for, not MemTotal, which varies by boot
    if d.get('run', '').startswith('scan-'):
        d['mem_mib'] = int(d['run'].rsplit('-', 1)[1])
    rows.append(d)

def med(xs):
    return statistics.median(xs) if xs else None

def spread(xs):
    # half the range, relative to the median: "x +-s%"
    m = med(xs)
    return 100.0 * (max(xs) - min(xs)) / 2 / m if xs and m else 0.0

def fmt(xs, unit=''):
    if not xs:
        return '-'
    return '%.0f%s ±%.0f%%' % (med(xs), unit, spread(xs))

res = {'date': time.strftime('%Y-%m-%d %H:%M %Z'), 'machine': machine,
       'runtime_s': int(secs), 'reps': int(reps), 'alloc': [],
       'profile': [], 'scan': [], 'memory': [], 'goals': {}}

# --- allocation path ------------------------------------------------------
groups = [('debian-6.12', 'alloc-debian-6.12', None),
          ('kunit', 'alloc-kunit', None),
          ('kunit', 'alloc-kunit-kmemleak', 'alloc-kunit')]
cols = [('kmalloc', 1), ('kmalloc', 2), ('cache', 1), ('cache', 2),
        ('vmalloc', 1), ('vmalloc', 2), ('percpu', 1), ('percpu', 2)]

def samples(run, cfg, op, th):
    return {r['rep']: r['ns_per_pair'] for r in rows
            if r.get('run') == run and r.get('kind') == 'alloc'
            and r.get('cfg') == cfg and r.get('op') == op
            and r.get('threads') == th}

print('\n## Allocation path: ns per alloc+free pair (median ±half-range), ratio to bare')
print('%-12s %-13s' % ('kernel', 'config') +
      ''.join('%22s' % ('%s %dT' % c) for c in cols))
for target, run, base_run in groups:
    cfgs = []
    for r in rows:
        if r.get('run') == run and r.get('kind') == 'alloc' and r['cfg'] not in cfgs:
            cfgs.append(r['cfg'])
    for cfg in cfgs:
        line = '%-12s %-13s' % (target, cfg)
        for op, th in cols:
            s = samples(run, cfg, op, th)
            b = samples(base_run or run, 'bare', op, th)
            if not s:
                line += '%22s' % '-'
                continue
            if base_run is None and b:
                # per repetition: the bare run of the same round
                ratios = [s[k] / b[k] for k in s if k in b and b[k]]
                ratio = med(ratios)
            else:
                ratio = med(list(s.values())) / med(list(b.values())) if b else None
            cell = fmt(list(s.values()))
            if ratio:
                cell += ' %.2fx' % ratio
            line += '%22s' % cell
            res['alloc'].append({'kernel': target, 'run': run, 'config': cfg,
                                 'op': op, 'threads': th,
                                 'ns_median': med(list(s.values())),
                                 'spread_pct': round(spread(list(s.values())), 1),
                                 'samples': list(s.values()),
                                 'ratio_to_bare': round(ratio, 3) if ratio else None})
        print(line)

prof = {}
for r in rows:
    if r.get('kind') == 'profile':
        prof.setdefault(r['cfg'], []).append(r['ns_per_call'])
if prof:
    frames = {r['cfg']: r['frames'] for r in rows if r.get('kind') == 'profile'}
    print('\n## Profile (debian-6.12, from a syscall, 2 vCPUs idle): ns per call')
    for k in sorted(prof):
        print('  %-10s frames=%-3s %s' % (k, frames[k], fmt(prof[k], ' ns')))
        res['profile'].append({'what': k, 'frames': frames[k],
                               'ns_median': med(prof[k]), 'samples': prof[k]})

# --- scan ----------------------------------------------------------------
print('\n## Scan: one synchronous scan (median ±half-range), kunit kernel, 2 vCPUs')
print('%-7s %-8s %16s %9s %10s %16s %12s %8s' % (
    'guest', 'objects', 'kleaktrack ms', 'pages', 'MiB/s', 'kmemleak ms',
    'kmemleak obj', 'klt/kml'))
scans = {}
for r in rows:
    if r.get('kind') == 'scan' and r.get('run', '').startswith('scan-'):
        scans.setdefault((r['mem_mib'], r['n'], r['cfg']), []).append(r)
slab = {(r['mem_mib'], r['n']): r for r in rows if r.get('kind') == 'slab'}
for mem, n in sorted({(k[0], k[1]) for k in scans}):
    k = [x['ns'] / 1e6 for x in scans.get((mem, n, 'kleaktrack'), [])]
    m = [x['ns'] / 1e6 for x in scans.get((mem, n, 'kmemleak'), [])]
    pages = med([x['pages'] for x in scans.get((mem, n, 'kleaktrack'), [])])
    mibs = pages * 4096 / 2**20 / (med(k) / 1e3) if k and pages else None
    ratio = med(k) / med(m) if k and m else None
    kobj = slab.get((mem, n), {}).get('active', '-')
    print('%-7s %-8s %16s %9s %10s %16s %12s %8s' % (
        '%dM' % mem, n, fmt(k), pages or '-', '%.0f' % mibs if mibs else '-',
        fmt(m), kobj, '%.2f' % ratio if ratio else '-'))
    res['scan'].append({'mem_mib': mem, 'objects': n,
                        'kleaktrack_ms': med(k), 'kleaktrack_spread_pct': round(spread(k), 1) if k else None,
                        'kleaktrack_samples_ms': k, 'pages_scanned': pages,
                        'kleaktrack_mib_per_s': round(mibs, 1) if mibs else None,
                        'kmemleak_ms': med(m), 'kmemleak_spread_pct': round(spread(m), 1) if m else None,
                        'kmemleak_samples_ms': m, 'kmemleak_objects': kobj,
                        'ratio': round(ratio, 3) if ratio else None})

# --- memory --------------------------------------------------------------
print('\n## Memory: RAM in use after holding N objects (kB), tracker metadata per object')
print('%-7s %-8s %12s %14s %8s %14s %8s' % (
    'guest', 'objects', 'objects kB', '+kleaktrack kB', 'B/obj', '+kmemleak kB', 'B/obj'))
mem = {(r['mem_mib'], r['n'], r['cfg']): r['used_kb'] for r in rows
       if r.get('kind') == 'mem' and r.get('run', '').startswith('scan-')}
for mm, n in sorted({(k[0], k[1]) for k in mem}):
    bare = mem.get((mm, n, 'none'))
    cells = []
    entry = {'mem_mib': mm, 'objects': n, 'objects_kb': bare}
    for t in ('kleaktrack', 'kmemleak'):
        u = mem.get((mm, n, t))
        if u is None or bare is None:
            cells += ['-', '-']
            continue
        per = (u - bare) * 1024 / n
        cells += [str(u - bare), '%.0f' % per]
        entry[t + '_kb'] = u - bare
        entry[t + '_bytes_per_object'] = round(per, 1)
    print('%-7s %-8s %12s %14s %8s %14s %8s' % (
        '%dM' % mm, n, bare if bare is not None else '-', *cells))
    res['memory'].append(entry)

# --- goals ---------------------------------------------------------------
def alloc_med(run, cfg, op, th):
    s = samples(run, cfg, op, th)
    return med(list(s.values())) if s else None

g = res['goals']
print('\n## Goals')
for op, th in cols:
    bare = alloc_med('alloc-kunit', 'bare', op, th)
    full = alloc_med('alloc-kunit', 'full', op, th)
    kml = alloc_med('alloc-kunit-kmemleak', 'kmemleak', op, th)
    if bare and full and kml and kml > bare:
        r = (full - bare) / (kml - bare)
        g['overhead_vs_kmemleak_%s_%dT' % (op, th)] = round(r, 2)
        print('  full-tracking overhead / kmemleak overhead, %s %dT: %.2f (goal <= 0.5)' % (op, th, r))
for op, th in cols:
    r = [x for x in res['alloc'] if x['run'] == 'alloc-debian-6.12'
         and x['config'] == 'sample64' and x['op'] == op and x['threads'] == th]
    if r and r[0]['ratio_to_bare']:
        g['sample64_ratio_%s_%dT' % (op, th)] = r[0]['ratio_to_bare']
        print('  sample=64 / bare on debian-6.12, %s %dT: %.2f (goal <= 1.10)' % (op, th, r[0]['ratio_to_bare']))
for s in res['scan']:
    if s['mem_mib'] == 256 and s['objects'] == 100000 and s['ratio']:
        g['scan_256M_100k_ratio'] = s['ratio']
        print('  scan 256 MiB / 100k: kleaktrack / kmemleak = %.2f (goal <= 1)' % s['ratio'])
for m in res['memory']:
    if 'kleaktrack_bytes_per_object' in m and m['objects'] >= 100000:
        print('  %dM %d objects: kleaktrack %.0f B/object (goal <= 96), kmemleak %s B/object' % (
            m['mem_mib'], m['objects'], m['kleaktrack_bytes_per_object'],
            m.get('kmemleak_bytes_per_object', '-')))
        g['bytes_per_object_%dM_%d' % (m['mem_mib'], m['objects'])] = {
            'kleaktrack': m['kleaktrack_bytes_per_object'],
            'kmemleak': m.get('kmemleak_bytes_per_object')}

ncpu = {r.get('run'): r.get('threads') for r in rows
        if r.get('kind') == 'alloc' and r.get('op') == 'kmalloc'}
print('\nnote: "2T" = one thread per online vCPU; the kunit kernel brings up %s CPU(s)'
      % max([v for k, v in ncpu.items() if k and k.startswith('alloc-kunit')] or ['?']))
print('%s, %s, %s repetitions, %ss' % (res['date'], machine, reps, secs))
json.dump(res, open(jpath, 'w'), indent=1)
print('results: %s' % jpath)
EOF
[ $failed = 0 ] || { klt_log "$failed guest run(s) failed (see $out/logs)"; exit 1; }
