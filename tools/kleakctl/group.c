// SPDX-License-Identifier: GPL-2.0
/*
 * Grouping of leaked objects by (class, allocation stack), the filters,
 * and the deterministic order groups are printed in.
 *
 * Stacks are interned by the parser, so a group is found by indexing a
 * table with stack id * 2 + class: linear in the number of objects, which
 * is what keeps a 100k-entry report fast.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "kleakctl.h"

static bool object_passes(const struct klt_object *o,
			  const struct klt_filter *f)
{
	if (!f)
		return true;
	if (f->direct_only && o->kind != KLT_DIRECT)
		return false;
	if (o->size < f->min_size)
		return false;
	/*
	 * Objects of unknown age (a kmemleak report without "(age ...)")
	 * are kept: kmemleak already held them back for its own minimum age.
	 */
	if (f->has_min_age && o->has_age && o->age_s < f->min_age_s)
		return false;
	return true;
}

static void add_distinct(uint32_t *v, uint8_t *n, bool *more, uint32_t id)
{
	for (unsigned i = 0; i < *n; i++)
		if (v[i] == id)
			return;
	if (*n < KLT_GROUP_MAX_DISTINCT)
		v[(*n)++] = id;
	else
		*more = true;
}

void klt_group_build(const struct klt_report *r, const struct klt_filter *f,
		     struct klt_grouping *gr)
{
	size_t nmap = r->stacks.n * 2;
	uint32_t *map = xreallocarray(NULL, nmap ? nmap : 1, sizeof(*map));
	size_t cap = 0;

	memset(gr, 0, sizeof(*gr));
	memset(map, 0xff, (nmap ? nmap : 1) * sizeof(*map));
	gr->next = xreallocarray(NULL, r->nobj ? r->nobj : 1,
				 sizeof(*gr->next));
	gr->group_of = xreallocarray(NULL, r->nobj ? r->nobj : 1,
				     sizeof(*gr->group_of));

	for (size_t i = 0; i < r->nobj; i++) {
		const struct klt_object *o = &r->obj[i];
		size_t key = (size_t)o->stack * 2 + o->kind;
		struct klt_group *g;

		gr->next[i] = KLT_NONE;
		gr->group_of[i] = KLT_NONE;
		if (!object_passes(o, f)) {
			gr->filtered_objects++;
			continue;
		}
		if (map[key] == KLT_NONE) {
			if (gr->n == cap) {
				cap = cap ? cap * 2 : 64;
				gr->g = xreallocarray(gr->g, cap,
						      sizeof(*gr->g));
			}
			map[key] = gr->n;
			g = &gr->g[gr->n++];
			memset(g, 0, sizeof(*g));
			g->stack = o->stack;
			g->kind = o->kind;
			g->suppressed_by = -1;
			g->first = i;
			g->sample = o->addr;
		} else {
			g = &gr->g[map[key]];
			gr->next[g->last] = i;
		}
		g->last = i;
		gr->group_of[i] = map[key];
		g->bytes += o->size;
		g->objects++;
		if (o->addr < g->sample)
			g->sample = o->addr;
		if (o->has_age) {
			if (!g->has_age || o->age_s < g->age_min)
				g->age_min = o->age_s;
			if (!g->has_age || o->age_s > g->age_max)
				g->age_max = o->age_s;
			g->has_age = true;
		}
		if (o->cache == KLT_NONE)
			g->unknown_cache = true;
		else
			add_distinct(g->caches, &g->ncaches, &g->more_caches,
				     o->cache);
		if (o->comm != KLT_NONE)
			add_distinct(g->comms, &g->ncomms, &g->more_comms,
				     o->comm);
	}
	free(map);
}

bool klt_stack_has_module(const struct klt_report *r, uint32_t stack,
			  const char *glob)
{
	const struct klt_stack *s = &r->stacks.stk[stack];

	for (uint32_t i = 0; i < s->n; i++) {
		struct klt_frame_parts fp;
		char mod[256];

		klt_frame_split(klt_str(&r->str, r->stacks.frames[s->off + i]),
				&fp);
		if (!fp.mod || fp.mod_len >= sizeof(mod))
			continue;
		memcpy(mod, fp.mod, fp.mod_len);
		mod[fp.mod_len] = '\0';
		if (!fnmatch(glob, mod, 0))
			return true;
	}
	return false;
}

static int stack_cmp(const struct klt_report *r, uint32_t a, uint32_t b)
{
	const struct klt_stack *sa = &r->stacks.stk[a];
	const struct klt_stack *sb = &r->stacks.stk[b];

	for (uint32_t i = 0; i < sa->n && i < sb->n; i++) {
		uint32_t fa = r->stacks.frames[sa->off + i];
		uint32_t fb = r->stacks.frames[sb->off + i];
		int c;

		if (fa == fb)
			continue;
		c = strcmp(klt_str(&r->str, fa), klt_str(&r->str, fb));
		if (c)
			return c;
	}
	return (sa->n > sb->n) - (sa->n < sb->n);
}

/* Direct first, then bytes and count descending, then the stack text. */
int klt_group_cmp(const struct klt_report *r, const struct klt_group *a,
		  const struct klt_group *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->objects != b->objects)
		return a->objects > b->objects ? -1 : 1;
	return stack_cmp(r, a->stack, b->stack);
}

/* qsort() has no context argument in C11. */
static const struct klt_report *sort_report;
static const struct klt_grouping *sort_grouping;

static int shown_cmp(const void *a, const void *b)
{
	const struct klt_group *ga = &sort_grouping->g[*(const uint32_t *)a];
	const struct klt_group *gb = &sort_grouping->g[*(const uint32_t *)b];

	return klt_group_cmp(sort_report, ga, gb);
}

void klt_group_select(const struct klt_report *r, const struct klt_filter *f,
		      struct klt_supps *s, struct klt_grouping *gr)
{
	struct klt_totals *t = &gr->totals;

	free(gr->shown);
	gr->shown = xreallocarray(NULL, gr->n ? gr->n : 1, sizeof(*gr->shown));
	gr->nshown = 0;
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < gr->n; i++) {
		struct klt_group *g = &gr->g[i];

		g->hidden = f && f->module &&
			    !klt_stack_has_module(r, g->stack, f->module);
		g->suppressed_by = -1;
		if (g->hidden)
			continue;
		if (s && s->n) {
			g->suppressed_by = klt_supps_match(s, r, g->stack);
			if (g->suppressed_by >= 0) {
				struct klt_supp *sp = &s->v[g->suppressed_by];

				sp->groups++;
				sp->objects += g->objects;
				sp->bytes += g->bytes;
				continue;
			}
		}
		gr->shown[gr->nshown++] = i;
		t->groups++;
		if (g->kind == KLT_DIRECT) {
			t->direct_bytes += g->bytes;
			t->direct_objects += g->objects;
		} else {
			t->indirect_bytes += g->bytes;
			t->indirect_objects += g->objects;
		}
	}
	sort_report = r;
	sort_grouping = gr;
	qsort(gr->shown, gr->nshown, sizeof(*gr->shown), shown_cmp);
	sort_report = NULL;
	sort_grouping = NULL;
}

void klt_group_free(struct klt_grouping *gr)
{
	free(gr->g);
	free(gr->next);
	free(gr->group_of);
	free(gr->shown);
	memset(gr, 0, sizeof(*gr));
}

/* Identity of a group across reports: class and symbolic frames. */
char *klt_group_key(const struct klt_report *r, const struct klt_group *g)
{
	const struct klt_stack *s = &r->stacks.stk[g->stack];
	size_t len = 2;
	char *key, *p;

	for (uint32_t i = 0; i < s->n; i++)
		len += strlen(klt_str(&r->str, r->stacks.frames[s->off + i])) + 1;
	key = p = xmalloc(len + 1);
	*p++ = g->kind == KLT_DIRECT ? 'D' : 'I';
	for (uint32_t i = 0; i < s->n; i++) {
		const char *fr = klt_str(&r->str, r->stacks.frames[s->off + i]);
		size_t n = strlen(fr);

		*p++ = '\n';
		memcpy(p, fr, n);
		p += n;
	}
	*p = '\0';
	return key;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

size_t klt_group_addresses(const struct klt_report *r,
			   const struct klt_grouping *gr,
			   const struct klt_group *g, uint64_t **addrs)
{
	uint64_t *v = xreallocarray(NULL, g->objects ? g->objects : 1,
				    sizeof(*v));
	size_t n = 0;

	for (uint32_t i = g->first; i != KLT_NONE; i = gr->next[i])
		v[n++] = r->obj[i].addr;
	qsort(v, n, sizeof(*v), u64_cmp);
	*addrs = v;
	return n;
}
