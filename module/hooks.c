// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation hooks: the kmem tracepoints for kmalloc, kmem_cache_alloc,
 * kfree and kmem_cache_free, and a kprobe on kmem_cache_free_bulk (the
 * kfree_rcu batch path and the skb caches free there without a
 * tracepoint), and a kretprobe that only brackets kmem_cache_alloc_bulk
 * (see klt_hooks_all_recorded()); kretprobes on the vmalloc API and
 * kprobes on its frees; the percpu tracepoints, found by name. The probes
 * run in any context with preemption off: they only unwind the stack,
 * save it in the stack depot (see klt_depot_save()), and touch the store
 * under its raw spinlock. They never call the slab allocator, so they
 * cannot recurse into themselves.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/tracepoint.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/vmalloc.h>
#include <trace/events/kmem.h>
#include <asm/unwind.h>
#include "kleaktrack.h"

#define KLT_MAX_DEPTH		64
#define KLT_GROW_CHUNKS		80	/* ~10k records per refill */
#define KLT_BULK_BATCH		32

/* Allocations in flight or made without a record: klt_hooks_all_recorded(). */
static atomic_t klt_bulk_inflight = ATOMIC_INIT(0);
static atomic_long_t klt_unrecorded_seq = ATOMIC_LONG_INIT(0);

/* sample=N: klt_sampled()'s limit, and its salt drawn at load. */
static u64 klt_sample_limit = KLT_SAMPLE_ALL;
static unsigned long klt_salt;
/*
 * Set while sample changes: a free looks every address up, for records
 * made under the old value may be at addresses the new one skips.
 */
static bool klt_free_lookup_all;
static DEFINE_MUTEX(klt_sample_mutex);
static bool klt_hooks_live;		/* under klt_sample_mutex */
/* Serial of the last record made on this CPU: 6.12 traces a large kmalloc twice. */
static DEFINE_PER_CPU(u32, klt_last_serial);
static unsigned long klt_iter_kmalloc, klt_iter_cache_alloc;

static void klt_grow_workfn(struct work_struct *work)
{
	/* Full: tombstones are only an accuracy aid, live records are not. */
	if (klt_store_grow(&klt_store, KLT_GROW_CHUNKS, GFP_KERNEL))
		klt_store_reclaim(&klt_store, KLT_GROW_CHUNKS * KLT_OBJS_PER_CHUNK);
}

static DECLARE_WORK(klt_grow_work, klt_grow_workfn);

/* Workqueue locks may be held around a kmalloc: defer through irq_work. */
static void klt_grow_irq_workfn(struct irq_work *work)
{
	schedule_work(&klt_grow_work);
}

static struct irq_work klt_grow_irq_work;

/*
 * A stack the depot has not seen needs room in its current pool, and a
 * full pool is replaced by the depot's spare one. Where the probes may
 * allocate, the depot takes a page for the next spare itself, without
 * reclaim. On PREEMPT_RT the zone lock is a sleeping lock and the probes
 * run with preemption off: there they save without allocating, and
 * klt_depot_work hands the depot its spare from process context, when a
 * save finds no room and, where the handle shows it, as soon as a save
 * moved to a new pool. A stack that could not be saved is counted
 * (stacks_lost); its record is kept, with no backtrace.
 */
#define KLT_DEPOT_NOALLOC	IS_ENABLED(CONFIG_PREEMPT_RT)

/*
 * Whether a save landed in a pool newer than any before: the spare is then
 * in use. 6.12's handle says which pool; 6.1's layout is private.
 */
#ifdef DEPOT_POOL_INDEX_BITS
#define KLT_DEPOT_HANDLE_POOL	1
static unsigned int klt_depot_pool;

static bool klt_depot_new_pool(u32 h)
{
	union handle_parts hp = { .handle = h };

	if (!h || hp.pool_index_plus_1 <= READ_ONCE(klt_depot_pool))
		return false;
	WRITE_ONCE(klt_depot_pool, hp.pool_index_plus_1);
	return true;
}
#else
#define KLT_DEPOT_HANDLE_POOL	0
static bool klt_depot_new_pool(u32 h)
{
	return false;
}
#endif

static void klt_depot_workfn(struct work_struct *work)
{
	/*
	 * Only a save of a stack the depot has not seen allocates: a
	 * one-frame stack that no record refers to, a few dozen bytes per
	 * pool. When the current pool was full, the page a save allocates
	 * becomes the current pool, not the spare: a second save gives the
	 * spare. 6.12's handle tells when that happened; 6.1's does not,
	 * so there the second save is always made.
	 */
	unsigned long entry;
	u32 h;
	int i;

	for (i = 0; i < 2; i++) {
		/* Random, so that not even a reload meets it again. */
		entry = get_random_long() | 1;
		h = stack_depot_save(&entry, 1, GFP_KERNEL | __GFP_NOWARN);
		if (!h || (KLT_DEPOT_HANDLE_POOL && !klt_depot_new_pool(h)))
			break;
	}
}

static DECLARE_WORK(klt_depot_work, klt_depot_workfn);

static void klt_depot_irq_workfn(struct irq_work *work)
{
	schedule_work(&klt_depot_work);
}

static struct irq_work klt_depot_irq_work;

static noinline u32 klt_depot_save(unsigned long *entries, unsigned int nr)
{
	u32 h;

	if (!KLT_DEPOT_NOALLOC)
		h = stack_depot_save(entries, nr, GFP_NOWAIT | __GFP_NOWARN);
#ifdef STACK_DEPOT_FLAG_CAN_ALLOC
	else
		h = stack_depot_save_flags(entries, nr, 0, 0);
#else
	else
		h = __stack_depot_save(entries, nr, 0, 0, false);
#endif
	if (unlikely(!h)) {
		klt_stat_inc(&klt_store, KLT_STAT_STACKS_LOST);
		if (KLT_DEPOT_NOALLOC)
			irq_work_queue(&klt_depot_irq_work);
		return 0;
	}
	if (KLT_DEPOT_NOALLOC && unlikely(klt_depot_new_pool(h)))
		irq_work_queue(&klt_depot_irq_work);
	return h;
}

static bool klt_own_frame(unsigned long ip, unsigned long iter)
{
	/* The tracepoint iterator is a few dozen bytes of glue. */
	if (iter && ip >= iter && ip < iter + 256)
		return true;
	return within_module(ip, THIS_MODULE);
}

#ifdef CONFIG_UNWINDER_ORC
/*
 * Walk the stack with the ORC unwinder directly rather than through
 * stack_trace_save(), and from klt_record()'s caller: klt_record() keeps a
 * frame pointer (__builtin_frame_address() forces one), which gives that
 * caller's return address, stack pointer and rbp without unwinding our
 * own frame. The frames of stack_trace_save(), arch_stack_walk(),
 * __unwind_start() and klt_record() are never unwound; each step is an
 * ORC lookup, ~200 ns under TCG in kernel text and several times that in
 * module text, where the module and then its table must be searched.
 * The probe (when gcc does not tail-call klt_record()) and the
 * tracepoint iterator, if any, are dropped as they come.
 *
 * unwind_get_return_address() would check every address against the
 * kernel and module text (another module search per module frame); ORC
 * only finds a frame through its table, so only what follows a frame it
 * had to guess (unwind_error()) is checked.
 */
static __always_inline u32 klt_save_stack(unsigned long iter)
{
	unsigned long *fp = __builtin_frame_address(0);
	unsigned long entries[KLT_MAX_DEPTH];
	unsigned int depth = clamp_t(unsigned int, READ_ONCE(klt_stack_depth),
				     1, KLT_MAX_DEPTH - 4);
	struct pt_regs regs = {
		.ip = (unsigned long)__builtin_return_address(0),
		.sp = (unsigned long)(fp + 2),
		.bp = fp[0],
		.cs = __KERNEL_CS,
	};
	struct unwind_state state;
	unsigned int nr = 0;
	unsigned long ip;

	if (!klt_own_frame(regs.ip, iter))
		entries[nr++] = regs.ip;
	if (nr >= depth)
		return klt_depot_save(entries, nr);
	for (unwind_start(&state, current, &regs, NULL);
	     !unwind_done(&state) && nr < depth; unwind_next_frame(&state)) {
		ip = unwind_error(&state) ?
		     unwind_get_return_address(&state) : state.ip;
		/* The walk ends at the user registers of a syscall or fault. */
		if (!ip || ip < TASK_SIZE_MAX)
			break;
		if (!nr && klt_own_frame(ip, iter))
			continue;
		entries[nr++] = ip;
	}
	if (!nr)
		return 0;
	return klt_depot_save(entries, nr);
}
#else
static __always_inline u32 klt_save_stack(unsigned long iter)
{
	unsigned long entries[KLT_MAX_DEPTH];
	unsigned int depth = clamp_t(unsigned int, READ_ONCE(klt_stack_depth),
				     1, KLT_MAX_DEPTH - 4);
	unsigned int nr, skip = 0;

	/* Unwind a few extra frames: our own are dropped below. */
	nr = stack_trace_save(entries, depth + 4, 0);
	while (skip < nr && klt_own_frame(entries[skip], iter))
		skip++;
	nr = min(nr - skip, depth);
	if (!nr)
		return 0;
	return klt_depot_save(entries + skip, nr);
}
#endif

/*
 * The fast path, inlined in the allocation probes: whether to record.
 * With sample=N, N-1 allocations in N end here.
 */
static __always_inline bool klt_wanted(const void *ptr)
{
	if (unlikely(ZERO_OR_NULL_PTR(ptr)) || !READ_ONCE(klt_tracking))
		return false;
	if (klt_sampled((unsigned long)ptr, READ_ONCE(klt_sample_limit),
			klt_salt))
		return true;
	klt_stat_inc(&klt_store, KLT_STAT_SAMPLED_OUT);
	return false;
}

/* The cookie ranges only widen, as the store's bounds do; lock held. */
static void klt_pcpu_widen(struct klt_store *st, unsigned long addr,
			   size_t size)
{
	unsigned long cookie = addr - klt_pcpu_off();
	unsigned int r = klt_pcpu_range(addr);
	unsigned long lo = cookie, hi = cookie + size;

	if (st->pcpu_hi[r] != st->pcpu_lo[r]) {
		lo = min(lo, klt_dec(st->pcpu_lo[r]));
		hi = max(hi, klt_dec(st->pcpu_hi[r]));
	}
	st->pcpu_lo[r] = klt_enc(lo);
	st->pcpu_hi[r] = klt_enc(hi);
}

/*
 * Fill in the record of a new object at klt_dec(@enc) under the store
 * lock. @kind is 0 for slab memory, with @enc_cache its cache (encoded,
 * 0 for kmalloc); KLT_F_VMALLOC, with @enc_cache the area's first page;
 * or KLT_F_PERCPU, at the first copy, with @enc_cache 0.
 */
static __always_inline void klt_insert(unsigned long enc, size_t size,
				       unsigned long enc_cache, u32 stack,
				       u16 kind)
{
	struct klt_store *st = &klt_store;
	struct klt_object *obj;
	unsigned long flags;
	bool replaced;

	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_store_insert(st, klt_dec(enc), size, &replaced);
	if (obj && replaced && !kind &&
	    obj->serial == this_cpu_read(klt_last_serial) &&
	    obj->enc_addr == enc) {
		/* The second event of one allocation: keep the first. */
		replaced = false;
	} else if (obj) {
		obj->enc_cache = enc_cache;
		obj->enc_parent = 0;
		klt_obj_set_born(obj, jiffies);
		obj->stack = stack;
		obj->pid = in_task() ? task_pid_nr(current) : 0;
		obj->checksum = 0;
		obj->serial = ++st->serial;
		this_cpu_write(klt_last_serial, obj->serial);
		obj->flags &= KLT_F_LIVE | KLT_F_HELD;
		obj->flags |= kind;
		if (!(obj->flags & KLT_F_HELD))
			obj->gen = 0;
		if (in_task())
			memcpy(obj->comm, current->comm, TASK_COMM_LEN);
		else
			strscpy(obj->comm, in_serving_softirq() ? "softirq" :
				"hardirq", TASK_COMM_LEN);
		if (kind == KLT_F_PERCPU)
			klt_pcpu_widen(st, klt_dec(enc), size);
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);

	if (!obj) {
		klt_stat_inc(st, KLT_STAT_UNTRACKED);
		/* Rare: shared, so that a scan notices it cheaply. */
		atomic_long_inc(&klt_unrecorded_seq);
	} else if (replaced) {
		klt_stat_inc(st, KLT_STAT_REPLACED);
	}
	/* Refill early so that bursts find free records. */
	if (READ_ONCE(st->nr_free) < KLT_GROW_CHUNKS * KLT_OBJS_PER_CHUNK / 4 &&
	    (READ_ONCE(st->nr_chunks) < st->max_chunks || READ_ONCE(st->nr_freed)))
		irq_work_queue(&klt_grow_irq_work);
}

/*
 * Out of line, so that the probes stay small for what is not recorded.
 * The object's address comes encoded: this deep frame (and those of the
 * unwinder and the stack depot below it) must not leave a raw copy on
 * the stack for a scan to find.
 */
static noinline void klt_record(unsigned long call_site, unsigned long enc,
				size_t size, struct kmem_cache *cache,
				unsigned long iter)
{
	u32 stack;

	/* Our own allocations are part of the tracker, not of its subject. */
	if (within_module(call_site, THIS_MODULE))
		return;

	stack = klt_save_stack(iter);
	if (cache)
		size = kmem_cache_size(cache);
	klt_insert(enc, size, cache ? klt_enc((unsigned long)cache) : 0, stack,
		   0);
}

/* Records at addresses just handed out unseen: one lock hold a batch. */
static noinline void klt_drop_batch(void **p, long n)
{
	struct klt_store *st = &klt_store;
	unsigned long flags;
	long i;

	raw_spin_lock_irqsave(&st->lock, flags);
	for (i = 0; i < n; i++) {
		const void *ptr = READ_ONCE(p[i]);
		struct klt_object *obj;

		if (ZERO_OR_NULL_PTR(ptr))
			continue;
		obj = klt_store_lookup(st, (unsigned long)ptr);
		if (obj)
			klt_store_release(st, obj);
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
}

static noinline void klt_forget_locked(const void *ptr)
{
	struct klt_store *st = &klt_store;
	unsigned long flags;
	bool found;

	raw_spin_lock_irqsave(&st->lock, flags);
	found = klt_store_erase(st, (unsigned long)ptr);
	raw_spin_unlock_irqrestore(&st->lock, flags);
	if (!found)
		klt_stat_inc(st, KLT_STAT_UNKNOWN_FREES);
}

/*
 * Inlined in the free probes: whether the store may hold @addr. A free
 * it cannot is counted here.
 */
static __always_inline bool klt_may_hold(unsigned long addr)
{
	struct klt_store *st = &klt_store;

	if (unlikely(ZERO_OR_NULL_PTR((void *)addr)))
		return false;
	/* Not sampled: never recorded (barrier: see klt_set_sample()). */
	if (!smp_load_acquire(&klt_free_lookup_all) &&
	    !klt_sampled(addr, READ_ONCE(klt_sample_limit), klt_salt))
		return false;
	/*
	 * Nothing live, or outside the bounds (they only widen): the object
	 * was inserted before its free, so we never saw it.
	 */
	if (!READ_ONCE(st->nr_live) || klt_enc(addr) < READ_ONCE(st->enc_min) ||
	    klt_enc(addr) >= READ_ONCE(st->enc_max)) {
		klt_stat_inc(st, KLT_STAT_UNKNOWN_FREES);
		return false;
	}
	return true;
}

static __always_inline void klt_forget(const void *ptr)
{
	if (klt_may_hold((unsigned long)ptr))
		klt_forget_locked(ptr);
}

static void klt_probe_kmalloc(void *data, unsigned long call_site,
			      const void *ptr, size_t bytes_req,
			      size_t bytes_alloc, gfp_t gfp, int node)
{
	if (klt_wanted(ptr))
		klt_record(call_site, klt_enc((unsigned long)ptr), bytes_req,
			   NULL, klt_iter_kmalloc);
}

static void klt_probe_cache_alloc(void *data, unsigned long call_site,
				  const void *ptr, struct kmem_cache *s,
				  gfp_t gfp, int node)
{
	/* The size is read only for what is recorded. */
	if (klt_wanted(ptr))
		klt_record(call_site, klt_enc((unsigned long)ptr), 0, s,
			   klt_iter_cache_alloc);
}

static void klt_probe_kfree(void *data, unsigned long call_site,
			    const void *ptr)
{
	klt_forget(ptr);
}

static void klt_probe_cache_free(void *data, unsigned long call_site,
				 const void *ptr, const struct kmem_cache *s)
{
	klt_forget(ptr);
}

/*
 * kmem_cache_free_bulk(s, size, p): x86-64 passes size in %rsi and the
 * array in %rdx. The array is the caller's and valid at entry.
 */
static int klt_free_bulk_pre(struct kprobe *kp, struct pt_regs *regs)
{
	size_t size = regs->si, i;
	void **p = (void **)regs->dx;

	if (!p || !READ_ONCE(klt_store.nr_live))
		return 0;
	for (i = 0; i < size; i++)
		klt_forget(READ_ONCE(p[i]));
	return 0;
}

static struct kprobe klt_free_bulk_kp = {
	.symbol_name = "kmem_cache_free_bulk",
	.pre_handler = klt_free_bulk_pre,
};

/*
 * kmem_cache_alloc_bulk has no tracepoint: its objects are not recorded,
 * so they stay roots. The scan needs to know when one may be in flight,
 * for a slot it found free may have just been handed out there; and a
 * record left at a returned address (a tombstone, or a live record whose
 * free went unseen) would hide the new object from the scan, so the
 * return drops it. kmem_cache_alloc_bulk(s, flags, size, p): x86-64 passes
 * p in %rcx and returns how many objects it stored there.
 */
static int klt_alloc_bulk_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	*(void ***)ri->data = (void **)regs->cx;
	atomic_inc(&klt_bulk_inflight);
	atomic_long_inc(&klt_unrecorded_seq);
	return 0;
}

static int klt_alloc_bulk_ret(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	void **p = *(void ***)ri->data;
	long i, n = (int)regs_return_value(regs);

	if (p && n > 0 && READ_ONCE(klt_store.nr_live) + READ_ONCE(klt_store.nr_freed)) {
		for (i = 0; i < n; i += KLT_BULK_BATCH)
			klt_drop_batch(p + i, min_t(long, n - i, KLT_BULK_BATCH));
	}
	atomic_dec(&klt_bulk_inflight);
	return 0;
}

static struct kretprobe klt_alloc_bulk_rp = {
	.entry_handler = klt_alloc_bulk_entry,
	.handler = klt_alloc_bulk_ret,
	.data_size = sizeof(void **),
	.maxactive = 64,
};

static bool klt_alloc_bulk_probed;

/*
 * vmalloc areas. No tracepoint carries the caller, so kretprobes bracket
 * the vmalloc API, what drivers call: the entry unwinds the caller's
 * stack (it sleeps, so a few dozen may be in flight), the return records
 * the area. Thread stacks, module memory and BPF images come from
 * __vmalloc_node_range() directly and are not probed: stacks.c scans the
 * stacks, and module memory is a root while the module is loaded.
 * kvmalloc's result is recorded only when it fell back to vmalloc: a
 * kmalloc it returned was traced. The frees come through vfree() (kvfree()
 * and vrealloc() call it) and, before 6.3, vfree_atomic(), which since
 * ends in vfree() from a work item. An area leaves no tombstone: its pages
 * go back to the page allocator, which the RAM walk skips. vrealloc()
 * that keeps the area changes the record's size in place.
 */
/*
 * Told from the headers: vmalloc() became a macro (allocation profiling,
 * 6.10) after vfree_atomic() came to end in vfree() (6.3). Between the
 * two, probing vfree_atomic() too only counts an unknown free more.
 */
#ifdef vmalloc
#define KLT_VFREE_ATOMIC_PROBED	false
#else
#define KLT_VFREE_ATOMIC_PROBED	true
#endif

/* Each has its 6.12 name (allocation profiling's) and its 6.1 name. */
static const char *const klt_valloc_fns[][2] = {
	{ "vmalloc_noprof", "vmalloc" },
	{ "vzalloc_noprof", "vzalloc" },
	{ "vmalloc_node_noprof", "vmalloc_node" },
	{ "vzalloc_node_noprof", "vzalloc_node" },
	{ "__vmalloc_noprof", "__vmalloc" },
	{ "vmalloc_user_noprof", "vmalloc_user" },
	{ "vmalloc_32_noprof", "vmalloc_32" },
	{ "vmalloc_32_user_noprof", "vmalloc_32_user" },
	{ "vmalloc_huge_noprof", "vmalloc_huge" },
	{ "__kvmalloc_node_noprof", "kvmalloc_node" },	/* the last */
};

#define KLT_NR_VALLOC	ARRAY_SIZE(klt_valloc_fns)

struct klt_vcall {
	unsigned long size;	/* the first argument of each */
	u32 stack;
};

static struct kretprobe klt_valloc_rp[KLT_NR_VALLOC];
static struct kretprobe klt_vrealloc_rp;
static struct kprobe klt_vfree_kp, klt_vfree_atomic_kp;
static struct kretprobe *klt_vprobes[KLT_NR_VALLOC + 1];
static unsigned int klt_nr_vprobes;
static bool klt_vfree_probed, klt_vfree_atomic_probed;

/*
 * The stack of a probed function's caller, from the registers at its
 * entry: the first frame is the probed function itself, as a kmalloc's
 * first frame is the kmalloc function.
 */
#ifdef CONFIG_UNWINDER_ORC
static noinline u32 klt_save_stack_regs(struct pt_regs *regs)
{
	unsigned long entries[KLT_MAX_DEPTH];
	unsigned int depth = clamp_t(unsigned int, READ_ONCE(klt_stack_depth),
				     1, KLT_MAX_DEPTH - 4);
	struct unwind_state state;
	unsigned int nr = 0;
	unsigned long ip;

	/* The unwinder starts from the caller of a frame given by regs. */
	entries[nr++] = instruction_pointer(regs);
	for (unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && nr < depth; unwind_next_frame(&state)) {
		ip = unwind_error(&state) ?
		     unwind_get_return_address(&state) : state.ip;
		if (!ip || ip < TASK_SIZE_MAX)
			break;
		entries[nr++] = ip;
	}
	return klt_depot_save(entries, nr);
}
#else
static noinline u32 klt_save_stack_regs(struct pt_regs *regs)
{
	unsigned long entries[2] = {
		instruction_pointer(regs),
		regs_get_kernel_stack_nth(regs, 0),
	};

	return klt_depot_save(entries, 2);
}
#endif

static int klt_valloc_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct klt_vcall *c = (struct klt_vcall *)ri->data;
	unsigned long size = regs_get_kernel_argument(regs, 0);

	/* At the entry the return address is the top of the stack. */
	if (!READ_ONCE(klt_tracking) ||
	    within_module(regs_get_kernel_stack_nth(regs, 0), THIS_MODULE))
		return 1;		/* no return handler */
	c->size = size;
	c->stack = klt_save_stack_regs(regs);
	return 0;
}

/* kvmalloc() falls back to vmalloc only above a page. */
static int klt_kvalloc_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	if (regs_get_kernel_argument(regs, 0) <= PAGE_SIZE)
		return 1;
	return klt_valloc_entry(ri, regs);
}

/*
 * The first page tells, at each scan, that the area is still the one
 * recorded (klt_vpages_find()): a vfree() the probe missed (6.1 does not
 * come back to vfree() for one it deferred) and a later area at the same
 * address that nothing recorded would otherwise keep the record.
 */
static noinline void klt_record_vmalloc(unsigned long enc, size_t size,
					u32 stack)
{
	struct page *page = vmalloc_to_page((void *)klt_dec(enc));

	if (page)
		klt_insert(enc, size, klt_enc((unsigned long)page), stack,
			   KLT_F_VMALLOC);
}

static int klt_valloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct klt_vcall *c = (struct klt_vcall *)ri->data;
	void *p = (void *)regs_return_value(regs);

	if (is_vmalloc_addr(p) && klt_wanted(p))
		klt_record_vmalloc(klt_enc((unsigned long)p), c->size, c->stack);
	return 0;
}

/* The live record of the area at @addr, under the store lock. */
static struct klt_object *klt_varea(struct klt_store *st, unsigned long addr)
{
	struct klt_object *obj = klt_store_lookup(st, addr);

	if (!obj || klt_obj_addr(obj) != addr || !klt_obj_live_area(obj))
		return NULL;
	return obj;
}

static noinline void klt_vforget_locked(unsigned long addr)
{
	struct klt_store *st = &klt_store;
	struct klt_object *obj;
	unsigned long flags;

	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_varea(st, addr);
	if (obj)
		klt_store_release(st, obj);
	raw_spin_unlock_irqrestore(&st->lock, flags);
	if (!obj)
		klt_stat_inc(st, KLT_STAT_UNKNOWN_FREES);
}

/* vfree(addr) and vfree_atomic(addr), at the entry: the area is intact. */
static int klt_vfree_pre(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long addr = regs_get_kernel_argument(regs, 0);

	/* The scanner's own areas were never recorded. */
	if (within_module(regs_get_kernel_stack_nth(regs, 0), THIS_MODULE))
		return 0;
	if (is_vmalloc_addr((void *)addr) && klt_may_hold(addr))
		klt_vforget_locked(addr);
	return 0;
}

/* vrealloc(p, size, flags) */
static int klt_vrealloc_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	unsigned long *a = (unsigned long *)ri->data;

	a[0] = klt_enc(regs_get_kernel_argument(regs, 0));
	a[1] = regs_get_kernel_argument(regs, 1);
	return 0;
}

static int klt_vrealloc_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	unsigned long *a = (unsigned long *)ri->data, addr = klt_dec(a[0]);
	struct klt_store *st = &klt_store;
	struct klt_object *obj;
	unsigned long flags;
	u32 size = min_t(size_t, a[1], U32_MAX);

	/* A new area was recorded by __vmalloc(), the old one freed. */
	if (regs_return_value(regs) != addr || !is_vmalloc_addr((void *)addr))
		return 0;
	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_varea(st, addr);
	if (obj) {
		st->live_bytes += size;
		st->live_bytes -= obj->size;
		obj->size = size;
		if (obj->enc_addr + size > st->enc_max)
			WRITE_ONCE(st->enc_max, obj->enc_addr + size);
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return 0;
}

/* Register @rp on the first of @names the kernel has. */
static int klt_kretprobe_named(struct kretprobe *rp, const char *const *names,
			       unsigned int n)
{
	int ret = -ENOENT;
	unsigned int i;

	for (i = 0; i < n && ret; i++) {
		rp->kp.symbol_name = names[i];
		rp->kp.addr = NULL;
		rp->kp.flags = 0;
		ret = register_kretprobe(rp);
	}
	return ret;
}

static void klt_vmalloc_unregister(void)
{
	if (klt_nr_vprobes)
		unregister_kretprobes(klt_vprobes, klt_nr_vprobes);
	klt_nr_vprobes = 0;
	if (klt_vfree_atomic_probed)
		unregister_kprobe(&klt_vfree_atomic_kp);
	if (klt_vfree_probed)
		unregister_kprobe(&klt_vfree_kp);
	klt_vfree_probed = false;
	klt_vfree_atomic_probed = false;
}

/*
 * Not fatal: without it vmalloc areas are simply not tracked (their pages
 * stay roots). The frees come first, and without them no allocation is
 * probed: a record must never outlive its area.
 */
static void klt_vmalloc_register(void)
{
	static const char *const vrealloc[] = { "vrealloc_noprof" };
	unsigned int i, missing = 0;

	klt_vfree_kp.symbol_name = "vfree";
	klt_vfree_kp.pre_handler = klt_vfree_pre;
	klt_vfree_probed = !register_kprobe(&klt_vfree_kp);
	if (klt_vfree_probed && KLT_VFREE_ATOMIC_PROBED) {
		klt_vfree_atomic_kp.symbol_name = "vfree_atomic";
		klt_vfree_atomic_kp.pre_handler = klt_vfree_pre;
		klt_vfree_atomic_probed = !register_kprobe(&klt_vfree_atomic_kp);
		if (!klt_vfree_atomic_probed)
			klt_vmalloc_unregister();
	}
	if (!klt_vfree_probed) {
		pr_warn("cannot probe vfree: vmalloc areas are not tracked\n");
		return;
	}
	/* Only 6.12 has it; 6.1's kvrealloc() is kvmalloc() and kvfree(). */
	klt_vrealloc_rp.entry_handler = klt_vrealloc_entry;
	klt_vrealloc_rp.handler = klt_vrealloc_ret;
	klt_vrealloc_rp.data_size = 2 * sizeof(unsigned long);
	klt_vrealloc_rp.maxactive = 64;
	if (!klt_kretprobe_named(&klt_vrealloc_rp, vrealloc, 1))
		klt_vprobes[klt_nr_vprobes++] = &klt_vrealloc_rp;
	for (i = 0; i < KLT_NR_VALLOC; i++) {
		struct kretprobe *rp = &klt_valloc_rp[i];

		rp->entry_handler = i == KLT_NR_VALLOC - 1 ? klt_kvalloc_entry :
				    klt_valloc_entry;
		rp->handler = klt_valloc_ret;
		rp->data_size = sizeof(struct klt_vcall);
		rp->maxactive = 64;
		if (klt_kretprobe_named(rp, klt_valloc_fns[i], 2))
			missing++;
		else
			klt_vprobes[klt_nr_vprobes++] = rp;
	}
	if (missing)
		pr_info("%u of the vmalloc functions cannot be probed\n",
			missing);
}

/*
 * Per-CPU allocations, through the percpu tracepoints. The kernel does not
 * export them to modules, so they are found by name among its own. The
 * allocation event comes after the area was zeroed on every CPU, outside
 * pcpu_lock, in the caller's context (atomic for alloc_percpu_gfp() with
 * GFP_NOWAIT); the free event under pcpu_lock with interrupts off, before
 * the area can be handed out again. A module's static per-CPU area
 * (reserved) is not recorded: it is a root while the module is loaded,
 * and modnames.c forgets it at the unload. A freed allocation leaves a
 * tombstone: its copies keep what they held, and are not roots (roots.c).
 */
static struct tracepoint *klt_tp_pcpu_alloc, *klt_tp_pcpu_free;
static unsigned long klt_iter_pcpu_alloc;
static bool klt_pcpu_probed;

static void klt_find_tracepoint(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "percpu_alloc_percpu"))
		klt_tp_pcpu_alloc = tp;
	else if (!strcmp(tp->name, "percpu_free_percpu"))
		klt_tp_pcpu_free = tp;
}

static noinline void klt_record_percpu(unsigned long call_site,
				       unsigned long enc, size_t size)
{
	u32 stack;

	if (within_module(call_site, THIS_MODULE))
		return;
	stack = klt_save_stack(klt_iter_pcpu_alloc);
	klt_insert(enc, size, 0, stack, KLT_F_PERCPU);
}

static void klt_probe_pcpu_alloc(void *data, unsigned long call_site,
				 bool reserved, bool is_atomic, size_t size,
				 size_t align, void *base_addr, int off,
				 void __percpu *ptr, size_t bytes_alloc,
				 gfp_t gfp)
{
	void *first;

	if (reserved || !ptr)
		return;
	first = per_cpu_ptr(ptr, cpumask_first(cpu_possible_mask));
	if (klt_wanted(first))
		klt_record_percpu(call_site, klt_enc((unsigned long)first), size);
}

/*
 * A tombstone in a vmalloc'd chunk keeps the page of its first copy, for
 * the chunk may be freed and its address space given to other memory;
 * roots.c trusts it only while that page is still mapped there.
 */
static noinline void klt_pforget_locked(unsigned long addr, struct page *page)
{
	struct klt_store *st = &klt_store;
	struct klt_object *obj;
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_store_lookup(st, addr);
	if (obj && klt_obj_addr(obj) == addr &&
	    (obj->flags & (KLT_F_LIVE | KLT_F_PERCPU)) ==
	    (KLT_F_LIVE | KLT_F_PERCPU)) {
		found = true;
		klt_store_erase(st, addr);
		obj->enc_cache = page ? klt_enc((unsigned long)page) : 0;
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	if (!found)
		klt_stat_inc(st, KLT_STAT_UNKNOWN_FREES);
}

static void klt_probe_pcpu_free(void *data, void *base_addr, int off,
				void __percpu *ptr)
{
	unsigned long first;

	if (!ptr)
		return;
	first = (unsigned long)per_cpu_ptr(ptr,
					   cpumask_first(cpu_possible_mask));
	if (klt_may_hold(first))
		klt_pforget_locked(first, is_vmalloc_addr((void *)first) ?
				   vmalloc_to_page((void *)first) : NULL);
}

/* Not fatal: without it per-CPU allocations stay roots, as before. */
static void klt_percpu_register(void)
{
	for_each_kernel_tracepoint(klt_find_tracepoint, NULL);
	if (!klt_tp_pcpu_alloc || !klt_tp_pcpu_free) {
		pr_warn("no percpu tracepoints: per-CPU allocations are not tracked\n");
		return;
	}
	klt_iter_pcpu_alloc = (unsigned long)klt_tp_pcpu_alloc->iterator;
	/* The free first: a record must never outlive its allocation. */
	if (tracepoint_probe_register(klt_tp_pcpu_free, klt_probe_pcpu_free,
				      NULL))
		goto fail;
	if (tracepoint_probe_register(klt_tp_pcpu_alloc, klt_probe_pcpu_alloc,
				      NULL)) {
		tracepoint_probe_unregister(klt_tp_pcpu_free,
					    klt_probe_pcpu_free, NULL);
		goto fail;
	}
	klt_pcpu_probed = true;
	return;
fail:
	pr_warn("cannot probe the percpu tracepoints: per-CPU allocations are not tracked\n");
}

/* The caller waits for the probes in flight. */
static void klt_percpu_unregister(void)
{
	if (!klt_pcpu_probed)
		return;
	tracepoint_probe_unregister(klt_tp_pcpu_alloc, klt_probe_pcpu_alloc,
				    NULL);
	tracepoint_probe_unregister(klt_tp_pcpu_free, klt_probe_pcpu_free,
				    NULL);
	klt_pcpu_probed = false;
}

/* vmalloc areas the probes missed (all their instances in use). */
unsigned long klt_hooks_vmalloc_missed(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < klt_nr_vprobes; i++)
		n += READ_ONCE(klt_vprobes[i]->nmissed);
	return n;
}

/*
 * Whether every slab allocation made right now is recorded: only then may
 * a scan skip the slots it finds on free lists. A change of
 * klt_hooks_unrecorded() across a scan step means some was not.
 */
bool klt_hooks_all_recorded(void)
{
	return READ_ONCE(klt_tracking) && READ_ONCE(klt_sample) == 1 &&
	       klt_alloc_bulk_probed && !atomic_read(&klt_bulk_inflight);
}

unsigned long klt_hooks_unrecorded(void)
{
	return atomic_long_read(&klt_unrecorded_seq) +
	       READ_ONCE(klt_alloc_bulk_rp.nmissed);
}

static bool klt_keep_sampled(unsigned long addr, void *arg)
{
	return klt_sampled(addr, *(u64 *)arg, klt_salt);
}

/*
 * The sample parameter. Frees look every address up while the store may
 * hold records the new value would not have made: from the switch until
 * the hooks that read the old value are done (they run with preemption
 * off, so an RCU grace period covers them) and, when N grows, the records
 * of the addresses no longer sampled are dropped (those objects are then
 * simply not tracked). When N shrinks every sampled address stays sampled.
 */
int klt_set_sample(unsigned int n)
{
	unsigned int old;
	u64 limit;

	n = max(n, 1U);
	limit = klt_sample_limit_of(n);
	mutex_lock(&klt_sample_mutex);
	old = klt_sample;
	if (!klt_hooks_live || n == old) {
		WRITE_ONCE(klt_sample, n);
		WRITE_ONCE(klt_sample_limit, limit);
		goto out;
	}
	WRITE_ONCE(klt_free_lookup_all, true);
	smp_wmb();	/* whoever sees the new limit also sees the flag */
	WRITE_ONCE(klt_sample, n);
	WRITE_ONCE(klt_sample_limit, limit);
	synchronize_rcu();
	if (n > old)
		klt_store_filter(&klt_store, klt_keep_sampled, &limit);
	/*
	 * Back to every allocation: a per-CPU allocation not sampled may lie
	 * across a tombstone made while it was not recorded (they can start
	 * at any offset, unlike slab slots). Tombstones are only an aid.
	 */
	if (n == 1)
		klt_store_reclaim(&klt_store, ULONG_MAX);
	/* Pairs with klt_forget(): the dropped records are gone first. */
	smp_store_release(&klt_free_lookup_all, false);
out:
	mutex_unlock(&klt_sample_mutex);
	return 0;
}

int klt_hooks_register(void)
{
	int ret;

	init_irq_work(&klt_grow_irq_work, klt_grow_irq_workfn);
	init_irq_work(&klt_depot_irq_work, klt_depot_irq_workfn);
	/* The probes' first new stack finds room. */
	if (KLT_DEPOT_NOALLOC)
		klt_depot_workfn(NULL);
	mutex_lock(&klt_sample_mutex);
	klt_salt = get_random_long();
	/* From now on a change of sample must mind the records. */
	klt_hooks_live = true;
	mutex_unlock(&klt_sample_mutex);
	klt_iter_kmalloc = (unsigned long)__tracepoint_kmalloc.iterator;
	klt_iter_cache_alloc = (unsigned long)__tracepoint_kmem_cache_alloc.iterator;

	/* Frees first: a record must never outlive its object. */
	ret = register_kprobe(&klt_free_bulk_kp);
	if (ret) {
		pr_err("cannot probe kmem_cache_free_bulk: %d\n", ret);
		goto err_live;
	}
	ret = register_trace_kfree(klt_probe_kfree, NULL);
	if (ret)
		goto err_kfree;
	ret = register_trace_kmem_cache_free(klt_probe_cache_free, NULL);
	if (ret)
		goto err_cache_free;
	ret = register_trace_kmalloc(klt_probe_kmalloc, NULL);
	if (ret)
		goto err_kmalloc;
	ret = register_trace_kmem_cache_alloc(klt_probe_cache_alloc, NULL);
	if (ret)
		goto err_cache_alloc;
	/* 6.12 renamed it for allocation profiling; without it, no skipping. */
	klt_alloc_bulk_rp.kp.symbol_name = "kmem_cache_alloc_bulk_noprof";
	if (register_kretprobe(&klt_alloc_bulk_rp)) {
		klt_alloc_bulk_rp.kp.symbol_name = "kmem_cache_alloc_bulk";
		klt_alloc_bulk_rp.kp.addr = NULL;
		klt_alloc_bulk_rp.kp.flags = 0;
		klt_alloc_bulk_probed = !register_kretprobe(&klt_alloc_bulk_rp);
	} else {
		klt_alloc_bulk_probed = true;
	}
	klt_vmalloc_register();
	klt_percpu_register();
	return 0;

err_cache_alloc:
	unregister_trace_kmalloc(klt_probe_kmalloc, NULL);
err_kmalloc:
	unregister_trace_kmem_cache_free(klt_probe_cache_free, NULL);
err_cache_free:
	unregister_trace_kfree(klt_probe_kfree, NULL);
err_kfree:
	unregister_kprobe(&klt_free_bulk_kp);
	tracepoint_synchronize_unregister();
	pr_err("cannot register kmem tracepoints: %d\n", ret);
err_live:
	mutex_lock(&klt_sample_mutex);
	klt_hooks_live = false;
	mutex_unlock(&klt_sample_mutex);
	return ret;
}

void klt_hooks_unregister(void)
{
	klt_percpu_unregister();
	klt_vmalloc_unregister();
	if (klt_alloc_bulk_probed)
		unregister_kretprobe(&klt_alloc_bulk_rp);
	klt_alloc_bulk_probed = false;
	mutex_lock(&klt_sample_mutex);
	klt_hooks_live = false;
	mutex_unlock(&klt_sample_mutex);
	unregister_trace_kmem_cache_alloc(klt_probe_cache_alloc, NULL);
	unregister_trace_kmalloc(klt_probe_kmalloc, NULL);
	unregister_trace_kmem_cache_free(klt_probe_cache_free, NULL);
	unregister_trace_kfree(klt_probe_kfree, NULL);
	/* Waits for kprobe handlers in flight. */
	unregister_kprobe(&klt_free_bulk_kp);
	/* Waits for tracepoint probes in flight. */
	tracepoint_synchronize_unregister();
	irq_work_sync(&klt_grow_irq_work);
	cancel_work_sync(&klt_grow_work);
	irq_work_sync(&klt_depot_irq_work);
	cancel_work_sync(&klt_depot_work);
}
