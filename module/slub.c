// SPDX-License-Identifier: GPL-2.0
/*
 * What kleaktrack knows of SLUB's private structures: a cache's name, for
 * reports, and which slots of a slab are free, so that the scan does not
 * take the stale contents of freed objects for references. Freed slots
 * keep the pointers their last owner stored; a new object allocated where
 * an old one was looks referenced by them, and its leak goes unseen. The
 * scan of a slab page lives here too: a copy of the slab, its free lists
 * read from the copy, the slots' metadata masked.
 *
 * struct kmem_cache, struct slab and struct kmem_cache_cpu are private to
 * mm/. They are mirrored here in the variants 6.1 to 6.12 have had, and no
 * version number picks one: at load each variant is tried on a cache of
 * ours (klt_slub_check()), and the first under which its name reads back
 * and its free lists are right is used. When none passes, the scan treats
 * all untracked slab memory as roots, as before.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/swab.h>
#include <linux/uaccess.h>
#include "kleaktrack.h"

/* struct kmem_cache from its flags on, the same from 6.1 to 6.12. */
struct klt_kmem_cache_head {
	slab_flags_t flags;
	unsigned long min_partial;
	unsigned int size;
	unsigned int object_size;
	struct {
		u32 m;
		u8 sh1, sh2;
	} reciprocal_size;
	unsigned int offset;
#ifdef CONFIG_SLUB_CPU_PARTIAL
	unsigned int cpu_partial;
	unsigned int cpu_partial_slabs;
#endif
	unsigned int oo;
	unsigned int min;
	gfp_t allocflags;
	int refcount;
	void (*ctor)(void *object);
	unsigned int inuse;
	unsigned int align;
	unsigned int red_left_pad;
	const char *name;
	struct list_head list;
#ifdef CONFIG_SYSFS
	struct kobject kobj;
#endif
#ifdef CONFIG_SLAB_FREELIST_HARDENED
	unsigned long random;
#endif
};

struct klt_kmem_cache_cpu {
	void *freelist;
	unsigned long tid;
	void *slab;
};

/*
 * struct slab overlays struct page; the fields SLUB's free lists need.
 * Its first three words after the flags are slab_list and slab_cache, in
 * an order that changed in 6.2.
 */
struct klt_slab {
	unsigned long page_flags;
	unsigned long words[3];
	void *freelist;
	union {
		unsigned long counters;
		struct {
			unsigned int inuse:16;
			unsigned int objects:15;
			unsigned int frozen:1;
		};
	};
};

#ifdef CONFIG_SLUB_TINY
#define KLT_CPU_SLAB	0
#else
#define KLT_CPU_SLAB	sizeof(void *)	/* cpu_slab, first in kmem_cache */
#endif

struct klt_slub_layout {
	const char *what;
	unsigned int slab_cache_word;	/* in klt_slab.words */
	unsigned int head;		/* offset of kmem_cache's flags */
};

/*
 * Before kmem_cache's flags: the CPU slab pointer, and in later kernels
 * (6.12 has it) a lock_class_key, which is empty unless lockdep is on.
 */
static const struct klt_slub_layout klt_layouts[] = {
	{ "6.2+", 0, KLT_CPU_SLAB + sizeof(struct lock_class_key) },
	{ "6.2+", 0, KLT_CPU_SLAB },
	{ "6.1", 2, KLT_CPU_SLAB },
	{ "6.1", 2, KLT_CPU_SLAB + sizeof(struct lock_class_key) },
};

static const struct klt_slub_layout *klt_layout = &klt_layouts[0];

static struct klt_kmem_cache_head *klt_cache_head(unsigned long cache)
{
	return (struct klt_kmem_cache_head *)(cache + klt_layout->head);
}

static_assert(sizeof(struct klt_slab) <= sizeof(struct page));

static bool klt_name_ok;
bool klt_freelist_ok;

const char *const *klt_cache_name_ptr(unsigned long cache)
{
	return klt_name_ok ? &klt_cache_head(cache)->name : NULL;
}

/*
 * Read @page's slab: its cache's geometry and the heads of its free lists
 * (the slab's own, and the lockless one of a CPU allocating from it).
 */
bool klt_slab_read(struct page *page, struct klt_slab_info *si)
{
	struct page *head = compound_head(page);
	struct klt_kmem_cache_head *s;
	struct klt_slab sl;
	unsigned int cpu;

	if (!klt_freelist_ok ||
	    copy_from_kernel_nofault(&sl, head, sizeof(sl)))
		return false;
	si->cache = sl.words[klt_layout->slab_cache_word];
	if (!si->cache)
		return false;
	s = klt_cache_head(si->cache);
	if (copy_from_kernel_nofault(&si->size, &s->size, sizeof(si->size)) ||
	    copy_from_kernel_nofault(&si->offset, &s->offset,
				     sizeof(si->offset)) ||
	    copy_from_kernel_nofault(&si->red_left, &s->red_left_pad,
				     sizeof(si->red_left)) ||
	    copy_from_kernel_nofault(&si->object_size, &s->object_size,
				     sizeof(si->object_size)))
		return false;
	si->random = 0;
#ifdef CONFIG_SLAB_FREELIST_HARDENED
	if (copy_from_kernel_nofault(&si->random, &s->random,
				     sizeof(si->random)))
		return false;
#endif
	si->base = (unsigned long)page_address(head);
	si->pages = compound_nr(head);
	si->objects = sl.objects;
	if (si->size < sizeof(void *) || si->size % sizeof(void *) ||
	    si->red_left % sizeof(void *) ||
	    (unsigned long)si->red_left + si->object_size > si->size ||
	    si->offset > si->size - sizeof(void *) ||
	    (unsigned long)si->red_left + si->objects * si->size >
	    si->pages * PAGE_SIZE)
		return false;
	si->nheads = 0;
	si->head[si->nheads++] = (unsigned long)sl.freelist;
#ifndef CONFIG_SLUB_TINY
	/* Only a frozen slab can be a CPU's: look for that CPU. */
	if (sl.frozen) {
		void __percpu *cpu_slab;

		if (copy_from_kernel_nofault(&cpu_slab, (void *)si->cache,
					     sizeof(cpu_slab)))
			return false;
		for_each_possible_cpu(cpu) {
			struct klt_kmem_cache_cpu c;

			if (copy_from_kernel_nofault(&c, per_cpu_ptr(cpu_slab, cpu),
						     sizeof(c)))
				return false;
			if (c.slab != head || si->nheads == KLT_SLAB_HEADS)
				continue;
			si->head[si->nheads++] = (unsigned long)c.freelist;
		}
	}
#endif
	return true;
}

static unsigned long klt_freeptr_decode(const struct klt_slab_info *si,
					unsigned long val, unsigned long at)
{
#ifdef CONFIG_SLAB_FREELIST_HARDENED
	return val ^ si->random ^ swab(at);
#else
	return val;
#endif
}

/*
 * Set in @map the index of every object on the free lists of @si, reading
 * free pointers with @read. The lists change under us: a chain that leads
 * anywhere but to an object of this slab makes the whole answer void
 * (-EINVAL), so that a wrong guess can only hide fewer stale pointers.
 */
int klt_slab_free_map(const struct klt_slab_info *si,
		      bool (*read)(void *ctx, unsigned long addr,
				   unsigned long *val),
		      void *ctx, unsigned long *map, unsigned int map_bits)
{
	unsigned int h, nfree = 0;

	if (si->objects > map_bits)
		return -E2BIG;
	bitmap_zero(map, si->objects);
	for (h = 0; h < si->nheads; h++) {
		unsigned long p = si->head[h];

		while (p) {
			unsigned long off = p - si->base - si->red_left;
			unsigned long idx = off / si->size, next;

			if (p < si->base + si->red_left || off % si->size ||
			    idx >= si->objects || __test_and_set_bit(idx, map))
				return -EINVAL;
			nfree++;
			if (!read(ctx, p + si->offset, &next))
				return -EFAULT;
			p = klt_freeptr_decode(si, next, p + si->offset);
		}
	}
	return nfree;
}

static bool klt_read_live(void *ctx, unsigned long addr, unsigned long *val)
{
	return !copy_from_kernel_nofault(val, (void *)addr, sizeof(*val));
}

#define KLT_PROBE_OBJS	16

/*
 * Check the mirrored layouts on @probe, a cache nobody else uses: the name
 * must read back, and the free lists of a slab holding our objects must
 * lead to free slots only, never to one of the objects we hold. The slab
 * is the newest one with a free slot: under KASAN freed objects wait in
 * quarantine, off the free lists, so earlier checks on the same cache may
 * have used up the slots of the first.
 */
static bool klt_freelist_check(struct kmem_cache *probe)
{
	unsigned long map[BITS_TO_LONGS(512)];
	void *obj[KLT_PROBE_OBJS];
	struct klt_slab_info si;
	bool ok = false;
	int i, r, n;

	for (i = 0; i < KLT_PROBE_OBJS; i++)
		obj[i] = kmem_cache_alloc(probe, GFP_KERNEL);
	for (i = 1; i < KLT_PROBE_OBJS; i += 2) {
		kmem_cache_free(probe, obj[i]);
		obj[i] = NULL;
	}
	for (r = KLT_PROBE_OBJS - 2; r >= 0 && !ok; r -= 2) {
		if (!obj[r] || !klt_slab_read(virt_to_page(obj[r]), &si) ||
		    si.cache != (unsigned long)probe)
			goto out;
		n = klt_slab_free_map(&si, klt_read_live, NULL, map, 512);
		if (n < 0)
			goto out;
		if (!n)
			continue;	/* full: an older slab may have room */
		ok = true;
		for (i = 0; i < KLT_PROBE_OBJS; i += 2) {
			unsigned long a = (unsigned long)obj[i];

			if (a >= si.base && a < si.base + si.pages * PAGE_SIZE &&
			    test_bit((a - si.base - si.red_left) / si.size, map))
				ok = false;
		}
		if (!ok)
			goto out;
	}
out:
	for (i = 0; i < KLT_PROBE_OBJS; i++)
		if (obj[i])
			kmem_cache_free(probe, obj[i]);
	return ok;
}

/*
 * Try @l on @probe, a cache of ours named @name: whether the name reads
 * back (*named) and whether the free lists then check out.
 */
static bool klt_layout_holds(const struct klt_slub_layout *l,
			     struct kmem_cache *probe, const char *name,
			     bool *named)
{
	const char *got = NULL;
	char buf[32];

	klt_layout = l;
	klt_name_ok = true;
	klt_freelist_ok = false;
	if (probe)
		got = klt_cache_name(klt_enc((unsigned long)probe), buf,
				     sizeof(buf));
	*named = got == buf && !strcmp(buf, name);
	if (!*named)
		return false;
	klt_freelist_ok = true;
	klt_freelist_ok = klt_freelist_check(probe);
	return klt_freelist_ok;
}

/*
 * Learn on @probe which layout holds: the first under which both the name
 * and the free lists check out, else the first under which the name does
 * (reports name caches, freed slots are scanned).
 */
void klt_slub_check(struct kmem_cache *probe, const char *name)
{
	const struct klt_slub_layout *l, *named = NULL;
	bool ok = false, n;

	for (l = klt_layouts; l < klt_layouts + ARRAY_SIZE(klt_layouts); l++) {
		ok = klt_layout_holds(l, probe, name, &n);
		if (n && !named)
			named = l;
		if (ok)
			break;
	}
	klt_layout = ok ? l : named ?: klt_layouts;
	klt_freelist_ok = ok;
	klt_name_ok = !!named;
	if (!named)
		pr_warn("unknown struct kmem_cache layout; reports show cache addresses, freed slab slots are scanned\n");
	else if (!ok)
		pr_warn("unknown SLUB free list layout; freed slab slots are scanned\n");
	else
		pr_info("SLUB layout of %s (slab_cache in word %u, kmem_cache flags at +%u)\n",
			l->what, l->slab_cache_word + 1, l->head);
}

static void klt_probe_ctor(void *obj)
{
}

/* At load: check the layouts on a cache of our own. */
void klt_slub_init(void)
{
	static const char name[] = "kleaktrack_probe";
	struct kmem_cache *probe;

	/* A constructor keeps the cache from being merged with another. */
	probe = kmem_cache_create(name, 64, 0, 0, klt_probe_ctor);
	kasan_disable_current();	/* the check reads free slots */
	klt_slub_check(probe, name);
	kasan_enable_current();
	kmem_cache_destroy(probe);
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
			klt_skip_span(sc, pstart, s, e);
			sc->res.free_bytes += e - s;
		}
	}
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
		klt_skip_span(sc, pstart, s, s + si->red_left);
		klt_skip_span(sc, pstart, s + si->red_left + si->object_size,
			      s + si->size);
	}
	klt_skip_span(sc, pstart, end, pend);
}

/*
 * A slab as a whole: copy its pages, learn from the copy which slots are
 * free, and scan the rest that is not a tracked object. A slot taken off a
 * free list after we read its head holds an object allocated just now:
 * recorded by the hooks (new objects are roots, see klt_new_root()), or
 * counted in klt_hooks_unrecorded(), and then nothing is skipped.
 */
void klt_scan_slab(struct klt_scan *sc, struct page *head)
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
			klt_scan_pfn(sc, page_to_pfn(head) + i, true);
		sc->walk.slab_pages += i;
		return;
	}
	sc->slab_base = base;
	for (i = 0; i < nr; i++)
		sc->slab_copied[i] = !copy_from_kernel_nofault(sc->slab_buf[i],
				(void *)(base + i * PAGE_SIZE), PAGE_SIZE);
	for (; i < KLT_SLAB_PAGES; i++)
		sc->slab_copied[i] = false;
	/* Every allocation recorded across the copy: records can be trusted. */
	all = all && klt_hooks_all_recorded() && klt_hooks_unrecorded() == seq;
	if (use_free)
		use_free = klt_slab_free_map(&si, klt_read_copy, sc,
					     sc->slab_free, KLT_SLAB_OBJS) >= 0 &&
			   all;
	for (i = 0; i < nr; i++) {
		unsigned long addr = base + i * PAGE_SIZE;

		if (!sc->slab_copied[i])
			continue;
		klt_skip_tracked(sc, addr, have_si ? &si : NULL, all);
		if (have_si)
			klt_skip_meta(sc, &si, i);
		if (use_free)
			klt_skip_free_slots(sc, &si, i);
		klt_scan_words(sc, sc->slab_buf[i], KLT_WORDS, sc->skip, addr);
		sc->res.pages++;
		sc->walk.slab_pages++;
		klt_maybe_resched(sc, PAGE_SIZE);
	}
}
