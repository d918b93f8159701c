// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: why= (why.c): the watched range, the per-scan bound, and a scan
 * that answers the same with it on.
 */
#include "../../module/why.c"
#include <kunit/test.h>
#include "kleaktrack_test.h"

static void why_range_and_bound(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **a = kt_node(test, 64), **b = kt_node(test, 64);
	struct klt_scan_result res;
	struct klt_scan *sc;
	unsigned int i;

	klt_why_set((unsigned long)a + 8);
	KUNIT_EXPECT_TRUE(test, static_branch_unlikely(&klt_why_key));
	sc = klt_scan_begin(&ctx->st, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, sc);
	/* The whole object is watched, from an interior pointer. */
	KUNIT_EXPECT_EQ(test, sc->why_lo, klt_enc((unsigned long)a));
	KUNIT_EXPECT_EQ(test, sc->why_hi, klt_enc((unsigned long)a) + 64);
	klt_why(sc, klt_enc((unsigned long)b), (unsigned long)&b);
	KUNIT_EXPECT_EQ(test, sc->why_told, 0U);
	for (i = 0; i < 2 * KLT_WHY_PER_SCAN; i++)
		klt_why(sc, klt_enc((unsigned long)a + 63), (unsigned long)&a);
	KUNIT_EXPECT_EQ(test, sc->why_told, 2U * KLT_WHY_PER_SCAN);
	klt_scan_end(sc, &res);
	klt_why_set(0);
	KUNIT_EXPECT_FALSE(test, static_branch_unlikely(&klt_why_key));
}

/* Watching an object changes no verdict. */
static void why_same_answer(struct kunit *test)
{
	void **roots = kunit_kzalloc(test, sizeof(void *), GFP_KERNEL);
	void **a = kt_node(test, 64), **b = kt_node(test, 64);
	struct klt_scan_result res;

	KUNIT_ASSERT_NOT_NULL(test, roots);
	roots[0] = a;
	klt_why_set((unsigned long)a);
	kt_scan_twice(test, roots, 1, &res);
	klt_why_set(0);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, b), DIRECT);
	KUNIT_EXPECT_EQ(test, res.leaks, 1UL);
}

static struct kunit_case klt_why_cases[] = {
	KUNIT_CASE(why_range_and_bound),
	KUNIT_CASE(why_same_answer),
	{}
};

static struct kunit_suite klt_why_suite = {
	.name = "kleaktrack_why",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_why_cases,
};

kunit_test_suite(klt_why_suite);
