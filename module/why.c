// SPDX-License-Identifier: GPL-2.0
/*
 * "why=<addr>": during the following scans, log where the references to
 * the tracked object containing addr (or whose per-CPU cookie addr is)
 * are found, at most a few per scan.
 * A debugging aid for the question a conservative scanner raises most:
 * why is this leak not reported?
 *
 * It costs nothing while off: the engine tests a static key per
 * candidate word, and where a reference was found is worked out here,
 * from the address, only when one is logged.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/jump_label.h>
#include <linux/mm.h>
#include "kleaktrack.h"

#define KLT_WHY_PER_SCAN	8

DEFINE_STATIC_KEY_FALSE(klt_why_key);
/* Encoded, or this variable would be the reference. */
static unsigned long klt_why_enc;

/* Process context: flipping the key patches code. */
void klt_why_set(unsigned long addr)
{
	WRITE_ONCE(klt_why_enc, addr ? klt_enc(addr) : 0);
	if (addr)
		static_branch_enable(&klt_why_key);
	else
		static_branch_disable(&klt_why_key);
}

/* The object's range as it is when the scan starts. */
void klt_why_begin(struct klt_scan *sc)
{
	unsigned long enc = READ_ONCE(klt_why_enc), flags;
	struct klt_object *obj;

	if (!enc)
		return;
	raw_spin_lock_irqsave(&sc->st->lock, flags);
	obj = klt_store_lookup_named(sc->st, klt_dec(enc));
	if (obj) {
		sc->why_lo = obj->enc_addr;
		sc->why_hi = obj->enc_addr + max(obj->size, 1U);
		/* A per-CPU allocation is named by its cookie, as asked. */
		sc->why_shown_off = obj->flags & KLT_F_PERCPU ? klt_pcpu_off() : 0;
		sc->why_born = klt_obj_born(obj);
	}
	raw_spin_unlock_irqrestore(&sc->st->lock, flags);
}

/* What the word at @from is part of, in the root walk's terms. */
static const char *klt_why_where(struct klt_scan *sc, unsigned long from)
{
	struct klt_object *obj;
	unsigned long flags;
	struct page *page;
	bool tracked;

	raw_spin_lock_irqsave(&sc->st->lock, flags);
	obj = klt_store_lookup(sc->st, from);
	tracked = obj && (obj->flags & KLT_F_LIVE);
	raw_spin_unlock_irqrestore(&sc->st->lock, flags);
	if (tracked)
		return "tracked object";
	if (!virt_addr_valid(from))
		return "block";
	page = virt_to_page(from);
	if (klt_in_memmap(sc, page_to_pfn(page)))
		return "struct page";
	if (PageSlab(compound_head(page)))
		return "slab page";
	if (PageReserved(page))
		return "reserved page";
	return PageCompound(page) ? "large kmalloc page" : "page";
}

/*
 * Why a word that names the watched object does not hold it, or "": the
 * words are logged as they are collected, the rules that drop some are
 * applied later (klt_flush(), klt_mark()).
 */
static const char *klt_why_void(struct klt_scan *sc, unsigned long v)
{
	if ((v & KLT_CAND_COOKIE) &&
	    !klt_cookie_holds(klt_dec(v & ~KLT_CAND_COOKIE),
			      klt_dec(sc->why_lo)))
		return ", not counted: a number inside a first-chunk allocation";
	if (sc->task && sc->asleep_since &&
	    time_after(sc->why_born, sc->asleep_since + 1))
		return ", not counted: allocated after the task slept";
	return "";
}

/* A candidate @v found at @from: is it the watched object? */
void klt_why(struct klt_scan *sc, unsigned long v, unsigned long from)
{
	unsigned long shown = klt_dec(v & ~KLT_CAND_COOKIE) - sc->why_shown_off;

	if ((v & ~KLT_CAND_COOKIE) < sc->why_lo ||
	    (v & ~KLT_CAND_COOKIE) >= sc->why_hi ||
	    sc->why_told++ >= KLT_WHY_PER_SCAN)
		return;
	if (sc->task) {
		pr_info("why: 0x%lx is referenced from 0x%lx (stack of %s/%d, asleep since %lu, now %lu%s)\n",
			shown, from, sc->task->comm, task_pid_nr(sc->task),
			sc->asleep_since, jiffies, klt_why_void(sc, v));
		return;
	}
	pr_info("why: 0x%lx is referenced from 0x%lx (%s%s)\n", shown, from,
		klt_why_where(sc, from), klt_why_void(sc, v));
	/* Which cache, for a reference from untracked slab memory. */
	if (virt_addr_valid(from) && PageSlab(compound_head(virt_to_page(from))))
		mem_dump_obj((void *)from);
}
