// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for kleaktrack, one suite per concern of the module: the
 * store, the marking engine, the root walk, stacks, SLUB, classification,
 * why=, commands and the report. Each suite's file builds the module file
 * it tests, so that static functions can be tested too; this one holds
 * the fixtures they share.
 *
 * The scanner runs here on a private store and on explicit root blocks,
 * so the graphs are exactly what each test builds.
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kleaktrack_test.h"

/* main.c is not part of the test module: its scan mutex is here. */
DEFINE_MUTEX(klt_scan_mutex);

/* The hooks are not part of the test module: scans here skip no slot. */
bool kt_all_recorded;

bool klt_hooks_all_recorded(void)
{
	return kt_all_recorded;
}

unsigned long klt_hooks_unrecorded(void)
{
	return 0;
}

unsigned long klt_hooks_vmalloc_missed(void)
{
	return 0;
}

int klt_test_init(struct kunit *test)
{
	struct klt_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, klt_store_init(&ctx->st, 4 * KLT_OBJS_PER_CHUNK,
					     4 * KLT_OBJS_PER_CHUNK), 0);
	test->priv = ctx;
	return 0;
}

void klt_test_exit(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;

	klt_store_destroy(&ctx->st);
}

struct klt_object *kt_ins(struct kunit *test, unsigned long addr,
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
		klt_obj_set_born(obj, jiffies - 60 * HZ);
		obj->stack = 0;
		obj->enc_cache = 0;
		obj->enc_parent = 0;
		obj->pid = 1;
		strscpy(obj->comm, "kunit", sizeof(obj->comm));
	}
	raw_spin_unlock_irqrestore(&ctx->st.lock, flags);
	return obj;
}

struct klt_object *kt_lookup(struct kunit *test, unsigned long addr)
{
	struct klt_test_ctx *ctx = test->priv;

	return klt_store_lookup(&ctx->st, addr);
}

bool kt_erase(struct kunit *test, unsigned long addr)
{
	struct klt_test_ctx *ctx = test->priv;

	return klt_store_erase(&ctx->st, addr);
}

/* Graphs: real buffers tracked in the private store. */
void **kt_node(struct kunit *test, size_t size)
{
	void **p = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, (unsigned long)p, size, NULL));
	return p;
}

void kt_scan_once(struct kunit *test, void **roots, size_t nroots,
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
void kt_scan_twice(struct kunit *test, void **roots, size_t nroots,
		   struct klt_scan_result *res)
{
	kt_scan_once(test, roots, nroots, 0, res);
	KUNIT_EXPECT_EQ(test, res->leaks, 0UL);
	kt_scan_once(test, roots, nroots, 0, res);
}

int kt_kind(struct kunit *test, void *p)
{
	struct klt_object *obj = kt_lookup(test, (unsigned long)p);

	if (!obj || !(obj->flags & KLT_F_LEAK))
		return NOT_LEAK;
	return obj->flags & KLT_F_INDIRECT ? INDIRECT : DIRECT;
}

unsigned long kt_holder(struct kunit *test, void *p)
{
	return klt_dec(kt_lookup(test, (unsigned long)p)->enc_parent);
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for kleaktrack");
