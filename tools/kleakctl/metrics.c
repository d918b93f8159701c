// SPDX-License-Identifier: GPL-2.0
/*
 * "kleakctl metrics": the report as Prometheus text exposition (format
 * 0.0.4), for node_exporter's textfile collector. Fleets alert on these
 * numbers; the JSON report says which leak it is.
 *
 * Label cardinality is bounded: leaks are summed per (function, module,
 * kind), where function is the first frame that is not an allocator
 * (the code that leaked, not kmalloc), and only the top N of those by
 * bytes become series. The number of groups before the cut is a metric
 * of its own, so a cut is visible.
 */
#include <stdlib.h>
#include <string.h>

#include "kleakctl.h"

/*
 * Functions that allocate for their caller: a leak is named after the
 * first frame that is none of these (prefixes; _noprof and _node
 * variants included).
 */
static const char *const klt_allocators[] = {
	"__kmalloc", "kmalloc", "kzalloc", "kcalloc", "krealloc",
	"__kmem_cache_alloc", "kmem_cache_alloc", "kmem_cache_zalloc",
	"slab_alloc", "___slab_alloc", "__slab_alloc", "__do_kmalloc",
	"kmemdup", "kstrdup", "kstrndup", "kvasprintf", "kasprintf",
	"__vmalloc", "vmalloc", "vzalloc", "__kvmalloc", "kvmalloc",
	"kvzalloc", "kvcalloc", "kvrealloc", "vrealloc", "__vrealloc",
	"pcpu_alloc", "__alloc_percpu", "alloc_percpu", "__alloc_pages",
	"alloc_pages", "__get_free_pages", "alloc_slab_page",
	"allocate_slab", "new_slab",
};

static bool klt_is_allocator(const char *func, size_t n)
{
	for (size_t i = 0; i < sizeof(klt_allocators) / sizeof(*klt_allocators); i++) {
		size_t l = strlen(klt_allocators[i]);

		if (n >= l && !memcmp(func, klt_allocators[i], l))
			return true;
	}
	return false;
}

struct klt_site {
	char *func, *mod;	/* label values as printed, before escaping */
	uint8_t kind;
	uint64_t bytes, objects;
};

/*
 * A label value before escaping. Symbol and module names are ASCII; any
 * other byte (a garbled report) becomes '_', for a label value must be
 * valid UTF-8 and a control character helps no one. Sites are told apart
 * by these strings, so that no two series print the same.
 */
static char *klt_label_value(const char *s, size_t n)
{
	char *v = xstrndup(s, n);

	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '_';
	return v;
}

/* The first frame of @stack that is not an allocator, or the last one. */
static void klt_site_of(const struct klt_report *r, uint32_t stack,
			struct klt_site *s)
{
	const char *func = "[no backtrace]", *mod = NULL;
	size_t func_len = strlen(func), mod_len = 0;
	const struct klt_stack *st;
	struct klt_frame_parts fp;

	if (stack != KLT_NONE && r->stacks.stk[stack].n) {
		st = &r->stacks.stk[stack];
		for (uint32_t k = 0; k < st->n; k++) {
			klt_frame_split(klt_str(&r->str,
						r->stacks.frames[st->off + k]),
					&fp);
			if (k + 1 < st->n &&
			    klt_is_allocator(fp.func, fp.func_len))
				continue;
			func = fp.func;
			func_len = fp.func_len;
			mod = fp.mod;
			mod_len = fp.mod_len;
			break;
		}
	}
	s->func = klt_label_value(func, func_len);
	/* A frame without a module is the kernel's own code. */
	if (mod)
		s->mod = klt_label_value(mod, mod_len);
	else
		s->mod = xstrdup(func_len == strlen("[no backtrace]") &&
				 !memcmp(func, "[no backtrace]", func_len) ?
				 "" : "vmlinux");
}

/* By site, to merge the groups of one site. */
static int klt_site_cmp_key(const void *pa, const void *pb)
{
	const struct klt_site *a = pa, *b = pb;
	int c = strcmp(a->func, b->func);

	if (!c)
		c = strcmp(a->mod, b->mod);
	return c ? c : a->kind - b->kind;
}

/* By bytes, most first; ties by site, so that the cut is always the same. */
static int klt_site_cmp(const void *pa, const void *pb)
{
	const struct klt_site *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return klt_site_cmp_key(pa, pb);
}

/* A label value, escaped as the text format wants. */
static void klt_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void klt_site_series(FILE *f, const char *name,
			    const struct klt_site *sites, size_t n, bool bytes)
{
	static const char *const kinds[] = { "direct", "indirect" };

	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{function=\"", name);
		klt_label(f, sites[i].func);
		fputs("\",module=\"", f);
		klt_label(f, sites[i].mod);
		fprintf(f, "\",kind=\"%s\"} %llu\n", kinds[sites[i].kind & 1],
			(unsigned long long)(bytes ? sites[i].bytes : sites[i].objects));
	}
}

static void klt_family(FILE *f, const char *name, const char *type,
		       const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void klt_metric(FILE *f, const char *name, const char *type,
		       const char *help, uint64_t v)
{
	klt_family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* A gauge with one series per kind of leak. */
static void klt_kind_metric(FILE *f, const char *name, const char *help,
			    uint64_t direct, uint64_t indirect)
{
	klt_family(f, name, "gauge", help);
	fprintf(f, "%s{kind=\"direct\"} %llu\n", name,
		(unsigned long long)direct);
	fprintf(f, "%s{kind=\"indirect\"} %llu\n", name,
		(unsigned long long)indirect);
}

/* A header counter, if the report has it (a kmemleak report has none). */
static void klt_hdr_metric(FILE *f, const struct klt_report *r,
			   const char *key, const char *name,
			   const char *type, const char *help)
{
	uint64_t v;

	if (klt_report_get(r, key, &v))
		klt_metric(f, name, type, help, v);
}

void klt_print_metrics_down(FILE *f)
{
	klt_metric(f, "kleaktrack_up", "gauge",
		   "Whether the kleaktrack report could be read", 0);
}

void klt_print_metrics(FILE *f, const struct klt_report *r,
		       const struct klt_grouping *gr, size_t top,
		       double now_s)
{
	const struct klt_totals *t = &gr->totals;
	struct klt_site *sites = xcalloc(gr->nshown ? gr->nshown : 1,
					 sizeof(*sites));
	uint64_t jiffies, hz, last, ms;
	size_t nsites = 0;

	klt_metric(f, "kleaktrack_up", "gauge",
		   "Whether the kleaktrack report could be read", 1);
	klt_metric(f, "kleaktrack_report_complete", "gauge",
		   "Whether every entry of the report was parsed",
		   klt_report_complete(r));

	klt_kind_metric(f, "kleaktrack_suspected_leaks",
			"Objects reported as suspected leaks",
			t->direct_objects, t->indirect_objects);
	klt_kind_metric(f, "kleaktrack_suspected_leak_bytes",
			"Bytes in objects reported as suspected leaks",
			t->direct_bytes, t->indirect_bytes);
	klt_hdr_metric(f, r, KLT_HDR_NEW_LEAKS, "kleaktrack_new_leaks",
		       "gauge", "Suspected leaks the last scan found");
	klt_hdr_metric(f, r, KLT_HDR_NEW_BYTES, "kleaktrack_new_leak_bytes",
		       "gauge", "Bytes in the suspected leaks the last scan found");
	klt_hdr_metric(f, r, KLT_HDR_TRACKED, "kleaktrack_tracked_objects",
		       "gauge", "Live allocations kleaktrack records");
	klt_hdr_metric(f, r, KLT_HDR_TRACKED_BYTES, "kleaktrack_tracked_bytes",
		       "gauge", "Bytes in the live allocations kleaktrack records");
	klt_hdr_metric(f, r, KLT_HDR_UNTRACKED,
		       "kleaktrack_untracked_allocations_total", "counter",
		       "Allocations kleaktrack could not record since it was loaded");
	klt_hdr_metric(f, r, KLT_HDR_SCANS, "kleaktrack_scans_total",
		       "counter", "Scans since kleaktrack was loaded");
	klt_hdr_metric(f, r, KLT_HDR_UNTRUSTED, "kleaktrack_untrusted_scans_total",
		       "counter",
		       "Scans that could not trust their view of memory and reported nothing new");
	klt_hdr_metric(f, r, KLT_HDR_LAST_UNTRUSTED,
		       "kleaktrack_last_scan_untrusted", "gauge",
		       "Whether the last scan was untrusted (see the kernel log)");

	/*
	 * The report counts time in jiffies; the textfile collector wants
	 * seconds since the epoch. The report's "jiffies" is the time it was
	 * read, which is @now_s.
	 */
	if (klt_report_get(r, KLT_HDR_LAST_SCAN, &last) &&
	    klt_report_get(r, KLT_HDR_JIFFIES, &jiffies) &&
	    klt_report_get(r, KLT_HDR_HZ, &hz) && hz) {
		double ago = (double)klt_jiffies_delta(jiffies, last) / hz;

		klt_family(f, "kleaktrack_last_scan_timestamp_seconds", "gauge",
			   "When the last scan ended, 0 if none has");
		fprintf(f, "kleaktrack_last_scan_timestamp_seconds %.3f\n",
			last ? now_s - ago : 0.0);
	}
	if (klt_report_get(r, KLT_HDR_SCAN_MS, &ms)) {
		klt_family(f, "kleaktrack_last_scan_duration_seconds", "gauge",
			   "How long the last scan took");
		fprintf(f, "kleaktrack_last_scan_duration_seconds %.3f\n",
			ms / 1000.0);
	}

	for (size_t i = 0; i < gr->nshown; i++) {
		const struct klt_group *g = &gr->g[gr->shown[i]];
		struct klt_site *st = &sites[i];

		klt_site_of(r, g->stack, st);
		st->kind = g->kind;
		st->bytes = g->bytes;
		st->objects = g->objects;
	}
	/* Merge the groups of each site: sorted, neighbours. */
	qsort(sites, gr->nshown, sizeof(*sites), klt_site_cmp_key);
	for (size_t i = 0; i < gr->nshown; i++) {
		if (nsites && !klt_site_cmp_key(&sites[nsites - 1], &sites[i])) {
			sites[nsites - 1].bytes += sites[i].bytes;
			sites[nsites - 1].objects += sites[i].objects;
			free(sites[i].func);
			free(sites[i].mod);
			continue;
		}
		sites[nsites++] = sites[i];
	}
	qsort(sites, nsites, sizeof(*sites), klt_site_cmp);
	klt_metric(f, "kleaktrack_leak_sites", "gauge",
		   "Distinct (function, module, kind) of the suspected leaks, before the top-N cut",
		   nsites);
	if (top > nsites)
		top = nsites;
	if (top) {
		klt_family(f, "kleaktrack_leak_site_bytes", "gauge",
			   "Bytes of suspected leaks per allocating function (top N by bytes)");
		klt_site_series(f, "kleaktrack_leak_site_bytes", sites, top, true);
		klt_family(f, "kleaktrack_leak_site_objects", "gauge",
			   "Suspected leaks per allocating function (top N by bytes)");
		klt_site_series(f, "kleaktrack_leak_site_objects", sites, top, false);
	}
	for (size_t i = 0; i < nsites; i++) {
		free(sites[i].func);
		free(sites[i].mod);
	}
	free(sites);
}
