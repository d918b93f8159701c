// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kleaktrack: the report and the commands where debugfs refuses them.
 *
 * A kernel locked down (Secure Boot on Debian, Ubuntu and Fedora; or
 * "integrity" written to /sys/kernel/security/lockdown) lets no debugfs
 * file with a write bit, an ioctl or an mmap be opened, even for reading
 * (debugfs_locked_down() in fs/debugfs/file.c), so /sys/kernel/debug/
 * kleaktrack is out of reach there. A misc device is not debugfs: the same
 * file operations (read = the full report with its header, write = one
 * command, no ioctl, no mmap) open whatever the lockdown level, and with
 * debugfs not mounted at all. Module parameters would also pass lockdown,
 * but a parameter holds at most a page (the report does not fit) and its
 * writes run under the module's parameter lock (a scan would block every
 * other parameter for its duration).
 */
#define pr_fmt(fmt) "kleaktrack: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/security.h>
#include "kleaktrack.h"

static int klt_dev_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the miscdevice here; seq_open() wants NULL. */
	file->private_data = NULL;
	return klt_open(inode, file);
}

static const struct file_operations klt_dev_fops = {
	.owner = THIS_MODULE,
	.open = klt_dev_open,
	.read = klt_report_read,
	.write = klt_cmd_write,
	.llseek = klt_report_llseek,
	.release = klt_report_release,
};

static struct miscdevice klt_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KLT_DEVICE_NAME,
	.fops = &klt_dev_fops,
	.mode = 0600,		/* it shows kernel addresses */
};

int klt_dev_init(void)
{
	int ret = misc_register(&klt_miscdev);

	if (ret) {
		pr_err("cannot register " KLT_DEVICE_PATH " (%d)\n", ret);
		return ret;
	}
	if (security_locked_down(LOCKDOWN_DEBUGFS))
		pr_info("kernel locked down, debugfs files will not open: use "
			KLT_DEVICE_PATH " (kleakctl does)\n");
	return 0;
}

void klt_dev_exit(void)
{
	misc_deregister(&klt_miscdev);
}
