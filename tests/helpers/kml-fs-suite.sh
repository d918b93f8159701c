#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What a filesystem test suite does with kmemleak's file (written from the
# description of the sequence, not from any suite's code):
#
#   kml-fs-suite.sh detect     usable if writable and "scan=off" is taken
#   kml-fs-suite.sh check OUT  after one test: scan, cat, scan, cat > OUT,
#                              clear; the test fails if OUT is non-empty
#
# Exit 0: usable / no leak; 1: not usable / leaks (in OUT); 2: a step failed.
f=${KML:-/sys/kernel/debug/kmemleak}
case $1 in
detect)
	[ -w "$f" ] || exit 1
	echo scan=off > "$f" || exit 1
	;;
check)
	echo scan > "$f" || exit 2
	cat "$f" > /dev/null || exit 2
	echo scan > "$f" || exit 2
	cat "$f" > "$2" || exit 2
	echo clear > "$f" || exit 2
	[ -s "$2" ] && exit 1
	;;
*)
	exit 2
	;;
esac
exit 0
