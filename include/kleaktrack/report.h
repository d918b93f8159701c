/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between kleaktrack.ko and its readers (kleakctl, the
 * tests): the debugfs path, the command words it accepts and the report
 * it prints. Plain macros only, so the kernel and userspace share them.
 *
 * Report layout: a header of "# key: value" lines (keys below, in this
 * order), then one entry per suspected leak in kmemleak's format with two
 * extra lines after "comm":
 *
 *   unreferenced object 0xffff888004a1c000 (size 96):
 *     comm "insmod", pid 123, jiffies 4294893012
 *     leak: direct
 *     cache: kmalloc
 *     hex dump (first 32 bytes):
 *       00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
 *     backtrace (crc 8f0e1a2b):
 *       [<ffffffffc0270123>] leaky_init+0x23/0x90 [leaky]
 *
 * "leak:" is "direct" or "indirect (held by 0x<addr>)". "cache:" names the
 * slab cache, "kmalloc", "vmalloc" for a vmalloc area or "percpu" for a
 * per-CPU allocation, whose address is its __percpu cookie (kmemleak's
 * too), printed as kmemleak prints it, with at least 8 digits. Direct
 * entries come first, each class ordered by address. Entries are
 * separated by nothing; a reader splits on "unreferenced object".
 */
#ifndef _KLEAKTRACK_REPORT_H
#define _KLEAKTRACK_REPORT_H

#define KLT_DEBUGFS_NAME	"kleaktrack"
#define KLT_DEBUGFS_PATH	"/sys/kernel/debug/kleaktrack"
#define KLT_PARAMS_PATH		"/sys/module/kleaktrack/parameters"

/*
 * The same report and commands through a misc device, which debugfs'
 * lockdown rule (no file with a write bit opens) does not cover.
 */
#define KLT_DEVICE_NAME		"kleaktrack"
#define KLT_DEVICE_PATH		"/dev/kleaktrack"

/*
 * kmemleak's file, created on kernels without kmemleak: the same entries,
 * no header, and only kmemleak's command words.
 */
#define KLT_KMEMLEAK_NAME	"kmemleak"
#define KLT_KMEMLEAK_PATH	"/sys/kernel/debug/kmemleak"

#define KLT_REPORT_MAGIC	"# kleaktrack report v1"

/* Header keys, printed in this order as "# <key>: <unsigned decimal>". */
#define KLT_HDR_JIFFIES		"jiffies"	/* now, at the time of the read */
#define KLT_HDR_HZ		"hz"
#define KLT_HDR_TRACKED		"tracked_objects"
#define KLT_HDR_TRACKED_BYTES	"tracked_bytes"
#define KLT_HDR_UNTRACKED	"untracked"	/* allocations not recorded */
#define KLT_HDR_UNKNOWN_FREES	"unknown_frees"	/* frees of untracked objects */
#define KLT_HDR_REPLACED	"replaced"	/* records replaced on reuse */
#define KLT_HDR_STACKS_LOST	"stacks_lost"	/* recorded without a backtrace */
#define KLT_HDR_NAMES_DROPPED	"names_dropped"	/* unloaded code, no names */
#define KLT_HDR_SCANS		"scans"
#define KLT_HDR_UNTRUSTED	"untrusted_scans"	/* classified nothing */
#define KLT_HDR_LAST_UNTRUSTED	"last_scan_untrusted"	/* 1: see dmesg */
#define KLT_HDR_LAST_SCAN	"last_scan_jiffies"
#define KLT_HDR_SCAN_MS		"last_scan_duration_ms"
#define KLT_HDR_PAGES		"pages_scanned"
#define KLT_HDR_FREE_BYTES	"free_slot_bytes_skipped"	/* stale, not roots */
#define KLT_HDR_LEAKS		"leaks"		/* entries below */
#define KLT_HDR_LEAK_BYTES	"leaked_bytes"
#define KLT_HDR_NEW_LEAKS	"new_leaks"	/* found by the last scan */
#define KLT_HDR_NEW_BYTES	"new_leaked_bytes"

#define KLT_ENTRY_PREFIX	"unreferenced object "
#define KLT_LEAK_DIRECT		"direct"
#define KLT_LEAK_INDIRECT	"indirect"
#define KLT_CACHE_KMALLOC	"kmalloc"
#define KLT_CACHE_VMALLOC	"vmalloc"	/* a vmalloc area */
#define KLT_CACHE_PERCPU	"percpu"	/* a per-CPU allocation */
#define KLT_HEX_DUMP_MAX	32

/* Command words written to the debugfs file (kmemleak's, plus track=). */
#define KLT_CMD_MAX_LEN		64

#endif /* _KLEAKTRACK_REPORT_H */
