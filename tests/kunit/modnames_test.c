// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: names of frames in module text that went away (modnames.c): the
 * copied symbols name every address as kallsyms does, and a frame is
 * named by the text that held its address when the object was allocated.
 */
#include "../../module/modnames.c"
#include <kunit/test.h>
#include "kleaktrack_test.h"

#define FAKE_TEXT	4096

/* A module as the notifier sees it: two text buffers and a symtab. */
struct fake_module {
	struct module mod;
	struct mod_kallsyms ks;
	char strtab[64];
	u8 *core, *init;
};

static void fake_sym(struct fake_module *f, unsigned int i, unsigned int name,
		     unsigned long value, unsigned short shndx)
{
	f->ks.symtab[i].st_name = name;
	f->ks.symtab[i].st_value = value;
	f->ks.symtab[i].st_shndx = shndx;
}

static void fake_set_text(struct fake_module *f, int which, void *base,
			  unsigned int size)
{
#ifdef for_each_mod_mem_type
	f->mod.mem[which == KLT_TEXT_INIT ? MOD_INIT_TEXT : MOD_TEXT].base = base;
	f->mod.mem[which == KLT_TEXT_INIT ? MOD_INIT_TEXT : MOD_TEXT].size = size;
#else
	struct module_layout *l = which == KLT_TEXT_INIT ? &f->mod.init_layout :
							   &f->mod.core_layout;

	l->base = base;
	l->size = size;
	l->text_size = size;
#endif
}

/*
 * Core: f_a at 0, f_b at 0x100, a mapping symbol at 0x180, an undefined
 * symbol and a symbol past the text. Init: i_a at 0x10.
 */
static struct fake_module *fake_module(struct kunit *test)
{
	static const char strtab[] = "\0f_a\0f_b\0$x\0undef\0data\0i_a";
	struct fake_module *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->core = kunit_kzalloc(test, FAKE_TEXT, GFP_KERNEL);
	f->init = kunit_kzalloc(test, FAKE_TEXT, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->core);
	KUNIT_ASSERT_NOT_NULL(test, f->init);
	f->ks.symtab = kunit_kcalloc(test, 8, sizeof(*f->ks.symtab), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->ks.symtab);
	memcpy(f->strtab, strtab, sizeof(strtab));
	strscpy(f->mod.name, "fake", sizeof(f->mod.name));
	fake_sym(f, 1, 1, (unsigned long)f->core, 1);
	fake_sym(f, 2, 5, (unsigned long)f->core + 0x100, 1);
	fake_sym(f, 3, 9, (unsigned long)f->core + 0x180, 1);
	fake_sym(f, 4, 12, (unsigned long)f->core + 0x200, SHN_UNDEF);
	fake_sym(f, 5, 18, (unsigned long)f->core + FAKE_TEXT, 2);
	fake_sym(f, 6, 23, (unsigned long)f->init + 0x10, 1);
	f->ks.num_symtab = 7;
	f->ks.strtab = f->strtab;
	RCU_INIT_POINTER(f->mod.kallsyms, &f->ks);
	fake_set_text(f, KLT_TEXT_CORE, f->core, FAKE_TEXT);
	fake_set_text(f, KLT_TEXT_INIT, f->init, FAKE_TEXT);
	return f;
}

static void name_of(unsigned long addr, unsigned long born, char *buf)
{
	klt_frame_name(addr, born, buf, KSYM_SYMBOL_LEN);
}

/*
 * A module loaded, its init text gone, then the module gone: its frames
 * keep their names for objects allocated while it was there, and no name
 * for objects allocated after.
 */
static void modnames_loaded_live_gone(struct kunit *test)
{
	struct fake_module *f = fake_module(test);
	unsigned long core = (unsigned long)f->core;
	unsigned long init = (unsigned long)f->init;
	char buf[KSYM_SYMBOL_LEN], raw[KSYM_SYMBOL_LEN];
	unsigned long born;

	klt_module_event(NULL, MODULE_STATE_COMING, &f->mod);
	/* After the load: a tick between the two would make it older. */
	born = jiffies;
	/* While loaded, %pS as always. */
	name_of(core + 0x120, born, buf);
	scnprintf(raw, sizeof(raw), "%pS", (void *)(core + 0x120));
	KUNIT_EXPECT_STREQ(test, buf, raw);

	klt_module_event(NULL, MODULE_STATE_LIVE, &f->mod);
	fake_set_text(f, KLT_TEXT_INIT, NULL, 0);
	name_of(init + 0x20, born, buf);
	KUNIT_EXPECT_STREQ(test, buf, "i_a+0x10/0xff0 [fake]");
	name_of(core + 0x120, born, buf);
	KUNIT_EXPECT_STREQ(test, buf, raw);

	klt_module_event(NULL, MODULE_STATE_GOING, &f->mod);
	/* The mapping symbol is not a name; the size runs to the text's end. */
	name_of(core + 0x120, born, buf);
	KUNIT_EXPECT_STREQ(test, buf, "f_b+0x20/0xf00 [fake]");
	name_of(core + 0x40, born, buf);
	KUNIT_EXPECT_STREQ(test, buf, "f_a+0x40/0x100 [fake]");
	name_of(core, born, buf);
	KUNIT_EXPECT_STREQ(test, buf, "f_a+0x0/0x100 [fake]");
	/* Allocated after the module went: the address is not its code. */
	name_of(core + 0x120, born + 100 * HZ, buf);
	scnprintf(raw, sizeof(raw), "0x%lx [unloaded]", core + 0x120);
	KUNIT_EXPECT_STREQ(test, buf, raw);
	KUNIT_EXPECT_EQ(test, klt_modnames_dropped(), 0UL);
	klt_modnames_forget();
}

/*
 * A new module at the same address: frames of objects allocated before it
 * came keep the old names; two owners in the same jiffy give no name.
 */
static void modnames_address_reused(struct kunit *test)
{
	struct fake_module *f = fake_module(test), *g = fake_module(test);
	unsigned long core = (unsigned long)f->core;
	unsigned long born = jiffies;
	char buf[KSYM_SYMBOL_LEN], raw[KSYM_SYMBOL_LEN];
	struct klt_text *t;

	/* f was there before kleaktrack: no COMING. */
	klt_module_event(NULL, MODULE_STATE_GOING, &f->mod);
	fake_set_text(g, KLT_TEXT_CORE, f->core, FAKE_TEXT);
	strscpy(g->mod.name, "other", sizeof(g->mod.name));
	klt_module_event(NULL, MODULE_STATE_COMING, &g->mod);
	mutex_lock(&klt_texts_mutex);
	list_for_each_entry(t, &klt_texts, list) {
		if (t->live)
			t->loaded = born + 2;
		else
			t->gone = born + 1;
	}
	mutex_unlock(&klt_texts_mutex);

	name_of(core + 0x120, born, buf);
	KUNIT_EXPECT_STREQ(test, buf, "f_b+0x20/0xf00 [fake]");
	name_of(core + 0x120, born + 2, buf);
	scnprintf(raw, sizeof(raw), "%pS", (void *)(core + 0x120));
	KUNIT_EXPECT_STREQ(test, buf, raw);

	mutex_lock(&klt_texts_mutex);
	list_for_each_entry(t, &klt_texts, list)
		if (t->live)
			t->loaded = born + 1;
	mutex_unlock(&klt_texts_mutex);
	name_of(core + 0x120, born + 1, buf);
	scnprintf(raw, sizeof(raw), "0x%lx [unloaded]", core + 0x120);
	KUNIT_EXPECT_STREQ(test, buf, raw);
	klt_modnames_forget();
}

/* A text whose names could not be kept: the address and the module. */
static void modnames_no_symbols(struct kunit *test)
{
	struct fake_module *f = fake_module(test);
	unsigned long core = (unsigned long)f->core;
	char buf[KSYM_SYMBOL_LEN], want[KSYM_SYMBOL_LEN];

	f->ks.num_symtab = 1;
	klt_module_event(NULL, MODULE_STATE_COMING, &f->mod);
	klt_module_event(NULL, MODULE_STATE_GOING, &f->mod);
	name_of(core + 8, jiffies, buf);
	scnprintf(want, sizeof(want), "0x%lx [fake unloaded]", core + 8);
	KUNIT_EXPECT_STREQ(test, buf, want);
	klt_modnames_forget();
}

/* The oldest gone texts go first when there are too many. */
static void modnames_trimmed(struct kunit *test)
{
	struct fake_module *f = fake_module(test);
	unsigned int i;

	fake_set_text(f, KLT_TEXT_INIT, NULL, 0);
	for (i = 0; i < KLT_GONE_MAX + 3; i++)
		klt_module_event(NULL, MODULE_STATE_GOING, &f->mod);
	KUNIT_EXPECT_EQ(test, klt_nr_gone, (unsigned int)KLT_GONE_MAX);
	KUNIT_EXPECT_EQ(test, klt_modnames_dropped(), 3UL);
	klt_modnames_forget();
}

/*
 * The copy names every address of this test module's own text exactly as
 * sprint_symbol() does, on the kernel's real symbol table.
 */
static void modnames_copy_matches_kallsyms(struct kunit *test)
{
	char buf[KSYM_SYMBOL_LEN], want[KSYM_SYMBOL_LEN];
	struct klt_text t = { };
	unsigned long addr, bad = 0, n = 0;

#ifndef MODULE
	kunit_skip(test, "built in: no module text to compare");
#endif
	if (!IS_ENABLED(CONFIG_KALLSYMS))
		kunit_skip(test, "no kallsyms");
	klt_module_text(THIS_MODULE, KLT_TEXT_CORE, &t.start, &t.end);
	strscpy(t.module, THIS_MODULE->name, sizeof(t.module));
	KUNIT_ASSERT_EQ(test, klt_text_copy_syms(&t, THIS_MODULE), 0);
	KUNIT_ASSERT_GT(test, t.nr_syms, 10U);
	for (addr = t.start; addr < t.end; addr += 11, n++) {
		sprint_symbol(want, addr);
		if (!klt_text_name(&t, addr, buf, sizeof(buf)) ||
		    strcmp(buf, want)) {
			if (!bad++)
				kunit_info(test, "0x%lx: %s, kallsyms %s", addr,
					   buf, want);
		}
	}
	kunit_info(test, "%lu addresses, %u symbols", n, t.nr_syms);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	kvfree(t.syms);
	kvfree(t.strs);
}

/*
 * A module's per-CPU area freed at unload is one range per CPU, until the
 * next module's per-CPU area takes its place; the root walk skips them.
 */
static void modnames_pcpu_gone(struct kunit *test)
{
	struct fake_module *f = fake_module(test), *g = fake_module(test);
	void __percpu *pcpu = __alloc_percpu(96, 8);
	unsigned int n, cpus = num_possible_cpus();
	struct klt_range *r;
	struct klt_scan *sc = kunit_kzalloc(test, sizeof(*sc), GFP_KERNEL);
	int cpu;

	KUNIT_ASSERT_NOT_NULL(test, pcpu);
	KUNIT_ASSERT_NOT_NULL(test, sc);
	r = kunit_kcalloc(test, cpus + 1, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	f->mod.percpu = pcpu;
	f->mod.percpu_size = 96;
	klt_module_event(NULL, MODULE_STATE_COMING, &f->mod);
	KUNIT_EXPECT_EQ(test, klt_pcpu_gone_ranges(r, cpus + 1), 0U);
	klt_module_event(NULL, MODULE_STATE_GOING, &f->mod);
	n = klt_pcpu_gone_ranges(r, cpus + 1);
	KUNIT_EXPECT_EQ(test, n, cpus);
	for_each_possible_cpu(cpu) {
		unsigned long a = (unsigned long)per_cpu_ptr(pcpu, cpu);
		unsigned int i, found = 0;

		for (i = 0; i < n; i++)
			found += r[i].start == a && r[i].end == a + 96;
		KUNIT_EXPECT_EQ(test, found, 1U);
	}

	/* The walk leaves exactly those words of the page out. */
	sc->pcpu_gone = r;
	sc->npcpu_gone = n;
	{
		unsigned long a = (unsigned long)per_cpu_ptr(pcpu, 0);
		unsigned long page = a & PAGE_MASK;
		unsigned int w = (a - page) / sizeof(long);

		KUNIT_EXPECT_TRUE(test, klt_skip_pcpu_gone(sc, page));
		KUNIT_EXPECT_TRUE(test, test_bit(w, sc->skip));
		if (a + 96 < page + PAGE_SIZE)
			KUNIT_EXPECT_FALSE(test, test_bit(w + 12, sc->skip));
		if (w)
			KUNIT_EXPECT_FALSE(test, test_bit(w - 1, sc->skip));
	}

	/* Reused by the next module: live memory again. */
	g->mod.percpu = pcpu + 32;
	g->mod.percpu_size = 8;
	klt_module_event(NULL, MODULE_STATE_COMING, &g->mod);
	KUNIT_EXPECT_EQ(test, klt_pcpu_gone_ranges(r, cpus + 1), 0U);
	klt_modnames_forget();
	free_percpu(pcpu);
}

static struct kunit_case klt_modnames_cases[] = {
	KUNIT_CASE(modnames_loaded_live_gone),
	KUNIT_CASE(modnames_address_reused),
	KUNIT_CASE(modnames_no_symbols),
	KUNIT_CASE(modnames_trimmed),
	KUNIT_CASE(modnames_copy_matches_kallsyms),
	KUNIT_CASE(modnames_pcpu_gone),
	{}
};

static struct kunit_suite klt_modnames_suite = {
	.name = "kleaktrack_modnames",
	.test_cases = klt_modnames_cases,
};

kunit_test_suite(klt_modnames_suite);
