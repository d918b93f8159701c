// SPDX-License-Identifier: GPL-2.0
/*
 * The reference scanner's marking engine: kmemleak's algorithm on a
 * conservative root set.
 *
 * A tracker loaded late cannot know which untracked memory is live, so
 * every in-use RAM page is a root, with the exceptions roots.c, stacks.c
 * and slub.c give. Words that fall inside the store's bounds are
 * candidates; each page of them is resolved under one lock hold, and the
 * live objects they point into turn gray and are scanned in turn. After
 * the roots, a checksum pass applies kmemleak's rule that a white object
 * whose contents changed is in use. What stays white, is older than
 * min_age_ms and did not change since the previous scan goes to
 * classify.c.
 *
 * The store lock is never held across more than one page or one batch of
 * candidate pointers, and all state lives in pages we own so that the scan
 * never finds its own copies of the pointers it looks for.
 */
#include <linux/crc32.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "kleaktrack.h"

#define KLT_CAND_MAX	(PAGE_SIZE / sizeof(unsigned long))

static_assert(sizeof(struct klt_scan) <= PAGE_SIZE);

bool klt_stopped(struct klt_scan *sc)
{
	if (sc->res.interrupted)
		return true;
	if (sc->stop && sc->stop()) {
		sc->res.interrupted = true;
		return true;
	}
	return false;
}

void klt_maybe_resched(struct klt_scan *sc, unsigned long work)
{
	sc->since_resched += work;
	if (sc->since_resched >= 16 * PAGE_SIZE) {
		sc->since_resched = 0;
		cond_resched();
	}
}

static bool klt_old_enough(struct klt_scan *sc, struct klt_object *obj)
{
	unsigned long born = klt_obj_born(obj);

	return time_before_eq(born + sc->min_age, sc->start) &&
	       time_before(born, sc->start);
}

bool klt_white_old(struct klt_scan *sc, struct klt_object *obj)
{
	return (obj->flags & KLT_F_LIVE) && obj->gen != sc->gen &&
	       !(obj->flags & KLT_F_CLEARED) && klt_old_enough(sc, obj);
}

static void klt_mark(struct klt_scan *sc, struct klt_object *obj)
{
	if (obj->gen == sc->gen)
		return;
	/* Not stored by a task that has not run since (stacks.c). */
	if (sc->asleep_since &&
	    time_after(klt_obj_born(obj), sc->asleep_since + 1))
		return;
	obj->gen = sc->gen;
	if (!(obj->flags & KLT_F_HELD))
		klt_push(sc, obj, klt_obj_idx(sc->st, obj));
}

/* Resolve the candidates collected so far, under one lock hold. */
void klt_flush(struct klt_scan *sc)
{
	struct klt_store *st = sc->st;
	unsigned long flags;
	unsigned int i;

	if (!sc->ncand)
		return;
	raw_spin_lock_irqsave(&st->lock, flags);
	for (i = 0; i < sc->ncand; i++) {
		unsigned long v = sc->cand[i];
		struct klt_object *obj;

		unsigned long addr = klt_dec(v & ~KLT_CAND_COOKIE);

		obj = klt_store_lookup(st, addr);
		if (!obj || !(obj->flags & KLT_F_LIVE))
			continue;
		/* A cookie stands only for a per-CPU allocation. */
		if ((v & KLT_CAND_COOKIE) &&
		    (!(obj->flags & KLT_F_PERCPU) ||
		     !klt_cookie_holds(addr, klt_obj_addr(obj))))
			continue;
		if (likely(!sc->visit))
			klt_mark(sc, obj);
		else
			sc->visit(sc, obj);
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	sc->ncand = 0;
}

/*
 * The kernel's own records of a vmalloc area hold its start, and are not
 * references: vm_struct's addr and vmap_area's va_start (kmemleak counts
 * the first as expected, with a min_count of 2, and does not scan the
 * second), and the va_end of the vmap_area below, which ends where the
 * area starts. Each is told by its neighbours, word @i of @w (at @from):
 * vm_struct's size, VM_ALLOC flag and page array after addr; vmap_area's
 * end, then its rb_node, then a list_head whose next entry points back
 * to it (read now: a real list node, not two pointers side by side). An
 * area's size there is its requested size rounded up to pages, or to a
 * PMD for a huge mapping, plus the guard page.
 */
static bool klt_list_node(const unsigned long *w, unsigned int j,
			  unsigned int nwords, unsigned long from)
{
	unsigned long prev;

	return j < nwords && w[j] >= PAGE_OFFSET &&
	       !copy_from_kernel_nofault(&prev, (void *)(w[j] + sizeof(long)),
					 sizeof(prev)) &&
	       prev == from + j * sizeof(long);
}

static bool klt_vmap_own(struct klt_scan *sc, const unsigned long *w,
			 unsigned int i, unsigned int nwords, unsigned long from)
{
	unsigned long start = w[i], next, flags;
	struct klt_store *st = sc->st;
	struct klt_object *obj;
	u32 size = 0;

	if (i + 3 >= nwords)
		return false;
	next = w[i + 1];
	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_store_lookup(st, start);
	if (obj && klt_obj_addr(obj) == start && (obj->flags & KLT_F_VMALLOC))
		size = obj->size;
	raw_spin_unlock_irqrestore(&st->lock, flags);
	if (!size)
		return false;
	if (next > start)
		next -= start;		/* vmap_area's end: its size */
	if (next != PAGE_ALIGN(size) + PAGE_SIZE &&
	    next != ALIGN(size, PMD_SIZE) + PAGE_SIZE)
		return false;
	if (w[i + 1] > start)
		return klt_list_node(w, i + 5, nwords, from);
	return (w[i + 2] & VM_ALLOC) && w[i + 3] >= PAGE_OFFSET;
}

static inline bool klt_maybe_vmap_start(unsigned long v)
{
	return PAGE_ALIGNED(v) && v >= VMALLOC_START && v < VMALLOC_END;
}

static noinline bool klt_vmap_bookkeeping(struct klt_scan *sc,
					  const unsigned long *w,
					  unsigned int i, unsigned int nwords,
					  unsigned long from)
{
	if (klt_vmap_own(sc, w, i, nwords, from))
		return true;
	/* The area below: va_start, va_end (this word), rb_node, list */
	return i >= 1 && klt_maybe_vmap_start(w[i - 1]) && w[i - 1] < w[i] &&
	       klt_list_node(w, i + 4, nwords, from);
}

/* Collect the words of @w that fall inside a tracked object's range. */
void klt_scan_words(struct klt_scan *sc, const unsigned long *w,
		    unsigned int nwords, const unsigned long *skip,
		    unsigned long from)
{
	unsigned long lo = sc->lo, hi = sc->hi;
	unsigned long p0 = sc->pcpu_lo[0], n0 = sc->pcpu_len[0];
	unsigned long p1 = sc->pcpu_lo[1], n1 = sc->pcpu_len[1];
	unsigned int i;

	for (i = 0; i < nwords; i++) {
		unsigned long v = klt_enc(w[i]);

		if (v < lo || v >= hi) {
			/* A per-CPU cookie stands for its first copy. */
			if (likely(w[i] - p0 >= n0 && w[i] - p1 >= n1))
				continue;
			v = klt_enc(w[i] + sc->pcpu_off) | KLT_CAND_COOKIE;
		}
		if (skip && test_bit(i, skip))
			continue;
		if (unlikely(klt_maybe_vmap_start(w[i])) &&
		    klt_vmap_bookkeeping(sc, w, i, nwords, from))
			continue;
		if (static_branch_unlikely(&klt_why_key))
			klt_why(sc, v,
				from + i * sizeof(long));
		sc->cand[sc->ncand++] = v;
		if (sc->ncand == KLT_CAND_MAX)
			klt_flush(sc);
	}
	sc->res.bytes += nwords * sizeof(unsigned long);
}

/* Scan [start, start + len) as a block of possible pointers. */
void klt_scan_range(struct klt_scan *sc, unsigned long start, size_t len)
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
void klt_drain(struct klt_scan *sc)
{
	struct klt_store *st = sc->st;

	for (;;) {
		struct klt_object *obj;
		unsigned long flags, addr;
		u32 idx, size;
		bool percpu;
		int cpu;

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
		/* The whole last page: vrealloc() may grow an area in place. */
		if ((obj->flags & KLT_F_VMALLOC) && size <= U32_MAX - PAGE_SIZE)
			size = PAGE_ALIGN(size);
		percpu = obj->flags & KLT_F_PERCPU;
		sc->self_enc = obj->enc_addr;
		sc->self_shown = klt_enc(klt_obj_shown(obj));
		raw_spin_unlock_irqrestore(&st->lock, flags);

		if (!percpu) {
			klt_scan_range(sc, addr, size);
			continue;
		}
		for_each_possible_cpu(cpu)
			klt_scan_range(sc, klt_pcpu_copy(addr, cpu), size);
	}
}

static void klt_scan_free(struct klt_scan *sc)
{
	int i;

	for (i = 0; i < KLT_SLAB_PAGES; i++)
		klt_page_free(sc->slab_buf[i]);
	klt_page_free(sc->buf);
	klt_page_free(sc->cand);
	klt_page_free(sc);
}

static bool klt_gen_reset(struct klt_object *obj, u32 idx, void *arg)
{
	obj->gen = 0;
	return true;
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

	/*
	 * Generations wrap once in 65535 scans: forget the old marks, in
	 * batches like every other walk. Scans do not overlap, and new
	 * records start at 0.
	 */
	if (READ_ONCE(st->gen) == U16_MAX) {
		klt_store_walk(st, 256, klt_gen_reset, NULL, NULL);
		WRITE_ONCE(st->gen, 0);
	}
	raw_spin_lock_irqsave(&st->lock, flags);
	sc->gen = ++st->gen;
	sc->start = jiffies;
	sc->lo = st->enc_min;
	sc->hi = st->enc_max;
	for (i = 0; i < 2; i++) {
		sc->pcpu_lo[i] = klt_dec(st->pcpu_lo[i]);
		sc->pcpu_len[i] = klt_dec(st->pcpu_hi[i]) - sc->pcpu_lo[i];
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	sc->pcpu_off = klt_pcpu_off();
	if (static_branch_unlikely(&klt_why_key))
		klt_why_begin(sc);
	return sc;
}

void klt_scan_block(struct klt_scan *sc, const void *start, size_t len)
{
	klt_scan_range(sc, (unsigned long)start, len);
	klt_drain(sc);
}

int klt_scan_ram(struct klt_scan *sc, bool scan_stacks)
{
	klt_stacks_find(sc);
	kasan_disable_current();
	klt_roots_scan(sc);
	if (!sc->res.interrupted)
		klt_walk_untrusted(&sc->walk, totalram_pages(), sc->res.untrusted,
				   sizeof(sc->res.untrusted));
	klt_stacks_scan(sc, scan_stacks);
	klt_drain(sc);
	kasan_enable_current();
	return sc->res.interrupted ? -EINTR : 0;
}

/*
 * kmemleak's checksum rule: a white object whose contents changed since
 * the last scan is in use; treat it as gray for this scan.
 */
static u32 klt_checksum_range(struct klt_scan *sc, u32 crc,
			      unsigned long addr, u32 size)
{
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

/* A per-CPU allocation changes on any CPU: all its copies count. */
static u32 klt_checksum(struct klt_scan *sc, unsigned long addr, u32 size,
			bool percpu)
{
	u32 crc = ~0U;
	int cpu;

	if (!percpu)
		return klt_checksum_range(sc, crc, addr, size);
	for_each_possible_cpu(cpu) {
		crc = klt_checksum_range(sc, crc, klt_pcpu_copy(addr, cpu),
					 size);
		if (!crc)
			break;
	}
	return crc;
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
	       !time_before(klt_obj_born(obj), sc->start);
}

/* The checksum pass borrows the candidate page, idle between batches. */
struct klt_sum {
	unsigned long addr;
	u32 size, serial;
	bool percpu;
};

/* Under the lock: push new roots, note the white objects to checksum. */
static bool klt_sum_note(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_scan *sc = arg;
	struct klt_sum *b = (struct klt_sum *)sc->cand;

	obj->flags &= ~KLT_F_STABLE;
	if (klt_new_root(sc, obj)) {
		obj->gen = sc->gen;
		if (!(obj->flags & KLT_F_HELD))
			klt_push(sc, obj, idx);
	} else if (klt_white_old(sc, obj)) {
		b[sc->nsum].addr = klt_obj_addr(obj);
		b[sc->nsum].size = obj->size;
		b[sc->nsum].serial = obj->serial;
		b[sc->nsum].percpu = obj->flags & KLT_F_PERCPU;
		sc->nsum++;
	}
	return true;
}

/* Unlocked: checksum the batch, then scan what changed. */
static bool klt_sum_batch(void *arg)
{
	struct klt_scan *sc = arg;
	struct klt_sum *b = (struct klt_sum *)sc->cand;
	struct klt_store *st = sc->st;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < sc->nsum; i++) {
		u32 crc = klt_checksum(sc, b[i].addr, b[i].size, b[i].percpu);
		struct klt_object *obj;

		raw_spin_lock_irqsave(&st->lock, flags);
		obj = klt_store_lookup(st, b[i].addr);
		if (obj && obj->serial == b[i].serial &&
		    (obj->flags & KLT_F_LIVE) && !(obj->flags & KLT_F_HELD) &&
		    klt_obj_addr(obj) == b[i].addr && obj->gen != sc->gen) {
			if ((obj->flags & KLT_F_SUMMED) && obj->checksum == crc) {
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
	sc->nsum = 0;
	klt_drain(sc);
	return !klt_stopped(sc);
}

static_assert(KLT_WALK_BATCH * sizeof(struct klt_sum) <= PAGE_SIZE);

void klt_scan_end(struct klt_scan *sc, struct klt_scan_result *res)
{
	klt_drain(sc);
	kasan_disable_current();
	/* An untrusted walk changes nothing: no checksums, no verdicts. */
	if (!klt_stopped(sc) && !sc->res.untrusted[0])
		klt_store_walk(sc->st, KLT_WALK_BATCH, klt_sum_note,
			       klt_sum_batch, sc);
	if (!klt_stopped(sc) && !sc->res.untrusted[0])
		klt_classify(sc);
	kasan_enable_current();
	*res = sc->res;
	klt_scan_free(sc);
}
