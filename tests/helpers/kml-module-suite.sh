#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What a module test suite does with kmemleak's file (written from the
# description of the sequence): clear, load and unload a module, scan,
# wait, and fail on any content.
#
#   kml-module-suite.sh OUT MODULE.ko [PARAM=VALUE...]
#
# KML_WAIT: the wait in seconds (5). Exit 0: empty; 1: leaks (in OUT);
# 2: a step failed.
f=${KML:-/sys/kernel/debug/kmemleak}
out=$1
mod=$2
shift 2
echo clear > "$f" || exit 2
insmod "$mod" "$@" || exit 2
rmmod "$(basename "$mod" .ko)" || exit 2
echo scan > "$f" || exit 2
sleep "${KML_WAIT:-5}"
cat "$f" > "$out" || exit 2
[ -s "$out" ] && exit 1
exit 0
