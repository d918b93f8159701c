// SPDX-License-Identifier: GPL-2.0
/*
 * Since when each task has been asleep, as far as we have seen.
 *
 * The live part of a sleeping task's stack still holds what its frames
 * spilled long ago, pointers to long-freed objects included (a kthread's
 * first frames keep its kthread_create_info for life). A leak allocated
 * where such an object was looks referenced from there forever. But a
 * task that has not run since time S cannot have stored a pointer to an
 * object allocated after S: for the scan, such a word is no reference.
 *
 * "Has not run since" is known without scheduler internals: a task that
 * was seen off-CPU with the same number of context switches as now has
 * not been switched to in between, for being switched out again is
 * counted. Each scan (and the load) records that count for every task.
 * Where the scheduler keeps statistics, they give a bound for tasks that
 * were not seen before.
 */
#include <linux/bsearch.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include "kleaktrack.h"

struct klt_seen {
	pid_t pid;
	u64 start;		/* start_time: pids are reused */
	unsigned long nsw;	/* context switches */
	unsigned long since;	/* jiffies: off-CPU since, 0 = on a CPU */
};

static struct klt_seen *klt_seen;
static unsigned int klt_nseen;

static unsigned long klt_nsw(struct task_struct *t)
{
	return READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);
}

static bool klt_task_on_cpu(struct task_struct *t)
{
#ifdef CONFIG_SMP
	return READ_ONCE(t->on_cpu) || t == current;
#else
	return t == current;
#endif
}

static int klt_cmp_seen(const void *a, const void *b)
{
	const struct klt_seen *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static const struct klt_seen *klt_seen_find(const struct klt_seen *tab,
					    unsigned int n, struct task_struct *t)
{
	struct klt_seen key = { .pid = t->pid };
	const struct klt_seen *s;

	s = bsearch(&key, tab, n, sizeof(*tab), klt_cmp_seen);
	return s && s->start == t->start_time ? s : NULL;
}

/*
 * Take a new record of every task. Only the scanner and the module's load
 * and unload call this, one at a time. Tasks beyond the table's room, made
 * while we walk, get no record: no word of theirs is ever ignored.
 */
void klt_tasks_note(void)
{
	unsigned int room = 64, n = 0;
	unsigned long now = jiffies;
	struct task_struct *g, *t;
	struct klt_seen *tab;

	rcu_read_lock();
	for_each_process_thread(g, t)
		room++;
	rcu_read_unlock();
	tab = vmalloc(array_size(room, sizeof(*tab)));
	if (!tab)
		return;		/* the old record stays valid */
	rcu_read_lock();
	for_each_process_thread(g, t) {
		struct klt_seen *s = &tab[n];
		const struct klt_seen *old;

		if (n == room)
			break;
		s->pid = t->pid;
		s->start = t->start_time;
		/* Count before looking: a switch in between is not missed. */
		s->nsw = klt_nsw(t);
		smp_rmb();	/* the count is read before on_cpu */
		s->since = 0;
		if (!klt_task_on_cpu(t)) {
			old = klt_seen_find(klt_seen, klt_nseen, t);
			s->since = old && old->since && old->nsw == s->nsw ?
				   old->since : now;
		}
		n++;
	}
	rcu_read_unlock();
	sort(tab, n, sizeof(*tab), klt_cmp_seen, NULL);
	vfree(klt_seen);
	klt_seen = tab;
	klt_nseen = n;
}

#ifdef CONFIG_SCHED_INFO
/*
 * A task first seen asleep by a scan may have slept long before: the
 * scheduler's statistics bound when it left a CPU, at the latest. It got
 * the CPU at last_arrival and ran sum - prev_sum nanoseconds of task time
 * (prev_sum is taken when CFS picks it; a stale one only makes the stint
 * look longer). Task time leaves out interrupts: a second of margin.
 */
static unsigned long klt_sched_bound(struct task_struct *t)
{
	u64 arrival = READ_ONCE(t->sched_info.last_arrival);
	u64 sum = READ_ONCE(t->se.sum_exec_runtime);
	u64 prev = READ_ONCE(t->se.prev_sum_exec_runtime);
	u64 now = local_clock(), left;
	unsigned long b;

	if (!arrival || sum < prev)
		return 0;
	left = arrival + (sum - prev) + NSEC_PER_SEC;
	if (left >= now)
		return 0;
	b = jiffies - nsecs_to_jiffies(now - left);
	return b ?: 1;
}
#else
static unsigned long klt_sched_bound(struct task_struct *t)
{
	return 0;
}
#endif

/*
 * Jiffies since which @t has certainly not run, or 0. Asked right before
 * its stack is read: a switch since the record voids it.
 */
unsigned long klt_task_asleep_since(struct task_struct *t)
{
	const struct klt_seen *s = klt_seen_find(klt_seen, klt_nseen, t);
	unsigned long nsw = klt_nsw(t), since = 0, b;

	smp_rmb();	/* the count is read before on_cpu */
	if (klt_task_on_cpu(t))
		return 0;
	if (s && s->since && s->nsw == nsw)
		since = s->since;
	b = klt_sched_bound(t);
	smp_rmb();	/* ... and before it is read again */
	if (klt_nsw(t) != nsw || klt_task_on_cpu(t))
		return 0;
	if (b && (!since || time_before(b, since)))
		since = b;
	return since;
}

void klt_tasks_forget(void)
{
	vfree(klt_seen);
	klt_seen = NULL;
	klt_nseen = 0;
}
