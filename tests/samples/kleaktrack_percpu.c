// SPDX-License-Identifier: GPL-2.0
/*
 * A module that leaks per-CPU allocations, for kleaktrack's percpu
 * scenario. Every copy is zeroed by the allocator or filled here, so that
 * no stale contents link them. At load:
 *
 *   pc_orphan (48 B, alloc_percpu): dropped; each CPU's copy holds one
 *                           pc_child
 *   pc_child (72 B, kmalloc, one per CPU): held only by pc_orphan
 *   pc_plain (200 B, __alloc_percpu_gfp): dropped
 *   stale_child (56 B, kmalloc): was held by the last CPU's copy of a
 *                           per-CPU allocation that free_percpu() freed
 *                           (while the stale_kept parameter reads 1)
 *
 * and decoys, referenced until the unload: a per-CPU allocation held from
 * the module's bss (decoy_pcpu), whose last CPU's copy holds a kmalloc
 * object (decoy_child); and a kmalloc object held from the bss (decoy_obj)
 * that holds a per-CPU allocation's cookie (decoy_inner). At the unload
 * decoy_pcpu and decoy_obj become direct leaks, and what each holds an
 * indirect one.
 *
 * Each logs "kleaktrack_percpu: <what> at 0x<address>", a per-CPU
 * allocation by its cookie, as the report shows it.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

struct pc_slot {
	void *p[6];
};

static struct pc_slot __percpu *decoy_pcpu;
static void **decoy_obj;

static void tell(const char *what, const void *p)
{
	pr_info("kleaktrack_percpu: %s at 0x%08lx\n", what, (unsigned long)p);
}

static void tell_pcpu(const char *what, const void __percpu *p)
{
	tell(what, (const void __force *)p);
}

static int last_cpu(void)
{
	int cpu, last = 0;

	for_each_possible_cpu(cpu)
		last = cpu;
	return last;
}

static noinline void pc_orphans(void)
{
	struct pc_slot __percpu *orphan = alloc_percpu(struct pc_slot);
	void __percpu *plain = __alloc_percpu_gfp(200, 8, GFP_KERNEL);
	int cpu;

	tell_pcpu("pc_orphan", orphan);
	tell_pcpu("pc_plain", plain);
	if (!orphan)
		return;
	for_each_possible_cpu(cpu) {
		void *child = kzalloc(72, GFP_KERNEL);

		per_cpu_ptr(orphan, cpu)->p[3] = child;
		tell("pc_child", child);
	}
}

/*
 * The allocation is freed, its last copy still holds the pointer, until
 * an allocation reuses the place (and the allocator zeroes it): the
 * stale_kept parameter tells whether it still does. Both are kept
 * bit-inverted, which no scanner follows.
 */
static unsigned long stale_holder_inv, stale_child_inv;

static noinline void pc_freed_holder(void)
{
	struct pc_slot __percpu *holder = alloc_percpu(struct pc_slot);
	void *child = kzalloc(56, GFP_KERNEL);

	tell("stale_child", child);
	if (holder) {
		per_cpu_ptr(holder, last_cpu())->p[1] = child;
		stale_holder_inv = ~(unsigned long)(void __force *)holder;
		stale_child_inv = ~(unsigned long)child;
		free_percpu(holder);
	}
}

static int stale_kept_get(char *buf, const struct kernel_param *kp)
{
	struct pc_slot __percpu *holder;
	void *p = NULL;

	if (stale_holder_inv) {
		holder = (struct pc_slot __percpu __force *)~stale_holder_inv;
		/* The chunk may have given the page back: nofault. */
		if (copy_from_kernel_nofault(&p, &per_cpu_ptr(holder,
							      last_cpu())->p[1],
					     sizeof(p)))
			p = NULL;
	}
	return sysfs_emit(buf, "%d\n", p && (unsigned long)p == ~stale_child_inv);
}

static const struct kernel_param_ops stale_kept_ops = {
	.get = stale_kept_get,
};

module_param_cb(stale_kept, &stale_kept_ops, NULL, 0444);
MODULE_PARM_DESC(stale_kept, "the freed allocation still holds stale_child");

static noinline void pc_decoys(void)
{
	void *child = kzalloc(40, GFP_KERNEL);
	void __percpu *inner = __alloc_percpu(24, 8);

	decoy_pcpu = alloc_percpu(struct pc_slot);
	if (decoy_pcpu)
		per_cpu_ptr(decoy_pcpu, last_cpu())->p[5] = child;
	decoy_obj = kzalloc(32, GFP_KERNEL);
	if (decoy_obj)
		decoy_obj[2] = (void __force *)inner;
	tell_pcpu("decoy_pcpu", decoy_pcpu);
	tell("decoy_child", child);
	tell("decoy_obj", decoy_obj);
	tell_pcpu("decoy_inner", inner);
}

static int __init pc_init(void)
{
	pc_orphans();
	pc_decoys();
	/* Last: the next allocations would take its place first. */
	pc_freed_holder();
	return 0;
}

static void __exit pc_exit(void)
{
	/* Read, or the compiler drops the stores to them: they leak now. */
	tell_pcpu("dropping decoy_pcpu", decoy_pcpu);
	tell("dropping decoy_obj", decoy_obj);
}

module_init(pc_init);
module_exit(pc_exit);
MODULE_DESCRIPTION("kleaktrack test: per-CPU leaks and decoys");
MODULE_LICENSE("GPL");
