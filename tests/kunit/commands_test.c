// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the command words (commands.c) and "clear".
 */
#include "../../module/commands.c"
#include <kunit/test.h>
#include "kleaktrack_test.h"

static void scan_clear(struct kunit *test)
{
	struct klt_test_ctx *ctx = test->priv;
	void **a = kt_node(test, 64);
	struct klt_scan_result res;

	kt_scan_twice(test, NULL, 0, &res);
	KUNIT_EXPECT_EQ(test, kt_kind(test, a), DIRECT);
	klt_clear_leaks(&ctx->st);
	kt_scan_once(test, NULL, 0, 0, &res);
	KUNIT_EXPECT_EQ(test, res.leaks, 0UL);
}

struct cmd_case {
	const char *in;
	int ret;
	enum klt_cmd_op op;
	unsigned long arg;
};

static const struct cmd_case cmd_cases[] = {
	{ "scan", 0, KLT_CMD_SCAN, 0 },
	{ "scan\n", 0, KLT_CMD_SCAN, 0 },
	{ "scan=on", 0, KLT_CMD_SCAN_ON, 0 },
	{ "scan=off", 0, KLT_CMD_SCAN_OFF, 0 },
	{ "scan=30\n", 0, KLT_CMD_SCAN_SECS, 30 },
	{ "scan=0", 0, KLT_CMD_SCAN_SECS, 0 },
	{ "clear", 0, KLT_CMD_CLEAR, 0 },
	{ "dump=0xffff888004a1c000", 0, KLT_CMD_DUMP, 0xffff888004a1c000UL },
	{ "dump=ffff888004a1c000", 0, KLT_CMD_DUMP, 0xffff888004a1c000UL },
	{ "why=0xffff888004a1c010", 0, KLT_CMD_WHY, 0xffff888004a1c010UL },
	{ "stack=on", 0, KLT_CMD_STACK, 1 },
	{ "stack=off", 0, KLT_CMD_STACK, 0 },
	{ "track=on", 0, KLT_CMD_TRACK, 1 },
	{ "track=off", 0, KLT_CMD_TRACK, 0 },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "scanx", -EINVAL },
	{ "Scan", -EINVAL },
	{ "scan ", -EINVAL },
	{ " scan", -EINVAL },
	{ "scan\n\n", -EINVAL },
	{ "scan=", -EINVAL },
	{ "scan=-1", -EINVAL },
	{ "scan=12abc", -EINVAL },
	{ "scan=99999999999", -EINVAL },
	{ "dump=", -EINVAL },
	{ "dump=xyz", -EINVAL },
	{ "stack=maybe", -EINVAL },
	{ "track=", -EINVAL },
	{ "track=ON", -EINVAL },
	{ "off", -EINVAL },
	{ "clear=1", -EINVAL },
	{ "\x01scan", -EINVAL },
	{ "sc\xff\x61n", -EINVAL },
	{ "scan=0123456789012345678901234567890123456789012345678901234567890",
	  -EINVAL },
};

static void cmd_parse(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmd_cases); i++) {
		const struct cmd_case *c = &cmd_cases[i];
		struct klt_cmd cmd = { .op = -1, .arg = 12345 };
		int ret = klt_parse_cmd(c->in, strlen(c->in), &cmd);

		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "input '%s'", c->in);
		if (!c->ret && !ret) {
			KUNIT_EXPECT_EQ_MSG(test, cmd.op, c->op, "input '%s'", c->in);
			KUNIT_EXPECT_EQ_MSG(test, cmd.arg, c->arg, "input '%s'",
					    c->in);
		}
	}
}

/* kmemleak_write()'s rules: prefixes, in its order, kstrto*() base 0. */
static const struct cmd_case kml_cases[] = {
	{ "scan", 0, KLT_CMD_SCAN, 0 },
	{ "scan\n", 0, KLT_CMD_SCAN, 0 },
	{ "scanning", 0, KLT_CMD_SCAN, 0 },
	{ "scan=on\n", 0, KLT_CMD_SCAN_ON, 0 },
	{ "scan=onward", 0, KLT_CMD_SCAN_ON, 0 },
	{ "scan=off", 0, KLT_CMD_SCAN_OFF, 0 },
	{ "scan=600\n", 0, KLT_CMD_SCAN_SECS, 600 },
	{ "scan=0x10", 0, KLT_CMD_SCAN_SECS, 16 },
	{ "scan=0", 0, KLT_CMD_SCAN_SECS, 0 },
	{ "clear", 0, KLT_CMD_CLEAR, 0 },
	{ "clear=1", 0, KLT_CMD_CLEAR, 0 },
	{ "off\n", 0, KLT_CMD_OFF, 0 },
	{ "offer", 0, KLT_CMD_OFF, 0 },
	{ "stack=on", 0, KLT_CMD_STACK, 1 },
	{ "stack=off\n", 0, KLT_CMD_STACK, 0 },
	{ "dump=0xffff888000001000\n", 0, KLT_CMD_DUMP, 0xffff888000001000UL },
	{ "dump=4096", 0, KLT_CMD_DUMP, 4096 },
	{ "scan=", -EINVAL },
	{ "scan=x", -EINVAL },
	{ "scan=99999999999", -ERANGE },
	{ "dump=", -EINVAL },
	{ "dump=zz", -EINVAL },
	{ "stack=maybe", -EINVAL },
	{ "track=on", -EINVAL },
	{ "why=0", -EINVAL },
	{ " scan", -EINVAL },
	{ "Scan", -EINVAL },
	{ "", -EINVAL },
};

static void cmd_parse_kmemleak(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kml_cases); i++) {
		const struct cmd_case *c = &kml_cases[i];
		struct klt_cmd cmd = { .op = -1, .arg = 12345 };
		int ret = klt_parse_kmemleak_cmd(c->in, &cmd);

		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "input '%s'", c->in);
		if (!c->ret && !ret) {
			KUNIT_EXPECT_EQ_MSG(test, cmd.op, c->op, "input '%s'", c->in);
			KUNIT_EXPECT_EQ_MSG(test, cmd.arg, c->arg, "input '%s'",
					    c->in);
			KUNIT_EXPECT_TRUE_MSG(test, cmd.kmemleak, "input '%s'",
					      c->in);
		}
	}
}

static void cmd_parse_not_terminated(struct kunit *test)
{
	static const char buf[] = "clearXXXX";
	struct klt_cmd cmd;

	/* A write() buffer has no NUL: only len bytes count. */
	KUNIT_EXPECT_EQ(test, klt_parse_cmd(buf, 5, &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.op, KLT_CMD_CLEAR);
	KUNIT_EXPECT_EQ(test, klt_parse_cmd(buf, 6, &cmd), -EINVAL);
}

static struct kunit_case klt_commands_cases[] = {
	KUNIT_CASE(cmd_parse),
	KUNIT_CASE(cmd_parse_not_terminated),
	KUNIT_CASE(cmd_parse_kmemleak),
	KUNIT_CASE(scan_clear),
	{}
};

static struct kunit_suite klt_commands_suite = {
	.name = "kleaktrack_commands",
	.init = klt_test_init,
	.exit = klt_test_exit,
	.test_cases = klt_commands_cases,
};

kunit_test_suite(klt_commands_suite);
