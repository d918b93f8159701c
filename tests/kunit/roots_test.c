// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the root walk (roots.c): which pages are roots, which are left
 * out, and which words of a page the tracked objects in it hide.
 */
#include "../../module/roots.c"
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>
#include "kleaktrack_test.h"

static struct klt_scan *roots_sc(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_scan *sc = kunit_kzalloc(test, sizeof(*sc), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sc);
	sc->st = &ctx->st;
	return sc;
}

static enum klt_page_kind kind_of(struct klt_scan *sc, const void *addr)
{
	unsigned long span;

	return klt_page_kind(sc, page_to_pfn(virt_to_page(addr)), &span);
}

/* Ours are skipped, a plain page is a root, slabs go to slub.c. */
static void roots_page_kinds(struct kunit *test)
{
	struct klt_scan *sc = roots_sc(test);
	void *ours = klt_page_alloc(GFP_KERNEL);
	void *plain = (void *)__get_free_page(GFP_KERNEL);
	void *small = kmalloc(64, GFP_KERNEL);
	void *large = kmalloc(4 * PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_TRUE(test, ours && plain && small && large);
	KUNIT_EXPECT_EQ(test, kind_of(sc, ours), KLT_PAGE_SKIP);
	KUNIT_EXPECT_EQ(test, kind_of(sc, plain), KLT_PAGE_ROOT);
	KUNIT_EXPECT_EQ(test, kind_of(sc, small), KLT_PAGE_SLAB);
	/* Large kmalloc objects are compound pages outside the slab. */
	KUNIT_EXPECT_EQ(test, kind_of(sc, large), KLT_PAGE_OBJECTS);
	KUNIT_EXPECT_EQ(test, kind_of(sc, large + PAGE_SIZE), KLT_PAGE_OBJECTS);
	/* A page of a known stack is not a root. */
	sc->stack_pfn[0] = page_to_pfn(virt_to_page(plain));
	KUNIT_EXPECT_EQ(test, kind_of(sc, plain), KLT_PAGE_SKIP);
	kfree(large);
	kfree(small);
	free_page((unsigned long)plain);
	klt_page_free(ours);
}

/*
 * What /proc/kcore skips is never read, whatever else the page looks
 * like: offline pages, and hardware-poisoned ones (a read is a machine
 * check) where the kernel has memory failure handling.
 */
static void roots_poisoned_offline_skipped(struct kunit *test)
{
	struct klt_scan *sc = roots_sc(test);
	struct page *page = alloc_page(GFP_KERNEL);
	void *addr;

	KUNIT_ASSERT_NOT_NULL(test, page);
	addr = page_address(page);
	KUNIT_EXPECT_EQ(test, kind_of(sc, addr), KLT_PAGE_ROOT);
	__folio_set_offline(page_folio(page));
	KUNIT_EXPECT_EQ(test, kind_of(sc, addr), KLT_PAGE_SKIP);
	__folio_clear_offline(page_folio(page));
	if (IS_ENABLED(CONFIG_MEMORY_FAILURE)) {
		folio_set_hwpoison(page_folio(page));
		KUNIT_EXPECT_EQ(test, kind_of(sc, addr), KLT_PAGE_SKIP);
		folio_clear_hwpoison(page_folio(page));
	}
	KUNIT_EXPECT_EQ(test, kind_of(sc, addr), KLT_PAGE_ROOT);
	__free_page(page);
}

/*
 * The pages of a tracked vmalloc area are scanned when it is reached, not
 * as roots: while mapped where they were found and the area recorded.
 * The list of them holds no address a scan could match; an area found
 * unmapped, or with another first page, was freed unseen, and its record
 * goes.
 */
static void roots_vmalloc_pages(struct kunit *test)
{
	struct klt_scan *sc = roots_sc(test);
	void *area = vmalloc(3 * PAGE_SIZE), *other = vmalloc(PAGE_SIZE);
	void *gone = vmalloc(PAGE_SIZE);
	struct klt_object *obj;
	unsigned long span;
	unsigned int i, j;

	KUNIT_ASSERT_TRUE(test, area && other && gone);
	obj = kt_ins(test, (unsigned long)area, 3 * PAGE_SIZE - 10, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->flags |= KLT_F_VMALLOC;
	obj->enc_cache = klt_enc((unsigned long)vmalloc_to_page(area));
	obj = kt_ins(test, (unsigned long)gone, 100, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->flags |= KLT_F_VMALLOC;
	obj->enc_cache = klt_enc((unsigned long)vmalloc_to_page(gone));
	vfree(gone);
	/* Recorded with another first page: the area was replaced unseen. */
	obj = kt_ins(test, (unsigned long)other, 100, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->flags |= KLT_F_VMALLOC;
	obj->enc_cache = klt_enc((unsigned long)vmalloc_to_page(area));

	klt_vpages_find(sc);
	KUNIT_EXPECT_EQ(test, sc->nvpages, 3U);
	for (i = 0; i < sc->nvpages; i++)
		for (j = 0; j < 2; j++)
			KUNIT_EXPECT_NE(test, ((unsigned long *)&sc->vpages[i])[j] &
					PAGE_MASK, (unsigned long)area & PAGE_MASK);
	for (i = 0; i < 3; i++) {
		unsigned long pfn = vmalloc_to_pfn(area + i * PAGE_SIZE);

		KUNIT_EXPECT_TRUE(test, klt_vmalloc_page(sc, pfn));
		KUNIT_EXPECT_EQ(test, klt_page_kind(sc, pfn, &span), KLT_PAGE_SKIP);
	}
	KUNIT_EXPECT_FALSE(test, klt_vmalloc_page(sc, vmalloc_to_pfn(other)));
	KUNIT_EXPECT_EQ(test, klt_page_kind(sc, vmalloc_to_pfn(other), &span),
			KLT_PAGE_ROOT);
	KUNIT_EXPECT_NULL(test, kt_lookup(test, (unsigned long)gone));
	KUNIT_EXPECT_NULL(test, kt_lookup(test, (unsigned long)other));
	/* Freed since the list was made: a root again. */
	kt_erase(test, (unsigned long)area);
	KUNIT_EXPECT_FALSE(test, klt_vmalloc_page(sc, vmalloc_to_pfn(area)));
	/* The list itself is not a root: it holds pfns. */
	KUNIT_EXPECT_EQ(test, klt_page_kind(sc, vmalloc_to_pfn(sc->vpages), &span),
			KLT_PAGE_SKIP);
	klt_vfree(sc->vpages);
	vfree(other);
	vfree(area);
}

/* Tracked objects are scanned when reached, not as part of their page. */
static void roots_skip_tracked(struct kunit *test)
{
	struct klt_scan *sc = roots_sc(test);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE - 8, 16, NULL));
	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + 16, 24, NULL));
	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + 4090, 10, NULL));
	KUNIT_EXPECT_TRUE(test, klt_skip_tracked(sc, BASE, NULL, false));
	for (i = 0; i < KLT_WORDS; i++) {
		bool want = i == 0 || (i >= 2 && i <= 4) || i == 511;

		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, sc->skip), want,
				    "word %u", i);
	}
	KUNIT_EXPECT_FALSE(test,
			   klt_skip_tracked(sc, BASE + 2 * PAGE_SIZE, NULL, false));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(sc->skip, KLT_WORDS));
}

/*
 * Tombstones mask nothing outside a slab's grid, nor on it unless every
 * allocation is known to be recorded; off-grid records, and records of
 * another cache, mask nothing on a slab: an untracked live object may be
 * there, and what it points to is not a leak.
 */
static void roots_skip_only_trusted(struct kunit *test)
{
	struct klt_scan *sc = roots_sc(test);
	struct klt_slab_info si = {
		.cache = 0x1234, .base = BASE, .objects = 64, .size = 64,
		.object_size = 64, .pages = 1,
	};
	struct klt_object *other;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE, 64, NULL));
	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + 64, 64, NULL));
	KUNIT_ASSERT_TRUE(test, kt_erase(test, BASE + 64));	/* a tombstone */
	KUNIT_ASSERT_NOT_NULL(test, kt_ins(test, BASE + 136, 16, NULL));
	other = kt_ins(test, BASE + 192, 64, NULL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	other->enc_cache = klt_enc(0x5678);	/* a record of another cache */

	/* Not a slab: the live records mask, the tombstone does not. */
	klt_skip_tracked(sc, BASE, NULL, true);
	KUNIT_EXPECT_TRUE(test, test_bit(0, sc->skip));
	KUNIT_EXPECT_FALSE(test, test_bit(8, sc->skip));
	KUNIT_EXPECT_TRUE(test, test_bit(17, sc->skip));
	/* A slab, records not trusted: only the live one on the grid. */
	klt_skip_tracked(sc, BASE, &si, false);
	for (i = 0; i < KLT_WORDS; i++)
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, sc->skip), i < 8,
				    "word %u", i);
	/* Trusted: the tombstone on the grid too. */
	klt_skip_tracked(sc, BASE, &si, true);
	for (i = 0; i < KLT_WORDS; i++)
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, sc->skip), i < 16,
				    "word %u", i);
}

/* The pages that back struct pages are found, and only those. */
static void roots_memmap_found(struct kunit *test)
{
	struct klt_scan *sc = roots_sc(test);
	void *plain = (void *)__get_free_page(GFP_KERNEL);
	struct page *desc;
	unsigned long pfn;

	if (!IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP))
		kunit_skip(test, "no virtual memmap");
	KUNIT_ASSERT_NOT_NULL(test, plain);
	klt_memmap_find(sc);
	KUNIT_ASSERT_NOT_NULL(test, sc->memmap);
	KUNIT_EXPECT_GT(test, sc->nmemmap, 0U);
	desc = virt_to_page(plain);
	pfn = PHYS_PFN(slow_virt_to_phys(desc));
	KUNIT_EXPECT_NOT_NULL(test, klt_in_memmap(sc, pfn));
	KUNIT_EXPECT_EQ(test, kind_of(sc, pfn_to_kaddr(pfn)),
			KLT_PAGE_MEMMAP);
	KUNIT_EXPECT_NULL(test, klt_in_memmap(sc, page_to_pfn(desc)));
	klt_page_free(sc->memmap);
	free_page((unsigned long)plain);
}

/* The walk of this kernel's RAM is one to trust. */
static void roots_walk_trusted_here(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	struct klt_scan *sc = klt_scan_begin(&ctx->st, 0, NULL);
	struct klt_scan_result res;

	KUNIT_ASSERT_NOT_NULL(test, sc);
	KUNIT_EXPECT_EQ(test, klt_scan_ram(sc, true), 0);
	KUNIT_EXPECT_STREQ(test, sc->res.untrusted, "");
	KUNIT_EXPECT_GE(test, sc->walk.ram_pages, totalram_pages());
	KUNIT_EXPECT_GT(test, sc->walk.root_pages, 0UL);
	KUNIT_EXPECT_GE(test, sc->walk.slab_pages * 4, sc->walk.slab_in_use);
	klt_scan_end(sc, &res);
}

/*
 * A walk that missed RAM, found no root or read few slabs is refused, and
 * a refused scan reports nothing, not even a leak it would have found.
 */
static void roots_walk_untrusted_refused(struct kunit *test)
{
	struct klt_walk_stats ok = {
		.ram_pages = 1000, .root_pages = 100,
		.slab_pages = 60, .slab_in_use = 200,
	}, w;
	struct klt_test_ctx *ctx = test->priv;
	struct klt_scan_result res;
	struct klt_scan *sc;
	char buf[80];
	void **a;

	KUNIT_EXPECT_NULL(test, klt_walk_untrusted(&ok, 1000, buf, sizeof(buf)));
	w = ok;
	w.ram_pages = 400;
	KUNIT_EXPECT_NOT_NULL(test, klt_walk_untrusted(&w, 1000, buf, sizeof(buf)));
	KUNIT_EXPECT_STREQ(test, buf, "the RAM walk saw 400 of 1000 pages");
	w = ok;
	w.root_pages = 0;
	KUNIT_EXPECT_NOT_NULL(test, klt_walk_untrusted(&w, 1000, buf, sizeof(buf)));
	w = ok;
	w.slab_pages = 0;	/* every slab taken for free: a flood */
	KUNIT_EXPECT_NOT_NULL(test, klt_walk_untrusted(&w, 1000, buf, sizeof(buf)));
	KUNIT_EXPECT_STREQ(test, buf, "the RAM walk read 0 slab pages of 200 in use");
	w.slab_in_use = 10;	/* too little slab in use to tell */
	KUNIT_EXPECT_NULL(test, klt_walk_untrusted(&w, 1000, buf, sizeof(buf)));

	a = kt_node(test, 64);
	kt_scan_once(test, NULL, 0, 0, &res);
	sc = klt_scan_begin(&ctx->st, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, sc);
	w = ok;
	w.slab_pages = 0;
	klt_walk_untrusted(&w, 1000, sc->res.untrusted, sizeof(sc->res.untrusted));
	klt_scan_end(sc, &res);
	KUNIT_EXPECT_EQ(test, res.new_leaks, 0UL);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), NOT_LEAK);
	/* The same scan, trusted, finds it. */
	kt_scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, res.new_leaks, 1UL);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), DIRECT);
}

/* Untested releases load only with force=1 (main.c). */
static void roots_release_range(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, klt_release_tested(init_utsname()->release));
	KUNIT_EXPECT_TRUE(test, klt_release_tested("6.1.0-57-amd64"));
	KUNIT_EXPECT_TRUE(test, klt_release_tested("6.12.117+deb12-rt-amd64"));
	KUNIT_EXPECT_FALSE(test, klt_release_tested("6.13.0"));
	KUNIT_EXPECT_FALSE(test, klt_release_tested("6.8.0-49-generic"));
	KUNIT_EXPECT_FALSE(test, klt_release_tested("6.10"));
	KUNIT_EXPECT_FALSE(test, klt_release_tested("7.0.1-cloud-amd64"));
	KUNIT_EXPECT_FALSE(test, klt_release_tested("5.15.0-91-generic"));
	KUNIT_EXPECT_FALSE(test, klt_release_tested("6"));
	KUNIT_EXPECT_FALSE(test, klt_release_tested(""));
}

static unsigned long pcpu_pfn(unsigned long a)
{
	return is_vmalloc_addr((void *)a) ? vmalloc_to_pfn((void *)a) :
	       page_to_pfn(virt_to_page((void *)a));
}

/* Whether the page skip map, made for the page of @a, leaves out @a. */
static bool pcpu_skipped(struct klt_scan *sc, unsigned long a)
{
	unsigned long pfn = pcpu_pfn(a);
	unsigned long page = (unsigned long)page_address(pfn_to_page(pfn));

	if (!klt_skip_pranges(sc, pfn, page, true))
		return false;
	return test_bit(offset_in_page(a) / sizeof(long), sc->skip);
}

/*
 * Every CPU's copy of a tracked per-CPU allocation is left out of the
 * root pages, and nothing past it; a freed one's only while every
 * allocation is recorded.
 */
static void roots_percpu_copies(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void __percpu *pc = __alloc_percpu(40, 8);
	void __percpu *after = __alloc_percpu(64, 8);
	unsigned long first, cookie;
	struct klt_scan *sc;
	struct klt_object *obj;
	int cpu;

	KUNIT_ASSERT_TRUE(test, pc && after);
	first = (unsigned long)per_cpu_ptr(pc, cpumask_first(cpu_possible_mask));
	cookie = (unsigned long)(void __force *)pc;
	obj = kt_ins(test, first, 40, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->flags |= KLT_F_PERCPU;
	ctx->st.pcpu_lo[klt_pcpu_range(first)] = klt_enc(cookie);
	ctx->st.pcpu_hi[klt_pcpu_range(first)] = klt_enc(cookie + 40);

	sc = roots_sc(test);
	sc->pcpu_lo[klt_pcpu_range(first)] = cookie;
	sc->pcpu_len[klt_pcpu_range(first)] = 40;
	sc->pcpu_off = klt_pcpu_off();
	klt_pranges_find(sc);
	KUNIT_EXPECT_GE(test, sc->npranges, num_possible_cpus());
	for_each_possible_cpu(cpu) {
		unsigned long a = (unsigned long)per_cpu_ptr(pc, cpu);

		KUNIT_EXPECT_TRUE(test, pcpu_skipped(sc, a));
		KUNIT_EXPECT_TRUE(test, pcpu_skipped(sc, a + 32));
		KUNIT_EXPECT_FALSE(test, pcpu_skipped(sc, (unsigned long)
						      per_cpu_ptr(after, cpu)));
	}
	klt_vfree(sc->pranges);
	sc->pranges = NULL;
	sc->npranges = 0;

	/* Freed: a tombstone, trusted only while all is recorded. */
	KUNIT_ASSERT_TRUE(test, kt_erase(test, first));
	obj = kt_lookup(test, first);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_TRUE(test, obj->flags & KLT_F_PERCPU);
	if (is_vmalloc_addr((void *)first))
		obj->enc_cache = klt_enc((unsigned long)vmalloc_to_page((void *)first));
	klt_pranges_find(sc);
	KUNIT_EXPECT_EQ(test, sc->npranges, 0U);
	klt_vfree(sc->pranges);
	sc->pranges = NULL;
	sc->npranges = 0;
	kt_all_recorded = true;
	klt_pranges_find(sc);
	kt_all_recorded = false;
	KUNIT_EXPECT_TRUE(test, pcpu_skipped(sc, first));
	klt_vfree(sc->pranges);
	free_percpu(after);
	free_percpu(pc);
}

static struct kunit_case klt_roots_cases[] = {
	KUNIT_CASE(roots_page_kinds),
	KUNIT_CASE(roots_vmalloc_pages),
	KUNIT_CASE(roots_percpu_copies),
	KUNIT_CASE(roots_poisoned_offline_skipped),
	KUNIT_CASE(roots_skip_tracked),
	KUNIT_CASE(roots_skip_only_trusted),
	KUNIT_CASE(roots_memmap_found),
	KUNIT_CASE(roots_walk_trusted_here),
	KUNIT_CASE(roots_walk_untrusted_refused),
	KUNIT_CASE(roots_release_range),
	{}
};

static struct kunit_suite klt_roots_suite = {
	.name = "kleaktrack_roots",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_roots_cases,
};

kunit_test_suite(klt_roots_suite);
