// SPDX-License-Identifier: GPL-2.0
/*
 * The report read from /sys/kernel/debug/kleaktrack and /dev/kleaktrack:
 * a "# key: value" header, then one kmemleak-format entry per suspected
 * leak; compat.c's kmemleak file has the same entries and no header.
 * Reading from the start (the first read after open, or after a seek to
 * 0) copies the records of the current leaks, so that a descriptor kept
 * open across scans, as kmemleak users do, sees the leaks of each new
 * read, and the header's count always matches the entries (kleakctl
 * fails a report where they differ). An object freed since the copy is
 * shown without its contents.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "kleaktrack.h"

#define KLT_HEX_ROW	16

/* Returns @buf holding the name, or a static string. */
const char *klt_cache_name(unsigned long enc_cache, char *buf, size_t len)
{
	unsigned long cache = klt_dec(enc_cache);
	const char *const *name_ptr;
	const char *name;
	size_t i;

	if (!enc_cache)
		return KLT_CACHE_KMALLOC;
	name_ptr = klt_cache_name_ptr(cache);
	if (!name_ptr || copy_from_kernel_nofault(&name, name_ptr, sizeof(name)))
		goto unknown;
	/* Byte by byte: the name may end just before an unmapped page. */
	for (i = 0; i < len - 1; i++) {
		if (copy_from_kernel_nofault(&buf[i], name + i, 1))
			goto unknown;
		if (!buf[i])
			break;
	}
	buf[i] = 0;
	if (i)
		return buf;
unknown:
	scnprintf(buf, len, "cache-%lx", cache);
	return buf;
}

static const char *klt_kind_name(const struct klt_object *o, char *buf,
				 size_t len)
{
	if (o->flags & KLT_F_VMALLOC)
		return KLT_CACHE_VMALLOC;
	if (o->flags & KLT_F_PERCPU)
		return KLT_CACHE_PERCPU;
	return klt_cache_name(o->enc_cache, buf, len);
}

/*
 * Format one entry from a copy of its record into @buf; with @contents,
 * the hex dump of the object's first bytes (a per-CPU allocation's first
 * copy). The address is kmemleak's "0x%08lx": a per-CPU cookie is short.
 */
int klt_format_object(struct klt_store *st, struct klt_object *o,
		      bool contents, char *buf, size_t len)
{
	unsigned long addr = klt_obj_addr(o);
	u8 dump[KLT_HEX_DUMP_MAX];
	size_t n = min_t(size_t, o->size, KLT_HEX_DUMP_MAX), i;
	unsigned long *entries;
	unsigned int nr = 0;
	char name[KSYM_SYMBOL_LEN];
	char cache[64];
	int pos = 0;

	pos += scnprintf(buf + pos, len - pos,
			 "unreferenced object 0x%08lx (size %u):\n",
			 klt_obj_shown(o), o->size);
	pos += scnprintf(buf + pos, len - pos,
			 "  comm \"%.*s\", pid %u, jiffies %lu\n",
			 TASK_COMM_LEN, o->comm, (u32)o->pid,
			 klt_obj_born(o));
	if (o->flags & KLT_F_INDIRECT)
		pos += scnprintf(buf + pos, len - pos,
				 "  leak: " KLT_LEAK_INDIRECT " (held by 0x%08lx)\n",
				 klt_dec(o->enc_parent));
	else
		pos += scnprintf(buf + pos, len - pos,
				 "  leak: " KLT_LEAK_DIRECT "\n");
	pos += scnprintf(buf + pos, len - pos, "  cache: %s\n",
			 klt_kind_name(o, cache, sizeof(cache)));
	if (contents && n && !copy_from_kernel_nofault(dump, (void *)addr, n)) {
		pos += scnprintf(buf + pos, len - pos,
				 "  hex dump (first %zu bytes):\n", n);
		for (i = 0; i < n; i += KLT_HEX_ROW) {
			pos += scnprintf(buf + pos, len - pos, "    ");
			hex_dump_to_buffer(dump + i, min_t(size_t, n - i, KLT_HEX_ROW),
					   KLT_HEX_ROW, 1, buf + pos, len - pos,
					   true);
			pos += strnlen(buf + pos, len - pos);
			pos += scnprintf(buf + pos, len - pos, "\n");
		}
	}
	if (o->stack)
		nr = stack_depot_fetch(o->stack, &entries);
	pos += scnprintf(buf + pos, len - pos, "  backtrace (crc %x):\n",
			 o->checksum);
	for (i = 0; i < nr; i++) {
		klt_frame_name(entries[i], klt_obj_born(o), name, sizeof(name));
		pos += scnprintf(buf + pos, len - pos, "    [<%016lx>] %s\n",
				 entries[i], name);
	}
	return pos;
}

/*
 * kmemleak's "dump=<addr>": the tracked object containing addr, to dmesg.
 * Returns whether there was one.
 */
bool klt_print_object(struct klt_store *st, unsigned long addr)
{
	struct klt_object snap, *obj;
	unsigned long flags;
	char *buf, *line, *p;
	bool found = false;

	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_store_lookup_named(st, addr);
	/* A tombstone's memory is free: not an object to dump. */
	if (obj && (obj->flags & KLT_F_LIVE)) {
		snap = *obj;
		found = true;
	}
	raw_spin_unlock_irqrestore(&st->lock, flags);
	if (!found) {
		pr_info("0x%lx is not in a tracked object\n", addr);
		return false;
	}
	buf = klt_page_alloc(GFP_KERNEL);
	if (!buf)
		return true;
	/* The dump of a live object is not a leak report: say so. */
	if (!(snap.flags & KLT_F_LEAK))
		snap.flags &= ~KLT_F_INDIRECT;
	klt_format_object(st, &snap, true, buf, PAGE_SIZE);
	pr_info("object 0x%08lx (%s):\n", klt_obj_shown(&snap),
		snap.flags & KLT_F_LEAK ? "suspected leak" : "referenced");
	for (p = buf; (line = strsep(&p, "\n")) && *line; )
		pr_info("%s\n", line);
	klt_page_free(buf);
	return true;
}

struct klt_reader {
	struct klt_store *st;
	struct klt_object *leaks;	/* copies of the records, at the read */
	size_t nr;
	char *buf;		/* one page for formatting */
	const struct klt_report_info *info;	/* NULL: no header */
};

struct klt_leak_list {
	struct klt_object *leaks;	/* NULL: only count */
	size_t max, nr;
	bool indirect;
};

static bool klt_note_leak(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_leak_list *c = arg;

	if (!(obj->flags & KLT_F_LEAK) || (obj->flags & KLT_F_CLEARED) ||
	    !!(obj->flags & KLT_F_INDIRECT) != c->indirect)
		return true;
	if (c->leaks && c->nr < c->max)
		c->leaks[c->nr] = *obj;
	c->nr++;
	return true;
}

/* Leaks of one class, in address order, appended after @nr entries. */
static size_t klt_list_leaks(struct klt_store *st, struct klt_object *leaks,
			     size_t max, bool indirect, size_t nr)
{
	struct klt_leak_list c = { .leaks = leaks, .max = max, .nr = nr,
				   .indirect = indirect };

	klt_store_walk(st, 256, klt_note_leak, NULL, &c);
	return c.nr;
}

/*
 * The current leaks, direct ones first, replacing the previous list. The
 * records are copied, so that the header's count and the entries agree
 * however long the reader takes: an object freed since is still shown
 * (it was a leak when the read began), without its contents.
 */
static int klt_reader_list(struct klt_reader *r)
{
	struct klt_object *leaks;
	size_t direct, total;
	int ret;

	/* As kmemleak's reads: never the flags of a scan half-way done. */
	ret = mutex_lock_interruptible(&klt_scan_mutex);
	if (ret)
		return ret;
	total = klt_list_leaks(r->st, NULL, 0, false, 0);
	total = klt_list_leaks(r->st, NULL, 0, true, total);
	/* Room for leaks found between the count and the copy is not needed. */
	leaks = kvmalloc_array(max_t(size_t, total, 1), sizeof(*leaks),
			       GFP_KERNEL);
	if (leaks) {
		kvfree(r->leaks);
		r->leaks = leaks;
		direct = klt_list_leaks(r->st, r->leaks, total, false, 0);
		r->nr = min(klt_list_leaks(r->st, r->leaks, total, true,
					   min(direct, total)), total);
	}
	mutex_unlock(&klt_scan_mutex);
	return leaks ? 0 : -ENOMEM;
}

/* Whether the object of a copied record is still the one allocated. */
static bool klt_still_live(struct klt_store *st, const struct klt_object *o)
{
	struct klt_object *obj;
	unsigned long flags;
	bool live;

	raw_spin_lock_irqsave(&st->lock, flags);
	obj = klt_store_lookup(st, klt_obj_addr(o));
	live = obj && obj->serial == o->serial && (obj->flags & KLT_F_LIVE);
	raw_spin_unlock_irqrestore(&st->lock, flags);
	return live;
}

static void *klt_seq_pos(struct seq_file *m, loff_t *pos)
{
	struct klt_reader *r = m->private;

	return *pos <= r->nr ? pos : NULL;
}

/* Position 0 is the header (nothing without one), then one entry each. */
static void *klt_seq_start(struct seq_file *m, loff_t *pos)
{
	struct klt_reader *r = m->private;
	int err;

	if (!*pos) {
		err = klt_reader_list(r);
		if (err)
			return ERR_PTR(err);
	}
	return klt_seq_pos(m, pos);
}

static void *klt_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return klt_seq_pos(m, pos);
}

static void klt_seq_stop(struct seq_file *m, void *v)
{
}

void klt_report_header(struct seq_file *m, struct klt_store *st,
		       const struct klt_report_info *info, size_t leaks,
		       unsigned long leak_bytes)
{
	seq_puts(m, KLT_REPORT_MAGIC "\n");
#define H(k, v) seq_printf(m, "# %s: %lu\n", k, (unsigned long)(v))
	H(KLT_HDR_JIFFIES, jiffies);
	H(KLT_HDR_HZ, HZ);
	H(KLT_HDR_TRACKED, READ_ONCE(st->nr_live));
	H(KLT_HDR_TRACKED_BYTES, READ_ONCE(st->live_bytes));
	H(KLT_HDR_UNTRACKED, klt_stat_read(st, KLT_STAT_UNTRACKED) +
	  klt_hooks_vmalloc_missed());
	H(KLT_HDR_UNKNOWN_FREES, klt_stat_read(st, KLT_STAT_UNKNOWN_FREES));
	H(KLT_HDR_REPLACED, klt_stat_read(st, KLT_STAT_REPLACED));
	H(KLT_HDR_STACKS_LOST, klt_stat_read(st, KLT_STAT_STACKS_LOST));
	H(KLT_HDR_NAMES_DROPPED, klt_modnames_dropped());
	H(KLT_HDR_SCANS, info->scans);
	H(KLT_HDR_UNTRUSTED, info->untrusted_scans);
	H(KLT_HDR_LAST_UNTRUSTED, !!info->last.untrusted[0]);
	H(KLT_HDR_LAST_SCAN, info->last_scan_jiffies);
	H(KLT_HDR_SCAN_MS, info->last_scan_ms);
	H(KLT_HDR_PAGES, info->last.pages);
	H(KLT_HDR_FREE_BYTES, info->last.free_bytes);
	H(KLT_HDR_LEAKS, leaks);
	H(KLT_HDR_LEAK_BYTES, leak_bytes);
	H(KLT_HDR_NEW_LEAKS, info->last.new_leaks);
	H(KLT_HDR_NEW_BYTES, info->last.new_bytes);
#undef H
}

static int klt_seq_show(struct seq_file *m, void *v)
{
	struct klt_reader *r = m->private;
	loff_t pos = *(loff_t *)v;
	struct klt_object *o;

	if (pos == 0) {
		unsigned long bytes = 0;
		size_t i;

		if (!r->info)
			return 0;
		for (i = 0; i < r->nr; i++)
			bytes += r->leaks[i].size;
		klt_report_header(m, r->st, r->info, r->nr, bytes);
		return 0;
	}
	o = &r->leaks[pos - 1];
	klt_format_object(r->st, o, klt_still_live(r->st, o), r->buf,
			  PAGE_SIZE);
	seq_puts(m, r->buf);
	return 0;
}

static const struct seq_operations klt_seq_ops = {
	.start = klt_seq_start,
	.next = klt_seq_next,
	.stop = klt_seq_stop,
	.show = klt_seq_show,
};

/*
 * The file operations of every report file. A write-only open (a command
 * written with echo) has no seq_file: the report is only set up for
 * readers. @info NULL: entries only, as kmemleak's file.
 */
int klt_report_open(struct file *file, struct klt_store *st,
		    const struct klt_report_info *info)
{
	struct klt_reader *r;

	if (!(file->f_mode & FMODE_READ))
		return 0;
	r = __seq_open_private(file, &klt_seq_ops, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->st = st;
	r->info = info;
	r->buf = klt_page_alloc(GFP_KERNEL);
	if (!r->buf) {
		seq_release_private(file->f_inode, file);
		return -ENOMEM;
	}
	return 0;
}

ssize_t klt_report_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	return seq_read(file, buf, count, ppos);
}

/* Appending opens seek too, write-only or not. */
loff_t klt_report_llseek(struct file *file, loff_t offset, int whence)
{
	if (!(file->f_mode & FMODE_READ))
		return noop_llseek(file, offset, whence);
	return seq_lseek(file, offset, whence);
}

int klt_report_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct klt_reader *r;

	if (!(file->f_mode & FMODE_READ))
		return 0;
	r = m->private;
	klt_page_free(r->buf);
	kvfree(r->leaks);
	return seq_release_private(inode, file);
}
