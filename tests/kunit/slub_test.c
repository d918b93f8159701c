// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: SLUB's private layouts (slub.c): the free lists of a real slab,
 * and chains that must void the answer.
 */
#include "../../module/slub.c"
#include <linux/swab.h>
#include <kunit/test.h>
#include "kleaktrack_test.h"

/* The kernel's own SLUB structures, where the tree has mm/ (Kbuild). */
#ifdef SLUB_HAVE_MM
#include "mm/slab.h"
#endif

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

/*
 * Each mirrored layout is tried on a cache of ours: it must hold exactly
 * when it is the kernel's (mm/slab.h is the oracle), and the check at
 * load must pick one that is.
 */
static void slub_layout_chosen_by_check(struct kunit *test)
{
	static const char name[] = "kleaktrack_test_layout";
	const struct klt_slub_layout *l;
	struct kmem_cache *cache;
	int held = 0;
	bool named;

#ifndef SLUB_HAVE_MM
	kunit_skip(test, "no mm/slab.h in this tree");
#else
	cache = kmem_cache_create(name, 64, 0, 0, slub_test_ctor);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	kasan_disable_current();
	for (l = klt_layouts; l < klt_layouts + ARRAY_SIZE(klt_layouts); l++) {
		bool real = l->head == offsetof(struct kmem_cache, flags) &&
			    offsetof(struct klt_slab, words[l->slab_cache_word]) ==
			    offsetof(struct slab, slab_cache);
		bool ok = klt_layout_holds(l, cache, name, &named);

		KUNIT_EXPECT_EQ_MSG(test, ok, real, "layout %s, word %u, head %u",
				    l->what, l->slab_cache_word, l->head);
		KUNIT_EXPECT_EQ_MSG(test, named, l->head ==
				    offsetof(struct kmem_cache, flags),
				    "name under head %u", l->head);
		held += ok;
	}
	KUNIT_EXPECT_GT(test, held, 0);
	klt_slub_check(cache, name);
	KUNIT_EXPECT_TRUE(test, klt_freelist_ok);
	KUNIT_EXPECT_EQ(test, klt_layout->head, offsetof(struct kmem_cache, flags));
	KUNIT_EXPECT_EQ(test, offsetof(struct klt_slab,
				       words[klt_layout->slab_cache_word]),
			offsetof(struct slab, slab_cache));
	kasan_enable_current();
	kmem_cache_destroy(cache);
#endif
}

static struct kunit_case klt_slub_cases[] = {
	KUNIT_CASE(slub_layout_chosen_by_check),
	KUNIT_CASE(slub_free_map_real),
	KUNIT_CASE(slub_free_map_bad_chain),
	{}
};

static struct kunit_suite klt_slub_suite = {
	.name = "kleaktrack_slub",
	.test_cases = klt_slub_cases,
};

kunit_test_suite(klt_slub_suite);
