// SPDX-License-Identifier: GPL-2.0
/*
 * Leak classification, after marking: which unreferenced objects are
 * direct leaks (nothing points to them) and which are indirect (only
 * other leaks do), as LeakSanitizer tells them apart. kmemleak reports
 * them all alike; a report that names the one lost object first and the
 * list hanging off it second is the one a developer can act on.
 *
 * Five walks over the store, in batches, each scanning what it pushed
 * before going on:
 *
 *  1. candidates: the white objects, old enough and unchanged;
 *  2. parents: scan every candidate, noting which candidates another one
 *     points to;
 *  3. direct leaks: from each parentless candidate, reach what it holds;
 *     each object reached is indirect, held by the first one to reach it;
 *  4. cycles: what is left unreached hangs off leaked cycles, which have
 *     no parentless member. The first unreached object becomes a direct
 *     leak; if a later walk reaches it from another one, it is demoted;
 *  5. the verdict on every candidate, and the counts.
 */
#include "kleaktrack.h"

/* Walk 2: a candidate another candidate points to has a parent. */
static void klt_visit_parent(struct klt_scan *sc, struct klt_object *obj)
{
	if ((obj->flags & KLT_F_CAND) && obj->enc_addr != sc->self_enc)
		obj->flags |= KLT_F_HAS_PARENT;
}

/* Walks 3 and 4: a candidate reached from a leak is held by it. */
static void klt_visit_reach(struct klt_scan *sc, struct klt_object *obj)
{
	if (!(obj->flags & KLT_F_CAND))
		return;
	if (obj->flags & KLT_F_REACHED) {
		/* A cycle's stand-in root, reached after all. */
		if ((obj->flags & KLT_F_HAS_PARENT) && !obj->enc_parent &&
		    obj->enc_addr != sc->root_enc &&
		    obj->enc_addr != sc->self_enc)
			obj->enc_parent = sc->self_shown;
		return;
	}
	obj->flags |= KLT_F_REACHED;
	obj->enc_parent = sc->self_shown;
	klt_push(sc, obj, klt_obj_idx(sc->st, obj));
}

/*
 * kmemleak's own records (kernels built with it) are its business, not
 * leaks: kmemleak reaches them through lists kleaktrack cannot follow.
 */
static bool klt_kmemleak_record(struct klt_object *obj)
{
	char name[16];

	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && obj->enc_cache &&
	       !(obj->flags & KLT_F_VMALLOC) &&
	       !strncmp(klt_cache_name(obj->enc_cache, name, sizeof(name)),
			"kmemleak_", 9);
}

/* Walk 1. An object that is no candidate is no leak any more. */
static bool klt_find_candidate(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_scan *sc = arg;

	obj->flags &= ~(KLT_F_CAND | KLT_F_HAS_PARENT | KLT_F_REACHED);
	if ((obj->flags & KLT_F_STABLE) && klt_white_old(sc, obj) &&
	    !klt_kmemleak_record(obj)) {
		obj->flags |= KLT_F_CAND;
		obj->enc_parent = 0;
	} else {
		obj->flags &= ~(KLT_F_LEAK | KLT_F_INDIRECT);
	}
	return true;
}

/* Walk 2. */
static bool klt_scan_candidate(struct klt_object *obj, u32 idx, void *arg)
{
	if (obj->flags & KLT_F_CAND)
		klt_push(arg, obj, idx);
	return true;
}

/* Walk 3. */
static bool klt_reach_from_direct(struct klt_object *obj, u32 idx, void *arg)
{
	if ((obj->flags & (KLT_F_CAND | KLT_F_HAS_PARENT | KLT_F_REACHED)) ==
	    KLT_F_CAND) {
		obj->flags |= KLT_F_REACHED;
		klt_push(arg, obj, idx);
	}
	return true;
}

/* Walk 4: one stand-in root at a time, its cycle walked before the next. */
static bool klt_reach_from_cycle(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_scan *sc = arg;

	if ((obj->flags & (KLT_F_CAND | KLT_F_REACHED)) == KLT_F_CAND) {
		obj->flags |= KLT_F_REACHED;
		sc->root_enc = obj->enc_addr;
		klt_push(sc, obj, idx);
		return false;
	}
	return true;
}

/* Walk 5. */
static bool klt_verdict(struct klt_object *obj, u32 idx, void *arg)
{
	struct klt_scan *sc = arg;

	if (!(obj->flags & KLT_F_CAND))
		return true;
	obj->flags &= ~(KLT_F_CAND | KLT_F_HAS_PARENT | KLT_F_REACHED |
			KLT_F_INDIRECT);
	obj->flags |= KLT_F_LEAK;
	if (obj->enc_parent)
		obj->flags |= KLT_F_INDIRECT;
	sc->res.leaks++;
	sc->res.leak_bytes += obj->size;
	if (!(obj->flags & KLT_F_REPORTED)) {
		obj->flags |= KLT_F_REPORTED;
		sc->res.new_leaks++;
		sc->res.new_bytes += obj->size;
	}
	return true;
}

/* Between batches: scan what the batch pushed. */
static bool klt_classify_pause(void *arg)
{
	klt_drain(arg);
	return true;
}

static void klt_classify_walk(struct klt_scan *sc,
			      bool (*fn)(struct klt_object *obj, u32 idx,
					 void *arg))
{
	klt_store_walk(sc->st, KLT_WALK_BATCH, fn, klt_classify_pause, sc);
}

void klt_classify(struct klt_scan *sc)
{
	/*
	 * Marking is complete: classify all of it or nothing. The walks are
	 * bounded and resched; a stop now would report the first batches
	 * from half-made flags.
	 */
	sc->stop = NULL;
	klt_classify_walk(sc, klt_find_candidate);
	sc->visit = klt_visit_parent;
	klt_classify_walk(sc, klt_scan_candidate);
	sc->visit = klt_visit_reach;
	klt_classify_walk(sc, klt_reach_from_direct);
	klt_classify_walk(sc, klt_reach_from_cycle);
	klt_classify_walk(sc, klt_verdict);
	sc->visit = NULL;
}
