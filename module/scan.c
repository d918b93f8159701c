// SPDX-License-Identifier: GPL-2.0
/*
 * The reference scanner, kmemleak's algorithm on a conservative root set.
 *
 * A tracker loaded late cannot know which untracked memory is live, so
 * every in-use RAM page is a root (read through the direct map), except
 * free pages, user pages, our own pages and the tracked objects inside
 * slab pages. Tracked objects found from the roots turn gray and are
 * scanned in turn. What stays white, is older than min_age_ms and did not
 * change since the previous scan is a leak; leaks pointed to only by other
 * leaks are indirect.
 *
 * The store lock is never held across more than one page or one batch of
 * candidate pointers, and all state lives in pages we own so that the scan
 * never finds its own copies of the pointers it looks for.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sched/task_stack.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/ioport.h>
#include <linux/sort.h>
#include <linux/irq_work.h>
#include <linux/smp.h>
#include <linux/bsearch.h>
#include "kleaktrack.h"

#define KLT_CAND_MAX	(PAGE_SIZE / sizeof(unsigned long))
#define KLT_WALK_BATCH	64
#define KLT_WORDS	(PAGE_SIZE / sizeof(unsigned long))
#define KLT_STACK_PFNS	(THREAD_SIZE / PAGE_SIZE)
#define KLT_SLAB_PAGES	8	/* order-3 slabs, SLUB's default maximum */
#define KLT_SLAB_OBJS	(KLT_SLAB_PAGES * PAGE_SIZE / 8)

struct klt_range {
	unsigned long start, end;	/* pfns, end excluded */
	unsigned long virt;		/* vmemmap address of start */
};

#define KLT_MEMMAP_MAX	(PAGE_SIZE / sizeof(struct klt_range))

enum klt_mode {
	KLT_MARK,	/* reached from a root: gray */
	KLT_PARENT,	/* classify: note which leaks have a leak parent */
	KLT_REACH,	/* classify: walk from the direct leaks */
};

struct klt_scan {
	struct klt_store *st;
	klt_stop_fn stop;
	unsigned long start;		/* jiffies at the start of the scan */
	unsigned long min_age;		/* in jiffies */
	u16 gen;
	u32 gray_head;			/* gray (or walk) stack, by index */
	unsigned long *buf;		/* a copy of the block being scanned */
	unsigned long *cand;		/* encoded candidate pointers */
	unsigned int ncand;
	enum klt_mode mode;
	unsigned long self_enc;		/* object being scanned */
	unsigned long root_enc;		/* stand-in root of a leaked cycle */
	unsigned long lo, hi;		/* encoded bounds of the store */
	unsigned long stack_pfn[KLT_STACK_PFNS];
	unsigned long *stacks;		/* sorted pfns of task stacks */
	unsigned int nstacks;
	struct task_struct **tasks;	/* pinned while their stacks are read */
	unsigned int ntasks;
	DECLARE_BITMAP(skip, KLT_WORDS);
	unsigned long *slab_buf[KLT_SLAB_PAGES];	/* a copy of one slab */
	bool slab_copied[KLT_SLAB_PAGES];
	unsigned long slab_base;
	DECLARE_BITMAP(slab_free, KLT_SLAB_OBJS);	/* its free slots */
	struct klt_scan_result res;
	unsigned long since_resched;
	unsigned long asleep_since;	/* jiffies: stack of a task asleep since */
	struct task_struct *task;	/* whose stack is being scanned */
	struct klt_range *memmap;	/* pfns of pages holding struct pages */
	unsigned int nmemmap;
	unsigned long why_lo, why_hi;	/* encoded range of a "why=" object */
	unsigned int why_told;
	const char *what;		/* what is being scanned, for why= */
};

static_assert(sizeof(struct klt_scan) <= PAGE_SIZE);

static bool klt_stopped(struct klt_scan *sc)
{
	if (sc->res.interrupted)
		return true;
	if (sc->stop && sc->stop()) {
		sc->res.interrupted = true;
		return true;
	}
	return false;
}

static void klt_maybe_resched(struct klt_scan *sc, unsigned long work)
{
	sc->since_resched += work;
	if (sc->since_resched >= 16 * PAGE_SIZE) {
		sc->since_resched = 0;
		cond_resched();
	}
}

static bool klt_old_enough(struct klt_scan *sc, struct klt_object *obj)
{
	unsigned long born = klt_full_jiffies(obj->jiffies);

	return time_before_eq(born + sc->min_age, sc->start) &&
	       time_before(born, sc->start);
}

static void klt_push(struct klt_scan *sc, struct klt_object *obj, u32 idx)
{
	obj->flags |= KLT_F_HELD;
	obj->next = sc->gray_head;
	sc->gray_head = idx;
}

/* Resolve the candidates collected so far, under one lock hold. */
static void klt_flush(struct klt_scan *sc)
{
	struct klt_store *st = sc->st;
	unsigned long flags;
	unsigned int i;

	if (!sc->ncand)
		return;
	raw_spin_lock_irqsave(&st->lock, flags);
	for (i = 0; i < sc->ncand; i++) {
		struct klt_object *obj;

		obj = klt_store_lookup(st, klt_dec(sc->cand[i]));
		if (!obj || !(obj->flags & KLT_F_LIVE))
			continue;
		switch (sc->mode) {
		case KLT_MARK:
			if (obj->gen == sc->gen)
				break;
			/* Not stored by a task that has not run since. */
			if (sc->asleep_since &&
			    time_after(klt_full_jiffies(obj->jiffies),
				       sc->asleep_since + 1))
				break;
			obj->gen = sc->gen;
			if (!(obj->flags & KLT_F_HELD))
				klt_push(sc, obj, klt_obj_idx(st, obj));
			break;
		case KLT_PARENT:
			if ((obj->flags & KLT_F_CAND) &&
			    obj->enc_addr != sc->self_enc)
				obj->flags |= KLT_F_HAS_PARENT;
			break;
		case KLT_REACH:
			if (!(obj->flags & KLT_F_CAND))
				break;
			if (obj->flags & KLT_F_REACHED) {
				/* A cycle's stand-in root, reached after all. */
				if ((obj->flags & KLT_F_HAS_PARENT) &&
				    !obj->enc_parent &&
				    obj->enc_addr != sc->root_enc &&
				    obj->enc_addr != sc->self_enc)
					obj->enc_parent = sc->self_enc;
				break;
			}
			obj->flags |= KLT_F_REACHED;
			obj->enc_parent = sc->self_enc;
			klt_push(sc, obj, klt_obj_idx(st, obj));
			break;
		}
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	sc->ncand = 0;
}

/* "why=<addr>": tell where references to the watched object are. */
static void klt_why(struct klt_scan *sc, unsigned long v, unsigned long from)
{
	if (sc->why_told++ >= 8)
		return;
	struct page *pg = virt_addr_valid(from) ? virt_to_page(from) : NULL;

	if (sc->task)
		pr_info("why: 0x%lx is referenced from 0x%lx (stack of %s/%d, asleep since %lu, now %lu)\n",
			klt_dec(v), from, sc->task->comm, task_pid_nr(sc->task),
			sc->asleep_since, jiffies);
	else
		pr_info("why: 0x%lx is referenced from 0x%lx (%s)\n",
			klt_dec(v), from, sc->what);
	/* Which cache, for a reference from untracked slab memory. */
	if (pg && PageSlab(compound_head(pg)))
		mem_dump_obj((void *)from);
}

/* Collect the words of @w that fall inside a tracked object's range. */
static void klt_scan_words(struct klt_scan *sc, const unsigned long *w,
			   unsigned int nwords, const unsigned long *skip,
			   unsigned long from)
{
	unsigned long lo = sc->lo, hi = sc->hi;
	unsigned int i;

	for (i = 0; i < nwords; i++) {
		unsigned long v = klt_enc(w[i]);

		if (v < lo || v >= hi)
			continue;
		if (skip && test_bit(i, skip))
			continue;
		if (unlikely(sc->why_hi) && v >= sc->why_lo && v < sc->why_hi)
			klt_why(sc, v, from + i * sizeof(long));
		sc->cand[sc->ncand++] = v;
		if (sc->ncand == KLT_CAND_MAX)
			klt_flush(sc);
	}
	sc->res.bytes += nwords * sizeof(unsigned long);
}

/* Scan [start, start + len) as a block of possible pointers. */
static void klt_scan_range(struct klt_scan *sc, unsigned long start,
			   size_t len)
{
	while (len >= sizeof(unsigned long)) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(start));

		n &= ~(sizeof(unsigned long) - 1);
		if (!n)
			break;
		if (!copy_from_kernel_nofault(sc->buf, (void *)start, n))
			klt_scan_words(sc, sc->buf, n / sizeof(unsigned long),
				       NULL, start);
		start += n;
		len -= n;
		klt_maybe_resched(sc, n);
	}
}

/* Scan the objects on the gray stack until it is empty. */
static void klt_drain(struct klt_scan *sc)
{
	struct klt_store *st = sc->st;

	for (;;) {
		struct klt_object *obj;
		unsigned long flags, addr;
		u32 idx, size;

		klt_flush(sc);
		raw_spin_lock_irqsave(&st->lock, flags);
		idx = sc->gray_head;
		if (!idx) {
			raw_spin_unlock_irqrestore(&st->lock, flags);
			return;
		}
		obj = klt_obj(st, idx);
		sc->gray_head = obj->next;
		obj->flags &= ~KLT_F_HELD;
		if (obj->flags & KLT_F_ZOMBIE) {
			klt_store_put(st, obj);
			raw_spin_unlock_irqrestore(&st->lock, flags);
			continue;
		}
		if (!(obj->flags & KLT_F_LIVE)) {
			raw_spin_unlock_irqrestore(&st->lock, flags);
			continue;		/* freed meanwhile */
		}
		addr = klt_obj_addr(obj);
		size = obj->size;
		sc->self_enc = obj->enc_addr;
		raw_spin_unlock_irqrestore(&st->lock, flags);

		sc->what = "tracked object";
		klt_scan_range(sc, addr, size);
	}
}

unsigned long klt_why_enc;

static void klt_scan_free(struct klt_scan *sc)
{
	int i;

	for (i = 0; i < KLT_SLAB_PAGES; i++)
		klt_page_free(sc->slab_buf[i]);
	klt_page_free(sc->memmap);
	klt_page_free(sc->buf);
	klt_page_free(sc->cand);
	klt_page_free(sc);
}

struct klt_scan *klt_scan_begin(struct klt_store *st, unsigned long min_age,
				klt_stop_fn stop)
{
	struct klt_scan *sc = klt_page_alloc(GFP_KERNEL);
	unsigned long flags;
	bool ok;
	int i;

	if (!sc)
		return NULL;
	sc->buf = klt_page_alloc(GFP_KERNEL);
	sc->cand = klt_page_alloc(GFP_KERNEL);
	ok = sc->buf && sc->cand;
	for (i = 0; i < KLT_SLAB_PAGES; i++) {
		sc->slab_buf[i] = klt_page_alloc(GFP_KERNEL);
		ok = ok && sc->slab_buf[i];
	}
	if (!ok) {
		klt_scan_free(sc);
		return NULL;
	}
	sc->st = st;
	sc->stop = stop;
	sc->min_age = min_age;
	sc->mode = KLT_MARK;

	raw_spin_lock_irqsave(&st->lock, flags);
	if (++st->gen == 0) {
		struct rb_node *n;

		/* Generations wrapped: forget the old marks once in 65535. */
		for (n = rb_first(&st->root); n; n = rb_next(n))
			rb_entry(n, struct klt_object, node)->gen = 0;
		st->gen = 1;
	}
	sc->gen = st->gen;
	sc->start = jiffies;
	sc->lo = st->enc_min;
	sc->hi = st->enc_max;
	if (klt_why_enc) {
		struct klt_object *obj = klt_store_lookup(st, klt_dec(klt_why_enc));

		if (obj) {
			sc->why_lo = obj->enc_addr;
			sc->why_hi = obj->enc_addr + max(obj->size, 1U);
		}
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	sc->what = "block";
	return sc;
}

void klt_scan_block(struct klt_scan *sc, const void *start, size_t len)
{
	sc->mode = KLT_MARK;
	klt_scan_range(sc, (unsigned long)start, len);
	klt_drain(sc);
}

static struct page *klt_stack_page(const void *addr)
{
	if (is_vmalloc_addr(addr))
		return vmalloc_to_page(addr);
	return virt_to_page(addr);
}

/*
 * The scanning task's own stack holds the pointers it is working on; it is
 * the one stack that must not count as a root.
 */
static void klt_note_own_stack(struct klt_scan *sc)
{
	void *stack = task_stack_page(current);
	unsigned int i;

	for (i = 0; i < KLT_STACK_PFNS; i++) {
		struct page *p = klt_stack_page(stack + i * PAGE_SIZE);

		sc->stack_pfn[i] = p ? page_to_pfn(p) : 0;
	}
}

static bool klt_own_stack_pfn(struct klt_scan *sc, unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < KLT_STACK_PFNS; i++)
		if (sc->stack_pfn[i] == pfn)
			return true;
	return false;
}

/* Mark the words of a page that belong to tracked objects. */
static bool klt_page_skip_map(struct klt_scan *sc, unsigned long addr)
{
	struct klt_store *st = sc->st;
	unsigned long end = addr + PAGE_SIZE, flags;
	struct klt_object *obj;
	bool any = false;

	bitmap_zero(sc->skip, KLT_WORDS);
	raw_spin_lock_irqsave(&st->lock, flags);
	for (obj = klt_store_first_from(st, addr);
	     obj && obj->enc_addr < klt_enc(end); obj = klt_store_next(obj)) {
		unsigned long s = max(klt_obj_addr(obj), addr);
		unsigned long e = min(klt_obj_addr(obj) + max(obj->size, 1U),
				      end);

		if (e <= s)
			continue;
		bitmap_set(sc->skip, (s - addr) / sizeof(long),
			   DIV_ROUND_UP(e - addr, sizeof(long)) -
			   (s - addr) / sizeof(long));
		any = true;
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return any;
}

static int klt_cmp_pfn(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

#define KLT_STACK_PAGES	8	/* pages of pfns and of task pointers */

/*
 * Interrupt stacks hold only transient data, but their dead parts keep
 * the registers that handlers spilled from whatever they interrupted
 * (leaked pointers included) until the same depth is reached again. They
 * are left out of the roots. Their pages are found from a stack pointer
 * taken in interrupt context on every CPU: a handler that shallow runs in
 * the top page of the (page-aligned) stack.
 */
static unsigned long klt_irq_sp[NR_CPUS];

static void klt_note_irq_sp(void *unused)
{
	if (in_hardirq())
		klt_irq_sp[smp_processor_id()] = current_stack_pointer;
}

static void klt_note_irq_sp_work(struct irq_work *w)
{
	klt_note_irq_sp(NULL);
}

static void klt_collect_irq_stacks(struct klt_scan *sc, unsigned long max)
{
	struct irq_work w = IRQ_WORK_INIT_HARD(klt_note_irq_sp_work);
	unsigned int cpu, i;

	memset(klt_irq_sp, 0, sizeof(klt_irq_sp));
	preempt_disable();
	smp_call_function(klt_note_irq_sp, NULL, 1);
	irq_work_queue(&w);
	preempt_enable();
	irq_work_sync(&w);

	for_each_online_cpu(cpu) {
		unsigned long top = klt_irq_sp[cpu] & PAGE_MASK;

		if (!klt_irq_sp[cpu] || sc->nstacks + IRQ_STACK_SIZE / PAGE_SIZE > max)
			continue;
		for (i = 0; i < IRQ_STACK_SIZE / PAGE_SIZE; i++) {
			struct page *p = klt_stack_page((void *)(top - i * PAGE_SIZE));

			if (p)
				sc->stacks[sc->nstacks++] = page_to_pfn(p);
		}
	}
}

/*
 * Task stacks are scanned task by task, from the saved stack pointer up:
 * the dead part below it keeps stale pointers for as long as nothing
 * deeper runs there, and would hide leaks. So the RAM walk leaves out the
 * stack pages of every task it knows of. Beyond KLT_STACK_PAGES pages of
 * pfns (1024 threads), the remaining stacks are scanned whole.
 */
static void klt_collect_stacks(struct klt_scan *sc)
{
	unsigned long max = KLT_STACK_PAGES * PAGE_SIZE / sizeof(unsigned long);
	struct task_struct *g, *t;

	klt_tasks_note();
	sc->stacks = vmalloc(KLT_STACK_PAGES * PAGE_SIZE);
	sc->tasks = vmalloc(KLT_STACK_PAGES * PAGE_SIZE);
	if (!sc->stacks || !sc->tasks)
		return;
	rcu_read_lock();
	for_each_process_thread(g, t) {
		void *stack = READ_ONCE(t->stack);
		unsigned int i;

		if (!stack || sc->nstacks + KLT_STACK_PFNS > max)
			continue;
		for (i = 0; i < KLT_STACK_PFNS; i++) {
			struct page *p = klt_stack_page(stack + i * PAGE_SIZE);

			if (p)
				sc->stacks[sc->nstacks++] = page_to_pfn(p);
		}
		get_task_struct(t);
		sc->tasks[sc->ntasks++] = t;
	}
	rcu_read_unlock();
	klt_collect_irq_stacks(sc, max);
	sort(sc->stacks, sc->nstacks, sizeof(unsigned long), klt_cmp_pfn, NULL);
}

static bool klt_on_cpu(struct task_struct *t)
{
#ifdef CONFIG_SMP
	return READ_ONCE(t->on_cpu);
#else
	return false;	/* only current runs, and it is skipped */
#endif
}

/*
 * The live part of each known task's stack; none of it with stack=off.
 * Words of a task asleep since S that point to objects allocated after S
 * are stale (see tasks.c).
 */
static void klt_scan_task_stacks(struct klt_scan *sc, bool scan_stacks)
{
	unsigned int i;

	for (i = 0; i < sc->ntasks; i++) {
		struct task_struct *t = sc->tasks[i];
		unsigned long base = (unsigned long)READ_ONCE(t->stack);
		unsigned long sp = READ_ONCE(t->thread.sp);

		if (scan_stacks && t != current && base && !klt_stopped(sc)) {
			/* A task running right now has no saved pointer. */
			if (klt_on_cpu(t) || sp < base || sp >= base + THREAD_SIZE)
				sp = base;
			sc->what = "task stack";
			sc->asleep_since = klt_task_asleep_since(t);
			sc->task = t;
			klt_scan_range(sc, sp, base + THREAD_SIZE - sp);
			klt_flush(sc);
			sc->asleep_since = 0;
			sc->task = NULL;
		}
		put_task_struct(t);
	}
	sc->ntasks = 0;
	vfree(sc->tasks);
	vfree(sc->stacks);
	sc->tasks = NULL;
	sc->stacks = NULL;
	sc->nstacks = 0;
}

static bool klt_is_task_stack(struct klt_scan *sc, unsigned long pfn)
{
	return sc->nstacks && bsearch(&pfn, sc->stacks, sc->nstacks,
				      sizeof(unsigned long), klt_cmp_pfn);
}

static int klt_sort_range(const void *a, const void *b)
{
	const struct klt_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int klt_cmp_range(const void *key, const void *elt)
{
	unsigned long pfn = *(const unsigned long *)key;
	const struct klt_range *r = elt;

	return pfn < r->start ? -1 : pfn >= r->end;
}

static struct klt_range *klt_in_memmap(struct klt_scan *sc, unsigned long pfn)
{
	return sc->nmemmap ? bsearch(&pfn, sc->memmap, sc->nmemmap,
				     sizeof(*sc->memmap), klt_cmp_range) : NULL;
}

/*
 * struct pages live in RAM too, and the scan reads them: page->private and
 * ->mapping of page cache pages, and a slab's ->obj_exts, may be the only
 * reference to an object. But the struct pages of free pages and of tail
 * pages keep stale values from their last use (a former slab's freelist,
 * pointing into what may now be a large kmalloc object), so those are left
 * out. The pages that back the memmap are found at the start of a scan.
 */
static void klt_collect_memmap(struct klt_scan *sc)
{
#ifdef CONFIG_SPARSEMEM_VMEMMAP
	unsigned long chunk = PMD_SIZE / sizeof(struct page);	/* pfns */
	int nid;

	sc->memmap = klt_page_alloc(GFP_KERNEL);
	if (!sc->memmap)
		return;
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		unsigned long pfn = pgdat->node_start_pfn;
		unsigned long end = pfn + pgdat->node_spanned_pages;

		for (pfn = ALIGN_DOWN(pfn, chunk); pfn < end; pfn += chunk) {
			unsigned long v = (unsigned long)pfn_to_page(pfn);
			unsigned long off;

			if (!pfn_to_online_page(pfn) ||
			    !pfn_to_online_page(pfn + chunk - 1))
				continue;
			/* The memmap of one chunk is PMD_SIZE, looked up by page. */
			for (off = 0; off < PMD_SIZE; off += PAGE_SIZE) {
				unsigned long p = PHYS_PFN(slow_virt_to_phys((void *)(v + off)));
				struct klt_range *r = sc->memmap + sc->nmemmap;

				if (sc->nmemmap && (--r)->end == p &&
				    r->virt + (p - r->start) * PAGE_SIZE == v + off) {
					r->end++;
					continue;
				}
				if (sc->nmemmap == KLT_MEMMAP_MAX)
					goto out;
				r = sc->memmap + sc->nmemmap++;
				r->start = p;
				r->end = p + 1;
				r->virt = v + off;
			}
		}
	}
out:
	sort(sc->memmap, sc->nmemmap, sizeof(*sc->memmap), klt_sort_range, NULL);
#endif
}

/* A page of struct pages, without those of free and tail pages. */
static void klt_scan_memmap_page(struct klt_scan *sc, unsigned long pfn,
				 const struct klt_range *r)
{
	unsigned long addr = (unsigned long)page_address(pfn_to_page(pfn));
	unsigned long base = (unsigned long)pfn_to_page(0);
	unsigned long memmap_v = r->virt + (pfn - r->start) * PAGE_SIZE;
	unsigned long first, last, desc;

	if (copy_from_kernel_nofault(sc->buf, (void *)addr, PAGE_SIZE))
		return;
	bitmap_zero(sc->skip, KLT_WORDS);
	/* All pfns of a collected chunk are valid (klt_collect_memmap()). */
	first = (memmap_v - base) / sizeof(struct page);
	last = (memmap_v + PAGE_SIZE - 1 - base) / sizeof(struct page);
	for (desc = first; desc <= last; desc++) {
		struct page *dp = pfn_to_page(desc);
		unsigned long s, e;

		if (!PageTail(dp) && page_ref_count(dp))
			continue;
		s = max_t(unsigned long, (unsigned long)dp, memmap_v);
		e = min_t(unsigned long, (unsigned long)(dp + 1), memmap_v + PAGE_SIZE);
		bitmap_set(sc->skip, (s - memmap_v) / sizeof(long),
			   (e - s) / sizeof(long));
	}
	sc->what = "struct page";
	klt_scan_words(sc, sc->buf, KLT_WORDS, sc->skip, addr);
	sc->res.pages++;
}

enum klt_page_kind {
	KLT_PAGE_SKIP,
	KLT_PAGE_ROOT,
	KLT_PAGE_OBJECTS,	/* may hold tracked objects */
	KLT_PAGE_SLAB,		/* part of a slab */
	KLT_PAGE_MEMMAP,	/* holds struct pages */
};

/*
 * Classify a page by its struct page. Racy by nature: a page may change
 * owner while we look. A wrong guess costs at worst one scan's accuracy,
 * never safety, because the contents are read with a nofault copy.
 */
static enum klt_page_kind klt_page_kind(struct klt_scan *sc,
					unsigned long pfn, unsigned long *span)
{
	struct page *page = pfn_to_page(pfn);
	struct page *head;

	*span = 1;
	if (klt_in_memmap(sc, pfn))
		return KLT_PAGE_MEMMAP;
	if (PageBuddy(page)) {
		unsigned long order = READ_ONCE(page->private);

		if (order <= 10 && PageBuddy(page))
			*span = 1UL << order;
		return KLT_PAGE_SKIP;
	}
	head = compound_head(page);
	if (!page_ref_count(head))
		return KLT_PAGE_SKIP;		/* free, or on a pcp list */
	if (PageSlab(head))
		return KLT_PAGE_SLAB;
	/*
	 * Before the reserved test: the IRQ stacks are per-CPU memory and
	 * init_task's stack is in the kernel image, both reserved pages.
	 */
	if (klt_own_stack_pfn(sc, pfn) || klt_is_task_stack(sc, pfn))
		return KLT_PAGE_SKIP;
	if (PageReserved(page))
		return page_is_ram(pfn) ? KLT_PAGE_ROOT : KLT_PAGE_SKIP;
	if (PageLRU(head) || PageAnon(head) || READ_ONCE(head->mapping))
		return KLT_PAGE_SKIP;		/* user and page cache memory */
	if (PageOffline(page) || PageGuard(page))
		return KLT_PAGE_SKIP;
	if (page_private(page) == KLT_PAGE_MAGIC)
		return KLT_PAGE_SKIP;		/* ours */
	/* Large kmalloc objects are compound pages outside the slab. */
	return PageCompound(page) ? KLT_PAGE_OBJECTS : KLT_PAGE_ROOT;
}

static void klt_scan_pfn(struct klt_scan *sc, unsigned long pfn,
			 enum klt_page_kind kind)
{
	unsigned long addr = (unsigned long)page_address(pfn_to_page(pfn));
	const unsigned long *skip = NULL;

	if (copy_from_kernel_nofault(sc->buf, (void *)addr, PAGE_SIZE))
		return;				/* not in the direct map */
	if (kind == KLT_PAGE_OBJECTS && klt_page_skip_map(sc, addr))
		skip = sc->skip;
	sc->what = kind == KLT_PAGE_OBJECTS ? "slab or large kmalloc page" :
		   PageReserved(pfn_to_page(pfn)) ? "reserved page" : "page";
	klt_scan_words(sc, sc->buf, KLT_WORDS, skip, addr);
	sc->res.pages++;
}

static bool klt_read_copy(void *ctx, unsigned long addr, unsigned long *val)
{
	struct klt_scan *sc = ctx;
	unsigned long off = addr - sc->slab_base;

	if (off >= KLT_SLAB_PAGES * PAGE_SIZE || !sc->slab_copied[off >> PAGE_SHIFT])
		return false;
	*val = sc->slab_buf[off >> PAGE_SHIFT][offset_in_page(off) / sizeof(long)];
	return true;
}

/* Add the free slots of the slab that lie in its page @i to sc->skip. */
static void klt_skip_free_slots(struct klt_scan *sc,
				const struct klt_slab_info *si, unsigned int i)
{
	unsigned long pstart = i * PAGE_SIZE, pend = pstart + PAGE_SIZE;
	unsigned int idx = pstart / si->size;

	/* Slots are whole words: size and red_left are word multiples. */
	for (; idx < si->objects; idx++) {
		unsigned long s = (unsigned long)idx * si->size, e = s + si->size;

		if (s >= pend)
			break;
		if (!test_bit(idx, sc->slab_free))
			continue;
		s = max(s, pstart);
		e = min(e, pend);
		if (e > s) {
			bitmap_set(sc->skip, (s - pstart) / sizeof(long),
				   (e - s) / sizeof(long));
			sc->res.free_bytes += e - s;
		}
	}
}

static void klt_skip_bytes(struct klt_scan *sc, unsigned long pstart,
			   unsigned long s, unsigned long e)
{
	s = max(s, pstart);
	e = min(e, pstart + PAGE_SIZE);
	if (e > s)
		bitmap_set(sc->skip, (s - pstart) / sizeof(long),
			   DIV_ROUND_UP(e - pstart, sizeof(long)) -
			   (s - pstart) / sizeof(long));
}

/*
 * What surrounds each object in its slot (red zones, an outside free
 * pointer, KASAN's and SLUB debug's metadata, the quarantine link) and the
 * slab's unused tail hold no reference, only stale or encoded values.
 */
static void klt_skip_meta(struct klt_scan *sc, const struct klt_slab_info *si,
			  unsigned int i)
{
	unsigned long pstart = i * PAGE_SIZE, pend = pstart + PAGE_SIZE;
	unsigned long end = (unsigned long)si->objects * si->size;
	unsigned int idx = pstart / si->size;

	for (; idx < si->objects; idx++) {
		unsigned long s = (unsigned long)idx * si->size;

		if (s >= pend)
			break;
		klt_skip_bytes(sc, pstart, s, s + si->red_left);
		klt_skip_bytes(sc, pstart, s + si->red_left + si->object_size,
			       s + si->size);
	}
	klt_skip_bytes(sc, pstart, end, pend);
}

/*
 * A slab as a whole: copy its pages, learn from the copy which slots are
 * free, and scan the rest that is not a tracked object. A slot taken off a
 * free list after we read its head holds an object allocated just now:
 * recorded by the hooks (new objects are roots, see klt_new_root()), or
 * counted in klt_hooks_unrecorded(), and then nothing is skipped.
 */
static void klt_scan_slab(struct klt_scan *sc, struct page *head)
{
	struct klt_slab_info si;
	unsigned long seq = klt_hooks_unrecorded();
	bool all = klt_hooks_all_recorded();
	bool have_si = klt_slab_read(head, &si) && si.pages <= KLT_SLAB_PAGES;
	bool use_free = all && have_si;
	unsigned int nr = have_si ? si.pages : compound_nr(head), i;
	unsigned long base = (unsigned long)page_address(head);

	if (nr > KLT_SLAB_PAGES) {
		for (i = 0; i < nr && !klt_stopped(sc); i++)
			klt_scan_pfn(sc, page_to_pfn(head) + i, KLT_PAGE_OBJECTS);
		return;
	}
	sc->slab_base = base;
	for (i = 0; i < nr; i++)
		sc->slab_copied[i] = !copy_from_kernel_nofault(sc->slab_buf[i],
				(void *)(base + i * PAGE_SIZE), PAGE_SIZE);
	for (; i < KLT_SLAB_PAGES; i++)
		sc->slab_copied[i] = false;
	if (use_free)
		use_free = klt_slab_free_map(&si, klt_read_copy, sc,
					     sc->slab_free, KLT_SLAB_OBJS) >= 0 &&
			   klt_hooks_all_recorded() &&
			   klt_hooks_unrecorded() == seq;
	for (i = 0; i < nr; i++) {
		unsigned long addr = base + i * PAGE_SIZE;

		if (!sc->slab_copied[i])
			continue;
		klt_page_skip_map(sc, addr);
		if (have_si)
			klt_skip_meta(sc, &si, i);
		if (use_free)
			klt_skip_free_slots(sc, &si, i);
		sc->what = use_free ? "slab page (free slots skipped)" :
			   "slab page";
		klt_scan_words(sc, sc->slab_buf[i], KLT_WORDS, sc->skip, addr);
		sc->res.pages++;
		klt_maybe_resched(sc, PAGE_SIZE);
	}
}

static void klt_scan_node_range(struct klt_scan *sc, unsigned long start,
				unsigned long end)
{
	unsigned long pfn = start, span;

	while (pfn < end && !klt_stopped(sc)) {
		enum klt_page_kind kind;

		/* Offline sections' struct pages are stale or poisoned. */
		if (!pfn_to_online_page(pfn)) {
			pfn = ALIGN(pfn + 1, PAGES_PER_SECTION);
			continue;
		}
		kind = klt_page_kind(sc, pfn, &span);
		if (kind == KLT_PAGE_SLAB) {
			struct page *head = compound_head(pfn_to_page(pfn));

			klt_scan_slab(sc, head);
			span = max(page_to_pfn(head) + compound_nr(head), pfn + 1) -
			       pfn;
		} else if (kind == KLT_PAGE_MEMMAP) {
			klt_scan_memmap_page(sc, pfn, klt_in_memmap(sc, pfn));
		} else if (kind != KLT_PAGE_SKIP) {
			klt_scan_pfn(sc, pfn, kind);
		}
		pfn += span;
		klt_maybe_resched(sc, PAGE_SIZE);
	}
}

int klt_scan_ram(struct klt_scan *sc, bool scan_stacks)
{
	int nid;

	sc->mode = KLT_MARK;
	/*
	 * Lazily freed vmap areas keep their ->vm, a pointer to a kfree()d
	 * vm_struct, until purged: a leak allocated in such a slot would
	 * look referenced. Purge them (a TLB flush the kernel would do anyway).
	 */
	vm_unmap_aliases();
	klt_note_own_stack(sc);
	klt_collect_stacks(sc);
	klt_collect_memmap(sc);
	kasan_disable_current();
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		unsigned long start = pgdat->node_start_pfn;

		klt_scan_node_range(sc, start, start + pgdat->node_spanned_pages);
		klt_flush(sc);
		klt_drain(sc);
	}
	klt_scan_task_stacks(sc, scan_stacks);
	klt_flush(sc);
	klt_drain(sc);
	kasan_enable_current();
	return sc->res.interrupted ? -EINTR : 0;
}

struct klt_walk_arg {
	struct klt_scan *sc;
	bool (*fn)(struct klt_scan *sc, struct klt_object *obj, u32 idx);
};

static bool klt_walk_one(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_walk_arg *w = arg;

	return w->fn(w->sc, obj, idx);
}

/* What a batch pushed is scanned before the walk goes on. */
static bool klt_walk_pause(void *arg)
{
	struct klt_walk_arg *w = arg;

	klt_drain(w->sc);
	return !klt_stopped(w->sc);
}

/*
 * Walk the tree with @fn under the lock, scanning what it pushed after
 * every batch; @fn returns false to have that done right away.
 */
static void klt_walk(struct klt_scan *sc,
		     bool (*fn)(struct klt_scan *sc, struct klt_object *obj,
				u32 idx))
{
	struct klt_walk_arg w = { .sc = sc, .fn = fn };

	klt_store_walk(sc->st, KLT_WALK_BATCH, klt_walk_one, klt_walk_pause, &w);
}

/*
 * kmemleak's checksum rule: a white object whose contents changed since
 * the last scan is in use; treat it as gray for this scan.
 */
static u32 klt_checksum(struct klt_scan *sc, unsigned long addr, u32 size)
{
	u32 crc = ~0U;

	while (size) {
		u32 n = min_t(u32, size, PAGE_SIZE - offset_in_page(addr));

		if (copy_from_kernel_nofault(sc->buf, (void *)addr, n))
			return 0;
		crc = crc32_le(crc, (void *)sc->buf, n);
		addr += n;
		size -= n;
	}
	return crc;
}

static bool klt_white_old(struct klt_scan *sc, struct klt_object *obj)
{
	return (obj->flags & KLT_F_LIVE) && obj->gen != sc->gen && !(obj->flags & KLT_F_CLEARED) &&
	       klt_old_enough(sc, obj);
}

/*
 * An object allocated since the scan started may hold the only reference
 * to an older one (stored after the memory it came from was scanned), or
 * sit in a slot the RAM walk took for free: it is a root. So is a cleared
 * suspect (kmemleak paints those gray): what it points to is not a leak
 * of its own.
 */
static bool klt_new_root(struct klt_scan *sc, struct klt_object *obj)
{
	if (!(obj->flags & KLT_F_LIVE) || obj->gen == sc->gen)
		return false;
	return (obj->flags & KLT_F_CLEARED) ||
	       !time_before(klt_full_jiffies(obj->jiffies), sc->start);
}

/*
 * Checksums of white objects, computed outside the lock in batches; new
 * objects are pushed as roots on the way.
 */
static void klt_checksum_pass(struct klt_scan *sc)
{
	struct klt_store *st = sc->st;
	unsigned long cursor = 0, flags;

	for (;;) {
		struct {
			unsigned long addr;
			u32 size, serial;
		} *b = (void *)sc->cand;	/* borrow: no candidates now */
		struct klt_object *obj;
		int n = 0, i;
		bool done;

		klt_flush(sc);
		raw_spin_lock_irqsave(&st->lock, flags);
		obj = klt_store_from(st, cursor);
		for (; obj && n < KLT_WALK_BATCH; obj = klt_store_next(obj)) {
			cursor = klt_obj_addr(obj) + 1;
			obj->flags &= ~KLT_F_STABLE;
			if (klt_new_root(sc, obj)) {
				obj->gen = sc->gen;
				if (!(obj->flags & KLT_F_HELD))
					klt_push(sc, obj, klt_obj_idx(sc->st, obj));
				continue;
			}
			if (!klt_white_old(sc, obj))
				continue;
			b[n].addr = klt_obj_addr(obj);
			b[n].size = obj->size;
			b[n].serial = obj->serial;
			n++;
		}
		done = !obj;
		raw_spin_unlock_irqrestore(&st->lock, flags);

		for (i = 0; i < n; i++) {
			u32 crc = klt_checksum(sc, b[i].addr, b[i].size);

			raw_spin_lock_irqsave(&st->lock, flags);
			obj = klt_store_lookup(st, b[i].addr);
			if (obj && obj->serial == b[i].serial &&
			    (obj->flags & KLT_F_LIVE) && !(obj->flags & KLT_F_HELD) &&
			    klt_obj_addr(obj) == b[i].addr &&
			    obj->gen != sc->gen) {
				if ((obj->flags & KLT_F_SUMMED) &&
				    obj->checksum == crc) {
					obj->flags |= KLT_F_STABLE;
				} else {
					obj->checksum = crc;
					obj->flags |= KLT_F_SUMMED;
					obj->gen = sc->gen;
					klt_push(sc, obj, klt_obj_idx(st, obj));
				}
			}
			raw_spin_unlock_irqrestore(&st->lock, flags);
			klt_maybe_resched(sc, b[i].size);
		}
		/* sc->cand is ours again: scan what changed. */
		klt_drain(sc);
		if (done || klt_stopped(sc))
			return;
	}
}

/*
 * kmemleak's own records (kernels built with it) are its business, not
 * leaks: kmemleak reaches them through lists kleaktrack cannot follow.
 */
static bool klt_kmemleak_record(struct klt_object *obj)
{
	char name[16];

	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && obj->enc_cache &&
	       !strncmp(klt_cache_name(obj->enc_cache, name, sizeof(name)),
			"kmemleak_", 9);
}

static bool klt_collect(struct klt_scan *sc, struct klt_object *obj, u32 idx)
{
	obj->flags &= ~(KLT_F_CAND | KLT_F_HAS_PARENT | KLT_F_REACHED);
	if (obj->gen != sc->gen && (obj->flags & KLT_F_STABLE) &&
	    klt_white_old(sc, obj) && !klt_kmemleak_record(obj)) {
		obj->flags |= KLT_F_CAND;
		obj->enc_parent = 0;
	} else {
		obj->flags &= ~(KLT_F_LEAK | KLT_F_INDIRECT);
	}
	return true;
}

static bool klt_parents(struct klt_scan *sc, struct klt_object *obj, u32 idx)
{
	if (obj->flags & KLT_F_CAND)
		klt_push(sc, obj, idx);
	return true;
}

static bool klt_roots(struct klt_scan *sc, struct klt_object *obj, u32 idx)
{
	if ((obj->flags & (KLT_F_CAND | KLT_F_HAS_PARENT | KLT_F_REACHED)) ==
	    KLT_F_CAND) {
		obj->flags |= KLT_F_REACHED;
		klt_push(sc, obj, idx);
	}
	return true;
}

/*
 * What is left unreached hangs off leaked cycles, which have no parentless
 * member. The first unreached object becomes a direct leak; if a later
 * walk reaches it from another one, it is demoted to indirect.
 */
static bool klt_cycles(struct klt_scan *sc, struct klt_object *obj, u32 idx)
{
	if ((obj->flags & (KLT_F_CAND | KLT_F_REACHED)) == KLT_F_CAND) {
		obj->flags |= KLT_F_REACHED;
		sc->root_enc = obj->enc_addr;
		klt_push(sc, obj, idx);
		return false;
	}
	return true;
}

static bool klt_finish(struct klt_scan *sc, struct klt_object *obj, u32 idx)
{
	if (!(obj->flags & KLT_F_CAND))
		return true;
	obj->flags &= ~(KLT_F_CAND | KLT_F_HAS_PARENT | KLT_F_REACHED |
			KLT_F_INDIRECT);
	obj->flags |= KLT_F_LEAK;
	if (obj->enc_parent)
		obj->flags |= KLT_F_INDIRECT;
	sc->res.leaks++;
	sc->res.leak_bytes += obj->size;
	if (!(obj->flags & KLT_F_REPORTED)) {
		obj->flags |= KLT_F_REPORTED;
		sc->res.new_leaks++;
		sc->res.new_bytes += obj->size;
	}
	return true;
}

void klt_scan_end(struct klt_scan *sc, struct klt_scan_result *res)
{
	klt_drain(sc);
	kasan_disable_current();
	if (!klt_stopped(sc))
		klt_checksum_pass(sc);
	if (!klt_stopped(sc)) {
		/*
		 * Marking is complete: classify all of it or nothing. The walks
		 * are bounded and resched; a stop now would report the first
		 * batches from half-made flags.
		 */
		sc->stop = NULL;
		/* Classify the unreferenced objects: direct or indirect. */
		klt_walk(sc, klt_collect);
		sc->mode = KLT_PARENT;
		klt_walk(sc, klt_parents);
		sc->mode = KLT_REACH;
		klt_walk(sc, klt_roots);
		klt_walk(sc, klt_cycles);
		klt_walk(sc, klt_finish);
	}
	kasan_enable_current();
	*res = sc->res;
	klt_scan_free(sc);
}
