// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: stacks and the task sleep record (stacks.c).
 */
#include "../../module/stacks.c"
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <kunit/test.h>
#include "kleaktrack_test.h"

static int tasks_sleeper(void *data)
{
	struct completion *go = data;

	wait_for_completion(go);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

/* A task seen asleep has a bound until it runs again; a running one none. */
static void tasks_asleep_since(struct kunit *test)
{
	struct completion go;
	struct task_struct *t;
	unsigned long before = jiffies;
	int i;

	init_completion(&go);
	t = kthread_run(tasks_sleeper, &go, "klt_test_sleeper");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	/* Let it reach its wait. */
	for (i = 0; i < 50 && READ_ONCE(t->__state) == TASK_RUNNING; i++)
		msleep(20);
	msleep(20);
	klt_tasks_note();
	KUNIT_EXPECT_FALSE(test, time_before(klt_task_asleep_since(t), before));
	msleep(20);
	klt_tasks_note();	/* a later record keeps the earlier time */
	KUNIT_EXPECT_NE(test, klt_task_asleep_since(t), 0UL);
	KUNIT_EXPECT_FALSE(test, time_after(klt_task_asleep_since(t), jiffies - 1));
	KUNIT_EXPECT_EQ(test, klt_task_asleep_since(current), 0UL);

	complete(&go);		/* it runs, and sleeps in its loop */
	msleep(50);
	KUNIT_EXPECT_EQ(test, klt_task_asleep_since(t), 0UL);
	kthread_stop(t);
	put_task_struct(t);
	klt_tasks_forget();
}

struct stacks_hold {
	void *obj;
	struct completion held;
};

/* Keeps a pointer to an object on its own stack, and sleeps. */
static int stacks_holder(void *data)
{
	struct stacks_hold *h = data;
	void *obj = h->obj;

	/* In a stack slot, not only in a register. */
	barrier_data(&obj);
	complete(&h->held);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	barrier_data(&obj);
	return 0;
}

/* A holder of @h->obj, asleep in its loop; pinned. */
static struct task_struct *stacks_holder_run(struct kunit *test,
					     struct stacks_hold *h)
{
	struct task_struct *t;

	init_completion(&h->held);
	t = kthread_run(stacks_holder, h, "klt_test_holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);
	wait_for_completion(&h->held);
	msleep(50);
	return t;
}

static void stacks_holder_stop(struct task_struct *t)
{
	kthread_stop(t);
	put_task_struct(t);
	klt_tasks_forget();
}

/*
 * A task that came after the stacks were found (one that may run on the
 * stack of a task that exited since) has its stack scanned too.
 */
static void stacks_new_task_scanned(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **a = kt_node(test, 64);
	struct klt_object *obj = kt_lookup(test, (unsigned long)a);
	struct stacks_hold h = { .obj = a };
	struct klt_scan_result res;
	struct task_struct *t;
	struct klt_scan *sc;

	KUNIT_ASSERT_NOT_NULL(test, obj);
	sc = klt_scan_begin(&ctx->st, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, sc);
	klt_stacks_find(sc);
	t = stacks_holder_run(test, &h);
	klt_stacks_scan(sc, true);
	KUNIT_EXPECT_EQ(test, obj->gen, sc->gen);
	klt_scan_end(sc, &res);
	stacks_holder_stop(t);
}

/*
 * kthread()'s and ret_from_fork's frames, found by unwinding this test's
 * own kthread, are where every kthread has them: a sleeping one is read
 * up to its return address into kthread(), and what its thread function
 * holds is still a reference.
 */
static void stacks_kthread_frames_skipped(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **a = kt_node(test, 64);
	struct klt_object *obj = kt_lookup(test, (unsigned long)a);
	struct stacks_hold h = { .obj = a };
	unsigned long top, sp, live, ra;
	struct klt_scan_result res;
	struct task_struct *t;
	struct klt_scan *sc;

	if (!IS_ENABLED(CONFIG_UNWINDER_ORC))
		kunit_skip(test, "no ORC unwinder");
	KUNIT_ASSERT_NOT_NULL(test, obj);
	klt_stacks_learn_kthread();
	KUNIT_ASSERT_GT(test, klt_kthread_top, 0UL);
	KUNIT_EXPECT_LT(test, klt_kthread_top, 1024UL);
	KUNIT_EXPECT_LT(test, klt_kthread_lo, klt_kthread_hi);

	t = stacks_holder_run(test, &h);
	top = (unsigned long)t->stack + THREAD_SIZE;
	sp = READ_ONCE(t->thread.sp);
	live = klt_kthread_live_top(sp, top);
	KUNIT_EXPECT_EQ(test, live, top - klt_kthread_top);
	KUNIT_EXPECT_GT(test, live, sp);
	ra = *(unsigned long *)(live - sizeof(long));
	KUNIT_EXPECT_TRUE(test, ra >= klt_kthread_lo && ra < klt_kthread_hi);
	/* Not a kthread's stack: read whole. */
	KUNIT_EXPECT_EQ(test, klt_kthread_live_top(top - 64, top), top);

	sc = klt_scan_begin(&ctx->st, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, sc);
	klt_stacks_find(sc);
	klt_stacks_scan(sc, true);
	KUNIT_EXPECT_EQ(test, obj->gen, sc->gen);
	klt_scan_end(sc, &res);
	stacks_holder_stop(t);
}

static struct kunit_case klt_stacks_cases[] = {
	KUNIT_CASE(tasks_asleep_since),
	KUNIT_CASE(stacks_new_task_scanned),
	KUNIT_CASE(stacks_kthread_frames_skipped),
	{}
};

static struct kunit_suite klt_stacks_suite = {
	.name = "kleaktrack_stacks",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_stacks_cases,
};

kunit_test_suite(klt_stacks_suite);
