# SPDX-License-Identifier: GPL-2.0
# KUnit: the suites print KTAP to the kernel log, which the host parses
# with the kernel's own tools/testing/kunit/kunit.py.
check insmod-kunit insmod $KLT_MODS/kunit.ko
check insmod-tests insmod $KLT_MODS/kleaktrack_test.ko
check rmmod-tests rmmod kleaktrack_test
klt_kmemleak_check
