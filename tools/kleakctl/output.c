// SPDX-License-Identifier: GPL-2.0
/*
 * The three report renderings: LeakSanitizer-style text, flame graph
 * folded stacks, and JSON. All three walk the same sorted, filtered and
 * suppressed grouping, so they always agree on what was found.
 */
#include <stdlib.h>
#include <string.h>

#include "kleakctl.h"

/*
 * comm and cache names are not trusted to be printable: any process can
 * name itself with prctl(PR_SET_NAME), escape sequences included.
 */
void klt_put_clean(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s >= 0x20 && *s < 0x7f ? *s : '?', f);
}

static size_t shown_limit(const struct klt_grouping *gr,
			  const struct klt_output_opts *o)
{
	if (o && o->has_limit && o->limit < gr->nshown)
		return o->limit;
	return gr->nshown;
}

static const uint32_t *stack_frames(const struct klt_report *r, uint32_t stack,
				    uint32_t *n)
{
	const struct klt_stack *s = &r->stacks.stk[stack];

	*n = s->n;
	/* A report of empty stacks has no frame table: NULL + 0 is UB. */
	if (!s->n)
		return NULL;
	return r->stacks.frames + s->off;
}

static void put_list(FILE *f, const struct klt_report *r, const char *one,
		     const char *many, const uint32_t *ids, unsigned n,
		     bool unknown, bool more)
{
	fprintf(f, "%s ", n + unknown + more > 1 ? many : one);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		klt_put_clean(f, klt_str(&r->str, ids[i]));
	}
	if (unknown)
		fputs(n ? ",?" : "?", f);
	if (more)
		fputs(",...", f);
}

void klt_print_group(FILE *f, const struct klt_report *r,
		     const struct klt_group *g)
{
	uint32_t n;
	const uint32_t *fr = stack_frames(r, g->stack, &n);

	fprintf(f, "%s leak of %llu byte(s) in %llu object(s) allocated from:\n",
		g->kind == KLT_DIRECT ? "Direct" : "Indirect",
		(unsigned long long)g->bytes, (unsigned long long)g->objects);
	for (uint32_t i = 0; i < n; i++) {
		fprintf(f, "    #%u ", i);
		klt_put_clean(f, klt_str(&r->str, fr[i]));
		fputc('\n', f);
	}
	if (!n)
		fputs("    (no backtrace)\n", f);
	fputs("    ", f);
	/* kmemleak reports carry no cache: say nothing rather than "?". */
	if (g->ncaches) {
		put_list(f, r, "cache", "caches", g->caches, g->ncaches,
			 g->unknown_cache, g->more_caches);
		fputs(", ", f);
	}
	if (g->has_age) {
		if (g->age_min == g->age_max)
			fprintf(f, "age %llus, ", (unsigned long long)g->age_min);
		else
			fprintf(f, "age %llus-%llus, ",
				(unsigned long long)g->age_min,
				(unsigned long long)g->age_max);
	}
	if (g->ncomms) {
		put_list(f, r, "comm", "comms", g->comms, g->ncomms, false,
			 g->more_comms);
		fputs(", ", f);
	}
	fprintf(f, "e.g. 0x%08llx\n", (unsigned long long)g->sample);
}

static void print_suppressions(FILE *f, const struct klt_supps *s)
{
	bool any = false;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct klt_supp *sp = &s->v[i];

		if (!sp->groups)
			continue;
		if (!any)
			fputs("Suppressions used:\n", f);
		any = true;
		fprintf(f, "  %llu group(s), %llu byte(s): leak:",
			(unsigned long long)sp->groups,
			(unsigned long long)sp->bytes);
		klt_put_clean(f, sp->pattern);
		fputc('\n', f);
	}
	if (any)
		fputc('\n', f);
}

/*
 * An entry as the kernel printed it, but with the bytes a terminal would
 * act on replaced, as in every other output. Newlines and tabs are kept,
 * and a CR before a newline dropped, so the result is still a report
 * kleakctl can read back.
 */
static void put_raw(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
			fputc(c, f);
		else
			fputc('?', f);
	}
}

static void print_raw(FILE *f, const struct klt_report *r,
		      const struct klt_grouping *gr, size_t limit)
{
	/* Mark the printed groups, then keep the report's own order. */
	bool *show = xcalloc(gr->n ? gr->n : 1, sizeof(*show));

	for (size_t i = 0; i < limit; i++)
		show[gr->shown[i]] = true;
	for (size_t i = 0; i < r->nobj; i++) {
		const struct klt_object *o = &r->obj[i];

		if (gr->group_of[i] == KLT_NONE || !show[gr->group_of[i]])
			continue;
		put_raw(f, r->buf + o->raw_off, o->raw_len);
		if (o->raw_len && r->buf[o->raw_off + o->raw_len - 1] != '\n')
			fputc('\n', f);
	}
	free(show);
}

/*
 * What the report holds beyond the groups: entries that could not be
 * read, or a header that counts entries the text does not have. It is
 * printed whatever the filters, suppressions and --limit, because nobody
 * can tell what it would have matched.
 */
void klt_print_unparsed(FILE *f, const struct klt_report *r)
{
	uint64_t n = klt_report_unparsed(r);

	if (klt_report_complete(r))
		return;
	fprintf(f, "Unparsed entries: %llu entr%s of at least %llu byte(s) could not be read:\n",
		(unsigned long long)n, n == 1 ? "y" : "ies",
		(unsigned long long)r->unparsed_bytes);
	if (r->parse_errors)
		fprintf(f, "    %u parse error(s), %u entr%s skipped (see standard error)\n",
			r->parse_errors, r->skipped_entries,
			r->skipped_entries == 1 ? "y" : "ies");
	if (r->count_mismatches)
		fprintf(f, "    %u header count(s) disagree with the entries, %llu entr%s missing\n",
			r->count_mismatches,
			(unsigned long long)r->missing_entries,
			r->missing_entries == 1 ? "y" : "ies");
	fputs("    not in the SUMMARY; no filter or suppression applies to them\n\n",
	      f);
}

void klt_print_text(FILE *f, const struct klt_report *r,
		    const struct klt_grouping *gr, const struct klt_supps *s,
		    const struct klt_output_opts *o)
{
	const struct klt_totals *t = &gr->totals;
	size_t limit = shown_limit(gr, o);

	if (o && o->all_objects) {
		print_raw(f, r, gr, limit);
		if (limit)
			fputc('\n', f);
	} else {
		for (size_t i = 0; i < limit; i++) {
			klt_print_group(f, r, &gr->g[gr->shown[i]]);
			fputc('\n', f);
		}
	}
	if (limit < gr->nshown) {
		uint64_t bytes = 0, objs = 0;

		for (size_t i = limit; i < gr->nshown; i++) {
			bytes += gr->g[gr->shown[i]].bytes;
			objs += gr->g[gr->shown[i]].objects;
		}
		fprintf(f, "%zu more group(s) not shown (--limit %zu): %llu byte(s) in %llu object(s)\n\n",
			gr->nshown - limit, limit, (unsigned long long)bytes,
			(unsigned long long)objs);
	}
	klt_print_unparsed(f, r);
	print_suppressions(f, s);
	fprintf(f, "SUMMARY: %llu byte(s) leaked in %llu object(s).\n",
		(unsigned long long)(t->direct_bytes + t->indirect_bytes),
		(unsigned long long)(t->direct_objects + t->indirect_objects));
}

/*
 * Folded frames drop offsets, so one function is one flame graph box
 * however many call sites it has; module frames keep "[mod]" so they
 * stay recognisable. ';' separates frames and is replaced if present.
 */
void klt_folded_frame(FILE *f, const char *frame)
{
	struct klt_frame_parts fp;

	klt_frame_split(frame, &fp);
	for (size_t i = 0; i < fp.func_len; i++) {
		char c = fp.func[i];

		fputc(c == ';' || c < 0x20 || c == 0x7f ? '_' : c, f);
	}
	if (fp.mod) {
		fputs(" [", f);
		for (size_t i = 0; i < fp.mod_len; i++) {
			char c = fp.mod[i];

			fputc(c == ';' || c < 0x20 || c == 0x7f ? '_' : c, f);
		}
		fputc(']', f);
	}
}

void klt_print_folded(FILE *f, const struct klt_report *r,
		      const struct klt_grouping *gr,
		      const struct klt_output_opts *o)
{
	size_t limit = shown_limit(gr, o);

	for (size_t i = 0; i < limit; i++) {
		const struct klt_group *g = &gr->g[gr->shown[i]];
		uint32_t n;
		const uint32_t *fr = stack_frames(r, g->stack, &n);

		/* The report lists the allocation site first; flame graphs
		 * want the root first. */
		for (uint32_t k = n; k-- > 0;) {
			klt_folded_frame(f, klt_str(&r->str, fr[k]));
			if (k)
				fputc(';', f);
		}
		if (!n)
			fputs("[no backtrace]", f);
		fprintf(f, " %llu\n", (unsigned long long)g->bytes);
	}
	/* Weight 0 would vanish from the flame graph: at least 1. */
	if (!klt_report_complete(r))
		fprintf(f, "[unparsed entries] %llu\n",
			(unsigned long long)(r->unparsed_bytes ?
					     r->unparsed_bytes : 1));
}

void klt_print_json_header(struct klt_json *j, const struct klt_report *r)
{
	klt_json_begin_object(j, false);
	for (size_t i = 0; i < r->nhdr; i++) {
		klt_json_key(j, r->hdr[i].key);
		if (r->hdr[i].is_num)
			klt_json_u64(j, r->hdr[i].num);
		else
			klt_json_str(j, r->hdr[i].val);
	}
	klt_json_end_object(j);
}

static void json_group(struct klt_json *j, const struct klt_report *r,
		       const struct klt_grouping *gr, const struct klt_group *g)
{
	uint32_t n;
	const uint32_t *fr = stack_frames(r, g->stack, &n);
	uint64_t *addrs;
	size_t naddrs;

	klt_json_begin_object(j, false);
	klt_json_key(j, "kind");
	klt_json_str(j, g->kind == KLT_DIRECT ? "direct" : "indirect");
	klt_json_key(j, "bytes");
	klt_json_u64(j, g->bytes);
	klt_json_key(j, "objects");
	klt_json_u64(j, g->objects);
	klt_json_key(j, "stack");
	klt_json_begin_array(j, false);
	for (uint32_t i = 0; i < n; i++)
		klt_json_str(j, klt_str(&r->str, fr[i]));
	klt_json_end_array(j);

	klt_json_key(j, "modules");
	klt_json_begin_array(j, true);
	for (uint32_t i = 0; i < n; i++) {
		struct klt_frame_parts fp, prev;
		bool dup = false;

		klt_frame_split(klt_str(&r->str, fr[i]), &fp);
		if (!fp.mod)
			continue;
		for (uint32_t k = 0; k < i && !dup; k++) {
			klt_frame_split(klt_str(&r->str, fr[k]), &prev);
			dup = prev.mod && prev.mod_len == fp.mod_len &&
			      !memcmp(prev.mod, fp.mod, fp.mod_len);
		}
		if (!dup)
			klt_json_strn(j, fp.mod, fp.mod_len);
	}
	klt_json_end_array(j);

	klt_json_key(j, "caches");
	klt_json_begin_array(j, true);
	for (unsigned i = 0; i < g->ncaches; i++)
		klt_json_str(j, klt_str(&r->str, g->caches[i]));
	klt_json_end_array(j);
	klt_json_key(j, "comms");
	klt_json_begin_array(j, true);
	for (unsigned i = 0; i < g->ncomms; i++)
		klt_json_str(j, klt_str(&r->str, g->comms[i]));
	klt_json_end_array(j);

	klt_json_key(j, "age_min_s");
	if (g->has_age)
		klt_json_u64(j, g->age_min);
	else
		klt_json_null(j);
	klt_json_key(j, "age_max_s");
	if (g->has_age)
		klt_json_u64(j, g->age_max);
	else
		klt_json_null(j);
	klt_json_key(j, "sample");
	klt_json_addr(j, g->sample);

	naddrs = klt_group_addresses(r, gr, g, &addrs);
	klt_json_key(j, "addresses");
	klt_json_begin_array(j, true);
	for (size_t i = 0; i < naddrs; i++)
		klt_json_addr(j, addrs[i]);
	klt_json_end_array(j);
	free(addrs);
	klt_json_end_object(j);
}

/*
 * The unparsed entries as one more group, with every key a leak group
 * has, so a consumer that walks "groups" meets it instead of skipping
 * an unknown key.
 */
static void json_unparsed(struct klt_json *j, const struct klt_report *r)
{
	klt_json_begin_object(j, false);
	klt_json_key(j, "kind");
	klt_json_str(j, "unparsed");
	klt_json_key(j, "bytes");
	klt_json_u64(j, r->unparsed_bytes);
	klt_json_key(j, "objects");
	klt_json_u64(j, klt_report_unparsed(r));
	klt_json_key(j, "stack");
	klt_json_begin_array(j, true);
	klt_json_end_array(j);
	klt_json_key(j, "modules");
	klt_json_begin_array(j, true);
	klt_json_end_array(j);
	klt_json_key(j, "caches");
	klt_json_begin_array(j, true);
	klt_json_end_array(j);
	klt_json_key(j, "comms");
	klt_json_begin_array(j, true);
	klt_json_end_array(j);
	klt_json_key(j, "age_min_s");
	klt_json_null(j);
	klt_json_key(j, "age_max_s");
	klt_json_null(j);
	klt_json_key(j, "sample");
	klt_json_null(j);
	klt_json_key(j, "addresses");
	klt_json_begin_array(j, true);
	klt_json_end_array(j);
	klt_json_end_object(j);
}

static void json_objects(struct klt_json *j, const struct klt_report *r,
			 const struct klt_grouping *gr, size_t limit)
{
	uint32_t *pos = xreallocarray(NULL, gr->n ? gr->n : 1, sizeof(*pos));

	memset(pos, 0xff, (gr->n ? gr->n : 1) * sizeof(*pos));
	for (size_t i = 0; i < limit; i++)
		pos[gr->shown[i]] = i;
	klt_json_begin_array(j, false);
	for (size_t i = 0; i < r->nobj; i++) {
		const struct klt_object *o = &r->obj[i];

		if (gr->group_of[i] == KLT_NONE ||
		    pos[gr->group_of[i]] == KLT_NONE)
			continue;
		klt_json_begin_object(j, true);
		klt_json_key(j, "address");
		klt_json_addr(j, o->addr);
		klt_json_key(j, "size");
		klt_json_u64(j, o->size);
		klt_json_key(j, "kind");
		klt_json_str(j, o->kind == KLT_DIRECT ? "direct" : "indirect");
		klt_json_key(j, "held_by");
		if (o->has_held_by)
			klt_json_addr(j, o->held_by);
		else
			klt_json_null(j);
		klt_json_key(j, "cache");
		klt_json_str(j, klt_str(&r->str, o->cache));
		klt_json_key(j, "comm");
		klt_json_str(j, klt_str(&r->str, o->comm));
		klt_json_key(j, "pid");
		if (o->has_pid)
			klt_json_u64(j, o->pid);
		else
			klt_json_null(j);
		klt_json_key(j, "jiffies");
		if (o->has_jiffies)
			klt_json_u64(j, o->jiffies);
		else
			klt_json_null(j);
		klt_json_key(j, "age_s");
		if (o->has_age)
			klt_json_u64(j, o->age_s);
		else
			klt_json_null(j);
		klt_json_key(j, "group");
		klt_json_u64(j, pos[gr->group_of[i]]);
		klt_json_end_object(j);
	}
	klt_json_end_array(j);
	free(pos);
}

void klt_print_json(FILE *f, const struct klt_report *r,
		    const struct klt_grouping *gr, const struct klt_supps *s,
		    const struct klt_output_opts *o)
{
	const struct klt_totals *t = &gr->totals;
	size_t limit = shown_limit(gr, o);
	uint64_t sup_groups = 0, sup_bytes = 0, sup_objects = 0;
	struct klt_json j;

	for (size_t i = 0; s && i < s->n; i++) {
		sup_groups += s->v[i].groups;
		sup_bytes += s->v[i].bytes;
		sup_objects += s->v[i].objects;
	}

	klt_json_init(&j, f);
	klt_json_begin_object(&j, false);
	klt_json_key(&j, "version");
	klt_json_u64(&j, KLT_JSON_VERSION);
	klt_json_key(&j, "source");
	klt_json_str(&j, r->source);
	klt_json_key(&j, "format");
	klt_json_str(&j, r->has_magic ? "kleaktrack" : "kmemleak");
	klt_json_key(&j, "report_version");
	if (r->has_magic)
		klt_json_u64(&j, r->version);
	else
		klt_json_null(&j);
	klt_json_key(&j, "header");
	klt_print_json_header(&j, r);

	klt_json_key(&j, "summary");
	klt_json_begin_object(&j, false);
	klt_json_key(&j, "direct_bytes");
	klt_json_u64(&j, t->direct_bytes);
	klt_json_key(&j, "direct_objects");
	klt_json_u64(&j, t->direct_objects);
	klt_json_key(&j, "indirect_bytes");
	klt_json_u64(&j, t->indirect_bytes);
	klt_json_key(&j, "indirect_objects");
	klt_json_u64(&j, t->indirect_objects);
	klt_json_key(&j, "bytes");
	klt_json_u64(&j, t->direct_bytes + t->indirect_bytes);
	klt_json_key(&j, "objects");
	klt_json_u64(&j, t->direct_objects + t->indirect_objects);
	klt_json_key(&j, "groups");
	klt_json_u64(&j, t->groups);
	klt_json_key(&j, "groups_shown");
	klt_json_u64(&j, limit);
	klt_json_key(&j, "groups_omitted");
	klt_json_u64(&j, gr->nshown - limit);
	klt_json_key(&j, "suppressed_groups");
	klt_json_u64(&j, sup_groups);
	klt_json_key(&j, "suppressed_bytes");
	klt_json_u64(&j, sup_bytes);
	klt_json_key(&j, "suppressed_objects");
	klt_json_u64(&j, sup_objects);
	klt_json_key(&j, "filtered_objects");
	klt_json_u64(&j, gr->filtered_objects);
	klt_json_key(&j, "entries");
	klt_json_u64(&j, r->nobj);
	klt_json_key(&j, "skipped_entries");
	klt_json_u64(&j, r->skipped_entries);
	klt_json_key(&j, "complete");
	klt_json_bool(&j, klt_report_complete(r));
	klt_json_key(&j, "last_scan_trusted");
	klt_json_bool(&j, !klt_report_untrusted(r));
	klt_json_key(&j, "unparsed_entries");
	klt_json_u64(&j, klt_report_unparsed(r));
	klt_json_key(&j, "unparsed_bytes");
	klt_json_u64(&j, r->unparsed_bytes);
	klt_json_key(&j, "missing_entries");
	klt_json_u64(&j, r->missing_entries);
	klt_json_key(&j, "header_mismatches");
	klt_json_u64(&j, r->count_mismatches);
	klt_json_end_object(&j);

	klt_json_key(&j, "groups");
	klt_json_begin_array(&j, false);
	for (size_t i = 0; i < limit; i++)
		json_group(&j, r, gr, &gr->g[gr->shown[i]]);
	if (!klt_report_complete(r))
		json_unparsed(&j, r);
	klt_json_end_array(&j);

	klt_json_key(&j, "suppressed");
	klt_json_begin_array(&j, false);
	for (size_t i = 0; s && i < s->n; i++) {
		const struct klt_supp *sp = &s->v[i];

		klt_json_begin_object(&j, true);
		klt_json_key(&j, "pattern");
		klt_json_str(&j, sp->pattern);
		klt_json_key(&j, "file");
		klt_json_str(&j, sp->file);
		klt_json_key(&j, "line");
		klt_json_u64(&j, sp->line);
		klt_json_key(&j, "groups");
		klt_json_u64(&j, sp->groups);
		klt_json_key(&j, "objects");
		klt_json_u64(&j, sp->objects);
		klt_json_key(&j, "bytes");
		klt_json_u64(&j, sp->bytes);
		klt_json_end_object(&j);
	}
	klt_json_end_array(&j);

	klt_json_key(&j, "parse_errors");
	klt_json_u64(&j, r->parse_errors);

	if (o && o->all_objects) {
		klt_json_key(&j, "objects");
		json_objects(&j, r, gr, limit);
	}
	klt_json_end_object(&j);
	klt_json_finish(&j);
}
