/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleaktrack internal interfaces: the object store, the allocation hooks,
 * the reference scanner, the report and the command parser.
 */
#ifndef _KLEAKTRACK_H
#define _KLEAKTRACK_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/sched.h>
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/hash.h>
#include <linux/seq_file.h>
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
};

/*
 * One tracked object: 96 bytes on x86-64 (kmemleak's is ~168). Indexes
 * (u32, 0 = none) link records so that no pointer into the pool escapes.
 */
struct klt_object {
	struct rb_node node;
	unsigned long enc_addr;		/* klt_enc(address) */
	unsigned long enc_cache;	/* klt_enc(kmem_cache), 0 for kmalloc */
	unsigned long enc_parent;	/* holder of an indirect leak */
	u32 jiffies;			/* low 32 bits at allocation */
	u32 size;			/* requested size */
	u32 stack;			/* stack depot handle */
	u32 pid;
	u32 checksum;			/* crc32 of contents at the last scan */
	u32 serial;			/* identity that survives index reuse */
	u32 next;			/* free, gray or classify list */
	u16 gen;			/* scan generation that marked it */
	u16 flags;
	char comm[TASK_COMM_LEN];
};

/*
 * Records live in chunks of three pages: 128 records of 96 bytes fill one
 * exactly, where a single page holds 42 and leaves 64 bytes unused.
 */
#define KLT_CHUNK_PAGES		3
#define KLT_CHUNK_SIZE		(KLT_CHUNK_PAGES * PAGE_SIZE)
#define KLT_OBJS_PER_CHUNK	(KLT_CHUNK_SIZE / sizeof(struct klt_object))

/* Event counters, per CPU: the hooks bump them, the report sums them. */
enum klt_stat {
	KLT_STAT_UNTRACKED,		/* allocation not recorded */
	KLT_STAT_UNKNOWN_FREES,		/* free of an object we never saw */
	KLT_STAT_REPLACED,		/* record reused by a new allocation */
	KLT_STAT_SAMPLED_OUT,		/* skipped by sample=N */
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
struct klt_object *klt_store_first_from(struct klt_store *st,
					unsigned long addr);
struct klt_object *klt_store_next(struct klt_object *obj);
struct klt_object *klt_store_from(struct klt_store *st, unsigned long cursor);
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
void *klt_page_alloc(gfp_t gfp);
void klt_page_free(void *addr);

static inline unsigned long klt_obj_addr(const struct klt_object *obj)
{
	return klt_dec(obj->enc_addr);
}

/* scan.c */
struct klt_scan;
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
};

struct klt_scan *klt_scan_begin(struct klt_store *st, unsigned long min_age,
				klt_stop_fn stop);
void klt_scan_block(struct klt_scan *sc, const void *start, size_t len);
int klt_scan_ram(struct klt_scan *sc, bool scan_stacks);
void klt_scan_end(struct klt_scan *sc, struct klt_scan_result *res);

/* report.c */
struct klt_report_info {
	unsigned long scans;
	unsigned long last_scan_jiffies;
	unsigned long last_scan_ms;
	struct klt_scan_result last;
};

int klt_report_open(struct file *file, struct klt_store *st,
		    const struct klt_report_info *info);
int klt_report_release(struct inode *inode, struct file *file);
void klt_report_header(struct seq_file *m, struct klt_store *st,
		       const struct klt_report_info *info, size_t leaks,
		       unsigned long leak_bytes);
int klt_format_object(struct klt_store *st, struct klt_object *o, char *buf,
		      size_t len);
bool klt_print_object(struct klt_store *st, unsigned long addr);
const char *klt_cache_name(unsigned long enc_cache, char *buf, size_t len);
unsigned long klt_full_jiffies(u32 low);

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
void klt_slub_check(struct kmem_cache *probe, const char *name);
const char *const *klt_cache_name_ptr(unsigned long cache);
bool klt_slab_read(struct page *page, struct klt_slab_info *si);
int klt_slab_free_map(const struct klt_slab_info *si,
		      bool (*read)(void *ctx, unsigned long addr,
				   unsigned long *val),
		      void *ctx, unsigned long *map, unsigned int map_bits);

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

/* tasks.c */
void klt_tasks_note(void);
unsigned long klt_task_asleep_since(struct task_struct *t);
void klt_tasks_forget(void);

/* hooks.c */
int klt_hooks_register(void);
void klt_hooks_unregister(void);
bool klt_hooks_all_recorded(void);
unsigned long klt_hooks_unrecorded(void);
int klt_set_sample(unsigned int n);

/* main.c: the module-wide instance and its knobs */
extern struct klt_store klt_store;
extern unsigned int klt_min_age_ms;
extern unsigned int klt_stack_depth;
extern unsigned int klt_sample;
extern bool klt_tracking;
extern bool klt_scan_stacks;
extern unsigned long klt_why_enc;

/*
 * The interfaces besides /sys/kernel/debug/kleaktrack, which all run
 * their commands through klt_run_cmd() (main.c): compat.c, kmemleak's
 * file where the kernel has none; device.c, /dev/kleaktrack (lockdown).
 */
extern const struct file_operations klt_fops;
extern bool klt_off;
int klt_run_cmd(const struct klt_cmd *cmd);
int klt_compat_init(void);
void klt_compat_exit(void);
int klt_dev_init(void);
void klt_dev_exit(void);

#endif /* _KLEAKTRACK_H */
