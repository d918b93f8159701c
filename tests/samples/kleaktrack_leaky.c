// SPDX-License-Identifier: GPL-2.0
/*
 * A module that leaks on purpose, for kleaktrack's scenarios and demo.
 *
 * Load it before kleaktrack (its init allocates a "holder" object that the
 * tracker will not know about), then write 1 to the "plant" parameter to
 * make, each in its own function so that backtraces tell them apart:
 *
 *   leaks:     leaky_kmalloc (100 B), leaky_cache_alloc (72 B cache),
 *              leaky_list (1 + 10 nodes of 80 B), leaky_timer_fn (72 B, in
 *              softirq), leaky_large (12000 B), leaky_krealloc (4096 B)
 *   not leaks: keep_bss, keep_percpu, keep_vmalloc, keep_kthread,
 *              keep_in_old, keep_interior, keep_rcu (kfree_rcu),
 *              keep_bulk (kmem_cache_free_bulk), keep_alloc_bulk (only
 *              held by objects from kmem_cache_alloc_bulk, which has no
 *              tracepoint, at addresses of objects freed just before)
 *
 * Writing 1 then 2 to "untracked_holders", with "track=off" written to
 * kleaktrack in between, makes keep_untracked_leaf objects held by
 * objects kleaktrack never recorded, allocated where tracked objects were
 * just freed (their tombstones, the only free slots of the leaky_hold
 * cache): none of the leaves is a leak.
 *
 * The leaked pointers are kept bit-inverted, which no scanner can follow,
 * so that unloading frees everything, except with leak_on_exit=1: then
 * the unload itself leaks 100 bytes from leaky_on_exit, for good (a
 * module test suite's "load, unload, scan" finds it).
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

#define LIST_NODES	10
#define MAX_SETS	3
#define MAX_HIDDEN	(MAX_SETS * 16)
#define NR_RCU		64
#define NR_BULK		16

/*
 * 80 bytes, so kmalloc-96: kmalloc-64 holds kthread_create_info (whose
 * stale copies the kthread rule now leaves out) and, on 6.1, vm_struct;
 * 64-byte nodes are still missed in a first round often enough that a
 * set would rarely be whole (tests/rig/recall.sh measures it).
 */
struct node {
	struct node *next;
	char pad[72];
};

struct rcu_obj {
	struct rcu_head rcu;
	char pad[40];
};

static unsigned long hidden[MAX_HIDDEN];	/* ~pointer, kfree'd at exit */
static int nr_hidden;
static struct kmem_cache *leaky_cache;
static void *holder;				/* allocated at load */
static void *keep_bss_ptr;
static DEFINE_PER_CPU(void *, keep_pcpu_ptr);
static void **keep_vbuf;
static void *keep_interior_ptr;
static struct task_struct *keep_task;
static void *keep_bulk_objs[NR_BULK];
static int keep_bulk_n;
static struct timer_list leak_timer;
static DECLARE_COMPLETION(timer_done);
static bool planted;
static int nr_sets;
#define NR_HOLD		64
static struct kmem_cache *hold_cache;
static void *keep_holders[NR_HOLD];		/* untracked, on tombstones */
static void *keep_hold_alive[NR_HOLD];		/* keep the slabs in use */
static unsigned long untracked_leaves[NR_HOLD];	/* ~pointer until held */
static bool leak_on_exit;
module_param(leak_on_exit, bool, 0444);
MODULE_PARM_DESC(leak_on_exit, "Leak 100 bytes at unload, never freed");

static void hide(void *p)
{
	if (p && nr_hidden < MAX_HIDDEN)
		hidden[nr_hidden++] = ~(unsigned long)p;
}

/* Addresses for kleaktrack's why=/dump= commands in the scenarios. */
static void tell(const char *what, void *p)
{
	pr_info("kleaktrack_leaky: %s at 0x%lx\n", what, (unsigned long)p);
}

static noinline void leaky_kmalloc(void)
{
	void *p = kmalloc(100, GFP_KERNEL);

	if (p)
		memset(p, 0x6b, 100);
	hide(p);
	tell("leaky_kmalloc", p);
}

static noinline void leaky_cache_alloc(void)
{
	void *p = kmem_cache_alloc(leaky_cache, GFP_KERNEL);

	if (p)
		memset(p, 0x6c, 72);
	/* Objects of our cache go back to it: remember which is which. */
	if (p && nr_hidden < MAX_HIDDEN)
		hidden[nr_hidden++] = ~((unsigned long)p | 1);
	tell("leaky_cache_alloc", p);
}

static noinline void leaky_list(void)
{
	struct node *head = NULL;
	int i;

	for (i = 0; i <= LIST_NODES; i++) {
		struct node *n = kzalloc(sizeof(*n), GFP_KERNEL);

		if (!n)
			break;
		n->next = head;
		head = n;
		hide(n);
		tell("leaky_list", n);
	}
}

static noinline void leaky_timer_fn(struct timer_list *t)
{
	void *p = kmalloc(72, GFP_ATOMIC);

	if (p)
		memset(p, 0x6d, 72);
	hide(p);
	tell("leaky_timer_fn", p);
	complete(&timer_done);
}

static noinline void leaky_large(void)
{
	void *p = kmalloc(12000, GFP_KERNEL);

	if (p)
		memset(p, 0x6e, 12000);
	hide(p);
	tell("leaky_large", p);
}

static noinline void leaky_krealloc(void)
{
	void *p = kmalloc(64, GFP_KERNEL), *q;

	if (!p)
		return;
	q = krealloc(p, 4096, GFP_KERNEL);
	if (!q) {
		kfree(p);
		return;
	}
	memset(q, 0x6f, 4096);
	hide(q);
	tell("leaky_krealloc", q);
}

static noinline void leaky_on_exit(void)
{
	void *p = kmalloc(100, GFP_KERNEL);

	if (p)
		memset(p, 0x70, 100);
	tell("leaky_on_exit", p);
}

static noinline void keep_bss(void)
{
	keep_bss_ptr = kmalloc(200, GFP_KERNEL);
}

static noinline void keep_percpu(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		per_cpu(keep_pcpu_ptr, cpu) = kmalloc(40, GFP_KERNEL);
}

static noinline void keep_vmalloc(void)
{
	keep_vbuf = vzalloc(PAGE_SIZE);
	if (keep_vbuf)
		keep_vbuf[7] = kmalloc(56, GFP_KERNEL);
}

static noinline int keep_kthread(void *unused)
{
	void *p = kmalloc(88, GFP_KERNEL);

	/* Taking its address keeps p in the stack frame, not a register. */
	while (!kthread_should_stop()) {
		schedule_timeout_interruptible(HZ);
		barrier_data(&p);
	}
	kfree(p);
	return 0;
}

static noinline void keep_in_old(void)
{
	if (holder)
		*(void **)holder = kmalloc(120, GFP_KERNEL);
}

static noinline void keep_interior(void)
{
	char *p = kmalloc(128, GFP_KERNEL);

	keep_interior_ptr = p ? p + 40 : NULL;
}

static void rcu_obj_free(struct rcu_obj *o)
{
	kfree_rcu(o, rcu);
}

static noinline void keep_rcu(void)
{
	int i;

	for (i = 0; i < NR_RCU; i++) {
		struct rcu_obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

		if (o)
			rcu_obj_free(o);
	}
}

/* Inlined, so that the backtraces name the decoy that called it. */
static __always_inline int alloc_one_by_one(void **objs)
{
	int i, n = 0;

	for (i = 0; i < NR_BULK; i++) {
		objs[n] = kmem_cache_alloc(leaky_cache, GFP_KERNEL);
		if (objs[n])
			n++;
	}
	return n;
}

static noinline void keep_bulk(void)
{
	void *objs[NR_BULK];

	kmem_cache_free_bulk(leaky_cache, alloc_one_by_one(objs), objs);
}

static noinline void keep_alloc_bulk(void)
{
	void *objs[NR_BULK];
	int i, n;

	/* Tracked, then freed: the bulk allocation below takes their slots. */
	n = alloc_one_by_one(objs);
	while (n)
		kmem_cache_free(leaky_cache, objs[--n]);
	keep_bulk_n = kmem_cache_alloc_bulk(leaky_cache, GFP_KERNEL, NR_BULK,
					    keep_bulk_objs);
	/* Cleared: stale words in them would be (conservative) roots. */
	for (i = 0; i < keep_bulk_n; i++) {
		memset(keep_bulk_objs[i], 0, 72);
		*(void **)keep_bulk_objs[i] = kzalloc(48, GFP_KERNEL);
	}
}

/* Not a tail call, so that the backtrace names this function. */
static noinline void keep_untracked_leaf(int i)
{
	untracked_leaves[i] = ~(unsigned long)kzalloc(48, GFP_KERNEL);
}

/*
 * 1: the leaves, and in a cache of our own 128 objects of which every
 * other one is freed right away: the cache's only free slots are then
 * tombstones, and the holders of 2 (allocated with kleaktrack's tracking
 * off) take them. 3 drops the holders' references, for the control.
 */
static long holders_stage_fn(void *arg)
{
	long stage = (long)arg;
	int i;

	if (stage == 1 && !untracked_leaves[0] && !keep_holders[0]) {
		void *gone[NR_HOLD];

		for (i = 0; i < NR_HOLD; i++) {
			gone[i] = kmem_cache_alloc(hold_cache, GFP_KERNEL);
			keep_hold_alive[i] = kmem_cache_alloc(hold_cache, GFP_KERNEL);
			keep_untracked_leaf(i);
		}
		for (i = 0; i < NR_HOLD; i++)
			if (gone[i])
				kmem_cache_free(hold_cache, gone[i]);
		return 0;
	}
	if (stage == 2 && untracked_leaves[0]) {
		for (i = 0; i < NR_HOLD; i++) {
			void *leaf = (void *)~untracked_leaves[i];

			keep_holders[i] = kmem_cache_alloc(hold_cache, GFP_KERNEL);
			if (keep_holders[i]) {
				memset(keep_holders[i], 0, 128);
				*(void **)keep_holders[i] = leaf;
			} else {
				kfree(leaf);
			}
			untracked_leaves[i] = 0;
		}
		return 0;
	}
	/* 3: the holders let go; the leaves are leaks now. */
	if (stage == 3 && keep_holders[0]) {
		for (i = 0; i < NR_HOLD; i++) {
			if (!keep_holders[i])
				continue;
			untracked_leaves[i] = ~(unsigned long)*(void **)keep_holders[i];
			*(void **)keep_holders[i] = NULL;
		}
		return 0;
	}
	return -EINVAL;
}

static int holders_set(const char *val, const struct kernel_param *kp)
{
	int stage, ret = kstrtoint(val, 0, &stage);

	if (ret)
		return ret;
	return holders_stage_fn((void *)(long)stage);
}

static const struct kernel_param_ops holders_ops = {
	.set = holders_set,
	.get = param_get_int,
};

static int holders_stage;
module_param_cb(untracked_holders, &holders_ops, &holders_stage, 0600);
MODULE_PARM_DESC(untracked_holders,
		 "1, then 2 with kleaktrack's track=off: leaves held by untracked objects; 3 lets go");

/*
 * The first write plants a set of leaks and the decoys; each later one
 * (up to MAX_SETS) another set of leaks only, at new addresses: a stale
 * pointer that hides a leak from a conservative scan hides that one
 * object, and the scenarios want to tell that from a class of leak that
 * is never found.
 */
static int plant_set(const char *val, const struct kernel_param *kp)
{
	if (nr_sets >= MAX_SETS)
		return -EBUSY;
	nr_sets++;
	pr_info("kleaktrack_leaky: set %d\n", nr_sets);

	leaky_kmalloc();
	leaky_cache_alloc();
	leaky_list();
	leaky_large();
	leaky_krealloc();
	reinit_completion(&timer_done);
	mod_timer(&leak_timer, jiffies + 1);
	wait_for_completion(&timer_done);

	if (!planted) {
		keep_bss();
		keep_percpu();
		keep_vmalloc();
		keep_task = kthread_run(keep_kthread, NULL, "keep_kthread");
		keep_in_old();
		keep_interior();
		keep_rcu();
		keep_bulk();
		keep_alloc_bulk();
	}
	planted = true;
	pr_info("kleaktrack_leaky: planted %d leaks\n", nr_hidden);
	return 0;
}

static const struct kernel_param_ops plant_ops = {
	.set = plant_set,
	.get = param_get_bool,
};
module_param_cb(plant, &plant_ops, &planted, 0600);
MODULE_PARM_DESC(plant, "Write to plant leaks (and, the first time, the decoys)");

static void leaky_ctor(void *obj)
{
}

static int __init leaky_init(void)
{
	/* A constructor keeps the cache from merging, so reports name it. */
	leaky_cache = kmem_cache_create("leaky_cache", 72, 0, 0, leaky_ctor);
	if (!leaky_cache)
		return -ENOMEM;
	hold_cache = kmem_cache_create("leaky_hold", 128, 0, 0, leaky_ctor);
	if (!hold_cache) {
		kmem_cache_destroy(leaky_cache);
		return -ENOMEM;
	}
	holder = kzalloc(64, GFP_KERNEL);
	timer_setup(&leak_timer, leaky_timer_fn, 0);
	return 0;
}

static void __exit leaky_exit(void)
{
	int cpu, i;

	del_timer_sync(&leak_timer);
	if (keep_task && !IS_ERR(keep_task))
		kthread_stop(keep_task);
	for (i = 0; i < nr_hidden; i++) {
		unsigned long p = ~hidden[i];

		if (p & 1)
			kmem_cache_free(leaky_cache, (void *)(p & ~1UL));
		else
			kfree((void *)p);
	}
	kfree(keep_bss_ptr);
	for_each_possible_cpu(cpu)
		kfree(per_cpu(keep_pcpu_ptr, cpu));
	if (keep_vbuf)
		kfree(keep_vbuf[7]);
	vfree(keep_vbuf);
	if (holder)
		kfree(*(void **)holder);
	kfree(holder);
	if (keep_interior_ptr)
		kfree((char *)keep_interior_ptr - 40);
	for (i = 0; i < NR_HOLD; i++) {
		if (untracked_leaves[i])
			kfree((void *)~untracked_leaves[i]);
		if (keep_holders[i]) {
			kfree(*(void **)keep_holders[i]);	/* NULL after 3 */
			kmem_cache_free(hold_cache, keep_holders[i]);
		}
		if (keep_hold_alive[i])
			kmem_cache_free(hold_cache, keep_hold_alive[i]);
	}
	kmem_cache_destroy(hold_cache);
	for (i = 0; i < keep_bulk_n; i++)
		kfree(*(void **)keep_bulk_objs[i]);
	if (keep_bulk_n)
		kmem_cache_free_bulk(leaky_cache, keep_bulk_n, keep_bulk_objs);
	/* kfree_rcu callbacks must not outlive the cache they free to. */
	rcu_barrier();
	kmem_cache_destroy(leaky_cache);
	if (leak_on_exit)
		leaky_on_exit();
}

module_init(leaky_init);
module_exit(leaky_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaks memory on purpose to test kleaktrack");
