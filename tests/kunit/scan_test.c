// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the marking engine (scan.c): what a root block reaches, interior
 * pointers, self-references, kmemleak's checksum and age rules, cleared
 * suspects as roots, frees between scans, the vmalloc layer's records and
 * per-CPU cookies.
 */
#include "../../module/scan.c"
#include <kunit/test.h>
#include <linux/vmalloc.h>
#include "kleaktrack_test.h"

static void scan_self_reference(struct kunit *test)
{
	void **a = kt_node(test, 48);
	struct klt_scan_result res;

	a[2] = a;
	kt_scan_twice(test, NULL, 0, &res);
	/* Pointing at itself keeps nothing alive. */
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), DIRECT);
	KUNIT_EXPECT_EQ(test, res.leaks, 1UL);
}

static void scan_interior_pointer(struct kunit *test)
{
	void **roots = kunit_kzalloc(test, sizeof(void *), GFP_KERNEL);
	void **a = kt_node(test, 128), **b = kt_node(test, 128), **c = kt_node(test, 128);
	struct klt_scan_result res;

	roots[0] = (char *)a + 40;
	b[0] = (char *)c + 127;
	kt_scan_twice(test, roots, 1, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, b), DIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, c), INDIRECT);
}

/* kmemleak's "clear": cleared suspects are roots from then on. */
static void scan_cleared_is_root(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **d = kt_node(test, 64), **e = kt_node(test, 64), **f;
	struct klt_scan_result res;

	d[0] = e;
	kt_scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 2UL);
	klt_clear_leaks(&ctx->st);
	/* What a cleared object points to, even later, is not a leak. */
	f = kt_node(test, 64);
	d[1] = f;
	kt_scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
	KUNIT_EXPECT_EQ(test, kt_kind(test, d), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, e), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, f), NOT_LEAK);
	/* Once cleared objects stop pointing at it, it is one. */
	d[1] = NULL;
	kt_scan_once(test, NULL, 0, 0, &res);
	kt_scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, f), DIRECT);
	KUNIT_EXPECT_EQ(test, res.leaks, 1UL);
}

static void scan_changed_not_reported(struct kunit *test)
{
	void **a = kt_node(test, 64), **b = kt_node(test, 64);
	struct klt_scan_result res;

	kt_scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
	/* a is written between scans: in use, not a leak yet. */
	a[5] = (void *)0x1234;
	kt_scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, b), DIRECT);
	kt_scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), DIRECT);
}

/*
 * An object allocated more than 2^32 jiffies ago (198 days at HZ=250) is
 * still old: older than min_age, and older than a task's sleep, so that
 * task's stack reference to it counts.
 */
static void scan_age_past_32_bits(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	unsigned long born = jiffies - BIT_ULL(32) - 100;
	void **a = kt_node(test, 64);
	struct klt_object *obj = kt_lookup(test, (unsigned long)a);
	struct klt_scan_result res;
	struct klt_scan *sc;

	KUNIT_ASSERT_NOT_NULL(test, obj);
	klt_obj_set_born(obj, born);
	KUNIT_EXPECT_EQ(test, klt_obj_born(obj), born);
	/* A time after now reads back as 2^42 jiffies ago, never as young. */
	klt_obj_set_born(obj, jiffies + 10);
	KUNIT_EXPECT_TRUE(test, time_before(klt_obj_born(obj), jiffies));
	klt_obj_set_born(obj, born);

	sc = klt_scan_begin(&ctx->st, 5 * HZ, NULL);
	KUNIT_ASSERT_NOT_NULL(test, sc);
	KUNIT_EXPECT_TRUE(test, klt_old_enough(sc, obj));
	/* Marked from the stack of a task asleep for the last 50 jiffies. */
	sc->asleep_since = jiffies - 50;
	klt_mark(sc, obj);
	KUNIT_EXPECT_EQ(test, obj->gen, sc->gen);
	sc->asleep_since = 0;
	klt_scan_end(sc, &res);
}

static void scan_young_not_reported(struct kunit *test)
{
	void **a = kt_node(test, 64);
	struct klt_scan_result res;

	kt_scan_once(test, NULL, 0, 3600 * HZ, &res);
	kt_scan_once(test, NULL, 0, 3600 * HZ, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
}

static void scan_freed_not_reported(struct kunit *test)
{
	void **a = kt_node(test, 64), **b = kt_node(test, 64);
	struct klt_scan_result res;

	kt_scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 2UL);
	kt_erase(test, (unsigned long)a);
	kt_scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 1UL);
	KUNIT_EXPECT_EQ(test, kt_kind(test, b), DIRECT);
}

/*
 * A vmalloc area of 3 pages and 100 bytes, holding a tracked node on its
 * third page; @roots (8 words) is then scanned twice, with the area's
 * address filled in where a word is VA, N pages below it for 2 <= N < 16,
 * N - 16 pages above it for 16 <= N < 32.
 */
#define VA	1UL
#define VA_SIZE	(3 * PAGE_SIZE + 100)

static int vmap_kind(struct kunit *test, unsigned long *roots, int list_at,
		     void ***child)
{
	struct list_head *node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);
	void *area = vmalloc(VA_SIZE);
	struct klt_scan_result res;
	struct klt_object *obj;
	int i, kind;

	KUNIT_ASSERT_NOT_NULL(test, area);
	memset(area, 0, VA_SIZE);
	obj = kt_ins(test, (unsigned long)area, VA_SIZE, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->flags |= KLT_F_VMALLOC;
	*child = kt_node(test, 64);
	*(void ***)(area + 2 * PAGE_SIZE + 8) = *child;
	for (i = 0; i < 8; i++) {
		if (roots[i] == VA)
			roots[i] = (unsigned long)area;
		else if (roots[i] > VA && roots[i] < 16)	/* pages below */
			roots[i] = (unsigned long)area - roots[i] * PAGE_SIZE;
		else if (roots[i] >= 16 && roots[i] < 32)	/* pages above */
			roots[i] = (unsigned long)area + (roots[i] - 16) * PAGE_SIZE;
	}
	/* A list node whose next entry points back to it. */
	KUNIT_ASSERT_NOT_NULL(test, node);
	if (list_at >= 0) {
		roots[list_at] = (unsigned long)node;
		node->prev = (struct list_head *)&roots[list_at];
	}
	kt_scan_once(test, (void **)roots, 8, 0, &res);
	kt_scan_once(test, (void **)roots, 8, 0, &res);
	kind = kt_kind(test, area);
	if (kind == DIRECT) {
		KUNIT_EXPECT_EQ(test, kt_kind(test, *child), INDIRECT);
		KUNIT_EXPECT_EQ(test, kt_holder(test, *child), (unsigned long)area);
	} else {
		KUNIT_EXPECT_EQ(test, kt_kind(test, *child), NOT_LEAK);
	}
	kt_erase(test, (unsigned long)area);
	vfree(area);
	return kind;
}

/*
 * The kernel's records of a vmalloc area are not references to it: the
 * vm_struct (next, addr, size with the guard page, VM_ALLOC, the page
 * array), its vmap_area (start, end, rb_node, a list node that its next
 * entry points back to), and the vmap_area below, which ends where it
 * starts. The same words with anything else around them are references:
 * a buffer and its size, two adjacent areas side by side, a list_head
 * that is not linked back, a size the area cannot have.
 */
static void scan_vmap_bookkeeping(struct kunit *test)
{
	/* Any address in the direct map, as the tree's and list's are. */
	unsigned long k = (unsigned long)kunit_kzalloc(test, 64, GFP_KERNEL);
	unsigned long vm[8] = { 0, VA, 5 * PAGE_SIZE, 0x22, k };
	unsigned long own[8] = { VA, 16 + 5, k | 1, 0, 0, 0, k };
	unsigned long below[8] = { 3, VA, k, 0, 0, 0, k };
	unsigned long vm_noalloc[8] = { 0, VA, 5 * PAGE_SIZE, 0x20, k };
	unsigned long adjacent[8] = { VA, 16 + 5, k | 1, 0, 0, k, k };
	unsigned long struct_below[8] = { 3, VA, k, 0, k, k, k };
	unsigned long buf[8] = { VA, VA_SIZE, 0x22 };
	unsigned long big[8] = { 0, VA, 0, 0x22, k };
	void **child;

	KUNIT_EXPECT_EQ(test, vmap_kind(test, vm, -1, &child), DIRECT);
	KUNIT_EXPECT_EQ(test, vmap_kind(test, own, 5, &child), DIRECT);
	KUNIT_EXPECT_EQ(test, vmap_kind(test, below, 5, &child), DIRECT);
	KUNIT_EXPECT_EQ(test, vmap_kind(test, vm_noalloc, -1, &child), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, vmap_kind(test, adjacent, -1, &child), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, vmap_kind(test, struct_below, -1, &child),
			NOT_LEAK);
	KUNIT_EXPECT_EQ(test, vmap_kind(test, buf, -1, &child), NOT_LEAK);
	/* More than a PMD over: not a size the area can have. */
	big[2] = ALIGN(VA_SIZE, PMD_SIZE) + 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, vmap_kind(test, big, -1, &child), NOT_LEAK);
}

/*
 * A per-CPU allocation is referenced by its cookie, scanned on every
 * CPU's copy and summed over all of them; a word in a cookie range that
 * lands on another kind of record stands for nothing. Inside a
 * first-chunk allocation a cookie is taken for a number
 * (klt_cookie_holds()).
 */
static void scan_percpu_cookie(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **roots = kunit_kzalloc(test, 2 * sizeof(void *), GFP_KERNEL);
	void __percpu *pc;
	unsigned long first, cookie, other;
	void **child, **node = kt_node(test, 64);
	struct klt_scan_result res;
	struct klt_object *obj;
	int cpu, last = 0;

	if (num_possible_cpus() < 2)
		kunit_skip(test, "one possible CPU: one copy");
	KUNIT_ASSERT_NOT_NULL(test, roots);
	pc = __alloc_percpu(64, 8);
	KUNIT_ASSERT_NOT_NULL(test, pc);
	for_each_possible_cpu(cpu)
		last = cpu;
	first = (unsigned long)per_cpu_ptr(pc, cpumask_first(cpu_possible_mask));
	cookie = (unsigned long)(void __force *)pc;
	KUNIT_EXPECT_EQ(test, first - klt_pcpu_off(), cookie);
	obj = kt_ins(test, first, 64, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->flags |= KLT_F_PERCPU;
	KUNIT_EXPECT_EQ(test, klt_obj_shown(obj), cookie);
	/* The store's range for it, and one for a word naming @node. */
	other = klt_pcpu_range(first) ^ 1;
	ctx->st.pcpu_lo[klt_pcpu_range(first)] = klt_enc(cookie);
	ctx->st.pcpu_hi[klt_pcpu_range(first)] = klt_enc(cookie + 64);
	ctx->st.pcpu_lo[other] = klt_enc((unsigned long)node - klt_pcpu_off());
	ctx->st.pcpu_hi[other] = klt_enc((unsigned long)node - klt_pcpu_off() + 64);
	child = kt_node(test, 64);
	*(void ***)((unsigned long)per_cpu_ptr(pc, last) + 40) = child;

	roots[0] = (void *)cookie;
	roots[1] = (void *)((unsigned long)node - klt_pcpu_off());
	kt_scan_twice(test, roots, 2, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, (void *)first), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, child), NOT_LEAK);
	KUNIT_EXPECT_EQ(test, kt_kind(test, node), DIRECT);

	roots[0] = (void *)(cookie + 8);
	kt_scan_once(test, roots, 2, 0, &res);
	kt_scan_once(test, roots, 2, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, (void *)first),
			klt_pcpu_range(first) ? NOT_LEAK : DIRECT);

	roots[0] = NULL;
	kt_scan_once(test, roots, 2, 0, &res);
	kt_scan_once(test, roots, 2, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, (void *)first), DIRECT);
	KUNIT_EXPECT_EQ(test, kt_kind(test, child), INDIRECT);
	KUNIT_EXPECT_EQ(test, kt_holder(test, child), cookie);
	/* A write to another CPU's copy is a change: in use. */
	*(unsigned long *)per_cpu_ptr(pc, last) = 0x1234;
	kt_scan_once(test, roots, 2, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, (void *)first), NOT_LEAK);
	kt_erase(test, first);
	free_percpu(pc);
}

static struct kunit_case klt_scan_cases[] = {
	KUNIT_CASE(scan_self_reference),
	KUNIT_CASE(scan_interior_pointer),
	KUNIT_CASE(scan_cleared_is_root),
	KUNIT_CASE(scan_changed_not_reported),
	KUNIT_CASE(scan_young_not_reported),
	KUNIT_CASE(scan_age_past_32_bits),
	KUNIT_CASE(scan_freed_not_reported),
	KUNIT_CASE(scan_vmap_bookkeeping),
	KUNIT_CASE(scan_percpu_cookie),
	{}
};

static struct kunit_suite klt_scan_suite = {
	.name = "kleaktrack_scan",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_scan_cases,
};

kunit_test_suite(klt_scan_suite);
