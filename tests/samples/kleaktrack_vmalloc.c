// SPDX-License-Identifier: GPL-2.0
/*
 * A module that leaks vmalloc areas, for kleaktrack's vmalloc scenario.
 * Every object is zeroed or filled, so that no stale contents link them.
 * At load:
 *
 *   vm_orphan (3 pages + 100 B, vmalloc): dropped; it holds vm_child
 *   vm_child (72 B, kmalloc): held only by vm_orphan, from its third page
 *   vz_orphan (2 pages, vzalloc), vnode_orphan (5000 B, vmalloc_node),
 *   vflags_orphan (6000 B, __vmalloc), kv_orphan (KMALLOC_MAX_SIZE plus a
 *                           page, kvzalloc: too big for kmalloc): dropped
 *   stale_child (56 B, kmalloc): was held by an area that vfree() freed
 *   timer_child (40 B, kmalloc): was held by an area a timer freed, in
 *                           softirq context (vfree() defers it there)
 *
 * and decoys, referenced until the unload: a kmalloc object held from
 * the module's bss (decoy_obj) points into the middle of a vmalloc area
 * (decoy_area), whose second page points to decoy_child. At the unload
 * they become a direct leak and two indirect ones. Two areas allocated
 * back to back, a few pages apart or adjacent, are held side by side from
 * the bss (decoy_pair), as a driver keeps two buffers: the second pointer
 * after the first is not the vmalloc layer's record of the first area's
 * end, whatever the distance.
 *
 * Each logs "kleaktrack_vmalloc: <what> at 0x<address>".
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

static void **decoy_holder;
static void *decoy_pair[2];
static void *timer_area;
static struct timer_list vm_timer;
static DECLARE_COMPLETION(vm_timer_done);

static void tell(const char *what, const void *p)
{
	pr_info("kleaktrack_vmalloc: %s at 0x%lx\n", what, (unsigned long)p);
}

/* An area of @size holding @child at byte @off; the area is logged. */
static void *fill(void *area, size_t size, void *child, size_t off)
{
	if (!area)
		return NULL;
	memset(area, 0x5a, size);
	if (child)
		*(void **)(area + off) = child;
	return area;
}

static noinline void vm_orphans(void)
{
	void *child = kzalloc(72, GFP_KERNEL);

	tell("vm_child", child);
	tell("vm_orphan", fill(vmalloc(3 * PAGE_SIZE + 100),
			       3 * PAGE_SIZE + 100, child, 2 * PAGE_SIZE + 16));
	tell("vz_orphan", vzalloc(2 * PAGE_SIZE));
	tell("vnode_orphan", fill(vmalloc_node(5000, NUMA_NO_NODE), 5000,
				  NULL, 0));
	tell("vflags_orphan", fill(__vmalloc(6000, GFP_KERNEL), 6000, NULL, 0));
}

static noinline void kv_orphan(void)
{
	void *p = kvzalloc(KMALLOC_MAX_SIZE + PAGE_SIZE, GFP_KERNEL);

	if (p && !is_vmalloc_addr(p))
		pr_info("kleaktrack_vmalloc: kvmalloc did not fall back\n");
	tell("kv_orphan", p);
}

/* The area is freed, its pages still hold the pointer. */
static noinline void vm_freed_holder(void)
{
	void *child = kzalloc(56, GFP_KERNEL);
	void *area = fill(vmalloc(2 * PAGE_SIZE), 2 * PAGE_SIZE, child,
			  PAGE_SIZE + 8);

	tell("stale_child", child);
	vfree(area);
}

static void vm_timer_fn(struct timer_list *t)
{
	vfree(timer_area);
	timer_area = NULL;
	complete(&vm_timer_done);
}

static noinline void vm_timer_free(void)
{
	void *child = kzalloc(40, GFP_KERNEL);

	timer_area = fill(vmalloc(PAGE_SIZE), PAGE_SIZE, child, 24);
	tell("timer_child", child);
	timer_setup(&vm_timer, vm_timer_fn, 0);
	mod_timer(&vm_timer, jiffies + 1);
	wait_for_completion(&vm_timer_done);
}

static noinline void vm_decoys(void)
{
	void *child = kzalloc(48, GFP_KERNEL);
	void *area = fill(vmalloc(3 * PAGE_SIZE), 3 * PAGE_SIZE, child,
			  PAGE_SIZE + 40);

	decoy_holder = kzalloc(64, GFP_KERNEL);
	if (decoy_holder)
		decoy_holder[0] = area ? area + PAGE_SIZE + 200 : NULL;
	tell("decoy_obj", decoy_holder);
	tell("decoy_area", area);
	tell("decoy_child", child);
	decoy_pair[0] = fill(vmalloc(2 * PAGE_SIZE), 2 * PAGE_SIZE, NULL, 0);
	decoy_pair[1] = fill(vmalloc(2 * PAGE_SIZE), 2 * PAGE_SIZE, NULL, 0);
	tell("decoy_pair", decoy_pair[0]);
	tell("decoy_pair", decoy_pair[1]);
}

static int __init vm_init(void)
{
	vm_orphans();
	kv_orphan();
	vm_freed_holder();
	vm_timer_free();
	vm_decoys();
	return 0;
}

static void __exit vm_exit(void)
{
	del_timer_sync(&vm_timer);
	/* Read, or the compiler drops the stores to it: the decoys leak now. */
	tell("dropping decoy_obj", decoy_holder);
	tell("dropping decoy_pair", decoy_pair[0]);
	tell("dropping decoy_pair", decoy_pair[1]);
}

module_init(vm_init);
module_exit(vm_exit);
MODULE_DESCRIPTION("kleaktrack test: vmalloc leaks and decoys");
MODULE_LICENSE("GPL");
