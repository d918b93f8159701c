/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleaktrack internal interfaces: the object store, the allocation hooks,
 * the reference scanner, the report and the command parser.
 *
 * Locking
 * -------
 *
 * The following locks are used, outermost first:
 *
 * - cpus_read_lock() and mem_hotplug_lock (the kernel's): memory offlining
 *   calls our memory notifier with both held, and the notifier takes
 *   klt_scan_mutex. So nothing done under klt_scan_mutex may take either:
 *   no static_branch_*() (why= flips its key outside), no kmem_cache
 *   creation, no get_online_mems().
 * - kernel_param_lock(THIS_MODULE) (the module's parameter mutex): held
 *   around every parameter write. It guards klt_thread, so that a write
 *   of scan_interval_s (or a command that wakes the scanner) after the
 *   thread has been stopped wakes nothing. Taken in process context only,
 *   never under klt_scan_mutex.
 * - klt_sample_mutex (hooks.c): one change of sample=N at a time, and none
 *   while the hooks are being registered or unregistered. Taken under the
 *   parameter lock; held across synchronize_rcu() and klt_store_filter().
 * - klt_scan_mutex (main.c): one scan at a time; "clear", "off" and a read
 *   of a report listing the leaks (report.c, under the seq_file's own
 *   mutex, interruptibly, as kmemleak's reads) take it so that they never
 *   see half-classified flags, and the memory notifier
 *   takes it at MEM_GOING_OFFLINE to wait out a scan in progress (which
 *   stops at its next page), with klt_offlining keeping new scans from
 *   starting until MEM_OFFLINE or MEM_CANCEL_OFFLINE; it is never held
 *   from one notification to the next. Process context; a scan sleeps
 *   (cond_resched(), allocations) while holding it.
 * - klt_texts_mutex (modnames.c): the list of module text ranges. Taken
 *   by the module notifier (process context, no other lock of ours
 *   held; it allocates under it) and by the report to name each frame,
 *   so under klt_scan_mutex and the seq_file's mutex; nothing is taken
 *   under it.
 * - rcu_read_lock(): around the walks of the task list (stacks.c). Nothing
 *   sleeps inside; tasks whose stacks are read later are pinned with
 *   get_task_struct().
 * - st->lock (struct klt_store), a raw spinlock always taken with
 *   interrupts off: the innermost lock. It protects the rbtree, every
 *   field of every record, the free list, the counters (nr_live, nr_freed,
 *   nr_free, live_bytes, serial), the scan generation, and the store's
 *   bounds (enc_min, enc_max), which the hooks read without it: they only
 *   widen, so a stale value only costs a locked lookup. nr_chunks is
 *   published with a release store after the chunk is in place. The
 *   hooks take it in any context (task, softirq, hardirq, other locks
 *   held, preemption off; never NMI, where kmalloc is not allowed), so
 *   it is raw even on PREEMPT_RT and nothing under it may sleep, allocate
 *   or take any other lock: the stack is saved in the stack depot before
 *   it is taken, and irq_work is queued after it is dropped.
 *
 * The per-CPU event counters (klt_stat_inc()) take no lock and are summed
 * racily by the report.
 *
 * Bounded work: st->lock is never held for work that grows with the number
 * of objects or the size of memory. Under one hold: an insert drops at most
 * KLT_INSERT_BOUND stale records; a free is one descent; the bulk-allocation
 * return drops at most KLT_BULK_BATCH records; the scanner resolves at most
 * one page of candidate pointers (a lookup each), pops one gray object,
 * masks the records of one page, or visits one batch of a store walk
 * (KLT_WALK_BATCH or 256 records, klt_store_walk()); growing the store
 * links one chunk. Every walk over all records drops the lock between
 * batches and may reschedule there.
 *
 * Unload: the scanner is stopped first (a scan in progress stops at its
 * next page), the files are removed (debugfs waits for the operations in
 * flight), then the hooks are unregistered, which waits for the probes in
 * flight (tracepoint_synchronize_unregister(), unregister_kprobe()), and
 * the deferred growth work is flushed before the store is freed.
 */
#ifndef _KLEAKTRACK_H
#define _KLEAKTRACK_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/jiffies.h>
#include <linux/threads.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/hash.h>
#include <linux/seq_file.h>
#include <linux/jump_label.h>
#include <kleaktrack/report.h>

/*
 * Addresses of tracked objects are never stored raw: the scanner reads all
 * kernel memory, ours included, and a raw copy would make every object look
 * referenced. Flipping the top byte keeps the order of kernel addresses (they
 * all share it) and yields a non-canonical value no scan can match.
 */
#define KLT_ENC_MASK	0xff00000000000000UL

static inline unsigned long klt_enc(unsigned long addr)
{
	return addr ^ KLT_ENC_MASK;
}

static inline unsigned long klt_dec(unsigned long enc)
{
	return enc ^ KLT_ENC_MASK;
}

/*
 * sample=N keeps the objects whose address, mixed with a salt drawn at
 * load, hashes below 2^32 / N: a free decides from the address alone, so
 * the free of an object never sampled returns without touching the store.
 * A larger N samples a subset of what a smaller one does.
 */
#define KLT_SAMPLE_ALL	BIT_ULL(32)

static inline u64 klt_sample_limit_of(unsigned int n)
{
	return n > 1 ? KLT_SAMPLE_ALL / n : KLT_SAMPLE_ALL;
}

static inline bool klt_sampled(unsigned long addr, u64 limit,
			       unsigned long salt)
{
	return hash_64(addr ^ salt, 32) < limit;
}

/* Pages owned by kleaktrack carry this in page->private; scans skip them. */
#define KLT_PAGE_MAGIC	0x6b6c74706167654bUL

enum {
	KLT_F_LIVE	= BIT(0),	/* in the tree: the object is allocated */
	KLT_F_ZOMBIE	= BIT(1),	/* freed while the scanner holds it */
	KLT_F_HELD	= BIT(2),	/* linked on a scanner list by index */
	KLT_F_SUMMED	= BIT(3),	/* checksum holds a real value */
	KLT_F_STABLE	= BIT(4),	/* checksum unchanged in this scan */
	KLT_F_CAND	= BIT(5),	/* classify: unreferenced this scan */
	KLT_F_HAS_PARENT = BIT(6),	/* classify: another leak points here */
	KLT_F_REACHED	= BIT(7),	/* classify: visited from a direct leak */
	KLT_F_LEAK	= BIT(8),	/* reported by the last scan */
	KLT_F_INDIRECT	= BIT(9),	/* ... and held by another leak */
	KLT_F_REPORTED	= BIT(10),	/* counted as new once already */
	KLT_F_CLEARED	= BIT(11),	/* "clear": never report again */
	KLT_F_VMALLOC	= BIT(12),	/* a vmalloc area, not slab memory */
	KLT_F_PERCPU	= BIT(13),	/* a per-CPU allocation (klt_pcpu_off()) */
};

/*
 * A per-CPU allocation is recorded at its first possible CPU's copy, a
 * real address the store can order with the others; what holds it holds
 * its cookie (the __percpu pointer), that address less klt_pcpu_off().
 * Its other copies are per_cpu_offset() apart. On x86-64 the offset of
 * CPU 0 is that of the first chunk's unit 0, so cookies are small
 * numbers (first chunk) or values far below the kernel's half (the
 * vmalloc'd chunks): never a kernel address.
 */
static inline unsigned long klt_pcpu_off(void)
{
	return per_cpu_offset(cpumask_first(cpu_possible_mask));
}

/* CPU @cpu's copy of the per-CPU allocation recorded at @addr. */
static inline unsigned long klt_pcpu_copy(unsigned long addr, int cpu)
{
	return addr - klt_pcpu_off() + per_cpu_offset(cpu);
}

/*
 * Which of the store's two cookie ranges a per-CPU record at @addr widens:
 * the first chunk's (offsets into its units, below a few MiB) or the
 * vmalloc'd chunks' (their distance from the first chunk), far apart, so
 * that the scan's test stays two narrow ranges. Told by the cookie, not
 * by where the copy is: a page-based first chunk is in vmalloc space too.
 */
static inline unsigned int klt_pcpu_range(unsigned long addr)
{
	return addr - klt_pcpu_off() >= SZ_4G;
}

/*
 * Whether the cookie of @addr (a first copy's address, as a candidate
 * has it) holds the per-CPU allocation whose first copy is at @start.
 * A first-chunk cookie is a number below 4 GiB, as flags, sizes and
 * counters are, and inside an allocation such a number is far likelier
 * than a __percpu pointer to a field: the allocator hands out the start,
 * and fields are reached through per_cpu_ptr(), whose addresses hold
 * from anywhere in a copy. There only the start counts (found on 6.12:
 * every boot cache's flags, 0x41008, fell inside a 200-byte one).
 */
static inline bool klt_cookie_holds(unsigned long addr, unsigned long start)
{
	return addr == start || klt_pcpu_range(addr);
}

/*
 * One tracked object: 96 bytes on x86-64 (kmemleak's is ~168). Indexes
 * (u32, 0 = none) link records so that no pointer into the pool escapes.
 */
struct klt_object {
	struct rb_node node;
	unsigned long enc_addr;		/* klt_enc(address) */
	unsigned long enc_cache;	/* klt_enc(kmem_cache or, for a vmalloc
					 * area, its first page), 0 for kmalloc
					 */
	unsigned long enc_parent;	/* holder of an indirect leak, encoded
					 * as shown (klt_obj_shown())
					 */
	u32 born_lo;			/* klt_obj_born(), low 32 bits */
	u32 size;			/* requested size */
	u32 stack;			/* stack depot handle */
	u32 pid : 22;			/* PID_MAX_LIMIT is 2^22 */
	u32 born_hi : 10;		/* klt_obj_born(), bits 32 to 41 */
	u32 checksum;			/* crc32 of contents at the last scan */
	u32 serial;			/* identity that survives index reuse */
	u32 next;			/* free, gray or classify list */
	u16 gen;			/* scan generation that marked it */
	u16 flags;
	char comm[TASK_COMM_LEN];
};

static_assert(PID_MAX_LIMIT <= 1 << 22);

/*
 * The allocation time, in jiffies, kept in 42 bits: an object is taken to
 * be less than 2^42 jiffies old (139 years at HZ=1000). 32 bits would wrap
 * after 198 days at HZ=250, and an old object would then look younger
 * than a task's sleep (the asleep rule, stacks.c).
 */
#define KLT_BORN_MASK	(BIT_ULL(42) - 1)

static inline void klt_obj_set_born(struct klt_object *obj, unsigned long t)
{
	obj->born_lo = (u32)t;
	obj->born_hi = ((u64)t >> 32) & 0x3ff;
}

static inline unsigned long klt_obj_born(const struct klt_object *obj)
{
	unsigned long now = jiffies;
	u64 t = ((u64)obj->born_hi << 32) | obj->born_lo;

	return now - (unsigned long)((now - t) & KLT_BORN_MASK);
}

/*
 * Records live in chunks of three pages: 128 records of 96 bytes fill one
 * exactly, where a single page holds 42 and leaves 64 bytes unused.
 */
#define KLT_CHUNK_PAGES		3
#define KLT_CHUNK_SIZE		(KLT_CHUNK_PAGES * PAGE_SIZE)
#define KLT_OBJS_PER_CHUNK	(KLT_CHUNK_SIZE / sizeof(struct klt_object))

/*
 * The releases kleaktrack is built and tested on (those of Debian 12 and
 * its backports). Its view of struct page, SLUB and the stacks is checked
 * where it can be (slub.c, klt_walk_untrusted()), but another release may
 * change what no check sees: there it loads only with force=1.
 */
#define KLT_TESTED_RELEASES	"6.1 and 6.12"

/* @release as uname -r gives it ("6.12.57+deb13-amd64"). */
static inline bool klt_release_tested(const char *release)
{
	unsigned int major, minor;

	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return false;
	return major == 6 && (minor == 1 || minor == 12);
}

/* Event counters, per CPU: the hooks bump them, the report sums them. */
enum klt_stat {
	KLT_STAT_UNTRACKED,		/* allocation not recorded */
	KLT_STAT_UNKNOWN_FREES,		/* free of an object we never saw */
	KLT_STAT_REPLACED,		/* record reused by a new allocation */
	KLT_STAT_SAMPLED_OUT,		/* skipped by sample=N */
	KLT_STAT_STACKS_LOST,		/* recorded without a backtrace */
	KLT_NR_STATS
};

struct klt_stats {
	unsigned long v[KLT_NR_STATS];
};

struct klt_store {
	raw_spinlock_t lock;
	struct rb_root root;
	struct page **chunks;		/* first pages, index / per_chunk */
	unsigned int nr_chunks;
	unsigned int max_chunks;
	u32 free_head;
	u32 nr_free;
	u32 nr_live;
	u32 nr_freed;			/* tombstones: freed, memory not reused */
	u32 serial;
	u64 live_bytes;
	unsigned long enc_min, enc_max;	/* encoded bounds of all objects */
	/*
	 * The per-CPU cookies, by range, encoded: this struct is in our
	 * module's data, which the RAM walk reads as a root, and the lowest
	 * cookie is a leak's (on 6.1 it held the first-chunk orphan).
	 */
	unsigned long pcpu_lo[2], pcpu_hi[2];
	u16 gen;			/* last scan generation */
	struct klt_stats __percpu *stats;
};

/* Any context: one per-CPU increment, no shared cache line. */
static inline void klt_stat_inc(struct klt_store *st, enum klt_stat i)
{
	this_cpu_inc(st->stats->v[i]);
}

/* store.c */
int klt_store_init(struct klt_store *st, unsigned long max_objects,
		   unsigned long prealloc);
void klt_store_destroy(struct klt_store *st);
int klt_store_grow(struct klt_store *st, unsigned int chunks, gfp_t gfp);
struct klt_object *klt_obj(struct klt_store *st, u32 idx);
u32 klt_obj_idx(struct klt_store *st, struct klt_object *obj);
struct klt_object *klt_store_insert(struct klt_store *st, unsigned long addr,
				    size_t size, bool *replaced);
bool klt_store_erase(struct klt_store *st, unsigned long addr);
struct klt_object *klt_store_lookup(struct klt_store *st, unsigned long addr);
struct klt_object *klt_store_lookup_named(struct klt_store *st,
					  unsigned long addr);
struct klt_object *klt_store_first_from(struct klt_store *st,
					unsigned long addr);
struct klt_object *klt_store_next(struct klt_object *obj);
void klt_store_put(struct klt_store *st, struct klt_object *obj);
void klt_store_release(struct klt_store *st, struct klt_object *obj);
unsigned long klt_store_reclaim(struct klt_store *st, unsigned long max);
unsigned long klt_store_filter(struct klt_store *st,
			       bool (*keep)(unsigned long addr, void *arg),
			       void *arg);
unsigned long klt_stat_read(struct klt_store *st, enum klt_stat i);
void klt_store_walk(struct klt_store *st, unsigned int batch,
		    bool (*fn)(struct klt_object *obj, u32 idx, void *arg),
		    bool (*pause)(void *arg), void *arg);
void klt_store_walk_range(struct klt_store *st, unsigned long from,
			  unsigned long to, unsigned int batch,
			  bool (*fn)(struct klt_object *obj, u32 idx,
				     void *arg),
			  bool (*pause)(void *arg), void *arg);
void *klt_page_alloc(gfp_t gfp);
void klt_page_free(void *addr);
void *klt_vzalloc(size_t size);
void klt_vfree(void *addr);

static inline unsigned long klt_obj_addr(const struct klt_object *obj)
{
	return klt_dec(obj->enc_addr);
}

/* The address a report shows: a per-CPU allocation's is its cookie. */
static inline unsigned long klt_obj_shown(const struct klt_object *obj)
{
	if (obj->flags & KLT_F_PERCPU)
		return klt_obj_addr(obj) - klt_pcpu_off();
	return klt_obj_addr(obj);
}

/* A vmalloc area still recorded (a freed one leaves no tombstone). */
static inline bool klt_obj_live_area(const struct klt_object *obj)
{
	return (obj->flags & (KLT_F_LIVE | KLT_F_VMALLOC)) ==
	       (KLT_F_LIVE | KLT_F_VMALLOC);
}

/*
 * The scanner, split by concern: scan.c (the marking engine and the entry
 * points), roots.c (the RAM and memmap walk: what is and is not a root),
 * stacks.c (task and IRQ stacks), slub.c (slabs, read through SLUB's
 * private layout), classify.c (direct, indirect and cyclic leaks) and
 * why.c (the why= diagnostics). They share one struct klt_scan.
 */
typedef bool (*klt_stop_fn)(void);

struct klt_scan_result {
	unsigned long pages;		/* root pages scanned */
	unsigned long bytes;		/* bytes scanned, roots and objects */
	unsigned long free_bytes;	/* freed slab slots left out */
	unsigned long leaks;
	unsigned long leak_bytes;
	unsigned long new_leaks;
	unsigned long new_bytes;
	bool interrupted;
	char untrusted[80];		/* why nothing was classified, or "" */
};

#define KLT_WORDS	(PAGE_SIZE / sizeof(unsigned long))
#define KLT_WALK_BATCH	64
#define KLT_STACK_PFNS	(THREAD_SIZE / PAGE_SIZE)
#define KLT_SLAB_PAGES	8	/* order-3 slabs, SLUB's default maximum */
#define KLT_SLAB_OBJS	(KLT_SLAB_PAGES * PAGE_SIZE / 8)

struct klt_range {
	unsigned long start, end;	/* pfns, end excluded */
	unsigned long virt;		/* vmemmap address of start */
};

/* A page of a tracked vmalloc area: scanned when the area is reached. */
struct klt_vpage {
	unsigned long pfn;
	unsigned long enc;		/* klt_enc() of its vmalloc address */
};

/* Past this many pages (1 GiB) the areas' pages stay roots. */
#define KLT_VPAGES_MAX	BIT(18)

/*
 * The part of one page that holds a copy of a tracked per-CPU allocation
 * (or, in the first chunk, of a freed one): not a root.
 */
struct klt_prange {
	unsigned long pfn;
	unsigned long enc_va;		/* klt_enc() of its vmalloc page, or 0 */
	u16 start, end;			/* bytes in the page, end excluded */
};

#define KLT_PRANGES_MAX	BIT(18)

struct klt_scan;
/* What a candidate pointer to a live object does: NULL marks it gray. */
typedef void (*klt_visit_fn)(struct klt_scan *sc, struct klt_object *obj);

struct klt_scan {
	/* The engine (scan.c) */
	struct klt_store *st;
	klt_stop_fn stop;
	unsigned long start;		/* jiffies at the start of the scan */
	unsigned long min_age;		/* in jiffies */
	u16 gen;
	u32 gray_head;			/* gray (or walk) stack, by index */
	unsigned long *buf;		/* a copy of the block being scanned */
	unsigned long *cand;		/* encoded candidate pointers */
	unsigned int ncand;
	unsigned int nsum;		/* checksum batch, borrowing cand */
	klt_visit_fn visit;
	unsigned long self_enc;		/* object being scanned */
	unsigned long self_shown;	/* klt_enc(klt_obj_shown()) of it */
	unsigned long lo, hi;		/* encoded bounds of the store */
	unsigned long pcpu_lo[2], pcpu_len[2];	/* per-CPU cookies recorded */
	unsigned long pcpu_off;		/* klt_pcpu_off() */
	unsigned long since_resched;
	DECLARE_BITMAP(skip, KLT_WORDS);	/* words of a page not to scan */
	struct klt_scan_result res;
	/* Stacks (stacks.c) */
	unsigned long stack_pfn[KLT_STACK_PFNS];	/* our own */
	unsigned long *stacks;		/* sorted pfns of task and IRQ stacks */
	unsigned int nstacks;
	unsigned long *tasks;		/* klt_enc(task), each pinned */
	u64 stacks_found;		/* ktime_get_ns() when they were */
	unsigned int ntasks;
	unsigned long asleep_since;	/* jiffies: stack of a task asleep since */
	struct task_struct *task;	/* whose stack is being scanned */
	/* Roots (roots.c) */
	struct klt_range *memmap;	/* pfns of pages holding struct pages */
	unsigned int nmemmap;
	struct klt_range *pcpu_gone;	/* freed module per-CPU areas */
	unsigned int npcpu_gone;
	struct klt_vpage *vpages;	/* sorted by pfn */
	unsigned int nvpages;
	struct klt_prange *pranges;	/* sorted by pfn */
	unsigned int npranges;
	struct klt_walk_stats {
		unsigned long ram_pages;	/* online pages walked */
		unsigned long root_pages;	/* read as roots, not slab */
		unsigned long slab_pages;	/* of slabs, large kmallocs read */
		unsigned long slab_in_use;	/* the kernel's count, fewest seen */
	} walk;
	/* Slabs (slub.c) */
	unsigned long *slab_buf[KLT_SLAB_PAGES];	/* a copy of one slab */
	bool slab_copied[KLT_SLAB_PAGES];
	unsigned long slab_base;
	DECLARE_BITMAP(slab_free, KLT_SLAB_OBJS);	/* its free slots */
	/* Classification (classify.c) */
	unsigned long root_enc;		/* stand-in root of a leaked cycle */
	/* why= (why.c) */
	unsigned long why_lo, why_hi;	/* encoded range of the object */
	unsigned long why_shown_off;	/* less this, the address as shown */
	unsigned long why_born;		/* klt_obj_born() of it */
	unsigned int why_told;
};

/* scan.c: the entry points, then what the other scanner files use */
struct klt_scan *klt_scan_begin(struct klt_store *st, unsigned long min_age,
				klt_stop_fn stop);
void klt_scan_block(struct klt_scan *sc, const void *start, size_t len);
int klt_scan_ram(struct klt_scan *sc, bool scan_stacks);
void klt_scan_end(struct klt_scan *sc, struct klt_scan_result *res);

bool klt_stopped(struct klt_scan *sc);
void klt_maybe_resched(struct klt_scan *sc, unsigned long work);
void klt_scan_words(struct klt_scan *sc, const unsigned long *w,
		    unsigned int nwords, const unsigned long *skip,
		    unsigned long from);
void klt_scan_range(struct klt_scan *sc, unsigned long start, size_t len);
void klt_flush(struct klt_scan *sc);
void klt_drain(struct klt_scan *sc);
bool klt_white_old(struct klt_scan *sc, struct klt_object *obj);

/* Put @obj on the gray (or walk) stack; st->lock held. */
static inline void klt_push(struct klt_scan *sc, struct klt_object *obj,
			    u32 idx)
{
	obj->flags |= KLT_F_HELD;
	obj->next = sc->gray_head;
	sc->gray_head = idx;
}

/* roots.c */
void klt_roots_scan(struct klt_scan *sc);
const char *klt_walk_untrusted(const struct klt_walk_stats *w,
			       unsigned long ram_pages, char *buf, size_t len);
void klt_skip_span(struct klt_scan *sc, unsigned long page,
		   unsigned long s, unsigned long e);
struct klt_slab_info;
bool klt_skip_tracked(struct klt_scan *sc, unsigned long addr,
		      const struct klt_slab_info *si, bool tombstones);
void klt_scan_pfn(struct klt_scan *sc, unsigned long pfn, bool objects);
bool klt_skip_pcpu_gone(struct klt_scan *sc, unsigned long addr);
void klt_vpages_find(struct klt_scan *sc);
bool klt_vmalloc_page(struct klt_scan *sc, unsigned long pfn);
void klt_pranges_find(struct klt_scan *sc);
bool klt_skip_pranges(struct klt_scan *sc, unsigned long pfn,
		      unsigned long addr, bool fresh);
const struct klt_range *klt_in_memmap(struct klt_scan *sc, unsigned long pfn);

/* stacks.c: the stacks, and since when each task has been asleep */
void klt_stacks_find(struct klt_scan *sc);
void klt_stacks_learn_kthread(void);
bool klt_stack_pfn(struct klt_scan *sc, unsigned long pfn);
void klt_stacks_scan(struct klt_scan *sc, bool scan_stacks);
void klt_tasks_note(void);
unsigned long klt_task_asleep_since(struct task_struct *t);
void klt_tasks_forget(void);

/* classify.c */
void klt_classify(struct klt_scan *sc);

/* why.c */
DECLARE_STATIC_KEY_FALSE(klt_why_key);
void klt_why_set(unsigned long addr);
void klt_why_begin(struct klt_scan *sc);
/*
 * Set in a candidate translated from a per-CPU cookie: encoded kernel
 * addresses have their top byte clear.
 */
#define KLT_CAND_COOKIE	BIT(63)
void klt_why(struct klt_scan *sc, unsigned long v, unsigned long from);

/* report.c */
struct klt_report_info {
	unsigned long scans;
	unsigned long untrusted_scans;	/* walks klt_walk_untrusted() refused */
	unsigned long last_scan_jiffies;
	unsigned long last_scan_ms;
	struct klt_scan_result last;
};

int klt_report_open(struct file *file, struct klt_store *st,
		    const struct klt_report_info *info);
ssize_t klt_report_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos);
loff_t klt_report_llseek(struct file *file, loff_t offset, int whence);
int klt_report_release(struct inode *inode, struct file *file);
void klt_report_header(struct seq_file *m, struct klt_store *st,
		       const struct klt_report_info *info, size_t leaks,
		       unsigned long leak_bytes);
int klt_format_object(struct klt_store *st, struct klt_object *o,
		      bool contents, char *buf, size_t len);
bool klt_print_object(struct klt_store *st, unsigned long addr);
const char *klt_cache_name(unsigned long enc_cache, char *buf, size_t len);

/*
 * modnames.c: the names of frames in module text that has gone. One
 * record per text range (a module's core text, its init text), kept while
 * the range is loaded and, with a copy of its symbols, after it went.
 */
#define KLT_GONE_MAX		1024		/* gone ranges kept */
#define KLT_GONE_BYTES_MAX	(8UL << 20)	/* their copied symbols */

struct klt_modsym {
	unsigned long addr;
	unsigned int index;	/* in the module's symtab: the first wins */
	unsigned int name;	/* offset in strs */
};

struct klt_text {
	struct list_head list;	/* klt_texts: live ones, then gone by age */
	struct module *mod;	/* while live */
	unsigned long start, end;
	unsigned long loaded;	/* jiffies; 0: loaded before kleaktrack */
	unsigned long gone;	/* jiffies, once not live */
	bool live;
	int which;		/* core or init text */
	unsigned int nr_syms;
	size_t bytes;		/* of syms and strs */
	struct klt_modsym *syms;	/* sorted by address, NULL: no names */
	char *strs;
	char module[MODULE_NAME_LEN];
};

int klt_modnames_init(void);
void klt_modnames_exit(void);
void klt_modnames_forget(void);
unsigned long klt_modnames_dropped(void);
void klt_frame_name(unsigned long addr, unsigned long born, char *buf,
		    size_t len);
int klt_text_copy_syms(struct klt_text *t, struct module *mod);
bool klt_text_name(const struct klt_text *t, unsigned long addr,
		   char *buf, size_t len);
struct klt_range;
unsigned int klt_pcpu_gone_ranges(struct klt_range *r, unsigned int max);

/* slub.c: SLUB's private structures, checked at load */
#define KLT_SLAB_HEADS	4

struct klt_slab_info {
	unsigned long cache;
	unsigned long base;		/* address of the slab's first page */
	unsigned long random;		/* free pointer obfuscation */
	unsigned int pages;
	unsigned int objects;
	unsigned int size;		/* slot size */
	unsigned int object_size;	/* the object in the slot */
	unsigned int offset;		/* of the free pointer in a slot */
	unsigned int red_left;		/* slot start to object start */
	unsigned int nheads;
	unsigned long head[KLT_SLAB_HEADS];	/* free list heads */
};

extern bool klt_freelist_ok;
void klt_slub_init(void);
void klt_slub_check(struct kmem_cache *probe, const char *name);
const char *const *klt_cache_name_ptr(unsigned long cache);
bool klt_slab_read(struct page *page, struct klt_slab_info *si);
int klt_slab_free_map(const struct klt_slab_info *si,
		      bool (*read)(void *ctx, unsigned long addr,
				   unsigned long *val),
		      void *ctx, unsigned long *map, unsigned int map_bits);
void klt_scan_slab(struct klt_scan *sc, struct page *head);

/* commands.c */
enum klt_cmd_op {
	KLT_CMD_SCAN,
	KLT_CMD_SCAN_ON,
	KLT_CMD_SCAN_OFF,
	KLT_CMD_SCAN_SECS,
	KLT_CMD_CLEAR,
	KLT_CMD_DUMP,
	KLT_CMD_STACK,
	KLT_CMD_TRACK,
	KLT_CMD_WHY,
	KLT_CMD_OFF,		/* kmemleak's "off": stop for good */
};

struct klt_cmd {
	enum klt_cmd_op op;
	unsigned long arg;
	bool kmemleak;		/* kmemleak's rules: dump= of nothing fails */
};

int klt_parse_cmd(const char *buf, size_t len, struct klt_cmd *cmd);
int klt_parse_kmemleak_cmd(const char *str, struct klt_cmd *cmd);
void klt_clear_leaks(struct klt_store *st);

/* hooks.c */
int klt_hooks_register(void);
void klt_hooks_unregister(void);
bool klt_hooks_all_recorded(void);
unsigned long klt_hooks_unrecorded(void);
unsigned long klt_hooks_vmalloc_missed(void);
int klt_set_sample(unsigned int n);

/* main.c: the module-wide instance and its knobs */
extern struct klt_store klt_store;
extern struct mutex klt_scan_mutex;
extern unsigned int klt_min_age_ms;
extern unsigned int klt_stack_depth;
extern unsigned int klt_sample;
extern bool klt_tracking;
extern bool klt_scan_stacks;

/*
 * The interfaces besides /sys/kernel/debug/kleaktrack, which all run
 * their commands through klt_run_cmd() (main.c): compat.c, kmemleak's
 * file where the kernel has none; device.c, /dev/kleaktrack (lockdown).
 * klt_off (kmemleak's "off") is set under klt_scan_mutex and read with
 * READ_ONCE(); the files are removed at unload right after the scanner
 * stops, as the debugfs file is.
 */
extern bool klt_off;
int klt_open(struct inode *inode, struct file *file);
ssize_t klt_cmd_write(struct file *file, const char __user *ubuf, size_t len,
		      loff_t *ppos);
int klt_run_cmd(const struct klt_cmd *cmd);
int klt_compat_init(void);
void klt_compat_exit(void);
int klt_dev_init(void);
void klt_dev_exit(void);

#endif /* _KLEAKTRACK_H */
