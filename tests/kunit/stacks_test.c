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

static struct kunit_case klt_stacks_cases[] = {
	KUNIT_CASE(tasks_asleep_since),
	{}
};

static struct kunit_suite klt_stacks_suite = {
	.name = "kleaktrack_stacks",
	.test_cases = klt_stacks_cases,
};

kunit_test_suite(klt_stacks_suite);
