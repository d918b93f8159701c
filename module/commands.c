// SPDX-License-Identifier: GPL-2.0
/*
 * The words written to /sys/kernel/debug/kleaktrack: kmemleak's (scan,
 * scan=on|off|<secs>, clear, dump=<addr>, stack=on|off) plus track=on|off
 * and why=<addr> (log what references an object during the next scans),
 * and kmemleak's own rules for /sys/kernel/debug/kmemleak (compat.c).
 * Parsing is separate from doing so that it can be tested on its own.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sched.h>
#include "kleaktrack.h"

static int klt_parse_onoff(const char *s, unsigned long *arg)
{
	if (!strcmp(s, "on"))
		*arg = 1;
	else if (!strcmp(s, "off"))
		*arg = 0;
	else
		return -EINVAL;
	return 0;
}

/*
 * Parse one command. @buf need not be NUL-terminated; one trailing newline
 * (what echo adds) is allowed. Anything else unexpected is -EINVAL.
 */
int klt_parse_cmd(const char *buf, size_t len, struct klt_cmd *cmd)
{
	char word[KLT_CMD_MAX_LEN];
	const char *val;
	size_t i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (!len || len >= sizeof(word))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isgraph(buf[i]))
			return -EINVAL;
	memcpy(word, buf, len);
	word[len] = 0;

	cmd->arg = 0;
	cmd->kmemleak = false;
	if (!strcmp(word, "scan")) {
		cmd->op = KLT_CMD_SCAN;
		return 0;
	}
	if (!strcmp(word, "clear")) {
		cmd->op = KLT_CMD_CLEAR;
		return 0;
	}
	val = strchr(word, '=');
	if (!val)
		return -EINVAL;
	val++;
	if (!strncmp(word, "scan=", 5)) {
		if (!strcmp(val, "on")) {
			cmd->op = KLT_CMD_SCAN_ON;
		} else if (!strcmp(val, "off")) {
			cmd->op = KLT_CMD_SCAN_OFF;
		} else {
			cmd->op = KLT_CMD_SCAN_SECS;
			if (kstrtoul(val, 10, &cmd->arg) || cmd->arg > UINT_MAX)
				return -EINVAL;
		}
		return 0;
	}
	if (!strncmp(word, "dump=", 5)) {
		cmd->op = KLT_CMD_DUMP;
		return kstrtoul(val, 16, &cmd->arg) ? -EINVAL : 0;
	}
	if (!strncmp(word, "why=", 4)) {
		cmd->op = KLT_CMD_WHY;
		return kstrtoul(val, 16, &cmd->arg) ? -EINVAL : 0;
	}
	if (!strncmp(word, "stack=", 6)) {
		cmd->op = KLT_CMD_STACK;
		return klt_parse_onoff(val, &cmd->arg);
	}
	if (!strncmp(word, "track=", 6)) {
		cmd->op = KLT_CMD_TRACK;
		return klt_parse_onoff(val, &cmd->arg);
	}
	return -EINVAL;
}

/*
 * Parse one command as kmemleak_write() does (mm/kmemleak.c, 6.1 and
 * 6.12): @str is what it copied (at most 63 bytes, to the first NUL), and
 * each word matches as a prefix, in kmemleak's order, so "scan\n" and
 * "scanning" are "scan" and "clear" followed by anything is "clear".
 * Numbers are in any base kstrto*() takes. Returns 0 or kmemleak's errno.
 */
int klt_parse_kmemleak_cmd(const char *str, struct klt_cmd *cmd)
{
	unsigned int secs;
	int ret;

	cmd->arg = 0;
	cmd->kmemleak = true;
	if (!strncmp(str, "clear", 5)) {
		cmd->op = KLT_CMD_CLEAR;
	} else if (!strncmp(str, "off", 3)) {
		cmd->op = KLT_CMD_OFF;
	} else if (!strncmp(str, "stack=on", 8)) {
		cmd->op = KLT_CMD_STACK;
		cmd->arg = 1;
	} else if (!strncmp(str, "stack=off", 9)) {
		cmd->op = KLT_CMD_STACK;
	} else if (!strncmp(str, "scan=on", 7)) {
		cmd->op = KLT_CMD_SCAN_ON;
	} else if (!strncmp(str, "scan=off", 8)) {
		cmd->op = KLT_CMD_SCAN_OFF;
	} else if (!strncmp(str, "scan=", 5)) {
		ret = kstrtouint(str + 5, 0, &secs);
		if (ret)
			return ret;
		cmd->op = KLT_CMD_SCAN_SECS;
		cmd->arg = secs;
	} else if (!strncmp(str, "scan", 4)) {
		cmd->op = KLT_CMD_SCAN;
	} else if (!strncmp(str, "dump=", 5)) {
		cmd->op = KLT_CMD_DUMP;
		if (kstrtoul(str + 5, 0, &cmd->arg))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

static bool klt_clear_one(struct klt_object *obj, u32 idx, void *arg)
{
	if (obj->flags & KLT_F_LEAK)
		obj->flags |= KLT_F_CLEARED;
	return true;
}

/* kmemleak's "clear": the current suspects are never reported again. */
void klt_clear_leaks(struct klt_store *st)
{
	klt_store_walk(st, 256, klt_clear_one, NULL, NULL);
}
