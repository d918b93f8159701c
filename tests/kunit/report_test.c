// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the report entry format (report.c), the contract with kleakctl
 * and with kmemleak's parsers.
 */
#include "../../module/report.c"
#include <kunit/test.h>
#include "kleaktrack_test.h"

static void report_format(struct kunit *test)
{
	static const char hex_row[] =
		"\n    41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA\n";
	struct klt_test_ctx *ctx = test->priv;
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	u8 *mem = kunit_kzalloc(test, 40, GFP_KERNEL);
	struct klt_object *obj, snap;
	char line[96];

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	memset(mem, 'A', 40);
	obj = kt_ins(test, (unsigned long)mem, 40, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	obj->checksum = 0x8f0e1a2b;
	obj->flags |= KLT_F_LEAK;
	snap = *obj;
	klt_format_object(&ctx->st, &snap, true, buf, PAGE_SIZE);

	snprintf(line, sizeof(line), "unreferenced object 0x%lx (size 40):\n",
		 (unsigned long)mem);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(buf, line));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  comm \"kunit\", pid 1, jiffies "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  leak: direct\n  cache: kmalloc\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  hex dump (first 32 bytes):\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, hex_row));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  backtrace (crc 8f0e1a2b):\n"));

	/* Freed since the read began: still listed, contents not read. */
	klt_format_object(&ctx->st, &snap, false, buf, PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(buf, line));
	KUNIT_EXPECT_NULL(test, strstr(buf, "hex dump"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  backtrace (crc 8f0e1a2b):\n"));

	snap.flags |= KLT_F_INDIRECT;
	snap.enc_parent = klt_enc(0xffff888004a1b000UL);
	klt_format_object(&ctx->st, &snap, true, buf, PAGE_SIZE);
	KUNIT_EXPECT_NOT_NULL(test,
			      strstr(buf, "\n  leak: indirect (held by 0xffff888004a1b000)\n"));
}

static void report_format_small_buffer(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	u8 *mem = kunit_kzalloc(test, 8, GFP_KERNEL);
	struct klt_object *obj;
	char buf[48];
	int n;

	obj = kt_ins(test, (unsigned long)mem, 8, NULL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	memset(buf, 0x5a, sizeof(buf));
	n = klt_format_object(&ctx->st, obj, true, buf, sizeof(buf) - 8);
	/* Truncated, terminated, and nothing written past the end. */
	KUNIT_EXPECT_LT(test, n, (int)sizeof(buf) - 8);
	KUNIT_EXPECT_EQ(test, buf[sizeof(buf) - 8 - 1], 0);
	KUNIT_EXPECT_EQ(test, (u8)buf[sizeof(buf) - 1], 0x5a);
}

static struct kunit_case klt_report_cases[] = {
	KUNIT_CASE(report_format),
	KUNIT_CASE(report_format_small_buffer),
	{}
};

static struct kunit_suite klt_report_suite = {
	.name = "kleaktrack_report",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_report_cases,
};

kunit_test_suite(klt_report_suite);
