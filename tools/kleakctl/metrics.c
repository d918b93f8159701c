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
	const char *func, *mod;	/* not NUL-terminated */
	size_t func_len, mod_len;
	uint8_t kind;
	uint64_t bytes, objects;
};

/* The first frame of @stack that is not an allocator, or the last one. */
static void klt_site_of(const struct klt_report *r, uint32_t stack,
			struct klt_site *s)
{
	const struct klt_stack *st;
	struct klt_frame_parts fp;

	s->func = "[no backtrace]";
	s->func_len = strlen(s->func);
	s->mod = NULL;
	s->mod_len = 0;
	if (stack == KLT_NONE || !r->stacks.stk[stack].n)
		return;
	st = &r->stacks.stk[stack];
	for (uint32_t k = 0; k < st->n; k++) {
		klt_frame_split(klt_str(&r->str, r->stacks.frames[st->off + k]),
				&fp);
		if (k + 1 < st->n && klt_is_allocator(fp.func, fp.func_len))
			continue;
		s->func = fp.func;
		s->func_len = fp.func_len;
		s->mod = fp.mod;
		s->mod_len = fp.mod_len;
		return;
	}
}

static bool klt_site_same(const struct klt_site *a, const struct klt_site *b)
{
	return a->kind == b->kind && a->func_len == b->func_len &&
	       a->mod_len == b->mod_len &&
	       !memcmp(a->func, b->func, a->func_len) &&
	       (!a->mod_len || !memcmp(a->mod, b->mod, a->mod_len));
}

static int klt_site_cmp(const void *pa, const void *pb)
{
	const struct klt_site *a = pa, *b = pb;
	size_t n;
	int c;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	/* Ties in a fixed order, so that the cut is the same every time. */
	n = a->func_len < b->func_len ? a->func_len : b->func_len;
	c = memcmp(a->func, b->func, n);
	if (c || a->func_len != b->func_len)
		return c ? c : (a->func_len < b->func_len ? -1 : 1);
	return a->kind - b->kind;
}

/*
 * A label value: backslash and double quote escaped. Symbol and module
 * names are ASCII; any other byte (a garbled report) becomes '_', for a
 * label value must be valid UTF-8 and a control character helps no one.
 */
static void klt_label(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '\\' || c == '"')
			fputc('\\', f);
		fputc(c < 0x20 || c >= 0x7f ? '_' : c, f);
	}
}

static void klt_site_series(FILE *f, const char *name,
			    const struct klt_site *sites, size_t n, bool bytes)
{
	static const char *const kinds[] = { "direct", "indirect" };

	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{function=\"", name);
		klt_label(f, sites[i].func, sites[i].func_len);
		fputs("\",module=\"", f);
		if (sites[i].mod)
			klt_label(f, sites[i].mod, sites[i].mod_len);
		else
			fputs("vmlinux", f);
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

	klt_family(f, "kleaktrack_suspected_leaks", "gauge",
		   "Objects reported as suspected leaks");
	fprintf(f, "kleaktrack_suspected_leaks{kind=\"direct\"} %llu\n",
		(unsigned long long)t->direct_objects);
	fprintf(f, "kleaktrack_suspected_leaks{kind=\"indirect\"} %llu\n",
		(unsigned long long)t->indirect_objects);
	klt_family(f, "kleaktrack_suspected_leak_bytes", "gauge",
		   "Bytes in objects reported as suspected leaks");
	fprintf(f, "kleaktrack_suspected_leak_bytes{kind=\"direct\"} %llu\n",
		(unsigned long long)t->direct_bytes);
	fprintf(f, "kleaktrack_suspected_leak_bytes{kind=\"indirect\"} %llu\n",
		(unsigned long long)t->indirect_bytes);
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
		struct klt_site s = { 0 };
		size_t k;

		klt_site_of(r, g->stack, &s);
		s.kind = g->kind;
		for (k = 0; k < nsites; k++)
			if (klt_site_same(&sites[k], &s))
				break;
		if (k == nsites)
			sites[nsites++] = s;
		sites[k].bytes += g->bytes;
		sites[k].objects += g->objects;
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
	free(sites);
}
