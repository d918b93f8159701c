// SPDX-License-Identifier: GPL-2.0
/*
 * Stacks: our own, every task's and every CPU's interrupt stack.
 *
 * The dead part of a stack, below its live frames, keeps stale pointers
 * for as long as nothing deeper runs there, and would hide leaks. So the
 * RAM walk leaves stack pages out (klt_stack_pfn()) and each task's stack
 * is scanned on its own, from its saved stack pointer up. Interrupt
 * stacks hold only transient data and are not scanned at all; the
 * scanning task's own stack holds the pointers it is working on.
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
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <asm/unwind.h>
#include "kleaktrack.h"

/* Since when each task has been asleep, as far as we have seen. */
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
	tab = klt_vzalloc(array_size(room, sizeof(*tab)));
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
	klt_vfree(klt_seen);
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
	klt_vfree(klt_seen);
	klt_seen = NULL;
	klt_nseen = 0;
}

static struct page *klt_stack_page(const void *addr)
{
	if (is_vmalloc_addr(addr))
		return vmalloc_to_page(addr);
	return virt_to_page(addr);
}

static void klt_note_own_stack(struct klt_scan *sc)
{
	void *stack = task_stack_page(current);
	unsigned int i;

	for (i = 0; i < KLT_STACK_PFNS; i++) {
		struct page *p = klt_stack_page(stack + i * PAGE_SIZE);

		sc->stack_pfn[i] = p ? page_to_pfn(p) : 0;
	}
}

static int klt_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Whether the RAM walk must leave @pfn out: a page of a known stack. */
bool klt_stack_pfn(struct klt_scan *sc, unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < KLT_STACK_PFNS; i++)
		if (sc->stack_pfn[i] == pfn)
			return true;
	return sc->nstacks && bsearch(&pfn, sc->stacks, sc->nstacks,
				      sizeof(unsigned long), klt_cmp_ulong);
}

#define KLT_STACK_PAGES	8	/* pages of pfns and of task pointers */

/*
 * Interrupt stacks' dead parts keep the registers that handlers spilled
 * from whatever they interrupted (leaked pointers included) until the
 * same depth is reached again. Their pages are found from a stack pointer
 * taken in interrupt context on every CPU: a handler that shallow runs in
 * the top page of the (page-aligned) stack.
 */
static unsigned long klt_irq_sp[NR_CPUS];

static void klt_note_irq_sp(void *unused)
{
	if (in_hardirq())
		klt_irq_sp[smp_processor_id()] = current_stack_pointer;
}

static void klt_note_irq_sp_work(struct irq_work *w)
{
	klt_note_irq_sp(NULL);
}

static void klt_irq_stacks_find(struct klt_scan *sc, unsigned long max)
{
	struct irq_work w = IRQ_WORK_INIT_HARD(klt_note_irq_sp_work);
	unsigned int cpu, i;

	memset(klt_irq_sp, 0, sizeof(klt_irq_sp));
	preempt_disable();
	smp_call_function(klt_note_irq_sp, NULL, 1);
	irq_work_queue(&w);
	preempt_enable();
	irq_work_sync(&w);

	for_each_online_cpu(cpu) {
		unsigned long top = klt_irq_sp[cpu] & PAGE_MASK;

		if (!klt_irq_sp[cpu] || sc->nstacks + IRQ_STACK_SIZE / PAGE_SIZE > max)
			continue;
		for (i = 0; i < IRQ_STACK_SIZE / PAGE_SIZE; i++) {
			struct page *p = klt_stack_page((void *)(top - i * PAGE_SIZE));

			if (p)
				sc->stacks[sc->nstacks++] = page_to_pfn(p);
		}
	}
}

/*
 * Before the RAM walk: the pages of our own stack, of every task's (each
 * task pinned until klt_stacks_scan()) and of the IRQ stacks. Beyond
 * KLT_STACK_PAGES pages of pfns (1024 threads), the remaining task stacks
 * are scanned whole by the RAM walk.
 */
void klt_stacks_find(struct klt_scan *sc)
{
	unsigned long max = KLT_STACK_PAGES * PAGE_SIZE / sizeof(unsigned long);
	struct task_struct *g, *t;

	klt_note_own_stack(sc);
	klt_tasks_note();
	/* The clock of task_struct.start_time (copy_process()). */
	sc->stacks_found = ktime_get_ns();
	sc->stacks = klt_vzalloc(KLT_STACK_PAGES * PAGE_SIZE);
	sc->tasks = klt_vzalloc(KLT_STACK_PAGES * PAGE_SIZE);
	if (!sc->stacks || !sc->tasks)
		return;
	rcu_read_lock();
	for_each_process_thread(g, t) {
		void *stack = READ_ONCE(t->stack);
		unsigned int i;

		if (!stack || sc->nstacks + KLT_STACK_PFNS > max)
			continue;
		for (i = 0; i < KLT_STACK_PFNS; i++) {
			struct page *p = klt_stack_page(stack + i * PAGE_SIZE);

			if (p)
				sc->stacks[sc->nstacks++] = page_to_pfn(p);
		}
		get_task_struct(t);
		/* Encoded: the RAM walk reads this array too. */
		sc->tasks[sc->ntasks++] = klt_enc((unsigned long)t);
	}
	rcu_read_unlock();
	klt_irq_stacks_find(sc, max);
	sort(sc->stacks, sc->nstacks, sizeof(unsigned long), klt_cmp_ulong, NULL);
}

/*
 * Every kthread starts in kthread(), called by ret_from_fork. Once the
 * thread function runs, those outermost frames hold nothing live: after
 * the call kthread() needs only the function's return value (kthread_exit()
 * finds the rest from current, and the thread's data and function are in
 * its struct kthread, which the task_struct holds); a kthread not yet
 * woken sleeps inside kthread() with the same two facts true; and
 * ret_from_fork's pt_regs of a kthread carry no heap pointers. But the
 * registers those frames saved keep the kthread_create_info that the
 * creator freed once the thread had started (kthread_create_on_node()),
 * for as long as the thread lives. So a sleeping kthread's stack is read
 * only up to the return address into kthread().
 *
 * Where that return address sits is fixed by the compiled kthread() and
 * ret_from_fork: learnt once by unwinding our own kthread, and used for
 * another kthread only when the word at that place is a return address
 * into kthread() (a kretprobe or the graph tracer, which replace return
 * addresses, leave such a stack whole).
 */
static unsigned long klt_kthread_top;	/* that place, bytes below the top */
static unsigned long klt_kthread_lo, klt_kthread_hi;	/* kthread()'s text */

/* Called in a kthread of ours (the scanner); a no-op without ORC. */
void klt_stacks_learn_kthread(void)
{
#ifdef CONFIG_UNWINDER_ORC
	unsigned long top = (unsigned long)task_stack_page(current) + THREAD_SIZE;
	struct unwind_state state;
	char name[KSYM_SYMBOL_LEN];

	if (!(current->flags & PF_KTHREAD) || klt_kthread_top)
		return;
	for (unwind_start(&state, current, NULL, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		unsigned long ip = unwind_get_return_address(&state);
		unsigned long off, size;
		char end;

		if (!ip)
			break;
		sprint_symbol(name, ip);
		if (strncmp(name, "kthread+", 8))
			continue;
		/* The kernel's own kthread(), not a module's symbol of that name. */
		if (sscanf(name + 8, "%lx/%lx%c", &off, &size, &end) != 2 ||
		    off >= size || state.sp <= top - THREAD_SIZE ||
		    state.sp >= top)
			break;
		klt_kthread_lo = ip - off;
		klt_kthread_hi = klt_kthread_lo + size;
		klt_kthread_top = top - state.sp;
		pr_debug("kthread frames: top %lu bytes\n", klt_kthread_top);
		break;
	}
#endif
}

/* Where the live part of a sleeping kthread's stack, saved at @sp, ends. */
static unsigned long klt_kthread_live_top(unsigned long sp, unsigned long top)
{
	unsigned long slot, ra;

	if (!klt_kthread_top || klt_kthread_top + sizeof(long) > top - sp)
		return top;
	slot = top - klt_kthread_top - sizeof(long);
	if (copy_from_kernel_nofault(&ra, (void *)slot, sizeof(ra)) ||
	    ra < klt_kthread_lo || ra >= klt_kthread_hi)
		return top;
	return slot + sizeof(long);
}

/*
 * The live part of @t's stack. Words of a task asleep since S that point
 * to objects allocated after S are stale (klt_task_asleep_since()).
 */
static void klt_scan_task_stack(struct klt_scan *sc, struct task_struct *t)
{
	unsigned long base = (unsigned long)READ_ONCE(t->stack);
	unsigned long sp = READ_ONCE(t->thread.sp);
	unsigned long top = base + THREAD_SIZE;

	if (t == current || !base || klt_stopped(sc))
		return;
	/* A task running right now has no saved pointer. */
	if (klt_task_on_cpu(t) || sp < base || sp >= top)
		sp = base;
	else if (t->flags & PF_KTHREAD)
		top = klt_kthread_live_top(sp, top);
	sc->asleep_since = klt_task_asleep_since(t);
	sc->task = t;
	klt_scan_range(sc, sp, top - sp);
	klt_flush(sc);
	sc->asleep_since = 0;
	sc->task = NULL;
}

/*
 * Tasks that came after klt_stacks_find(). The RAM walk left out the
 * pages of the stacks found then, and a stack freed by a task that exited
 * since may be a new task's now: its words were seen by neither. Their
 * pins go where the stack pfns were, which the walk no longer needs.
 */
static void klt_scan_new_tasks(struct klt_scan *sc)
{
	unsigned long max = KLT_STACK_PAGES * PAGE_SIZE / sizeof(unsigned long);
	unsigned long *found = sc->stacks;
	struct task_struct *g, *t;
	unsigned int i, n = 0;

	sort(sc->tasks, sc->ntasks, sizeof(unsigned long), klt_cmp_ulong, NULL);
	rcu_read_lock();
	for_each_process_thread(g, t) {
		unsigned long enc = klt_enc((unsigned long)t);

		if (n == max)
			break;
		/*
		 * Started since the stacks were found (or just before: one
		 * forking then may have been linked after that walk) and not
		 * pinned then. Tasks left out of a full list are not new:
		 * the RAM walk read their stacks whole.
		 */
		if (READ_ONCE(t->start_time) + NSEC_PER_SEC < sc->stacks_found ||
		    bsearch(&enc, sc->tasks, sc->ntasks, sizeof(unsigned long),
			    klt_cmp_ulong))
			continue;
		get_task_struct(t);
		found[n++] = enc;
	}
	rcu_read_unlock();
	sc->nstacks = 0;
	for (i = 0; i < n; i++) {
		t = (struct task_struct *)klt_dec(found[i]);
		klt_scan_task_stack(sc, t);
		put_task_struct(t);
	}
}

/* The stacks of the tasks found before, then of those that came since. */
void klt_stacks_scan(struct klt_scan *sc, bool scan_stacks)
{
	unsigned int i;

	if (scan_stacks && sc->tasks) {
		for (i = 0; i < sc->ntasks; i++) {
			struct task_struct *t = (void *)klt_dec(sc->tasks[i]);

			klt_scan_task_stack(sc, t);
		}
		/* Before the pins go: a pinned task's address is not reused. */
		if (sc->stacks && !klt_stopped(sc))
			klt_scan_new_tasks(sc);
	}
	for (i = 0; i < sc->ntasks; i++)
		put_task_struct((struct task_struct *)klt_dec(sc->tasks[i]));
	sc->ntasks = 0;
	klt_vfree(sc->tasks);
	klt_vfree(sc->stacks);
	sc->tasks = NULL;
	sc->stacks = NULL;
	sc->nstacks = 0;
}
