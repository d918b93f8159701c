// SPDX-License-Identifier: GPL-2.0
/*
 * What kleaktrack keeps of modules that went away: the names of their
 * text for backtraces, and where their per-CPU areas were (not roots).
 *
 * A stack is saved as return addresses and named when the report is read.
 * For a frame in a module that has since been unloaded, or in the init
 * text a module frees once its init has run, %pS at that point names
 * whatever occupies the address now: nothing, or a function of a module
 * loaded later at the same place, which sends the reader to the wrong
 * code. So a module notifier copies the text symbols of a module's init
 * text when it goes live and of its core text when it goes, into
 * kleaktrack's own memory, and remembers for each text range when it was
 * loaded and when it went (in jiffies, as the objects' allocation time).
 *
 * A frame of an object allocated at time t is named by the range that
 * held its address at t: a range still live is named by %pS as before; a
 * range that has gone, from the copy, exactly as %pS named it (the same
 * closest preceding symbol and the same size, up to the next symbol or the
 * end of the text: kernel/module/kallsyms.c). When the owner at t is not
 * known (two ranges were at the address in the same jiffy, the copy could
 * not be allocated, or the address is now in a module loaded after t)
 * the frame is the bare address, "[mod unloaded]" (or "[unloaded]" when
 * the owner is not known), never another function's name. A range
 * kleaktrack never saw load was there before kleaktrack, so before every
 * object it tracks.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "kleaktrack.h"

/*
 * Module per-CPU areas freed at unload. Their memory keeps what the module
 * stored there (the pointers a DEFINE_PER_CPU variable held) until the next
 * module's per-CPU area takes it, so the scan leaves them out of the roots:
 * what only they referenced is a leak. Oldest forgotten first when full.
 */
#define KLT_PCPU_GONE_MAX	64

struct klt_pcpu_gone {
	void __percpu *ptr;
	unsigned int size;
};

static struct klt_pcpu_gone klt_pcpu_gone[KLT_PCPU_GONE_MAX];
static unsigned int klt_nr_pcpu_gone;

static LIST_HEAD(klt_texts);
static DEFINE_MUTEX(klt_texts_mutex);
static unsigned int klt_nr_gone;
static size_t klt_gone_bytes;
static unsigned long klt_names_dropped;	/* ranges left without names */

/* Which text of a module: its init text goes at MODULE_STATE_LIVE. */
enum { KLT_TEXT_CORE, KLT_TEXT_INIT };

static void klt_module_text(struct module *mod, int which,
			    unsigned long *start, unsigned long *end)
{
#ifdef for_each_mod_mem_type
	struct module_memory *mem = &mod->mem[which == KLT_TEXT_INIT ?
					      MOD_INIT_TEXT : MOD_TEXT];

	*start = (unsigned long)mem->base;
	*end = *start + mem->size;
#else
	struct module_layout *l = which == KLT_TEXT_INIT ? &mod->init_layout :
							   &mod->core_layout;

	*start = (unsigned long)l->base;
	*end = *start + l->text_size;
#endif
}

static void klt_text_free(struct klt_text *t)
{
	kvfree(t->syms);
	kvfree(t->strs);
	kfree(t);
}

/*
 * The symbols kallsyms would name an address with: defined, named, not a
 * mapping symbol (the union of 6.1's and 6.12's tests), inside the text.
 */
static bool klt_sym_counts(const struct mod_kallsyms *ks, unsigned int i,
			   unsigned long start, unsigned long end)
{
	unsigned long v = kallsyms_symbol_value(&ks->symtab[i]);
	const char *name = ks->strtab + ks->symtab[i].st_name;

	if (ks->symtab[i].st_shndx == SHN_UNDEF || !*name || name[0] == '$' ||
	    (name[0] == '.' && name[1] == 'L') ||
	    (name[0] == 'L' && name[1] == '0'))
		return false;
	return v >= start && v < end;
}

static int klt_sym_cmp(const void *a, const void *b)
{
	const struct klt_modsym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Copy the symbols of @t's range from @mod's kallsyms, sorted, keeping
 * of symbols at one address the first in the table, as kallsyms does.
 * Called from the module notifier: the table does not change under it
 * (the init symbols are dropped only after MODULE_STATE_LIVE's call).
 */
int klt_text_copy_syms(struct klt_text *t, struct module *mod)
{
	struct klt_modsym *syms;
	struct mod_kallsyms *ks;
	unsigned int i, n = 0, k;
	size_t bytes = 0, off = 0;
	char *strs;

	if (!IS_ENABLED(CONFIG_KALLSYMS))
		return 0;
	rcu_read_lock();
	ks = rcu_dereference(mod->kallsyms);
	for (i = 1; i < ks->num_symtab; i++) {
		if (!klt_sym_counts(ks, i, t->start, t->end))
			continue;
		n++;
		bytes += strlen(ks->strtab + ks->symtab[i].st_name) + 1;
	}
	rcu_read_unlock();
	if (!n)
		return 0;
	syms = kvmalloc_array(n, sizeof(*syms), GFP_KERNEL);
	strs = kvmalloc(bytes, GFP_KERNEL);
	if (!syms || !strs) {
		kvfree(syms);
		kvfree(strs);
		return -ENOMEM;
	}
	k = 0;
	rcu_read_lock();
	ks = rcu_dereference(mod->kallsyms);
	for (i = 1; i < ks->num_symtab && k < n; i++) {
		const char *name = ks->strtab + ks->symtab[i].st_name;
		size_t len;

		if (!klt_sym_counts(ks, i, t->start, t->end))
			continue;
		len = strlen(name) + 1;
		if (off + len > bytes)
			break;
		memcpy(strs + off, name, len);
		syms[k].addr = kallsyms_symbol_value(&ks->symtab[i]);
		syms[k].index = i;
		syms[k].name = off;
		off += len;
		k++;
	}
	rcu_read_unlock();
	sort(syms, k, sizeof(*syms), klt_sym_cmp, NULL);
	for (i = 0, n = 0; i < k; i++)
		if (!n || syms[i].addr != syms[n - 1].addr)
			syms[n++] = syms[i];
	t->syms = syms;
	t->strs = strs;
	t->nr_syms = n;
	t->bytes = n * sizeof(*syms) + bytes;
	return 0;
}

/*
 * Name @addr from @t's copied symbols as %pS named it: "func+off/size
 * [module]". Returns false when no symbol precedes it.
 */
bool klt_text_name(const struct klt_text *t, unsigned long addr,
		   char *buf, size_t len)
{
	unsigned int lo = 0, hi = t->nr_syms, mid;
	unsigned long next;

	/* The last symbol at or below addr. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	next = lo < t->nr_syms ? t->syms[lo].addr : t->end;
	scnprintf(buf, len, "%s+%#lx/%#lx [%s]", t->strs + t->syms[lo - 1].name,
		  addr - t->syms[lo - 1].addr, next - t->syms[lo - 1].addr,
		  t->module);
	return true;
}

/* Whether @t held @addr when an object was allocated at @born. */
static bool klt_text_held(const struct klt_text *t, unsigned long addr,
			  unsigned long born)
{
	if (addr < t->start || addr >= t->end)
		return false;
	/* Inclusive: an exit routine allocates in the jiffy its text goes. */
	return (!t->loaded || time_after_eq(born, t->loaded)) &&
	       (t->live || time_before_eq(born, t->gone));
}

/*
 * Name the frame @addr of an object allocated at @born (jiffies) into
 * @buf: what %pS printed while the code was there, never the name of code
 * that came later.
 */
void klt_frame_name(unsigned long addr, unsigned long born, char *buf,
		    size_t len)
{
	const struct klt_text *owner = NULL, *t;
	bool seen = false, ambiguous = false;

	mutex_lock(&klt_texts_mutex);
	list_for_each_entry(t, &klt_texts, list) {
		if (addr < t->start || addr >= t->end)
			continue;
		seen = true;
		if (!klt_text_held(t, addr, born))
			continue;
		if (owner)
			ambiguous = true;
		owner = t;
	}
	if (!seen || (owner && owner->live && !ambiguous)) {
		mutex_unlock(&klt_texts_mutex);
		scnprintf(buf, len, "%pS", (void *)addr);
		return;
	}
	/* "[mod extra]" as %pSb prints a build ID: parsers take the name. */
	if (owner && !ambiguous) {
		if (!klt_text_name(owner, addr, buf, len))
			scnprintf(buf, len, "0x%lx [%s unloaded]", addr,
				  owner->module);
	} else {
		scnprintf(buf, len, "0x%lx [unloaded]", addr);
	}
	mutex_unlock(&klt_texts_mutex);
}

/* Oldest gone first: they are at the head, in the order they went. */
static void klt_texts_trim(void)
{
	struct klt_text *t, *tmp;

	list_for_each_entry_safe(t, tmp, &klt_texts, list) {
		if (klt_nr_gone <= KLT_GONE_MAX &&
		    klt_gone_bytes <= KLT_GONE_BYTES_MAX)
			break;
		if (t->live)
			continue;
		list_del(&t->list);
		klt_nr_gone--;
		klt_gone_bytes -= t->bytes;
		klt_text_free(t);
		klt_names_dropped++;
	}
}

static struct klt_text *klt_text_new(struct module *mod, int which,
				     bool loading)
{
	struct klt_text *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t) {
		klt_names_dropped++;
		return NULL;
	}
	t->mod = mod;
	t->which = which;
	t->live = true;
	t->loaded = loading ? jiffies : 0;
	klt_module_text(mod, which, &t->start, &t->end);
	strscpy(t->module, mod->name, sizeof(t->module));
	return t;
}

/*
 * @mod's @which text goes: copy its names and keep them at the tail. A
 * range never seen loading (the module was there before kleaktrack) is
 * taken to have been there from the start.
 */
static void klt_text_going(struct module *mod, int which)
{
	struct klt_text *t, *found = NULL;

	list_for_each_entry(t, &klt_texts, list)
		if (t->live && t->mod == mod && t->which == which)
			found = t;
	if (!found) {
		found = klt_text_new(mod, which, false);
		if (!found)
			return;
	} else {
		list_del(&found->list);
	}
	if (found->start == found->end) {
		klt_text_free(found);
		return;
	}
	if (klt_text_copy_syms(found, mod))
		klt_names_dropped++;
	found->live = false;
	found->mod = NULL;
	found->gone = jiffies;
	list_add_tail(&found->list, &klt_texts);
	klt_nr_gone++;
	klt_gone_bytes += found->bytes;
	klt_texts_trim();
}

static void klt_text_coming(struct module *mod, int which)
{
	struct klt_text *t = klt_text_new(mod, which, true);

	if (!t)
		return;
	if (t->start == t->end)
		kfree(t);
	else
		list_add_tail(&t->list, &klt_texts);
}

#ifdef CONFIG_SMP
static bool klt_pcpu_overlaps(const struct klt_pcpu_gone *g,
			      const struct module *mod)
{
	unsigned long a = (__force unsigned long)g->ptr;
	unsigned long b = (__force unsigned long)mod->percpu;

	return a < b + mod->percpu_size && b < a + g->size;
}

/* A new module's per-CPU area is live memory, wherever it was before. */
static void klt_pcpu_coming(struct module *mod)
{
	unsigned int i, n = 0;

	if (!mod->percpu_size)
		return;
	for (i = 0; i < klt_nr_pcpu_gone; i++)
		if (!klt_pcpu_overlaps(&klt_pcpu_gone[i], mod))
			klt_pcpu_gone[n++] = klt_pcpu_gone[i];
	klt_nr_pcpu_gone = n;
}

static void klt_pcpu_going(struct module *mod)
{
	if (!mod->percpu_size)
		return;
	klt_pcpu_coming(mod);
	if (klt_nr_pcpu_gone == KLT_PCPU_GONE_MAX) {
		memmove(klt_pcpu_gone, klt_pcpu_gone + 1,
			sizeof(klt_pcpu_gone) - sizeof(klt_pcpu_gone[0]));
		klt_nr_pcpu_gone--;
	}
	klt_pcpu_gone[klt_nr_pcpu_gone].ptr = mod->percpu;
	klt_pcpu_gone[klt_nr_pcpu_gone].size = mod->percpu_size;
	klt_nr_pcpu_gone++;
}
#else
/* Without SMP a module's per-CPU variables are in its data. */
static void klt_pcpu_coming(struct module *mod) { }
static void klt_pcpu_going(struct module *mod) { }
#endif

/*
 * The freed module per-CPU areas, one range per possible CPU, as direct
 * map addresses (what the root walk reads), into @r; returns how many.
 */
unsigned int klt_pcpu_gone_ranges(struct klt_range *r, unsigned int max)
{
	unsigned int i, n = 0;
	int cpu;

	mutex_lock(&klt_texts_mutex);
	for (i = 0; i < klt_nr_pcpu_gone; i++) {
		for_each_possible_cpu(cpu) {
			unsigned long a = (unsigned long)
				per_cpu_ptr(klt_pcpu_gone[i].ptr, cpu);

			if (n == max)
				goto out;
			/* A page-based first chunk is not in the direct map. */
			if (!virt_addr_valid((void *)a))
				continue;
			r[n].start = a;
			r[n].end = a + klt_pcpu_gone[i].size;
			n++;
		}
	}
out:
	mutex_unlock(&klt_texts_mutex);
	return n;
}

static int klt_module_event(struct notifier_block *nb, unsigned long state,
			    void *data)
{
	struct module *mod = data;

	mutex_lock(&klt_texts_mutex);
	switch (state) {
	case MODULE_STATE_COMING:
		klt_pcpu_coming(mod);
		klt_text_coming(mod, KLT_TEXT_CORE);
		klt_text_coming(mod, KLT_TEXT_INIT);
		break;
	case MODULE_STATE_LIVE:
		klt_text_going(mod, KLT_TEXT_INIT);
		break;
	case MODULE_STATE_GOING:
		/* A failed init goes with its init text still there. */
		klt_text_going(mod, KLT_TEXT_INIT);
		klt_text_going(mod, KLT_TEXT_CORE);
		klt_pcpu_going(mod);
		break;
	}
	mutex_unlock(&klt_texts_mutex);
	return NOTIFY_OK;
}

static struct notifier_block klt_module_nb = {
	.notifier_call = klt_module_event,
};

/* For the report's header, read without the mutex: a count. */
unsigned long klt_modnames_dropped(void)
{
	return READ_ONCE(klt_names_dropped);
}

int klt_modnames_init(void)
{
	return register_module_notifier(&klt_module_nb);
}

void klt_modnames_forget(void)
{
	struct klt_text *t, *tmp;

	mutex_lock(&klt_texts_mutex);
	list_for_each_entry_safe(t, tmp, &klt_texts, list) {
		list_del(&t->list);
		klt_text_free(t);
	}
	klt_nr_gone = 0;
	klt_nr_pcpu_gone = 0;
	klt_names_dropped = 0;
	klt_gone_bytes = 0;
	mutex_unlock(&klt_texts_mutex);
}

void klt_modnames_exit(void)
{
	unregister_module_notifier(&klt_module_nb);
	klt_modnames_forget();
}
