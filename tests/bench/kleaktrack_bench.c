// SPDX-License-Identifier: GPL-2.0
/*
 * kleaktrack_bench: in-guest workloads for tools/bench/run.sh.
 *
 * Commands written to /sys/kernel/debug/kleaktrack_bench run synchronously;
 * reading the file returns the result line of the last command:
 *
 *   kmalloc ITERS THREADS  kmalloc+kfree pairs of mixed sizes (8 B - 4 KiB)
 *   cache ITERS THREADS    kmem_cache_alloc+kmem_cache_free pairs
 *   vmalloc ITERS THREADS  vmalloc+vfree pairs of 1 to 4 pages
 *   percpu ITERS THREADS   alloc_percpu+free_percpu pairs of 8 to 64 B
 *   hold N                 keep N more live objects (16 - 256 B), referenced
 *                          from vmalloc'd arrays so that they are no leaks
 *   release                free every held object
 *   unwind ITERS DEPTH     stack_trace_save() of up to DEPTH frames
 *   depot ITERS DEPTH      the same plus stack_depot_save(): the profile of
 *                          what a tracker pays per recorded allocation
 *   now                    the result is ktime_get_ns(), for host-side timing
 *
 * THREADS 0 means one thread per online CPU, each bound to its CPU. Each
 * thread repeats ITERS pairs until it has run for min_ms (a coarse guest
 * clock, such as jiffies, then still gives a precise figure). The time per
 * pair is the mean over threads of each thread's own elapsed time divided
 * by its iterations; the fastest and slowest threads are reported too.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define KLTB_MAX_THREADS	64
#define KLTB_CHUNK		(64UL * 1024)	/* pointers per held chunk */
#define KLTB_MAX_CHUNKS		256		/* 16M held objects */
#define KLTB_CACHE_SIZE		128
#define KLTB_MAX_DEPTH		64

static const unsigned int kltb_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096,
};

static const unsigned int kltb_hold_sizes[] = {
	16, 32, 48, 64, 96, 128, 192, 256,
};

enum kltb_op { KLTB_KMALLOC, KLTB_CACHE, KLTB_VMALLOC, KLTB_PERCPU };

struct kltb_thread {
	struct task_struct *task;
	enum kltb_op op;
	unsigned long iters;		/* per round */
	unsigned long done;		/* in all rounds */
	unsigned long failed;
	u64 ns;
};

static unsigned int kltb_min_ms = 200;
module_param_named(min_ms, kltb_min_ms, uint, 0644);
MODULE_PARM_DESC(min_ms, "Shortest run of each thread of a pair workload (ms)");

static DEFINE_MUTEX(kltb_mutex);
static char kltb_result[256];
static struct kmem_cache *kltb_cache;
static struct dentry *kltb_dentry;
static struct kltb_thread kltb_threads[KLTB_MAX_THREADS];
static struct completion kltb_ready, kltb_go, kltb_done;

/* Held objects: chunk arrays of pointers, filled in order. */
static void **kltb_chunks[KLTB_MAX_CHUNKS];
static unsigned long kltb_held;

static noinline unsigned long kltb_kmalloc_loop(unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		size_t size = kltb_sizes[i % ARRAY_SIZE(kltb_sizes)];
		char *p = kmalloc(size, GFP_KERNEL);

		if (!p) {
			failed++;
			continue;
		}
		WRITE_ONCE(p[0], (char)i);
		kfree(p);
	}
	return failed;
}

static noinline unsigned long kltb_cache_loop(unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		char *p = kmem_cache_alloc(kltb_cache, GFP_KERNEL);

		if (!p) {
			failed++;
			continue;
		}
		WRITE_ONCE(p[0], (char)i);
		kmem_cache_free(kltb_cache, p);
	}
	return failed;
}

static noinline unsigned long kltb_vmalloc_loop(unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		char *p = vmalloc((i % 4 + 1) * PAGE_SIZE);

		if (!p) {
			failed++;
			continue;
		}
		WRITE_ONCE(p[0], (char)i);
		vfree(p);
	}
	return failed;
}

static noinline unsigned long kltb_percpu_loop(unsigned long iters)
{
	unsigned long i, failed = 0;

	for (i = 0; i < iters; i++) {
		void __percpu *p = __alloc_percpu((i % 8 + 1) * 8, 8);

		if (!p) {
			failed++;
			continue;
		}
		free_percpu(p);
	}
	return failed;
}

static int kltb_thread_fn(void *arg)
{
	struct kltb_thread *t = arg;
	u64 t0, min_ns = (u64)READ_ONCE(kltb_min_ms) * NSEC_PER_MSEC;

	complete(&kltb_ready);
	wait_for_completion(&kltb_go);
	t0 = ktime_get_ns();
	do {
		if (t->op == KLTB_KMALLOC)
			t->failed += kltb_kmalloc_loop(t->iters);
		else if (t->op == KLTB_CACHE)
			t->failed += kltb_cache_loop(t->iters);
		else if (t->op == KLTB_VMALLOC)
			t->failed += kltb_vmalloc_loop(t->iters);
		else
			t->failed += kltb_percpu_loop(t->iters);
		t->done += t->iters;
		t->ns = ktime_get_ns() - t0;
		cond_resched();
	} while (t->ns < min_ns);
	kthread_complete_and_exit(&kltb_done, 0);
}

static int kltb_run_pairs(enum kltb_op op, unsigned long iters,
			  unsigned int nthreads)
{
	static const char * const names[] = {
		"kmalloc", "cache", "vmalloc", "percpu",
	};
	u64 sum = 0, max = 0, min = U64_MAX, wall;
	unsigned long failed = 0, done = 0;
	unsigned int i, cpu, n = 0;

	if (!iters)
		return -EINVAL;
	if (!nthreads)
		nthreads = num_online_cpus();
	nthreads = min_t(unsigned int, nthreads, KLTB_MAX_THREADS);

	init_completion(&kltb_ready);
	init_completion(&kltb_go);
	init_completion(&kltb_done);
	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < nthreads; i++) {
		struct kltb_thread *t = &kltb_threads[i];

		memset(t, 0, sizeof(*t));
		t->op = op;
		t->iters = iters;
		t->task = kthread_create(kltb_thread_fn, t, "kltb/%u", i);
		if (IS_ERR(t->task))
			break;
		kthread_bind(t->task, cpu);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		wake_up_process(t->task);
		n++;
	}
	for (i = 0; i < n; i++)
		wait_for_completion(&kltb_ready);
	wall = ktime_get_ns();
	complete_all(&kltb_go);
	for (i = 0; i < n; i++)
		wait_for_completion(&kltb_done);
	wall = ktime_get_ns() - wall;
	if (n < nthreads)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		u64 per = div64_u64(kltb_threads[i].ns, kltb_threads[i].done);

		sum += per;
		max = max(max, per);
		min = min(min, per);
		failed += kltb_threads[i].failed;
		done += kltb_threads[i].done;
	}
	snprintf(kltb_result, sizeof(kltb_result),
		 "op=%s threads=%u iters=%lu ns_per_pair=%llu ns_min=%llu ns_max=%llu wall_ms=%llu failed=%lu\n",
		 names[op], n, done, div_u64(sum, n), min, max,
		 div_u64(wall, NSEC_PER_MSEC), failed);
	return 0;
}

/* Where a tracker's nanoseconds go: unwinding, then the stack depot. */
static noinline int kltb_stack(unsigned long iters, unsigned int depth,
			       bool depot)
{
	unsigned long entries[KLTB_MAX_DEPTH];
	unsigned int nr = 0;
	unsigned long i;
	u64 t0;

	if (!iters || !depth || depth > KLTB_MAX_DEPTH)
		return -EINVAL;
	if (depot && stack_depot_init())
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		nr = stack_trace_save(entries, depth, 0);
		if (depot)
			stack_depot_save(entries, nr, GFP_NOWAIT | __GFP_NOWARN);
	}
	snprintf(kltb_result, sizeof(kltb_result),
		 "op=%s iters=%lu depth=%u frames=%u ns_per_call=%llu\n",
		 depot ? "depot" : "unwind", iters, depth, nr,
		 div_u64(ktime_get_ns() - t0, iters));
	return 0;
}

static int kltb_hold(unsigned long n)
{
	unsigned long i, failed = 0;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < n; i++) {
		unsigned long c = kltb_held / KLTB_CHUNK;
		size_t size;
		void *p;

		if (c >= KLTB_MAX_CHUNKS)
			return -ENOSPC;
		if (!kltb_chunks[c]) {
			kltb_chunks[c] = vzalloc(KLTB_CHUNK * sizeof(void *));
			if (!kltb_chunks[c])
				return -ENOMEM;
		}
		size = kltb_hold_sizes[kltb_held % ARRAY_SIZE(kltb_hold_sizes)];
		p = kzalloc(size, GFP_KERNEL | __GFP_NOWARN);
		if (!p) {
			failed++;
			break;
		}
		kltb_chunks[c][kltb_held % KLTB_CHUNK] = p;
		kltb_held++;
		if (!(i % 1024))
			cond_resched();
	}
	snprintf(kltb_result, sizeof(kltb_result),
		 "op=hold n=%lu held=%lu ns=%llu failed=%lu\n", n, kltb_held,
		 ktime_get_ns() - t0, failed);
	return failed ? -ENOMEM : 0;
}

static void kltb_release(void)
{
	unsigned long i;

	for (i = 0; i < kltb_held; i++) {
		kfree(kltb_chunks[i / KLTB_CHUNK][i % KLTB_CHUNK]);
		if (!(i % 1024))
			cond_resched();
	}
	for (i = 0; i < KLTB_MAX_CHUNKS; i++) {
		vfree(kltb_chunks[i]);
		kltb_chunks[i] = NULL;
	}
	kltb_held = 0;
}

static ssize_t kltb_read(struct file *file, char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&kltb_mutex);
	ret = simple_read_from_buffer(ubuf, len, ppos, kltb_result,
				      strlen(kltb_result));
	mutex_unlock(&kltb_mutex);
	return ret;
}

static ssize_t kltb_write(struct file *file, const char __user *ubuf,
			  size_t len, loff_t *ppos)
{
	char buf[64], op[16];
	unsigned long a = 0;
	unsigned int b = 0;
	int ret, n;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%15s %lu %u", op, &a, &b);
	if (n < 1)
		return -EINVAL;

	mutex_lock(&kltb_mutex);
	kltb_result[0] = '\0';
	if (!strcmp(op, "kmalloc") && n >= 2) {
		ret = kltb_run_pairs(KLTB_KMALLOC, a, b);
	} else if (!strcmp(op, "cache") && n >= 2) {
		ret = kltb_run_pairs(KLTB_CACHE, a, b);
	} else if (!strcmp(op, "vmalloc") && n >= 2) {
		ret = kltb_run_pairs(KLTB_VMALLOC, a, b);
	} else if (!strcmp(op, "percpu") && n >= 2) {
		ret = kltb_run_pairs(KLTB_PERCPU, a, b);
	} else if (!strcmp(op, "unwind") && n == 3) {
		ret = kltb_stack(a, b, false);
	} else if (!strcmp(op, "depot") && n == 3) {
		ret = kltb_stack(a, b, true);
	} else if (!strcmp(op, "hold") && n == 2) {
		ret = kltb_hold(a);
	} else if (!strcmp(op, "release")) {
		kltb_release();
		snprintf(kltb_result, sizeof(kltb_result), "op=release\n");
		ret = 0;
	} else if (!strcmp(op, "now")) {
		snprintf(kltb_result, sizeof(kltb_result), "%llu\n",
			 ktime_get_ns());
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&kltb_mutex);
	return ret ? ret : len;
}

static const struct file_operations kltb_fops = {
	.owner = THIS_MODULE,
	.read = kltb_read,
	.write = kltb_write,
	.llseek = default_llseek,
};

static int __init kltb_init(void)
{
	kltb_cache = kmem_cache_create("kleaktrack_bench", KLTB_CACHE_SIZE, 0,
				       0, NULL);
	if (!kltb_cache)
		return -ENOMEM;
	kltb_dentry = debugfs_create_file("kleaktrack_bench", 0600, NULL, NULL,
					  &kltb_fops);
	if (IS_ERR(kltb_dentry)) {
		kmem_cache_destroy(kltb_cache);
		return PTR_ERR(kltb_dentry);
	}
	return 0;
}

static void __exit kltb_exit(void)
{
	debugfs_remove(kltb_dentry);
	kltb_release();
	kmem_cache_destroy(kltb_cache);
}

module_init(kltb_init);
module_exit(kltb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kleaktrack benchmark workloads");
