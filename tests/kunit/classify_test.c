// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: classification (classify.c) on synthetic graphs: chains, cycles
 * and diamonds of leaks, direct or indirect, and who holds each.
 */
#include "../../module/classify.c"
#include <kunit/test.h>
#include "kleaktrack_test.h"

static void scan_chain(struct kunit *test)
{
	void **roots = kunit_kzalloc(test, 4 * sizeof(void *), GFP_KERNEL);
	void **a = kt_node(test, 64), **b = kt_node(test, 64), **c = kt_node(test, 64);
	void **d = kt_node(test, 64), **e = kt_node(test, 64), **f = kt_node(test, 64);
	struct klt_scan_result res;

	roots[1] = a;
	a[0] = b;
	b[3] = c;
	d[0] = e;
	e[7] = f;
	kt_scan_twice(test, roots, 4, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, b), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, c), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, d), DIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, e), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, f), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_holder(test, e), (unsigned long)d);
	KUNIT_EXPECT_EQ(test, kt_holder(test, f), (unsigned long)e);
	KUNIT_EXPECT_EQ(test, res.leaks, 3UL);
	KUNIT_EXPECT_EQ(test, res.leak_bytes, 3 * 64UL);
	KUNIT_EXPECT_EQ(test, res.new_leaks, 3UL);
	/* Reported once as new, not again. */
	kt_scan_once(test, roots, 4, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 3UL);
	KUNIT_EXPECT_EQ(test, res.new_leaks, 0UL);
}

static void scan_cycle(struct kunit *test)
{
	void **x = kt_node(test, 32), **y = kt_node(test, 32), **z = kt_node(test, 32);
	struct klt_scan_result res;
	void **lo = x < y ? x : y;

	x[0] = y;
	y[0] = x;
	y[1] = z;
	kt_scan_twice(test, NULL, 0, &res);
	/* No member of a leaked cycle is parentless: one stands for it. */
	KUNIT_EXPECT_EQ(test, res.leaks, 3UL);
	KUNIT_EXPECT_EQ(test, kt_kind(test, lo), DIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, lo == x ? y : x), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, z), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_holder(test, z), (unsigned long)y);
}

static void scan_diamond(struct kunit *test)
{
	void **p = kt_node(test, 64), **q = kt_node(test, 64), **r = kt_node(test, 64);
	void **s = kt_node(test, 64);
	struct klt_scan_result res;

	p[0] = q;
	p[1] = r;
	q[0] = s;
	r[0] = s;
	kt_scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, p), DIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, q), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, r), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, s), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_holder(test, q), (unsigned long)p);
	KUNIT_EXPECT_EQ(test, res.leaks, 4UL);
}

static struct kunit_case klt_classify_cases[] = {
	KUNIT_CASE(scan_chain),
	KUNIT_CASE(scan_cycle),
	KUNIT_CASE(scan_diamond),
	{}
};

static struct kunit_suite klt_classify_suite = {
	.name = "kleaktrack_classify",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_classify_cases,
};

kunit_test_suite(klt_classify_suite);
