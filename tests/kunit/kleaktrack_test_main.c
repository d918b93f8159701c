// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kleaktrack: the object store, the mark and classify
 * logic on synthetic object graphs, command parsing and report formatting.
 *
 * The scanner runs here on a private store and on explicit root blocks, so
 * the graphs are exactly what each test builds.
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swab.h>
#include <linux/kasan.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include "kleaktrack.h"

#define BASE	0xffff888000100000UL

/* The hooks are not part of the test module: scans here skip no slot. */
bool klt_hooks_all_recorded(void)
{
	return false;
}

unsigned long klt_hooks_unrecorded(void)
{
	return 0;
}

struct klt_test_ctx {
	struct klt_store st;
};

static int klt_store_test_init(struct kunit *test)
{
	struct klt_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, klt_store_init(&ctx->st, 4 * KLT_OBJS_PER_CHUNK,
					     4 * KLT_OBJS_PER_CHUNK), 0);
	test->priv = ctx;
	return 0;
}

static void klt_store_test_exit(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;

	klt_store_destroy(&ctx->st);
}

static struct klt_object *ins(struct kunit *test, unsigned long addr,
			      size_t size, bool *replaced)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *obj;
	unsigned long flags;
	bool r;

	raw_spin_lock_irqsave(&ctx->st.lock, flags);
	obj = klt_store_insert(&ctx->st, addr, size, replaced ? replaced : &r);
	if (obj) {
		obj->serial = ++ctx->st.serial;
		obj->jiffies = (u32)(jiffies - 60 * HZ);
		obj->stack = 0;
		obj->enc_cache = 0;
		obj->enc_parent = 0;
		obj->pid = 1;
		strscpy(obj->comm, "kunit", sizeof(obj->comm));
	}
	raw_spin_unlock_irqrestore(&ctx->st.lock, flags);
	return obj;
}

static struct klt_object *lookup(struct kunit *test, unsigned long addr)
{
	struct klt_test_ctx *ctx = test->priv;

	return klt_store_lookup(&ctx->st, addr);
}

static bool erase(struct kunit *test, unsigned long addr)
{
	struct klt_test_ctx *ctx = test->priv;

	return klt_store_erase(&ctx->st, addr);
}

static void store_insert_lookup(struct kunit *test)
{
	struct klt_object *a = ins(test, BASE, 64, NULL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, klt_obj_addr(a), BASE);
	KUNIT_EXPECT_PTR_EQ(test, lookup(test, BASE), a);
	KUNIT_EXPECT_PTR_EQ(test, lookup(test, BASE + 40), a);
	KUNIT_EXPECT_PTR_EQ(test, lookup(test, BASE + 63), a);
	KUNIT_EXPECT_NULL(test, lookup(test, BASE + 64));
	KUNIT_EXPECT_NULL(test, lookup(test, BASE - 1));
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
		KUNIT_ASSERT_NOT_NULL(test, ins(test, BASE + offs[i] * 128, 64,
						NULL));
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

	a = ins(test, BASE, 64, &replaced);
	KUNIT_EXPECT_FALSE(test, replaced);
	/* Allocated again at a tracked address: its free went unseen. */
	b = ins(test, BASE, 32, &replaced);
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

	ins(test, BASE, 256, NULL);
	ins(test, BASE + 512, 64, NULL);
	/* A new object inside the first one: that one must be gone. */
	KUNIT_ASSERT_NOT_NULL(test, ins(test, BASE + 64, 32, &replaced));
	KUNIT_EXPECT_TRUE(test, replaced);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 2U);
	KUNIT_EXPECT_NULL(test, lookup(test, BASE));
	KUNIT_EXPECT_NOT_NULL(test, lookup(test, BASE + 512));
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
		KUNIT_ASSERT_NOT_NULL(test, ins(test, BASE + i * 16, 16, NULL));
		KUNIT_ASSERT_TRUE(test, erase(test, BASE + i * 16));
	}
	ins(test, BASE + 64, 16, NULL);		/* a neighbour, live */
	big = ins(test, BASE, 64, &replaced);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_FALSE(test, replaced);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 0U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 2U);
	for (i = 0; i < 64; i += 8)
		KUNIT_EXPECT_PTR_EQ(test, lookup(test, BASE + i), big);
	KUNIT_EXPECT_NE(test, lookup(test, BASE + 64), big);
	KUNIT_EXPECT_NOT_NULL(test, lookup(test, BASE + 64));
}

/* Too many stale records in the way: not recorded, nothing overlaps. */
static void store_insert_bound(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *obj, *prev = NULL;
	unsigned int i, n = 300;

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, ins(test, BASE + i * 16, 16, NULL));
		erase(test, BASE + i * 16);
	}
	KUNIT_EXPECT_NULL(test, ins(test, BASE, n * 16, NULL));
	for (obj = klt_store_from(&ctx->st, 0); obj; obj = klt_store_next(obj)) {
		if (prev)
			KUNIT_EXPECT_GE(test, klt_obj_addr(obj),
					klt_obj_addr(prev) + prev->size);
		prev = obj;
	}
	/* The next attempts clear the rest and then record it. */
	for (i = 0; i < 4 && !obj; i++)
		obj = ins(test, BASE, n * 16, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 0U);
	KUNIT_EXPECT_PTR_EQ(test, lookup(test, BASE + n * 8), obj);
}

static void store_erase_tombstone(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_object *a, *t;
	bool replaced;

	a = ins(test, BASE, 64, NULL);
	KUNIT_EXPECT_TRUE(test, erase(test, BASE));
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 0U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 1U);
	/* The tombstone keeps the free memory out of the roots. */
	t = lookup(test, BASE + 8);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_FALSE(test, t->flags & KLT_F_LIVE);
	/* A second free of it, or of anything unknown, is not found. */
	KUNIT_EXPECT_FALSE(test, erase(test, BASE));
	KUNIT_EXPECT_FALSE(test, erase(test, BASE + 4096));
	/* Reuse of the address revives the record; that is no replacement. */
	KUNIT_EXPECT_PTR_EQ(test, ins(test, BASE, 48, &replaced), a);
	KUNIT_EXPECT_FALSE(test, replaced);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live, 1U);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_freed, 0U);
	KUNIT_EXPECT_EQ(test, klt_store_reclaim(&ctx->st, 10), 0UL);
	erase(test, BASE);
	KUNIT_EXPECT_EQ(test, klt_store_reclaim(&ctx->st, 10), 1UL);
	KUNIT_EXPECT_NULL(test, lookup(test, BASE));
}

static void store_full(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	unsigned int i, cap = ctx->st.nr_free;

	for (i = 0; i < cap; i++)
		KUNIT_ASSERT_NOT_NULL(test, ins(test, BASE + i * 64, 64, NULL));
	/* No record: the hook counts it as untracked and goes on. */
	KUNIT_EXPECT_NULL(test, ins(test, BASE + cap * 64, 64, NULL));
	KUNIT_EXPECT_EQ(test, klt_store_grow(&ctx->st, 1, GFP_KERNEL), -ENOSPC);
	erase(test, BASE);
	KUNIT_EXPECT_EQ(test, klt_store_reclaim(&ctx->st, 1), 1UL);
	KUNIT_EXPECT_NOT_NULL(test, ins(test, BASE + cap * 64, 64, NULL));
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
		KUNIT_ASSERT_NOT_NULL(test, ins(test, BASE + i * 64, 32, NULL));
	KUNIT_EXPECT_TRUE(test, erase(test, BASE));	/* tombstones too */
	for (i = 0; i < 128; i++)
		kept += keep_sampled(BASE + i * 64, &l8);
	KUNIT_EXPECT_EQ(test, klt_store_filter(&ctx->st, keep_sampled, &l8),
			128UL - kept);
	KUNIT_EXPECT_EQ(test, ctx->st.nr_live + ctx->st.nr_freed, kept);
	for (i = 0; i < 128; i++) {
		a = BASE + i * 64;
		KUNIT_EXPECT_EQ(test, !!lookup(test, a), keep_sampled(a, &l8));
	}
	/* A smaller N keeps every record. */
	KUNIT_EXPECT_EQ(test, klt_store_filter(&ctx->st, keep_sampled, &l4), 0UL);
}

/* Graphs: real buffers tracked in the private store. */
static void **node(struct kunit *test, size_t size)
{
	void **p = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, ins(test, (unsigned long)p, size, NULL));
	return p;
}

static void scan_once(struct kunit *test, void **roots, size_t nroots,
		      unsigned long min_age, struct klt_scan_result *res)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_scan *sc = klt_scan_begin(&ctx->st, min_age, NULL);

	KUNIT_ASSERT_NOT_NULL(test, sc);
	if (roots)
		klt_scan_block(sc, roots, nroots * sizeof(void *));
	klt_scan_end(sc, res);
}

/* Two scans: a new leak is only confirmed when unchanged across them. */
static void scan_twice(struct kunit *test, void **roots, size_t nroots,
		       struct klt_scan_result *res)
{
	scan_once(test, roots, nroots, 0, res);
	KUNIT_EXPECT_EQ(test, res->leaks, 0UL);
	scan_once(test, roots, nroots, 0, res);
}

enum { NOT_LEAK, DIRECT, INDIRECT };

static int kind(struct kunit *test, void *p)
{
	struct klt_object *obj = lookup(test, (unsigned long)p);

	if (!obj || !(obj->flags & KLT_F_LEAK))
		return NOT_LEAK;
	return obj->flags & KLT_F_INDIRECT ? INDIRECT : DIRECT;
}

static unsigned long holder(struct kunit *test, void *p)
{
	return klt_dec(lookup(test, (unsigned long)p)->enc_parent);
}

static void scan_chain(struct kunit *test)
{
	void **roots = kunit_kzalloc(test, 4 * sizeof(void *), GFP_KERNEL);
	void **a = node(test, 64), **b = node(test, 64), **c = node(test, 64);
	void **d = node(test, 64), **e = node(test, 64), **f = node(test, 64);
	struct klt_scan_result res;

	roots[1] = a;
	a[0] = b;
	b[3] = c;
	d[0] = e;
	e[7] = f;
	scan_twice(test, roots, 4, &res);
	KUNIT_EXPECT_EQ(test, kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kind(test, b), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kind(test, c), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kind(test, d), DIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, e), INDIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, f), INDIRECT);
	KUNIT_EXPECT_EQ(test, holder(test, e), (unsigned long)d);
	KUNIT_EXPECT_EQ(test, holder(test, f), (unsigned long)e);
	KUNIT_EXPECT_EQ(test, res.leaks, 3UL);
	KUNIT_EXPECT_EQ(test, res.leak_bytes, 3 * 64UL);
	KUNIT_EXPECT_EQ(test, res.new_leaks, 3UL);
	/* Reported once as new, not again. */
	scan_once(test, roots, 4, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 3UL);
	KUNIT_EXPECT_EQ(test, res.new_leaks, 0UL);
}

static void scan_cycle(struct kunit *test)
{
	void **x = node(test, 32), **y = node(test, 32), **z = node(test, 32);
	struct klt_scan_result res;
	void **lo = x < y ? x : y;

	x[0] = y;
	y[0] = x;
	y[1] = z;
	scan_twice(test, NULL, 0, &res);
	/* No member of a leaked cycle is parentless: one stands for it. */
	KUNIT_EXPECT_EQ(test, res.leaks, 3UL);
	KUNIT_EXPECT_EQ(test, kind(test, lo), DIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, lo == x ? y : x), INDIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, z), INDIRECT);
	KUNIT_EXPECT_EQ(test, holder(test, z), (unsigned long)y);
}

static void scan_diamond(struct kunit *test)
{
	void **p = node(test, 64), **q = node(test, 64), **r = node(test, 64);
	void **s = node(test, 64);
	struct klt_scan_result res;

	p[0] = q;
	p[1] = r;
	q[0] = s;
	r[0] = s;
	scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, kind(test, p), DIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, q), INDIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, r), INDIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, s), INDIRECT);
	KUNIT_EXPECT_EQ(test, holder(test, q), (unsigned long)p);
	KUNIT_EXPECT_EQ(test, res.leaks, 4UL);
}

static void scan_self_reference(struct kunit *test)
{
	void **a = node(test, 48);
	struct klt_scan_result res;

	a[2] = a;
	scan_twice(test, NULL, 0, &res);
	/* Pointing at itself keeps nothing alive. */
	KUNIT_EXPECT_EQ(test, kind(test, a), DIRECT);
	KUNIT_EXPECT_EQ(test, res.leaks, 1UL);
}

static void scan_interior_pointer(struct kunit *test)
{
	void **roots = kunit_kzalloc(test, sizeof(void *), GFP_KERNEL);
	void **a = node(test, 128), **b = node(test, 128), **c = node(test, 128);
	struct klt_scan_result res;

	roots[0] = (char *)a + 40;
	b[0] = (char *)c + 127;
	scan_twice(test, roots, 1, &res);
	KUNIT_EXPECT_EQ(test, kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kind(test, b), DIRECT);
	KUNIT_EXPECT_EQ(test, kind(test, c), INDIRECT);
}

/* kmemleak's "clear": cleared suspects are roots from then on. */
static void scan_cleared_is_root(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **d = node(test, 64), **e = node(test, 64), **f;
	struct klt_scan_result res;

	d[0] = e;
	scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 2UL);
	klt_clear_leaks(&ctx->st);
	/* What a cleared object points to, even later, is not a leak. */
	f = node(test, 64);
	d[1] = f;
	scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
	KUNIT_EXPECT_EQ(test, kind(test, d), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kind(test, e), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kind(test, f), NOT_LEAK);
	/* Once cleared objects stop pointing at it, it is one. */
	d[1] = NULL;
	scan_once(test, NULL, 0, 0, &res);
	scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, kind(test, f), DIRECT);
	KUNIT_EXPECT_EQ(test, res.leaks, 1UL);
}

static void scan_changed_not_reported(struct kunit *test)
{
	void **a = node(test, 64), **b = node(test, 64);
	struct klt_scan_result res;

	scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
	/* a is written between scans: in use, not a leak yet. */
	a[5] = (void *)0x1234;
	scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kind(test, b), DIRECT);
	scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, kind(test, a), DIRECT);
}

static void scan_young_not_reported(struct kunit *test)
{
	void **a = node(test, 64);
	struct klt_scan_result res;

	scan_once(test, NULL, 0, 3600 * HZ, &res);
	scan_once(test, NULL, 0, 3600 * HZ, &res);
	KUNIT_EXPECT_EQ(test, kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
}

static void scan_freed_not_reported(struct kunit *test)
{
	void **a = node(test, 64), **b = node(test, 64);
	struct klt_scan_result res;

	scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 2UL);
	erase(test, (unsigned long)a);
	scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 1UL);
	KUNIT_EXPECT_EQ(test, kind(test, b), DIRECT);
}

static void scan_clear(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **a = node(test, 64);
	struct klt_scan_result res;

	scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, kind(test, a), DIRECT);
	klt_clear_leaks(&ctx->st);
	scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
}

struct cmd_case {
	const char *in;
	int ret;
	enum klt_cmd_op op;
	unsigned long arg;
};

static const struct cmd_case cmd_cases[] = {
	{ "scan", 0, KLT_CMD_SCAN, 0 },
	{ "scan\n", 0, KLT_CMD_SCAN, 0 },
	{ "scan=on", 0, KLT_CMD_SCAN_ON, 0 },
	{ "scan=off", 0, KLT_CMD_SCAN_OFF, 0 },
	{ "scan=30\n", 0, KLT_CMD_SCAN_SECS, 30 },
	{ "scan=0", 0, KLT_CMD_SCAN_SECS, 0 },
	{ "clear", 0, KLT_CMD_CLEAR, 0 },
	{ "dump=0xffff888004a1c000", 0, KLT_CMD_DUMP, 0xffff888004a1c000UL },
	{ "dump=ffff888004a1c000", 0, KLT_CMD_DUMP, 0xffff888004a1c000UL },
	{ "why=0xffff888004a1c010", 0, KLT_CMD_WHY, 0xffff888004a1c010UL },
	{ "stack=on", 0, KLT_CMD_STACK, 1 },
	{ "stack=off", 0, KLT_CMD_STACK, 0 },
	{ "track=on", 0, KLT_CMD_TRACK, 1 },
	{ "track=off", 0, KLT_CMD_TRACK, 0 },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "scanx", -EINVAL },
	{ "Scan", -EINVAL },
	{ "scan ", -EINVAL },
	{ " scan", -EINVAL },
	{ "scan\n\n", -EINVAL },
	{ "scan=", -EINVAL },
	{ "scan=-1", -EINVAL },
	{ "scan=12abc", -EINVAL },
	{ "scan=99999999999", -EINVAL },
	{ "dump=", -EINVAL },
	{ "dump=xyz", -EINVAL },
	{ "stack=maybe", -EINVAL },
	{ "track=", -EINVAL },
	{ "track=ON", -EINVAL },
	{ "off", -EINVAL },
	{ "clear=1", -EINVAL },
	{ "\x01scan", -EINVAL },
	{ "sc\xff\x61n", -EINVAL },
	{ "scan=0123456789012345678901234567890123456789012345678901234567890",
	  -EINVAL },
};

static void cmd_parse(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmd_cases); i++) {
		const struct cmd_case *c = &cmd_cases[i];
		struct klt_cmd cmd = { .op = -1, .arg = 12345 };
		int ret = klt_parse_cmd(c->in, strlen(c->in), &cmd);

		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "input '%s'", c->in);
		if (!c->ret && !ret) {
			KUNIT_EXPECT_EQ_MSG(test, cmd.op, c->op, "input '%s'", c->in);
			KUNIT_EXPECT_EQ_MSG(test, cmd.arg, c->arg, "input '%s'",
					    c->in);
		}
	}
}

/* kmemleak_write()'s rules: prefixes, in its order, kstrto*() base 0. */
static const struct cmd_case kml_cases[] = {
	{ "scan", 0, KLT_CMD_SCAN, 0 },
	{ "scan\n", 0, KLT_CMD_SCAN, 0 },
	{ "scanning", 0, KLT_CMD_SCAN, 0 },
	{ "scan=on\n", 0, KLT_CMD_SCAN_ON, 0 },
	{ "scan=onward", 0, KLT_CMD_SCAN_ON, 0 },
	{ "scan=off", 0, KLT_CMD_SCAN_OFF, 0 },
	{ "scan=600\n", 0, KLT_CMD_SCAN_SECS, 600 },
	{ "scan=0x10", 0, KLT_CMD_SCAN_SECS, 16 },
	{ "scan=0", 0, KLT_CMD_SCAN_SECS, 0 },
	{ "clear", 0, KLT_CMD_CLEAR, 0 },
	{ "clear=1", 0, KLT_CMD_CLEAR, 0 },
	{ "off\n", 0, KLT_CMD_OFF, 0 },
	{ "offer", 0, KLT_CMD_OFF, 0 },
	{ "stack=on", 0, KLT_CMD_STACK, 1 },
	{ "stack=off\n", 0, KLT_CMD_STACK, 0 },
	{ "dump=0xffff888000001000\n", 0, KLT_CMD_DUMP, 0xffff888000001000UL },
	{ "dump=4096", 0, KLT_CMD_DUMP, 4096 },
	{ "scan=", -EINVAL },
	{ "scan=x", -EINVAL },
	{ "scan=99999999999", -ERANGE },
	{ "dump=", -EINVAL },
	{ "dump=zz", -EINVAL },
	{ "stack=maybe", -EINVAL },
	{ "track=on", -EINVAL },
	{ "why=0", -EINVAL },
	{ " scan", -EINVAL },
	{ "Scan", -EINVAL },
	{ "", -EINVAL },
};

static void cmd_parse_kmemleak(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kml_cases); i++) {
		const struct cmd_case *c = &kml_cases[i];
		struct klt_cmd cmd = { .op = -1, .arg = 12345 };
		int ret = klt_parse_kmemleak_cmd(c->in, &cmd);

		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "input '%s'", c->in);
		if (!c->ret && !ret) {
			KUNIT_EXPECT_EQ_MSG(test, cmd.op, c->op, "input '%s'", c->in);
			KUNIT_EXPECT_EQ_MSG(test, cmd.arg, c->arg, "input '%s'",
					    c->in);
			KUNIT_EXPECT_TRUE_MSG(test, cmd.kmemleak, "input '%s'",
					      c->in);
		}
	}
}

static void cmd_parse_not_terminated(struct kunit *test)
{
	static const char buf[] = "clearXXXX";
	struct klt_cmd cmd;

	/* A write() buffer has no NUL: only len bytes count. */
	KUNIT_EXPECT_EQ(test, klt_parse_cmd(buf, 5, &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.op, KLT_CMD_CLEAR);
	KUNIT_EXPECT_EQ(test, klt_parse_cmd(buf, 6, &cmd), -EINVAL);
}

static void report_format(struct kunit *test)
{
	static const char hex_row[] =
		"\n    41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA\n";
	struct klt_test_ctx *ctx = test->priv;
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	u8 *mem = kunit_kzalloc(test, 40, GFP_KERNEL);
	struct klt_object *obj, snap;
	char line[96];

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	memset(mem, 'A', 40);
	obj = ins(test, (unsigned long)mem, 40, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->checksum = 0x8f0e1a2b;
	obj->flags |= KLT_F_LEAK;
	snap = *obj;
	klt_format_object(&ctx->st, &snap, buf, PAGE_SIZE);

	snprintf(line, sizeof(line), "unreferenced object 0x%lx (size 40):\n",
		 (unsigned long)mem);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(buf, line));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  comm \"kunit\", pid 1, jiffies "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  leak: direct\n  cache: kmalloc\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  hex dump (first 32 bytes):\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, hex_row));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  backtrace (crc 8f0e1a2b):\n"));

	snap.flags |= KLT_F_INDIRECT;
	snap.enc_parent = klt_enc(0xffff888004a1b000UL);
	klt_format_object(&ctx->st, &snap, buf, PAGE_SIZE);
	KUNIT_EXPECT_NOT_NULL(test,
			      strstr(buf, "\n  leak: indirect (held by 0xffff888004a1b000)\n"));
}

static void report_format_small_buffer(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	u8 *mem = kunit_kzalloc(test, 8, GFP_KERNEL);
	struct klt_object *obj;
	char buf[48];
	int n;

	obj = ins(test, (unsigned long)mem, 8, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	memset(buf, 0x5a, sizeof(buf));
	n = klt_format_object(&ctx->st, obj, buf, sizeof(buf) - 8);
	/* Truncated, terminated, and nothing written past the end. */
	KUNIT_EXPECT_LT(test, n, (int)sizeof(buf) - 8);
	KUNIT_EXPECT_EQ(test, buf[sizeof(buf) - 8 - 1], 0);
	KUNIT_EXPECT_EQ(test, (u8)buf[sizeof(buf) - 1], 0x5a);
}

static bool slub_read_mem(void *ctx, unsigned long addr, unsigned long *val)
{
	return !copy_from_kernel_nofault(val, (void *)addr, sizeof(*val));
}

static void slub_test_ctor(void *obj)
{
}

#define SLUB_OBJS	8	/* a slab has never-used slots, KASAN or not */

/* The free lists of a real slab: free slots found, live objects never. */
static void slub_free_map_real(struct kunit *test)
{
	static const char name[] = "kleaktrack_test_slub";
	unsigned long *map = kunit_kzalloc(test, 512, GFP_KERNEL);
	struct kmem_cache *cache;
	struct klt_slab_info si;
	void *obj[SLUB_OBJS];
	int i, n, found = 0;

	KUNIT_ASSERT_NOT_NULL(test, map);
	/* A constructor keeps the cache from being merged with another. */
	cache = kmem_cache_create(name, 96, 0, 0, slub_test_ctor);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	kasan_disable_current();
	klt_slub_check(cache, name);
	KUNIT_EXPECT_TRUE(test, klt_freelist_ok);
	for (i = 0; i < SLUB_OBJS; i++)
		obj[i] = kmem_cache_alloc(cache, GFP_KERNEL);
	for (i = 1; i < SLUB_OBJS; i += 2)
		kmem_cache_free(cache, obj[i]);
	KUNIT_ASSERT_TRUE(test, obj[0] && klt_slab_read(virt_to_page(obj[0]), &si));
	KUNIT_EXPECT_EQ(test, si.cache, (unsigned long)cache);
	n = klt_slab_free_map(&si, slub_read_mem, NULL, map, 512 * 8);
	KUNIT_EXPECT_GT(test, n, 0);
	for (i = 0; i < SLUB_OBJS; i++) {
		unsigned long a = (unsigned long)obj[i];
		bool in = a >= si.base && a < si.base + si.pages * PAGE_SIZE;
		bool is_free = in && test_bit((a - si.base - si.red_left) / si.size, map);

		if (!(i & 1))
			KUNIT_EXPECT_FALSE_MSG(test, is_free, "live object %d", i);
		else
			found += is_free;
	}
	/* KASAN keeps freed objects in quarantine, off the free lists. */
	if (!IS_ENABLED(CONFIG_KASAN))
		KUNIT_EXPECT_GT(test, found, 0);
	kasan_enable_current();
	for (i = 0; i < SLUB_OBJS; i += 2)
		kmem_cache_free(cache, obj[i]);
	kmem_cache_destroy(cache);
}

struct slub_fake {
	unsigned long words[8 * 64 / sizeof(long)];
	unsigned long base;
};

static unsigned long slub_enc(struct klt_slab_info *si, unsigned long p,
			      unsigned long at)
{
#ifdef CONFIG_SLAB_FREELIST_HARDENED
	return p ^ si->random ^ swab(at);
#else
	return p;
#endif
}

static bool slub_read_fake(void *ctx, unsigned long addr, unsigned long *val)
{
	struct slub_fake *f = ctx;

	if (addr < f->base || addr >= f->base + sizeof(f->words))
		return false;
	*val = f->words[(addr - f->base) / sizeof(long)];
	return true;
}

/* Slot @from (of 64 bytes, free pointer at 32) points to slot @to, 0 = end. */
static void slub_link(struct slub_fake *f, struct klt_slab_info *si,
		      unsigned int from, unsigned int to)
{
	unsigned long at = f->base + from * 64 + 32;

	f->words[(at - f->base) / sizeof(long)] =
		slub_enc(si, to ? f->base + to * 64 : 0, at);
}

/* Chains that leave the slab, loop or land mid-slot void the answer. */
static void slub_free_map_bad_chain(struct kunit *test)
{
	struct slub_fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned long map[1], b;
	struct klt_slab_info si = {
		.size = 64, .offset = 32, .objects = 8, .pages = 1,
		.random = 0x5a5a5a5a5a5a5a5aUL, .nheads = 1,
	};

	KUNIT_ASSERT_NOT_NULL(test, f);
	b = (unsigned long)f->words;
	f->base = b;
	si.base = b;

	/* 1 -> 3 -> 5 -> end: three free slots. */
	si.head[0] = b + 64;
	slub_link(f, &si, 1, 3);
	slub_link(f, &si, 3, 5);
	slub_link(f, &si, 5, 0);
	KUNIT_EXPECT_EQ(test, klt_slab_free_map(&si, slub_read_fake, f, map, 64), 3);
	KUNIT_EXPECT_EQ(test, map[0], 0x2aUL);

	slub_link(f, &si, 5, 1);		/* a loop */
	KUNIT_EXPECT_EQ(test, klt_slab_free_map(&si, slub_read_fake, f, map, 64), -EINVAL);
	slub_link(f, &si, 5, 0);
	f->words[(3 * 64 + 32) / sizeof(long)] = slub_enc(&si, b + 64 * 4 + 8,
							  b + 3 * 64 + 32);
	KUNIT_EXPECT_EQ(test, klt_slab_free_map(&si, slub_read_fake, f, map, 64), -EINVAL);
	slub_link(f, &si, 3, 9);		/* past the last object */
	KUNIT_EXPECT_EQ(test, klt_slab_free_map(&si, slub_read_fake, f, map, 64), -EINVAL);
	si.objects = 100;	/* more objects than the map holds */
	KUNIT_EXPECT_EQ(test, klt_slab_free_map(&si, slub_read_fake, f, map, 64), -E2BIG);
}

static int tasks_sleeper(void *data)
{
	struct completion *go = data;

	wait_for_completion(go);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

/* A task seen asleep has a bound until it runs again; a running one none. */
static void tasks_asleep_since(struct kunit *test)
{
	struct completion go;
	struct task_struct *t;
	unsigned long before = jiffies;
	int i;

	init_completion(&go);
	t = kthread_run(tasks_sleeper, &go, "klt_test_sleeper");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	/* Let it reach its wait. */
	for (i = 0; i < 50 && READ_ONCE(t->__state) == TASK_RUNNING; i++)
		msleep(20);
	msleep(20);
	klt_tasks_note();
	KUNIT_EXPECT_FALSE(test, time_before(klt_task_asleep_since(t), before));
	msleep(20);
	klt_tasks_note();	/* a later record keeps the earlier time */
	KUNIT_EXPECT_NE(test, klt_task_asleep_since(t), 0UL);
	KUNIT_EXPECT_FALSE(test, time_after(klt_task_asleep_since(t), jiffies - 1));
	KUNIT_EXPECT_EQ(test, klt_task_asleep_since(current), 0UL);

	complete(&go);		/* it runs, and sleeps in its loop */
	msleep(50);
	KUNIT_EXPECT_EQ(test, klt_task_asleep_since(t), 0UL);
	kthread_stop(t);
	put_task_struct(t);
	klt_tasks_forget();
}

static struct kunit_case klt_store_cases[] = {
	KUNIT_CASE(store_insert_lookup),
	KUNIT_CASE(store_ordering),
	KUNIT_CASE(store_replace_on_reuse),
	KUNIT_CASE(store_overlap_dropped),
	KUNIT_CASE(store_reuse_drops_covered),
	KUNIT_CASE(store_insert_bound),
	KUNIT_CASE(store_erase_tombstone),
	KUNIT_CASE(store_full),
	KUNIT_CASE(store_sample_by_address),
	{}
};

static struct kunit_case klt_scan_cases[] = {
	KUNIT_CASE(scan_chain),
	KUNIT_CASE(scan_cycle),
	KUNIT_CASE(scan_diamond),
	KUNIT_CASE(scan_self_reference),
	KUNIT_CASE(scan_interior_pointer),
	KUNIT_CASE(scan_cleared_is_root),
	KUNIT_CASE(scan_changed_not_reported),
	KUNIT_CASE(scan_young_not_reported),
	KUNIT_CASE(scan_freed_not_reported),
	KUNIT_CASE(scan_clear),
	{}
};

static struct kunit_case klt_cmd_cases[] = {
	KUNIT_CASE(cmd_parse),
	KUNIT_CASE(cmd_parse_not_terminated),
	KUNIT_CASE(cmd_parse_kmemleak),
	KUNIT_CASE(report_format),
	KUNIT_CASE(report_format_small_buffer),
	{}
};

static struct kunit_case klt_slub_cases[] = {
	KUNIT_CASE(slub_free_map_real),
	KUNIT_CASE(slub_free_map_bad_chain),
	KUNIT_CASE(tasks_asleep_since),
	{}
};

static struct kunit_suite klt_slub_suite = {
	.name = "kleaktrack_slub_tasks",
	.test_cases = klt_slub_cases,
};

static struct kunit_suite klt_store_suite = {
	.name = "kleaktrack_store",
	.init = klt_store_test_init,
	.exit = klt_store_test_exit,
	.test_cases = klt_store_cases,
};

static struct kunit_suite klt_scan_suite = {
	.name = "kleaktrack_scan",
	.init = klt_store_test_init,
	.exit = klt_store_test_exit,
	.test_cases = klt_scan_cases,
};

static struct kunit_suite klt_cmd_suite = {
	.name = "kleaktrack_commands_report",
	.init = klt_store_test_init,
	.exit = klt_store_test_exit,
	.test_cases = klt_cmd_cases,
};

kunit_test_suites(&klt_store_suite, &klt_scan_suite, &klt_cmd_suite,
		  &klt_slub_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for kleaktrack");
