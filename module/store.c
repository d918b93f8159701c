// SPDX-License-Identifier: GPL-2.0
/*
 * The object store: fixed-size records in pages of our own, indexed by a
 * u32, kept in an rbtree keyed by address. Callers hold st->lock (a raw
 * spinlock, irqs off) around every function here except init, destroy and
 * grow; the hooks run in any context and must never sleep or allocate
 * through the slab allocator they trace.
 */
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "kleaktrack.h"

static_assert(sizeof(struct klt_object) <= 96);
static_assert(KLT_CHUNK_SIZE % sizeof(struct klt_object) == 0);

/* Stale records one insert may drop, with interrupts off. */
#define KLT_INSERT_BOUND	128

void *klt_page_alloc(gfp_t gfp)
{
	struct page *page = alloc_page(gfp | __GFP_ZERO);

	if (!page)
		return NULL;
	set_page_private(page, KLT_PAGE_MAGIC);
	return page_address(page);
}

void klt_page_free(void *addr)
{
	struct page *page;

	if (!addr)
		return;
	page = virt_to_page(addr);
	set_page_private(page, 0);
	page->index = 0;
	__free_page(page);
}

/*
 * The scanner's larger lists (stack pfns, the tracked areas' pages, the
 * per-CPU copies), vmalloc'd and marked as klt_page_alloc()'s pages are:
 * they hold pfns and counts, small numbers that a per-CPU cookie can
 * equal, and the RAM walk must not read them. The size is kept in the
 * word before the list. vmalloc() from here is not recorded: the caller
 * is kleaktrack. Process context.
 */
void *klt_vzalloc(size_t size)
{
	size_t total = size + sizeof(unsigned long), off;
	unsigned long *p;

	if (size > SIZE_MAX - PAGE_SIZE)
		return NULL;
	p = vzalloc(total);
	if (!p)
		return NULL;
	for (off = 0; off < total; off += PAGE_SIZE)
		set_page_private(vmalloc_to_page((void *)p + off),
				 KLT_PAGE_MAGIC);
	p[0] = total;
	return p + 1;
}

void klt_vfree(void *addr)
{
	unsigned long *p = addr;
	size_t total, off;

	if (!p)
		return;
	total = *--p;
	for (off = 0; off < total; off += PAGE_SIZE)
		set_page_private(vmalloc_to_page((void *)p + off), 0);
	vfree(p);
}

/*
 * A chunk is three physically contiguous pages (alloc_pages_exact()); each
 * page carries the magic, so the scan skips it, and in page->index its
 * number: chunk * KLT_CHUNK_PAGES + its place in the chunk.
 */
static void *klt_chunk_alloc(gfp_t gfp)
{
	void *addr = alloc_pages_exact(KLT_CHUNK_SIZE, gfp | __GFP_ZERO);
	unsigned int i;

	for (i = 0; addr && i < KLT_CHUNK_PAGES; i++)
		set_page_private(virt_to_page(addr + i * PAGE_SIZE),
				 KLT_PAGE_MAGIC);
	return addr;
}

static void klt_chunk_free(void *addr)
{
	unsigned int i;

	for (i = 0; i < KLT_CHUNK_PAGES; i++) {
		struct page *page = virt_to_page(addr + i * PAGE_SIZE);

		set_page_private(page, 0);
		page->index = 0;
	}
	free_pages_exact(addr, KLT_CHUNK_SIZE);
}

struct klt_object *klt_obj(struct klt_store *st, u32 idx)
{
	struct klt_object *base;

	if (!idx || idx > st->nr_chunks * KLT_OBJS_PER_CHUNK)
		return NULL;
	idx--;
	base = page_address(st->chunks[idx / KLT_OBJS_PER_CHUNK]);
	return base + idx % KLT_OBJS_PER_CHUNK;
}

/* A record may straddle two pages: its first page says where it is. */
u32 klt_obj_idx(struct klt_store *st, struct klt_object *obj)
{
	struct page *page = virt_to_page(obj);
	unsigned long pos = page->index;
	struct klt_object *base = page_address(page) -
				  (pos % KLT_CHUNK_PAGES) * PAGE_SIZE;

	return pos / KLT_CHUNK_PAGES * KLT_OBJS_PER_CHUNK + 1 + (obj - base);
}

int klt_store_init(struct klt_store *st, unsigned long max_objects,
		   unsigned long prealloc)
{
	memset(st, 0, sizeof(*st));
	raw_spin_lock_init(&st->lock);
	st->root = RB_ROOT;
	st->stats = alloc_percpu(struct klt_stats);
	if (!st->stats)
		return -ENOMEM;
	if (max_objects < KLT_OBJS_PER_CHUNK)
		max_objects = KLT_OBJS_PER_CHUNK;
	if (max_objects > U32_MAX - KLT_OBJS_PER_CHUNK)
		max_objects = U32_MAX - KLT_OBJS_PER_CHUNK;
	st->max_chunks = DIV_ROUND_UP(max_objects, KLT_OBJS_PER_CHUNK);
	st->chunks = vzalloc(array_size(st->max_chunks, sizeof(*st->chunks)));
	if (!st->chunks)
		return -ENOMEM;
	return klt_store_grow(st, DIV_ROUND_UP(prealloc, KLT_OBJS_PER_CHUNK),
			      GFP_KERNEL);
}

void klt_store_destroy(struct klt_store *st)
{
	unsigned int i;

	free_percpu(st->stats);
	st->stats = NULL;
	if (!st->chunks)
		return;
	for (i = 0; i < st->nr_chunks; i++)
		klt_chunk_free(page_address(st->chunks[i]));
	vfree(st->chunks);
	st->chunks = NULL;
	st->nr_chunks = 0;
}

unsigned long klt_stat_read(struct klt_store *st, enum klt_stat i)
{
	unsigned long sum = 0;
	int cpu;

	if (!st->stats)
		return 0;
	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(st->stats, cpu)->v[i];
	return sum;
}

/*
 * Add up to @chunks record chunks. Chunks are allocated without the lock
 * and published one at a time; readers only index below nr_chunks.
 */
int klt_store_grow(struct klt_store *st, unsigned int chunks, gfp_t gfp)
{
	unsigned long flags;
	unsigned int n;

	for (n = 0; n < chunks; n++) {
		struct klt_object *objs;
		u32 first, i, nr;

		if (READ_ONCE(st->nr_chunks) >= st->max_chunks)
			return n ? 0 : -ENOSPC;
		objs = klt_chunk_alloc(gfp | __GFP_NOWARN);
		if (!objs)
			return n ? 0 : -ENOMEM;

		raw_spin_lock_irqsave(&st->lock, flags);
		nr = st->nr_chunks;
		if (nr >= st->max_chunks) {
			raw_spin_unlock_irqrestore(&st->lock, flags);
			klt_chunk_free(objs);
			return 0;
		}
		for (i = 0; i < KLT_CHUNK_PAGES; i++)
			virt_to_page((void *)objs + i * PAGE_SIZE)->index =
				nr * KLT_CHUNK_PAGES + i;
		first = nr * KLT_OBJS_PER_CHUNK + 1;
		st->chunks[nr] = virt_to_page(objs);
		/* Publish the chunk before any index in it can be handed out. */
		smp_store_release(&st->nr_chunks, nr + 1);
		for (i = KLT_OBJS_PER_CHUNK; i-- > 0; ) {
			objs[i].flags = 0;
			objs[i].next = st->free_head;
			st->free_head = first + i;
		}
		st->nr_free += KLT_OBJS_PER_CHUNK;
		raw_spin_unlock_irqrestore(&st->lock, flags);
	}
	return 0;
}

void klt_store_put(struct klt_store *st, struct klt_object *obj)
{
	obj->flags = 0;
	obj->next = st->free_head;
	st->free_head = klt_obj_idx(st, obj);
	st->nr_free++;
}

static unsigned long klt_obj_end(const struct klt_object *obj)
{
	return obj->enc_addr + max(obj->size, 1U);
}

/* The record whose object contains @addr (interior pointers count). */
struct klt_object *klt_store_lookup(struct klt_store *st, unsigned long addr)
{
	struct rb_node *n = st->root.rb_node;
	unsigned long key = klt_enc(addr);

	while (n) {
		struct klt_object *obj = rb_entry(n, struct klt_object, node);

		if (key < obj->enc_addr)
			n = n->rb_left;
		else if (key >= klt_obj_end(obj))
			n = n->rb_right;
		else
			return obj;
	}
	return NULL;
}

/*
 * The record a user names with @addr (dump=, why=): one containing it
 * or, for a per-CPU allocation, its cookie, which is what the report
 * shows and what kmemleak's dump= takes.
 */
struct klt_object *klt_store_lookup_named(struct klt_store *st,
					  unsigned long addr)
{
	struct klt_object *obj = klt_store_lookup(st, addr), *pc;

	if (obj && (obj->flags & KLT_F_LIVE))
		return obj;
	pc = klt_store_lookup(st, addr + klt_pcpu_off());
	if (pc && (pc->flags & KLT_F_PERCPU))
		return pc;
	return obj;
}

/* The first record at or after @addr, or containing it. */
struct klt_object *klt_store_first_from(struct klt_store *st,
					unsigned long addr)
{
	struct rb_node *n = st->root.rb_node;
	struct klt_object *best = NULL;
	unsigned long key = klt_enc(addr);

	while (n) {
		struct klt_object *obj = rb_entry(n, struct klt_object, node);

		if (key < klt_obj_end(obj)) {
			best = obj;
			if (key >= obj->enc_addr)
				return obj;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

struct klt_object *klt_store_next(struct klt_object *obj)
{
	struct rb_node *n = rb_next(&obj->node);

	return n ? rb_entry(n, struct klt_object, node) : NULL;
}

/* The first record at an address >= @cursor; 0 means the lowest. */
static struct klt_object *klt_store_from(struct klt_store *st,
					 unsigned long cursor)
{
	struct klt_object *obj;

	if (!cursor) {
		struct rb_node *n = rb_first(&st->root);

		return n ? rb_entry(n, struct klt_object, node) : NULL;
	}
	obj = klt_store_first_from(st, cursor);
	while (obj && klt_obj_addr(obj) < cursor)
		obj = klt_store_next(obj);
	return obj;
}

/*
 * Visit the records in address order, @batch per lock hold, calling @fn
 * with the lock held; @fn may release the record it is given. Between
 * batches @pause (if any) runs unlocked and says whether to go on. When
 * @fn returns false the batch ends early and the walk resumes after that
 * record. A cursor by address, not a node pointer, survives the tree
 * changing while the lock is dropped.
 */
void klt_store_walk(struct klt_store *st, unsigned int batch,
		    bool (*fn)(struct klt_object *obj, u32 idx, void *arg),
		    bool (*pause)(void *arg), void *arg)
{
	klt_store_walk_range(st, 0, ULONG_MAX, batch, fn, pause, arg);
}

/* The same, over the records that start in [@from, @to). */
void klt_store_walk_range(struct klt_store *st, unsigned long from,
			  unsigned long to, unsigned int batch,
			  bool (*fn)(struct klt_object *obj, u32 idx,
				     void *arg),
			  bool (*pause)(void *arg), void *arg)
{
	unsigned long cursor = from, flags;

	for (;;) {
		struct klt_object *obj, *next;
		unsigned int n = 0;

		raw_spin_lock_irqsave(&st->lock, flags);
		obj = klt_store_from(st, cursor);
		if (obj && klt_obj_addr(obj) >= to)
			obj = NULL;
		for (; obj && n < batch; obj = next, n++) {
			next = klt_store_next(obj);
			if (next && klt_obj_addr(next) >= to)
				next = NULL;
			cursor = klt_obj_addr(obj) + 1;
			if (!fn(obj, klt_obj_idx(st, obj), arg)) {
				obj = next;
				break;
			}
		}
		raw_spin_unlock_irqrestore(&st->lock, flags);
		if (pause && !pause(arg))
			return;
		if (!obj)
			return;
		cond_resched();
	}
}

static void klt_store_unlink(struct klt_store *st, struct klt_object *obj)
{
	rb_erase(&obj->node, &st->root);
	if (obj->flags & KLT_F_LIVE) {
		st->nr_live--;
		st->live_bytes -= obj->size;
	} else {
		st->nr_freed--;
	}
}

/*
 * Drop a record from the tree. One the scanner is holding (on its gray
 * list) becomes a zombie that the scanner frees when done.
 */
void klt_store_release(struct klt_store *st, struct klt_object *obj)
{
	klt_store_unlink(st, obj);
	if (obj->flags & KLT_F_HELD)
		obj->flags = KLT_F_ZOMBIE | KLT_F_HELD;
	else
		klt_store_put(st, obj);
}

/* A record at the new object's address, live or a tombstone: reuse it. */
static void klt_store_reuse(struct klt_store *st, struct klt_object *obj,
			    u32 size, bool *replaced)
{
	if (obj->flags & KLT_F_LIVE) {
		*replaced = true;
		st->live_bytes -= obj->size;
	} else {
		st->nr_freed--;
		st->nr_live++;
	}
	st->live_bytes += size;
	obj->size = size;
	obj->flags = KLT_F_LIVE | (obj->flags & KLT_F_HELD);
}

/*
 * A first-chunk per-CPU tombstone outlives a smaller allocation in its
 * place: the allocator zeroes only the new allocation's bytes, and the
 * rest of the freed one keeps what it held, unused (on 6.1 an 8-byte
 * allocation at a freed 48-byte one left its stale child pointer a root).
 * A vmalloc'd chunk's tombstone is trusted only while its first page is
 * mapped where it was (roots.c), which a piece of it cannot tell: it goes.
 */
static bool klt_tomb_splits(const struct klt_object *obj)
{
	return (obj->flags & (KLT_F_LIVE | KLT_F_PERCPU)) == KLT_F_PERCPU &&
	       !obj->enc_cache;
}

/* A tombstone for [key, end), encoded, where no record is; lock held. */
static void klt_store_add_tomb(struct klt_store *st, unsigned long key,
			       unsigned long end)
{
	struct rb_node **link = &st->root.rb_node, *parent = NULL;
	struct klt_object *obj;

	if (!st->free_head || end - key > U32_MAX)
		return;
	while (*link) {
		parent = *link;
		obj = rb_entry(parent, struct klt_object, node);
		link = key < obj->enc_addr ? &parent->rb_left : &parent->rb_right;
	}
	obj = klt_obj(st, st->free_head);
	st->free_head = obj->next;
	st->nr_free--;
	memset(obj, 0, sizeof(*obj));
	obj->enc_addr = key;
	obj->size = end - key;
	obj->flags = KLT_F_PERCPU;
	obj->serial = ++st->serial;
	rb_link_node(&obj->node, parent, link);
	rb_insert_color(&obj->node, &st->root);
	st->nr_freed++;
}

/*
 * Record an allocation. Records never overlap, or lookups would miss
 * objects: the records the new object covers are stale (their frees went
 * unseen, or they are tombstones) and are dropped first, a fresh descent
 * each; past KLT_INSERT_BOUND of them the allocation is not recorded at
 * all. A record at @addr itself is then reused in place. A first-chunk
 * per-CPU tombstone is cut instead (klt_tomb_splits()): its parts before
 * and after the new object stay. Returns the record to fill in, or NULL;
 * *replaced tells that a live record was dropped or overwritten.
 */
struct klt_object *klt_store_insert(struct klt_store *st, unsigned long addr,
				    size_t size, bool *replaced)
{
	unsigned long key = klt_enc(addr), end, tail = 0;
	struct klt_object *pred, *obj;
	struct rb_node **link, *parent;
	int bound = KLT_INSERT_BOUND;

	*replaced = false;
	size = min_t(size_t, size, U32_MAX);
	end = key + max_t(size_t, size, 1);
	for (;;) {
		struct klt_object *succ = NULL, *stale;

		/* Only the predecessor can contain @addr; only records from
		 * the successor on can start inside the new object.
		 */
		pred = NULL;
		link = &st->root.rb_node;
		parent = NULL;
		while (*link) {
			obj = rb_entry(*link, struct klt_object, node);
			parent = *link;
			if (key < obj->enc_addr) {
				succ = obj;
				link = &parent->rb_left;
			} else {
				pred = obj;
				link = &parent->rb_right;
			}
		}
		if (succ && succ->enc_addr < end)
			stale = succ;
		else if (pred && pred->enc_addr != key && klt_obj_end(pred) > key)
			stale = pred;
		else
			break;
		if (bound-- <= 0)
			return NULL;
		if (klt_tomb_splits(stale)) {
			/* At most one record reaches past the new object. */
			if (klt_obj_end(stale) > end)
				tail = klt_obj_end(stale);
			if (stale == pred) {
				pred->size = key - pred->enc_addr;
				continue;
			}
		}
		if (stale->flags & KLT_F_LIVE)
			*replaced = true;
		klt_store_release(st, stale);
	}

	if (pred && pred->enc_addr == key) {
		obj = pred;
		if (klt_tomb_splits(obj) && klt_obj_end(obj) > end)
			tail = klt_obj_end(obj);
		klt_store_reuse(st, obj, size, replaced);
	} else {
		if (!st->free_head)
			return NULL;
		obj = klt_obj(st, st->free_head);
		st->free_head = obj->next;
		st->nr_free--;
		obj->enc_addr = key;
		obj->size = size;
		obj->flags = KLT_F_LIVE;
		obj->next = 0;
		obj->gen = 0;
		rb_link_node(&obj->node, parent, link);
		rb_insert_color(&obj->node, &st->root);
		st->nr_live++;
		st->live_bytes += size;
	}
	if (!st->enc_min || key < st->enc_min)
		WRITE_ONCE(st->enc_min, key);
	if (key + size > st->enc_max)
		WRITE_ONCE(st->enc_max, key + size);
	if (tail)
		klt_store_add_tomb(st, end, tail);
	return obj;
}

/*
 * Record a free. The record stays as a tombstone: the scan must not take
 * the stale contents of free slab memory for references, and the next
 * allocation at this address reuses it. Returns false for an object we
 * never tracked.
 */
bool klt_store_erase(struct klt_store *st, unsigned long addr)
{
	struct rb_node *n = st->root.rb_node;
	unsigned long key = klt_enc(addr);

	while (n) {
		struct klt_object *obj = rb_entry(n, struct klt_object, node);

		if (key < obj->enc_addr) {
			n = n->rb_left;
		} else if (key > obj->enc_addr) {
			n = n->rb_right;
		} else if (obj->flags & KLT_F_LIVE) {
			/* A per-CPU tombstone stays one (roots.c). */
			obj->flags &= KLT_F_HELD | KLT_F_PERCPU;
			st->nr_live--;
			st->live_bytes -= obj->size;
			st->nr_freed++;
			return true;
		} else {
			return false;
		}
	}
	return false;
}

/*
 * When the pool is full, tombstones go first: drop up to @max of them.
 * Takes the lock per batch; process context only.
 */
struct klt_reclaim {
	struct klt_store *st;
	unsigned long left;
};

static bool klt_reclaim_one(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_reclaim *r = arg;

	if (!(obj->flags & (KLT_F_LIVE | KLT_F_HELD))) {
		klt_store_release(r->st, obj);
		r->left--;
	}
	return r->left;
}

static bool klt_reclaim_more(void *arg)
{
	return ((struct klt_reclaim *)arg)->left;
}

unsigned long klt_store_reclaim(struct klt_store *st, unsigned long max)
{
	struct klt_reclaim r = { .st = st, .left = max };

	klt_store_walk(st, 256, klt_reclaim_one, klt_reclaim_more, &r);
	return max - r.left;
}

/*
 * Drop every record, live or tombstone, whose address @keep rejects (sample
 * made sparser). Process context; the lock is taken per batch.
 */
struct klt_filter {
	struct klt_store *st;
	bool (*keep)(unsigned long addr, void *arg);
	void *arg;
	unsigned long dropped;
};

static bool klt_filter_one(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_filter *f = arg;

	if (!f->keep(klt_obj_addr(obj), f->arg)) {
		klt_store_release(f->st, obj);
		f->dropped++;
	}
	return true;
}

unsigned long klt_store_filter(struct klt_store *st,
			       bool (*keep)(unsigned long addr, void *arg),
			       void *arg)
{
	struct klt_filter f = { .st = st, .keep = keep, .arg = arg };

	klt_store_walk(st, 256, klt_filter_one, NULL, &f);
	return f.dropped;
}
