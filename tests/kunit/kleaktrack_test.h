/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kleaktrack KUnit suites share: a private store per test, and
 * object graphs made of real buffers tracked in it.
 */
#ifndef _KLEAKTRACK_TEST_H
#define _KLEAKTRACK_TEST_H

#include <kunit/test.h>
#include "kleaktrack.h"

#define BASE	0xffff888000100000UL

struct klt_test_ctx {
	struct klt_store st;
};

int klt_test_init(struct kunit *test);
void klt_test_exit(struct kunit *test);
struct klt_object *kt_ins(struct kunit *test, unsigned long addr,
			  size_t size, bool *replaced);
struct klt_object *kt_lookup(struct kunit *test, unsigned long addr);
bool kt_erase(struct kunit *test, unsigned long addr);

void **kt_node(struct kunit *test, size_t size);
void kt_scan_once(struct kunit *test, void **roots, size_t nroots,
		  unsigned long min_age, struct klt_scan_result *res);
void kt_scan_twice(struct kunit *test, void **roots, size_t nroots,
		   struct klt_scan_result *res);

/* What the hooks' klt_hooks_all_recorded() answers here. */
extern bool kt_all_recorded;

enum { NOT_LEAK, DIRECT, INDIRECT };
int kt_kind(struct kunit *test, void *p);
unsigned long kt_holder(struct kunit *test, void *p);

#endif /* _KLEAKTRACK_TEST_H */
