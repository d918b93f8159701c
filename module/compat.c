// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/kmemleak on kernels that have none.
 *
 * Test harnesses (filesystem and module test suites, fuzzers) read
 * kmemleak's file and nothing else; on a kernel without
 * CONFIG_DEBUG_KMEMLEAK they find no file and silently skip leak checks.
 * Where the running kernel has no kmemleak file, this one takes its place
 * with kmemleak's semantics, which those programs depend on:
 *
 * - reading gives the current suspected leaks in kmemleak's entry format
 *   (kleaktrack's entries, which only add "leak:" and "cache:" lines),
 *   and nothing else: no header, so an empty file means no leaks;
 * - writing takes kmemleak's words, matched as mm/kmemleak.c matches them
 *   (commands.c), run by the same code as kleaktrack's own file, so both
 *   files show the same leaks and "clear" through either clears both;
 * - after "off" every write but "clear" fails with EPERM; a write
 *   advances the file offset, as kmemleak_write() does.
 *
 * A kernel built with kmemleak has the file even when kmemleak is off at
 * boot (kmemleak_late_init() creates it first): then it is left alone.
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kleaktrack.h"

enum { KLT_COMPAT_OFF, KLT_COMPAT_AUTO, KLT_COMPAT_ON };

static const char * const klt_compat_words[] = {
	[KLT_COMPAT_OFF] = "off",
	[KLT_COMPAT_AUTO] = "auto",
	[KLT_COMPAT_ON] = "on",
};

static int klt_compat = KLT_COMPAT_AUTO;

static int klt_compat_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(klt_compat_words, val);

	if (i < 0)
		return -EINVAL;
	*(int *)kp->arg = i;
	return 0;
}

static int klt_compat_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%s\n", klt_compat_words[*(int *)kp->arg]);
}

static const struct kernel_param_ops klt_compat_ops = {
	.set = klt_compat_set,
	.get = klt_compat_get,
};

module_param_cb(kmemleak_compat, &klt_compat_ops, &klt_compat, 0444);
MODULE_PARM_DESC(kmemleak_compat,
		 "Provide " KLT_KMEMLEAK_PATH ": auto (if the kernel has none), on, off");

static struct dentry *klt_kml_dentry;

static int klt_kml_open(struct inode *inode, struct file *file)
{
	return klt_report_open(file, &klt_store, NULL);
}

/* kmemleak_write(): one command per write, the rest of the buffer ignored. */
static ssize_t klt_kml_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[KLT_CMD_MAX_LEN];
	size_t n = min(len, sizeof(buf) - 1);
	struct klt_cmd cmd;
	int ret;

	if (strncpy_from_user(buf, ubuf, n) < 0)
		return -EFAULT;
	buf[n] = 0;
	/* Disabled, kmemleak takes "clear" and refuses any other word. */
	if (READ_ONCE(klt_off) && strncmp(buf, "clear", 5))
		return -EPERM;
	ret = klt_parse_kmemleak_cmd(buf, &cmd);
	if (!ret)
		ret = klt_run_cmd(&cmd);
	if (ret)
		return ret;
	*ppos += len;
	return len;
}

static const struct file_operations klt_kml_fops = {
	.owner = THIS_MODULE,
	.open = klt_kml_open,
	.read = klt_report_read,
	.write = klt_kml_write,
	.llseek = klt_report_llseek,
	.release = klt_report_release,
};

/* Whether the running kernel has kmemleak's file (built with kmemleak). */
static bool klt_kernel_has_kmemleak(void)
{
	struct dentry *d = debugfs_lookup(KLT_KMEMLEAK_NAME, NULL);

	if (IS_ERR_OR_NULL(d))
		return false;
	dput(d);
	return true;
}

/* Errors only for kmemleak_compat=on; "auto" goes on without the file. */
int klt_compat_init(void)
{
	struct dentry *d;

	if (klt_compat == KLT_COMPAT_OFF)
		return 0;
	if (klt_kernel_has_kmemleak()) {
		if (klt_compat == KLT_COMPAT_ON) {
			pr_err("kmemleak_compat=on, but " KLT_KMEMLEAK_PATH
			       " is the kernel's kmemleak\n");
			return -EEXIST;
		}
		pr_info("the kernel has kmemleak: " KLT_KMEMLEAK_PATH " is left to it\n");
		return 0;
	}
	d = debugfs_create_file(KLT_KMEMLEAK_NAME, 0600, NULL, NULL,
				&klt_kml_fops);
	if (IS_ERR(d)) {
		pr_warn("cannot create " KLT_KMEMLEAK_PATH " (%ld)\n",
			PTR_ERR(d));
		return klt_compat == KLT_COMPAT_ON ? PTR_ERR(d) : 0;
	}
	klt_kml_dentry = d;
	pr_info(KLT_KMEMLEAK_PATH " shows kleaktrack's leaks (kmemleak_compat)\n");
	return 0;
}

void klt_compat_exit(void)
{
	debugfs_remove(klt_kml_dentry);
	klt_kml_dentry = NULL;
}
