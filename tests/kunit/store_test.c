// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the object store (store.c): lookups by interior pointer, reuse
 * and overlap rules, tombstones, a full pool, sampling by address.
 */
#include "../../module/store.c"
#include <kunit/test.h>
#include "kleaktrack_test.h"

static void store_insert_lookup(struct kunit *test)
{
	struct klt_object *a = kt_ins(test, BASE, 64, NULL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, klt_obj_addr(a), BASE);
	KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE), a);
	KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE + 40), a);
	KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE + 63), a);
	KUNIT_EXPECT_NULL(test, kt_lookup(test, BASE + 64));
	KUNIT_EXPECT_NULL(test, kt_lookup(test, BASE - 1));
	/* Never stored raw: that would make every object look referenced. */
	KUNIT_EXPECT_NE(test, a->enc_addr, BASE);
}

static void store_ordering(struct kunit *test)
{
	static const unsigned int offs[] = { 7, 3, 11, 0, 9, 1, 5, 13, 2 };
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *obj;
	unsigned long last = 0;
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(offs); i++)
		KUNIT_ASSERT_NOT_NULL(test,
				      kt_ins(test, BASE + offs[i] * 128, 64, NULL));
	for (obj = klt_store_from(&ctx->st, 0); obj; obj = klt_store_next(obj)) {
		KUNIT_EXPECT_GT(test, klt_obj_addr(obj), last);
		last = klt_obj_addr(obj);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, ARRAY_SIZE(offs));
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, ARRAY_SIZE(offs));
	/* A cursor starts at the object containing it, or the next one. */
	obj = klt_store_from(&ctx->st, BASE + 3 * 128 + 1);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, klt_obj_addr(obj), BASE + 5 * 128);
}

static void store_replace_on_reuse(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *a, *b;
	bool replaced;

	a = kt_ins(test, BASE, 64, &replaced);
	KUNIT_EXPECT_FALSE(test, replaced);
	/* Allocated again at a tracked address: its free went unseen. */
	b = kt_ins(test, BASE, 32, &replaced);
	KUNIT_EXPECT_TRUE(test, replaced);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, b->size, 32U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 1U);
	KUNIT_EXPECT_EQ(test, ctx->st.live_bytes, 32ULL);
}

static void store_overlap_dropped(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	bool replaced;

	kt_ins(test, BASE, 256, NULL);
	kt_ins(test, BASE + 512, 64, NULL);
	/* A new object inside the first one: that one must be gone. */
	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + 64, 32, &replaced));
	KUNIT_EXPECT_TRUE(test, replaced);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 2U);
	KUNIT_EXPECT_NULL(test, kt_lookup(test, BASE));
	KUNIT_EXPECT_NOT_NULL(test, kt_lookup(test, BASE + 512));
}

/*
 * A slab page reused by a cache of larger objects: the new object at the
 * address of an old tombstone covers later tombstones. They must go, or
 * a lookup of the object (or of a pointer into it) finds a tombstone.
 */
static void store_reuse_drops_covered(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *big;
	unsigned int i;
	bool replaced;

	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + i * 16, 16, NULL));
		KUNIT_ASSERT_TRUE(test, kt_erase(test, BASE + i * 16));
	}
	kt_ins(test, BASE + 64, 16, NULL);		/* a neighbour, live */
	big = kt_ins(test, BASE, 64, &replaced);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_FALSE(test, replaced);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 0U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 2U);
	for (i = 0; i < 64; i += 8)
		KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE + i), big);
	KUNIT_EXPECT_PTR_NE(test, kt_lookup(test, BASE + 64), big);
	KUNIT_EXPECT_NOT_NULL(test, kt_lookup(test, BASE + 64));
}

/* Too many stale records in the way: not recorded, nothing overlaps. */
static void store_insert_bound(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *obj, *prev = NULL;
	unsigned int i, n = 300;

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + i * 16, 16, NULL));
		kt_erase(test, BASE + i * 16);
	}
	KUNIT_EXPECT_NULL(test, kt_ins(test, BASE, n * 16, NULL));
	for (obj = klt_store_from(&ctx->st, 0); obj; obj = klt_store_next(obj)) {
		if (prev)
			KUNIT_EXPECT_GE(test, klt_obj_addr(obj),
					klt_obj_addr(prev) + prev->size);
		prev = obj;
	}
	/* The next attempts clear the rest and then record it. */
	for (i = 0; i < 4 && !obj; i++)
		obj = kt_ins(test, BASE, n * 16, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 0U);
	KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE + n * 8), obj);
}

static void store_erase_tombstone(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *a, *t;
	bool replaced;

	a = kt_ins(test, BASE, 64, NULL);
	KUNIT_EXPECT_TRUE(test, kt_erase(test, BASE));
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 0U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 1U);
	/* The tombstone keeps the free memory out of the roots. */
	t = kt_lookup(test, BASE + 8);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_FALSE(test, t->flags & KLT_F_LIVE);
	/* A second free of it, or of anything unknown, is not found. */
	KUNIT_EXPECT_FALSE(test, kt_erase(test, BASE));
	KUNIT_EXPECT_FALSE(test, kt_erase(test, BASE + 4096));
	/* Reuse of the address revives the record; that is no replacement. */
	KUNIT_EXPECT_PTR_EQ(test, kt_ins(test, BASE, 48, &replaced), a);
	KUNIT_EXPECT_FALSE(test, replaced);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 1U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 0U);
	KUNIT_EXPECT_EQ(test, klt_store_reclaim(&ctx->st, 10), 0UL);
	kt_erase(test, BASE);
	KUNIT_EXPECT_EQ(test, klt_store_reclaim(&ctx->st, 10), 1UL);
	KUNIT_EXPECT_NULL(test, kt_lookup(test, BASE));
}

static void store_full(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	unsigned int i, cap = ctx->st.nr_free;

	for (i = 0; i < cap; i++)
		KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + i * 64, 64, NULL));
	/* No record: the hook counts it as untracked and goes on. */
	KUNIT_EXPECT_NULL(test, kt_ins(test, BASE + cap * 64, 64, NULL));
	KUNIT_EXPECT_EQ(test, klt_store_grow(&ctx->st, 1, GFP_KERNEL), -ENOSPC);
	kt_erase(test, BASE);
	KUNIT_EXPECT_EQ(test, klt_store_reclaim(&ctx->st, 1), 1UL);
	KUNIT_EXPECT_NOT_NULL(test, kt_ins(test, BASE + cap * 64, 64, NULL));
}

#define SALT	0x5a17UL

static bool keep_sampled(unsigned long addr, void *arg)
{
	return klt_sampled(addr, *(u64 *)arg, SALT);
}

/*
 * sample=N by address: the same answer for the same address, about one
 * address in N, a subset of what a smaller N samples, and going sparser
 * drops exactly the records of the addresses no longer sampled (so that
 * their frees may skip the store).
 */
static void store_sample_by_address(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	u64 all = klt_sample_limit_of(1), l4 = klt_sample_limit_of(4);
	u64 l8 = klt_sample_limit_of(8);
	unsigned int i, hits = 0, kept = 0;
	unsigned long a;

	KUNIT_EXPECT_EQ(test, klt_sample_limit_of(0), all);
	for (i = 0; i < 4096; i++) {
		a = BASE + i * 64;
		KUNIT_EXPECT_TRUE(test, klt_sampled(a, all, SALT));
		KUNIT_EXPECT_EQ(test, klt_sampled(a, l8, SALT),
				klt_sampled(a, l8, SALT));
		if (klt_sampled(a, l8, SALT))
			KUNIT_EXPECT_TRUE(test, klt_sampled(a, l4, SALT));
		hits += klt_sampled(a, l8, SALT);
	}
	/* 512 expected */
	KUNIT_EXPECT_GT(test, hits, 384U);
	KUNIT_EXPECT_LT(test, hits, 640U);

	for (i = 0; i < 128; i++)
		KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + i * 64, 32, NULL));
	KUNIT_EXPECT_TRUE(test, kt_erase(test, BASE));	/* tombstones too */
	for (i = 0; i < 128; i++)
		kept += keep_sampled(BASE + i * 64, &l8);
	KUNIT_EXPECT_EQ(test, klt_store_filter(&ctx->st, keep_sampled, &l8),
			128UL - kept);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live + ctx->st.nr_freed, kept);
	for (i = 0; i < 128; i++) {
		a = BASE + i * 64;
		KUNIT_EXPECT_EQ(test, !!kt_lookup(test, a), keep_sampled(a, &l8));
	}
	/* A smaller N keeps every record. */
	KUNIT_EXPECT_EQ(test, klt_store_filter(&ctx->st, keep_sampled, &l4), 0UL);
}

/* A first-chunk per-CPU tombstone: BASE, 48 bytes, freed. */
static struct klt_object *kt_pcpu_tomb(struct kunit *test, bool vmalloc_chunk)
{
	struct klt_object *t = kt_ins(test, BASE, 48, NULL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->flags |= KLT_F_PERCPU;
	t->enc_cache = vmalloc_chunk ? klt_enc(BASE + PAGE_SIZE) : 0;
	KUNIT_ASSERT_TRUE(test, kt_erase(test, BASE));
	return t;
}

static void kt_expect_tomb(struct kunit *test, unsigned long addr, u32 size)
{
	struct klt_object *t = kt_lookup(test, addr);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, klt_obj_addr(t), addr);
	KUNIT_EXPECT_EQ(test, t->size, size);
	KUNIT_EXPECT_EQ(test, t->flags & (KLT_F_LIVE | KLT_F_PERCPU),
			(u16)KLT_F_PERCPU);
}

/*
 * A smaller per-CPU allocation in a freed one's place: what it does not
 * cover stays a tombstone, before and after it (the allocator zeroes
 * only the new bytes), in the first chunk; a vmalloc'd chunk's goes.
 */
static void store_pcpu_tomb_split(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *a;
	bool replaced;

	kt_pcpu_tomb(test, false);
	a = kt_ins(test, BASE, 8, &replaced);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_FALSE(test, replaced);
	KUNIT_EXPECT_EQ(test, a->size, 8U);
	KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE + 7), a);
	kt_expect_tomb(test, BASE + 8, 40);
	KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE + 47),
			    kt_lookup(test, BASE + 8));
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 1U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 1U);
	kt_erase(test, BASE);
	kt_erase(test, BASE + 8);
	klt_store_reclaim(&ctx->st, ULONG_MAX);

	kt_pcpu_tomb(test, false);
	a = kt_ins(test, BASE + 16, 8, &replaced);
	KUNIT_ASSERT_NOT_NULL(test, a);
	kt_expect_tomb(test, BASE, 16);
	KUNIT_EXPECT_PTR_EQ(test, kt_lookup(test, BASE + 16), a);
	kt_expect_tomb(test, BASE + 24, 24);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 2U);
	kt_erase(test, BASE + 16);
	klt_store_reclaim(&ctx->st, ULONG_MAX);

	kt_pcpu_tomb(test, true);
	a = kt_ins(test, BASE + 16, 8, &replaced);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_NULL(test, kt_lookup(test, BASE));
	KUNIT_EXPECT_NULL(test, kt_lookup(test, BASE + 24));
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 0U);
}

static struct kunit_case klt_store_cases[] = {
	KUNIT_CASE(store_insert_lookup),
	KUNIT_CASE(store_ordering),
	KUNIT_CASE(store_replace_on_reuse),
	KUNIT_CASE(store_overlap_dropped),
	KUNIT_CASE(store_reuse_drops_covered),
	KUNIT_CASE(store_insert_bound),
	KUNIT_CASE(store_erase_tombstone),
	KUNIT_CASE(store_pcpu_tomb_split),
	KUNIT_CASE(store_full),
	KUNIT_CASE(store_sample_by_address),
	{}
};

static struct kunit_suite klt_store_suite = {
	.name = "kleaktrack_store",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_store_cases,
};

kunit_test_suite(klt_store_suite);
