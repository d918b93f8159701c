// SPDX-License-Identifier: GPL-2.0
/*
 * kleaktrack: kmemleak-style leak detection for a running, stock kernel.
 *
 * Load, unload, module parameters, the debugfs file, the commands every
 * interface runs and the scanning thread. See Documentation/kleaktrack.rst.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include "kleaktrack.h"

struct klt_store klt_store;

unsigned int klt_min_age_ms = 5000;
module_param_named(min_age_ms, klt_min_age_ms, uint, 0644);
MODULE_PARM_DESC(min_age_ms, "Never report an object younger than this (ms)");

static unsigned int klt_scan_interval_s = 600;
static int klt_set_interval(const char *val, const struct kernel_param *kp);
static const struct kernel_param_ops klt_interval_ops = {
	.set = klt_set_interval,
	.get = param_get_uint,
};
module_param_cb(scan_interval_s, &klt_interval_ops, &klt_scan_interval_s, 0644);
MODULE_PARM_DESC(scan_interval_s, "Automatic scan period in seconds, 0 = none");

static unsigned long klt_max_objects;
module_param_named(max_objects, klt_max_objects, ulong, 0444);
MODULE_PARM_DESC(max_objects, "Most objects tracked at once (default: RAM / 512)");

unsigned int klt_stack_depth = 16;
module_param_named(stack_depth, klt_stack_depth, uint, 0644);
MODULE_PARM_DESC(stack_depth, "Allocation stack frames kept (1-60)");

static bool klt_force;
module_param_named(force, klt_force, bool, 0444);
MODULE_PARM_DESC(force, "Load on a kernel release outside the tested range");

unsigned int klt_sample = 1;
static int klt_set_sample_param(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	return ret ? ret : klt_set_sample(n);
}

static const struct kernel_param_ops klt_sample_ops = {
	.set = klt_set_sample_param,
	.get = param_get_uint,
};
module_param_cb(sample, &klt_sample_ops, &klt_sample, 0644);
MODULE_PARM_DESC(sample, "Track one allocation in N (1 = all)");

bool klt_tracking = true;
bool klt_scan_stacks = true;
bool klt_off;		/* kmemleak's "off": only "clear" from now on */

DEFINE_MUTEX(klt_scan_mutex);		/* one scan at a time */
static struct klt_report_info klt_info;
static struct task_struct *klt_thread;
static struct dentry *klt_dentry;

static int klt_set_interval(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret && klt_thread)
		wake_up_process(klt_thread);
	return ret;
}

/*
 * Memory going offline takes its struct pages with it, and the scan reads
 * struct pages: a scan in progress stops at its next page, and none starts
 * until the offline is done or cancelled. Offlines are serialised by the
 * memory hotplug lock, so one flag will do; every notifier gets
 * MEM_CANCEL_OFFLINE, even one that never saw MEM_GOING_OFFLINE. The scan
 * mutex is only taken to wait for the scan to stop, never held from one
 * event to the next: an unload in between would leave it held.
 */
static bool klt_offlining;

static int klt_mem_notify(struct notifier_block *nb, unsigned long action,
			  void *arg)
{
	switch (action) {
	case MEM_GOING_OFFLINE:
		WRITE_ONCE(klt_offlining, true);
		mutex_lock(&klt_scan_mutex);
		mutex_unlock(&klt_scan_mutex);
		break;
	case MEM_OFFLINE:
	case MEM_CANCEL_OFFLINE:
		WRITE_ONCE(klt_offlining, false);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block klt_mem_nb = {
	.notifier_call = klt_mem_notify,
};

static bool klt_thread_stop(void)
{
	return kthread_should_stop() || READ_ONCE(klt_offlining);
}

static bool klt_user_stop(void)
{
	return signal_pending(current) || READ_ONCE(klt_offlining);
}

static int klt_do_scan(klt_stop_fn stop)
{
	struct klt_scan_result res;
	unsigned long t0 = jiffies;
	struct klt_scan *sc;
	int ret;

	mutex_lock(&klt_scan_mutex);
	if (READ_ONCE(klt_offlining)) {
		mutex_unlock(&klt_scan_mutex);
		return -EBUSY;
	}
	sc = klt_scan_begin(&klt_store, msecs_to_jiffies(READ_ONCE(klt_min_age_ms)),
			    stop);
	if (!sc) {
		mutex_unlock(&klt_scan_mutex);
		return -ENOMEM;
	}
	ret = klt_scan_ram(sc, READ_ONCE(klt_scan_stacks));
	klt_scan_end(sc, &res);
	if (!res.interrupted) {
		/* One line when scans stop being trusted, one when they are again. */
		if (res.untrusted[0] && !klt_info.last.untrusted[0])
			pr_warn("scan not trusted, nothing new reported: %s\n",
				res.untrusted);
		else if (!res.untrusted[0] && klt_info.last.untrusted[0] &&
			 klt_info.scans)
			pr_info("scans are trusted again\n");
		if (res.untrusted[0])
			klt_info.untrusted_scans++;
		klt_info.scans++;
		klt_info.last_scan_jiffies = t0;
		klt_info.last_scan_ms = jiffies_to_msecs(jiffies - t0);
		klt_info.last = res;
		if (res.new_leaks)
			pr_info("%lu new suspected memory leaks (see " KLT_DEBUGFS_PATH ")\n",
				res.new_leaks);
	} else {
		ret = -EINTR;
	}
	mutex_unlock(&klt_scan_mutex);
	return ret;
}

static int klt_thread_fn(void *unused)
{
	klt_stacks_learn_kthread();
	/* Let the system settle after the load before the first scan. */
	while (!kthread_should_stop()) {
		unsigned int secs = READ_ONCE(klt_scan_interval_s);

		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (secs) {
			/* In 64 bits and capped, as kmemleak's msecs_to_jiffies(). */
			if (schedule_timeout(min_t(u64, (u64)secs * HZ,
						   MAX_JIFFY_OFFSET)))
				continue;	/* interval changed: restart */
		} else {
			schedule();
			continue;
		}
		if (!kthread_should_stop() && READ_ONCE(klt_scan_interval_s) &&
		    !READ_ONCE(klt_off))
			klt_do_scan(klt_thread_stop);
	}
	return 0;
}

/* kleaktrack's own report, with its header: its file and its device. */
int klt_open(struct inode *inode, struct file *file)
{
	return klt_report_open(file, &klt_store, &klt_info);
}

/*
 * The interval from a command, as a parameter write would set it: under
 * the parameter lock, which keeps a stopped thread from being woken.
 */
static void klt_set_interval_cmd(unsigned int secs)
{
	kernel_param_lock(THIS_MODULE);
	WRITE_ONCE(klt_scan_interval_s, secs);
	if (klt_thread)
		wake_up_process(klt_thread);
	kernel_param_unlock(THIS_MODULE);
}

/*
 * Run one parsed command, for every interface: the debugfs file, kmemleak's
 * file (compat.c) and /dev/kleaktrack (device.c). Returns 0 once it took
 * effect ("scan" when the scan is done), or an errno.
 */
int klt_run_cmd(const struct klt_cmd *cmd)
{
	int ret = 0;

	/* A disabled kmemleak refuses all but "clear" (EPERM since 5.x). */
	if (READ_ONCE(klt_off) && cmd->op != KLT_CMD_CLEAR)
		return -EPERM;

	switch (cmd->op) {
	case KLT_CMD_SCAN:
		ret = klt_do_scan(klt_user_stop);
		break;
	case KLT_CMD_SCAN_ON:
		klt_set_interval_cmd(READ_ONCE(klt_scan_interval_s) ?: 600);
		break;
	case KLT_CMD_SCAN_OFF:
		klt_set_interval_cmd(0);
		break;
	case KLT_CMD_SCAN_SECS:
		klt_set_interval_cmd(cmd->arg);
		break;
	case KLT_CMD_CLEAR:
		mutex_lock(&klt_scan_mutex);
		klt_clear_leaks(&klt_store);
		mutex_unlock(&klt_scan_mutex);
		break;
	case KLT_CMD_DUMP:
		if (!klt_print_object(&klt_store, cmd->arg) && cmd->kmemleak)
			ret = -EINVAL;
		break;
	case KLT_CMD_STACK:
		WRITE_ONCE(klt_scan_stacks, cmd->arg);
		break;
	case KLT_CMD_TRACK:
		if (cmd->arg && !READ_ONCE(klt_tracking)) {
			WRITE_ONCE(klt_tracking, true);
			/*
			 * Objects allocated while off may sit where tombstones
			 * are, which the scan would skip: drop them all.
			 */
			klt_store_reclaim(&klt_store, ULONG_MAX);
		} else {
			WRITE_ONCE(klt_tracking, cmd->arg);
		}
		break;
	case KLT_CMD_WHY:
		klt_why_set(cmd->arg);
		break;
	case KLT_CMD_OFF:
		/*
		 * As kmemleak's: no more recording and no more scans, until
		 * the module is reloaded. The scan mutex waits out a scan in
		 * progress. Frees are still seen, the report stays readable.
		 */
		mutex_lock(&klt_scan_mutex);
		WRITE_ONCE(klt_off, true);
		WRITE_ONCE(klt_tracking, false);
		mutex_unlock(&klt_scan_mutex);
		klt_set_interval_cmd(0);	/* the parameter lock: not under it */
		pr_info("off: no more tracking or scans until reloaded\n");
		break;
	}
	return ret;
}

/* A write of kleaktrack's own words, to its file or its device. */
ssize_t klt_cmd_write(struct file *file, const char __user *ubuf, size_t len,
		      loff_t *ppos)
{
	char buf[KLT_CMD_MAX_LEN];
	struct klt_cmd cmd;
	int ret;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len) ||
	    klt_parse_cmd(buf, len, &cmd)) {
		pr_warn_ratelimited("unknown command (%zu bytes); see Documentation/kleaktrack.rst\n",
				    len);
		return -EINVAL;
	}
	ret = klt_run_cmd(&cmd);
	return ret ? ret : len;
}

static const struct file_operations klt_fops = {
	.owner = THIS_MODULE,
	.open = klt_open,
	.read = klt_report_read,
	.write = klt_cmd_write,
	.llseek = klt_report_llseek,
	.release = klt_report_release,
};

/*
 * Parameter writes (under the param lock) may come until the module's
 * sysfs goes, after klt_exit(): they must not wake a stopped thread.
 */
static void klt_stop_thread(void)
{
	struct task_struct *thread;

	kernel_param_lock(THIS_MODULE);
	thread = klt_thread;
	klt_thread = NULL;
	kernel_param_unlock(THIS_MODULE);
	kthread_stop(thread);
}

static int __init klt_init(void)
{
	unsigned long ram = totalram_pages() << PAGE_SHIFT;
	struct task_struct *thread;
	int ret;

	if (!klt_release_tested(init_utsname()->release)) {
		if (!klt_force) {
			pr_err("not tested on %s (tested: %s); force=1 loads it anyway\n",
			       init_utsname()->release, KLT_TESTED_RELEASES);
			return -EOPNOTSUPP;
		}
		pr_warn("not tested on %s (tested: %s), loaded because force=1\n",
			init_utsname()->release, KLT_TESTED_RELEASES);
	}
	if (!klt_max_objects)
		klt_max_objects = max(ram / 512, 65536UL);
	ret = stack_depot_init();
	if (ret)
		return ret;
	klt_slub_init();
	klt_tasks_note();	/* tasks asleep now cannot store later objects */

	ret = klt_store_init(&klt_store, klt_max_objects,
			     min(klt_max_objects, 65536UL));
	if (ret)
		goto err_store;

	thread = kthread_run(klt_thread_fn, NULL, "kleaktrack");
	if (IS_ERR(thread)) {
		ret = PTR_ERR(thread);
		goto err_store;
	}
	kernel_param_lock(THIS_MODULE);
	klt_thread = thread;
	kernel_param_unlock(THIS_MODULE);

	ret = register_memory_notifier(&klt_mem_nb);
	if (ret)
		goto err_thread;
	/* Before the first record: every text that goes later is seen. */
	ret = klt_modnames_init();
	if (ret)
		goto err_notifier;
	ret = klt_hooks_register();
	if (ret)
		goto err_modnames;

	/* Without debugfs (debugfs=off), /dev/kleaktrack is the interface. */
	klt_dentry = debugfs_create_file(KLT_DEBUGFS_NAME, 0600, NULL, NULL,
					 &klt_fops);
	if (IS_ERR(klt_dentry))
		pr_warn("no " KLT_DEBUGFS_PATH " (%ld): use " KLT_DEVICE_PATH "\n",
			PTR_ERR(klt_dentry));
	ret = klt_dev_init();
	if (ret)
		goto err_debugfs;
	ret = klt_compat_init();
	if (ret)
		goto err_dev;
	pr_info("tracking up to %lu objects (%zu bytes each)\n",
		klt_max_objects, sizeof(struct klt_object));
	return 0;

err_dev:
	klt_dev_exit();
err_debugfs:
	debugfs_remove(klt_dentry);
	klt_hooks_unregister();
err_modnames:
	klt_modnames_exit();
err_notifier:
	unregister_memory_notifier(&klt_mem_nb);
err_thread:
	klt_stop_thread();
err_store:
	klt_store_destroy(&klt_store);
	klt_tasks_forget();
	return ret;
}

static void __exit klt_exit(void)
{
	/* The scanner first: it may be mid-scan, and stops at the next page. */
	klt_stop_thread();
	klt_compat_exit();
	klt_dev_exit();
	debugfs_remove(klt_dentry);
	unregister_memory_notifier(&klt_mem_nb);
	klt_hooks_unregister();
	klt_modnames_exit();
	klt_store_destroy(&klt_store);
	klt_tasks_forget();
	pr_info("unloaded\n");
}

module_init(klt_init);
module_exit(klt_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KLT_VERSION);
MODULE_DESCRIPTION("Slab memory leak detector for running kernels");
MODULE_AUTHOR("The kleaktrack developers");
