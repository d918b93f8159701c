// SPDX-License-Identifier: GPL-2.0
/*
 * The root set: a walk over every page of RAM, deciding from its struct
 * page what it holds.
 *
 * kmemleak knows its roots (data, bss, per-CPU areas, the objects it was
 * told about); a module loaded into a running kernel does not, so every
 * in-use page is a root unless it is known to hold no kernel reference:
 * free pages, user and page cache pages, our own pages, the stacks
 * stacks.c scans on its own, and inside slab pages the tracked objects
 * (scanned only once reached) and the free slots (slub.c). The struct
 * pages themselves are RAM too and are scanned, but not those of free
 * and tail pages, which keep stale values from their last use.
 *
 * Page kinds are racy by nature: a page may change owner while we look.
 * A wrong guess costs at worst one scan's accuracy, never safety, because
 * every read is a nofault copy.
 */
#include <linux/bsearch.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "kleaktrack.h"

#define KLT_MEMMAP_MAX	(PAGE_SIZE / sizeof(struct klt_range))

/*
 * Leave out of the next scan of a page the words that overlap [s, e),
 * addresses or offsets as @page (where the page starts) is.
 */
void klt_skip_span(struct klt_scan *sc, unsigned long page,
		   unsigned long s, unsigned long e)
{
	s = max(s, page);
	e = min(e, page + PAGE_SIZE);
	if (e > s)
		bitmap_set(sc->skip, (s - page) / sizeof(long),
			   DIV_ROUND_UP(e - page, sizeof(long)) -
			   (s - page) / sizeof(long));
}

/*
 * Whether a record may hide words of a slab: only one that sits on the
 * slab's slot grid, fits its slot and (for a cache's object) belongs to
 * its cache. Any other record there is stale, left from another use of
 * the page, and what lives there now is unknown: a root.
 */
static bool klt_on_slab_grid(const struct klt_object *obj,
			     const struct klt_slab_info *si)
{
	unsigned long first = si->base + si->red_left, a = klt_obj_addr(obj);

	return a >= first && (a - first) % si->size == 0 &&
	       (a - first) / si->size < si->objects &&
	       obj->size <= si->object_size &&
	       (!obj->enc_cache || klt_dec(obj->enc_cache) == si->cache);
}

/*
 * Start a fresh skip map for the page at @addr with the words of tracked
 * objects in it: those are scanned when reached, not as roots. Returns
 * whether there were any. On a slab (@si) only records on its grid count;
 * tombstones (freed objects, whose stale contents would hide leaks) only
 * with @tombstones, when every allocation is known to be recorded: a
 * tombstone may otherwise lie under a live object nobody recorded (track=off,
 * sample=N, an insert past its bound), and elsewhere than on a slab's grid
 * it means nothing.
 */
bool klt_skip_tracked(struct klt_scan *sc, unsigned long addr,
		      const struct klt_slab_info *si, bool tombstones)
{
	struct klt_store *st = sc->st;
	unsigned long end = addr + PAGE_SIZE, flags;
	struct klt_object *obj;
	bool any = false;

	bitmap_zero(sc->skip, KLT_WORDS);
	raw_spin_lock_irqsave(&st->lock, flags);
	for (obj = klt_store_first_from(st, addr);
	     obj && obj->enc_addr < klt_enc(end); obj = klt_store_next(obj)) {
		if (!(obj->flags & KLT_F_LIVE) && !(tombstones && si))
			continue;
		if (si && !klt_on_slab_grid(obj, si))
			continue;
		klt_skip_span(sc, addr, klt_obj_addr(obj),
			      klt_obj_addr(obj) + max(obj->size, 1U));
		any = true;
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return any;
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

const struct klt_range *klt_in_memmap(struct klt_scan *sc, unsigned long pfn)
{
	return sc->nmemmap ? bsearch(&pfn, sc->memmap, sc->nmemmap,
				     sizeof(*sc->memmap), klt_cmp_range) : NULL;
}

/*
 * struct pages live in RAM too, and the scan reads them: page->private and
 * ->mapping of page cache pages, and a slab's ->obj_exts, may be the only
 * reference to an object. The pages that back the memmap are found at the
 * start of a scan, so that their struct pages can be judged one by one.
 */
static void klt_memmap_find(struct klt_scan *sc)
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
	/* All pfns of a found chunk are valid (klt_memmap_find()). */
	first = (memmap_v - base) / sizeof(struct page);
	last = (memmap_v + PAGE_SIZE - 1 - base) / sizeof(struct page);
	for (desc = first; desc <= last; desc++) {
		struct page *dp = pfn_to_page(desc);

		if (!PageTail(dp) && page_ref_count(dp))
			continue;
		klt_skip_span(sc, memmap_v, (unsigned long)dp,
			      (unsigned long)(dp + 1));
	}
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
	/*
	 * What /proc/kcore leaves out: reading poisoned memory is a machine
	 * check, unaccepted memory (a confidential guest's) a fatal fault.
	 */
	if (PageHWPoison(page) || PageOffline(page))
		return KLT_PAGE_SKIP;
#ifdef CONFIG_UNACCEPTED_MEMORY
	if (PageUnaccepted(page))
		return KLT_PAGE_SKIP;
#endif
	head = compound_head(page);
	/* Before the count: newer SLUB's slabs are frozen pages, count 0. */
	if (PageSlab(head))
		return KLT_PAGE_SLAB;
	if (!page_ref_count(head))
		return KLT_PAGE_SKIP;		/* free, or on a pcp list */
	/*
	 * Before the reserved test: the IRQ stacks are per-CPU memory and
	 * init_task's stack is in the kernel image, both reserved pages.
	 */
	if (klt_stack_pfn(sc, pfn))
		return KLT_PAGE_SKIP;
	if (PageReserved(page))
		return page_is_ram(pfn) ? KLT_PAGE_ROOT : KLT_PAGE_SKIP;
	if (PageLRU(head) || PageAnon(head) || READ_ONCE(head->mapping))
		return KLT_PAGE_SKIP;		/* user and page cache memory */
	if (PageGuard(page))
		return KLT_PAGE_SKIP;
	if (page_private(page) == KLT_PAGE_MAGIC)
		return KLT_PAGE_SKIP;		/* ours */
	if (klt_vmalloc_page(sc, pfn))
		return KLT_PAGE_SKIP;		/* scanned once reached */
	/* Large kmalloc objects are compound pages outside the slab. */
	return PageCompound(page) ? KLT_PAGE_OBJECTS : KLT_PAGE_ROOT;
}

/*
 * Start a fresh skip map for the page at @addr with the words of freed
 * module per-CPU areas in it. Returns whether there were any.
 */
bool klt_skip_pcpu_gone(struct klt_scan *sc, unsigned long addr)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < sc->npcpu_gone; i++) {
		const struct klt_range *r = &sc->pcpu_gone[i];

		if (r->end <= addr || r->start >= addr + PAGE_SIZE)
			continue;
		if (!any)
			bitmap_zero(sc->skip, KLT_WORDS);
		klt_skip_span(sc, addr, r->start, r->end);
		any = true;
	}
	return any;
}

/*
 * The tracked vmalloc areas, @max at most from the one at or after
 * *@cursor, under one lock hold: their encoded addresses, sizes and
 * serials in @notes. Returns how many, 0 at the end.
 */
struct klt_vnote {
	unsigned long enc;
	unsigned long enc_page;		/* its first page, when recorded */
	u32 size, serial;
};

static unsigned int klt_vareas(struct klt_store *st, unsigned long *cursor,
			       struct klt_vnote *notes, unsigned int max)
{
	struct klt_object *obj;
	unsigned int n = 0;
	unsigned long flags;

	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_store_first_from(st, *cursor);
	if (obj && klt_obj_addr(obj) < *cursor)
		obj = klt_store_next(obj);	/* the one containing it */
	for (; obj && n < max && klt_obj_addr(obj) < VMALLOC_END;
	     obj = klt_store_next(obj)) {
		*cursor = klt_obj_addr(obj) + 1;
		if (!klt_obj_live_area(obj))
			continue;
		notes[n].enc = obj->enc_addr;
		notes[n].enc_page = obj->enc_cache;
		notes[n].size = obj->size;
		notes[n].serial = obj->serial;
		n++;
	}
	if (!obj || klt_obj_addr(obj) >= VMALLOC_END)
		*cursor = VMALLOC_END;
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return n;
}

/*
 * A recorded area whose first page is not mapped there any more was
 * freed unseen (a probe that missed), and maybe replaced by an area
 * nothing recorded: the record goes, or it would be reported, and the
 * new area's pages left out of the roots.
 */
static void klt_varea_gone(struct klt_store *st, const struct klt_vnote *v)
{
	struct klt_object *obj;
	unsigned long flags;

	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_store_lookup(st, klt_dec(v->enc));
	if (obj && obj->enc_addr == v->enc && obj->serial == v->serial &&
	    (obj->flags & KLT_F_LIVE))
		klt_store_release(st, obj);
	raw_spin_unlock_irqrestore(&st->lock, flags);
}

static int klt_sort_vpage(const void *a, const void *b)
{
	const struct klt_vpage *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static int klt_cmp_vpage(const void *key, const void *elt)
{
	unsigned long pfn = *(const unsigned long *)key;
	const struct klt_vpage *v = elt;

	return pfn < v->pfn ? -1 : pfn > v->pfn;
}

#define KLT_VNOTES	(PAGE_SIZE / sizeof(struct klt_vnote))

/*
 * The pages of the tracked vmalloc areas, found at the start of a scan:
 * the RAM walk meets a page by its pfn, an area is recorded by its
 * vmalloc address. Past KLT_VPAGES_MAX pages, the rest stay roots (what
 * they reference is then never a leak).
 */
void klt_vpages_find(struct klt_scan *sc)
{
	struct klt_vnote *notes = klt_page_alloc(GFP_KERNEL);
	unsigned long cursor = VMALLOC_START, pages = 0;
	unsigned int n, i, cap;

	if (!notes)
		return;
	while ((n = klt_vareas(sc->st, &cursor, notes, KLT_VNOTES)))
		for (i = 0; i < n; i++)
			pages += DIV_ROUND_UP(notes[i].size, PAGE_SIZE);
	cap = min_t(unsigned long, pages, KLT_VPAGES_MAX);
	sc->vpages = cap ? klt_vzalloc(cap * sizeof(*sc->vpages)) : NULL;
	if (!sc->vpages)
		goto out;
	cursor = VMALLOC_START;
	while (sc->nvpages < cap &&
	       (n = klt_vareas(sc->st, &cursor, notes, KLT_VNOTES))) {
		for (i = 0; i < n; i++) {
			unsigned long addr = klt_dec(notes[i].enc), off;

			for (off = 0; off < notes[i].size && sc->nvpages < cap;
			     off += PAGE_SIZE) {
				struct page *page = vmalloc_to_page((void *)(addr + off));
				struct klt_vpage *v = &sc->vpages[sc->nvpages];

				if (!off && page !=
				    (struct page *)klt_dec(notes[i].enc_page)) {
					klt_varea_gone(sc->st, &notes[i]);
					break;
				}
				if (!page)
					break;
				v->pfn = page_to_pfn(page);
				v->enc = klt_enc(addr + off);
				sc->nvpages++;
			}
		}
		cond_resched();
	}
	sort(sc->vpages, sc->nvpages, sizeof(*sc->vpages), klt_sort_vpage, NULL);
out:
	klt_page_free(notes);
}

/*
 * Whether the page at @pfn is one of a tracked vmalloc area, which is
 * scanned when reached: only while it is still mapped where it was found
 * and its area still recorded. An area freed since gave its pages back,
 * and whoever has them now may hold references.
 */
bool klt_vmalloc_page(struct klt_scan *sc, unsigned long pfn)
{
	const struct klt_vpage *v;
	struct klt_object *obj;
	unsigned long addr, flags;
	struct page *page;
	bool ours;

	if (!sc->nvpages)
		return false;
	v = bsearch(&pfn, sc->vpages, sc->nvpages, sizeof(*v), klt_cmp_vpage);
	if (!v)
		return false;
	addr = klt_dec(v->enc);
	page = vmalloc_to_page((void *)addr);
	if (!page || page_to_pfn(page) != pfn)
		return false;
	raw_spin_lock_irqsave(&sc->st->lock, flags);
	obj = klt_store_lookup(sc->st, addr);
	ours = obj && klt_obj_live_area(obj);
	raw_spin_unlock_irqrestore(&sc->st->lock, flags);
	return ours;
}

/*
 * The copies of per-CPU allocations, found at the start of a scan: the
 * RAM walk meets them in root pages (the first chunk is reserved memory,
 * the other chunks' pages are the percpu allocator's), where they would
 * hold what they reference. A tracked allocation's copies are scanned when
 * it is reached; a freed one's hold stale pointers and are not scanned at
 * all, but only while every allocation is being recorded (a tombstone may
 * else lie under an allocation nobody recorded) and, in a vmalloc'd chunk,
 * while its first copy's page is still mapped where it was at the free:
 * the chunk may have been freed since and its address space reused.
 * Past KLT_PRANGES_MAX pieces, the rest stay roots.
 */
struct klt_pnote {
	unsigned long addr;
	unsigned long enc_page;		/* a tombstone's first page, or 0 */
	u32 size;
};

struct klt_pwalk {
	struct klt_scan *sc;
	struct klt_pnote *notes;
	unsigned int n, cap;
	bool tombstones;
};

static bool klt_pnote_one(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_pwalk *pw = arg;

	if (!(obj->flags & KLT_F_PERCPU) || pw->n == KLT_WALK_BATCH)
		return true;
	if (!(obj->flags & KLT_F_LIVE) &&
	    (!pw->tombstones ||
	     (is_vmalloc_addr((void *)klt_obj_addr(obj)) && !obj->enc_cache)))
		return true;
	pw->notes[pw->n].addr = klt_obj_addr(obj);
	pw->notes[pw->n].enc_page = obj->flags & KLT_F_LIVE ? 0 :
				    obj->enc_cache;
	pw->notes[pw->n].size = max(obj->size, 1U);
	pw->n++;
	return true;
}

/* Room for one more piece: the list doubles, up to KLT_PRANGES_MAX. */
static bool klt_prange_room(struct klt_pwalk *pw)
{
	struct klt_scan *sc = pw->sc;
	struct klt_prange *more;
	unsigned int cap;

	if (sc->npranges < pw->cap)
		return true;
	if (pw->cap == KLT_PRANGES_MAX)
		return false;
	cap = pw->cap ? 2 * pw->cap : PAGE_SIZE / sizeof(*more);
	more = klt_vzalloc(array_size(cap, sizeof(*more)));
	if (!more) {
		pw->cap = KLT_PRANGES_MAX;	/* the rest stay roots */
		return false;
	}
	if (sc->npranges)
		memcpy(more, sc->pranges, sc->npranges * sizeof(*more));
	klt_vfree(sc->pranges);
	sc->pranges = more;
	pw->cap = cap;
	return true;
}

/* The pieces of [a, a + size), page by page. */
static void klt_prange_add(struct klt_pwalk *pw, unsigned long a, u32 size)
{
	struct klt_scan *sc = pw->sc;
	unsigned long end = a + size;

	while (a < end && klt_prange_room(pw)) {
		unsigned long next = min(end, ALIGN(a + 1, PAGE_SIZE));
		struct klt_prange *r = &sc->pranges[sc->npranges];
		struct page *page = NULL;

		r->enc_va = 0;
		if (is_vmalloc_addr((void *)a)) {
			page = vmalloc_to_page((void *)a);
			r->enc_va = klt_enc(a & PAGE_MASK);
		} else if (virt_addr_valid((void *)a)) {
			page = virt_to_page((void *)a);
		}
		if (page) {
			r->pfn = page_to_pfn(page);
			r->start = offset_in_page(a);
			r->end = next - (a & PAGE_MASK);
			sc->npranges++;
		}
		a = next;
	}
}

static bool klt_pnotes_take(void *arg)
{
	struct klt_pwalk *pw = arg;
	unsigned int i;
	int cpu;

	for (i = 0; i < pw->n; i++) {
		const struct klt_pnote *pn = &pw->notes[i];

		if (pn->enc_page && vmalloc_to_page((void *)pn->addr) !=
		    (struct page *)klt_dec(pn->enc_page))
			continue;
		for_each_possible_cpu(cpu)
			klt_prange_add(pw, klt_pcpu_copy(pn->addr, cpu),
				       pn->size);
	}
	pw->n = 0;
	return pw->sc->npranges < KLT_PRANGES_MAX;
}

static int klt_sort_prange(const void *a, const void *b)
{
	const struct klt_prange *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

void klt_pranges_find(struct klt_scan *sc)
{
	struct klt_pwalk pw = {
		.sc = sc,
		.tombstones = klt_hooks_all_recorded(),
	};

	unsigned int r;

	if (!sc->pcpu_len[0] && !sc->pcpu_len[1])
		return;
	pw.notes = klt_page_alloc(GFP_KERNEL);
	if (!pw.notes)
		return;
	/* The first copies of each cookie range, and only those records. */
	for (r = 0; r < 2; r++) {
		unsigned long from = sc->pcpu_lo[r] + sc->pcpu_off;

		if (!sc->pcpu_len[r])
			continue;
		klt_store_walk_range(sc->st, from, from + sc->pcpu_len[r],
				     KLT_WALK_BATCH, klt_pnote_one,
				     klt_pnotes_take, &pw);
		klt_pnotes_take(&pw);
	}
	sort(sc->pranges, sc->npranges, sizeof(*sc->pranges), klt_sort_prange,
	     NULL);
	klt_page_free(pw.notes);
}

/*
 * Add to the skip map of the page @pfn, at @addr, the copies of per-CPU
 * allocations in it, zeroing the map first with @fresh. Returns whether
 * there were any.
 */
bool klt_skip_pranges(struct klt_scan *sc, unsigned long pfn,
		      unsigned long addr, bool fresh)
{
	const struct klt_prange *r;
	unsigned int lo = 0, hi = sc->npranges;

	/* The first piece at or after @pfn. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (sc->pranges[mid].pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == sc->npranges || sc->pranges[lo].pfn != pfn)
		return false;
	/*
	 * A vmalloc'd chunk's page may have gone back to the page allocator
	 * since the list was made, and be anyone's now. The page was copied
	 * before this check, and a chunk unmaps a page before it frees it.
	 */
	r = &sc->pranges[lo];
	if (r->enc_va &&
	    vmalloc_to_page((void *)klt_dec(r->enc_va)) != pfn_to_page(pfn))
		return false;
	if (fresh)
		bitmap_zero(sc->skip, KLT_WORDS);
	for (r = &sc->pranges[lo]; r < sc->pranges + sc->npranges &&
	     r->pfn == pfn; r++)
		klt_skip_span(sc, addr, addr + r->start, addr + r->end);
	return true;
}

/*
 * One page as a root; with @objects, less the tracked objects in it, else
 * less the freed module per-CPU areas and the per-CPU allocations in it.
 */
void klt_scan_pfn(struct klt_scan *sc, unsigned long pfn, bool objects)
{
	unsigned long addr = (unsigned long)page_address(pfn_to_page(pfn));
	const unsigned long *skip = NULL;

	bool any;

	if (copy_from_kernel_nofault(sc->buf, (void *)addr, PAGE_SIZE))
		return;				/* not in the direct map */
	if (objects) {
		any = klt_skip_tracked(sc, addr, NULL, false);
	} else {
		any = klt_skip_pcpu_gone(sc, addr);
		any = klt_skip_pranges(sc, pfn, addr, !any) || any;
	}
	if (any)
		skip = sc->skip;
	klt_scan_words(sc, sc->buf, KLT_WORDS, skip, addr);
	sc->res.pages++;
}

static void klt_scan_node_range(struct klt_scan *sc, unsigned long start,
				unsigned long end)
{
	unsigned long pfn = start, span;

	while (pfn < end && !klt_stopped(sc)) {
		enum klt_page_kind kind;
		struct page *head;

		/* Offline sections' struct pages are stale or poisoned. */
		if (!pfn_to_online_page(pfn)) {
			pfn = ALIGN(pfn + 1, PAGES_PER_SECTION);
			continue;
		}
		kind = klt_page_kind(sc, pfn, &span);
		switch (kind) {
		case KLT_PAGE_SLAB:
			head = compound_head(pfn_to_page(pfn));
			klt_scan_slab(sc, head);
			span = max(page_to_pfn(head) + compound_nr(head),
				   pfn + 1) - pfn;
			break;
		case KLT_PAGE_MEMMAP:
			klt_scan_memmap_page(sc, pfn, klt_in_memmap(sc, pfn));
			sc->walk.root_pages++;
			break;
		case KLT_PAGE_OBJECTS:
			/* Large kmalloc pages count as slab memory (vmstat). */
			klt_scan_pfn(sc, pfn, true);
			sc->walk.slab_pages++;
			break;
		case KLT_PAGE_ROOT:
			klt_scan_pfn(sc, pfn, false);
			sc->walk.root_pages++;
			break;
		case KLT_PAGE_SKIP:
			break;
		}
		span = min(span, end - pfn);
		sc->walk.ram_pages += span;
		pfn += span;
		klt_maybe_resched(sc, PAGE_SIZE);
	}
}

static unsigned long klt_slab_in_use(void)
{
	return global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
	       global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
}

/*
 * Whether the walk saw what any kernel's RAM holds, from its counts @w and
 * the RAM the kernel manages (@ram_pages): most of that RAM walked, some
 * root pages (the kernel's own data at least), and a good part of the
 * slab memory in use read. A walk that fails this was misled by a page
 * layout we do not know; classifying after it would report whatever it
 * missed the references of. Returns NULL, or why in @buf.
 */
const char *klt_walk_untrusted(const struct klt_walk_stats *w,
			       unsigned long ram_pages, char *buf, size_t len)
{
	if (w->ram_pages < ram_pages / 2)
		snprintf(buf, len, "the RAM walk saw %lu of %lu pages",
			 w->ram_pages, ram_pages);
	else if (!w->root_pages)
		snprintf(buf, len, "the RAM walk found no root page");
	else if (w->slab_in_use >= 64 && w->slab_pages < w->slab_in_use / 4)
		snprintf(buf, len, "the RAM walk read %lu slab pages of %lu in use",
			 w->slab_pages, w->slab_in_use);
	else
		return NULL;
	return buf;
}

/* Every node's RAM, each followed by the objects it made gray. */
void klt_roots_scan(struct klt_scan *sc)
{
	int nid;

	/*
	 * Lazily freed vmap areas keep their ->vm, a pointer to a kfree()d
	 * vm_struct, until purged: a leak allocated in such a slot would
	 * look referenced. Purge them (a TLB flush the kernel would do anyway).
	 */
	vm_unmap_aliases();
	klt_memmap_find(sc);
	sc->pcpu_gone = klt_page_alloc(GFP_KERNEL);
	if (sc->pcpu_gone)
		sc->npcpu_gone = klt_pcpu_gone_ranges(sc->pcpu_gone,
						      KLT_MEMMAP_MAX);
	klt_vpages_find(sc);
	klt_pranges_find(sc);
	sc->walk.slab_in_use = klt_slab_in_use();
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		unsigned long start = pgdat->node_start_pfn;

		klt_scan_node_range(sc, start, start + pgdat->node_spanned_pages);
		klt_drain(sc);
	}
	klt_page_free(sc->memmap);
	sc->memmap = NULL;
	sc->nmemmap = 0;
	klt_page_free(sc->pcpu_gone);
	sc->pcpu_gone = NULL;
	sc->npcpu_gone = 0;
	klt_vfree(sc->vpages);
	sc->vpages = NULL;
	sc->nvpages = 0;
	klt_vfree(sc->pranges);
	sc->pranges = NULL;
	sc->npranges = 0;
	/* Slabs freed during the walk were in use at its start. */
	sc->walk.slab_in_use = min(sc->walk.slab_in_use, klt_slab_in_use());
}
