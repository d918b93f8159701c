// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kleakctl's parser, grouping, sorting, suppression
 * matching and writers, linked against the tool's own object files.
 *
 * Usage: unit FIXTURE_DIR
 * Prints "PASS <name>" or "FAIL <name>: <reason>" per test; exits 1 if any
 * test failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kleakctl.h"

static const char *fixtures;
static char reason[1024];
static unsigned passed, failed;

__attribute__((format(printf, 1, 2)))
static bool fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return false;
}

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			return fail(__VA_ARGS__);			\
	} while (0)

#define CHECK_U64(got, want)						\
	do {								\
		unsigned long long g_ = (got), w_ = (want);		\
		if (g_ != w_)						\
			return fail("%s is %llu, expected %llu (line %d)", \
				    #got, g_, w_, __LINE__);		\
	} while (0)

#define CHECK_STR(got, want)						\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		if (!g_ || strcmp(g_, w_))				\
			return fail("%s is \"%s\", expected \"%s\" (line %d)", \
				    #got, g_ ? g_ : "(null)", w_, __LINE__); \
	} while (0)

#define CHECK_CONTAINS(hay, needle)					\
	do {								\
		if (!strstr((hay), (needle)))				\
			return fail("output lacks \"%s\" (line %d)",	\
				    (needle), __LINE__);		\
	} while (0)

static void run(const char *name, bool (*fn)(void))
{
	reason[0] = '\0';
	if (fn()) {
		printf("PASS %s\n", name);
		passed++;
	} else {
		printf("FAIL %s: %s\n", name, reason);
		failed++;
	}
	fflush(stdout);
}

/* ---- helpers ---- */

struct capture {
	char *text;
	size_t len;
	FILE *f;
};

static FILE *cap_open(struct capture *c)
{
	c->text = NULL;
	c->len = 0;
	c->f = open_memstream(&c->text, &c->len);
	return c->f;
}

static char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->text;
}

/* Parse text; diagnostics are captured into *diag (caller frees). */
static void parse_text(struct klt_report *r, const char *text, size_t len,
		       char **diag)
{
	struct capture c;

	cap_open(&c);
	klt_report_init(r, "test", c.f);
	klt_report_parse(r, xstrndup(text, len), len);
	cap_close(&c);
	if (diag)
		*diag = c.text;
	else
		free(c.text);
}

static bool load(struct klt_report *r, const char *name, char **diag)
{
	char path[4096];
	char *buf;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	err = klt_read_path(path, &buf, &len);
	if (err)
		return fail("%s: %s", path, strerror(err));
	parse_text(r, buf, len, diag);
	free(buf);
	return true;
}

static const char *frame(const struct klt_report *r, uint32_t stack,
			 uint32_t i)
{
	const struct klt_stack *s = &r->stacks.stk[stack];

	if (i >= s->n)
		return NULL;
	return klt_str(&r->str, r->stacks.frames[s->off + i]);
}

static const struct klt_group *shown(const struct klt_grouping *gr, size_t i)
{
	return &gr->g[gr->shown[i]];
}

/* ---- parser ---- */

static bool t_parse_realistic_header(void)
{
	struct klt_report r;
	uint64_t v;

	if (!load(&r, "realistic.report", NULL))
		return false;
	CHECK(r.has_magic, "magic line not recognised");
	CHECK_U64(r.version, 1);
	CHECK_U64(r.nhdr, 15);
	CHECK_STR(r.hdr[0].key, KLT_HDR_JIFFIES);
	CHECK_STR(r.hdr[14].key, KLT_HDR_NEW_BYTES);
	CHECK(klt_report_get(&r, KLT_HDR_HZ, &v), "no hz");
	CHECK_U64(v, 250);
	CHECK(klt_report_get(&r, KLT_HDR_JIFFIES, &v), "no jiffies");
	CHECK_U64(v, 4295123456ULL);
	CHECK(!klt_report_get(&r, "no_such_key", &v), "found a missing key");
	CHECK_U64(r.parse_errors, 0);
	klt_report_free(&r);
	return true;
}

static bool t_parse_realistic_objects(void)
{
	struct klt_report r;
	const struct klt_object *o;

	if (!load(&r, "realistic.report", NULL))
		return false;
	CHECK_U64(r.nobj, 10);
	CHECK_U64(r.stacks.n, 5);
	o = &r.obj[0];
	CHECK_U64(o->addr, 0xffff888004a1c000ULL);
	CHECK_U64(o->size, 128);
	CHECK_STR(klt_str(&r.str, o->comm), "insmod");
	CHECK_U64(o->pid, 412);
	CHECK_U64(o->kind, KLT_DIRECT);
	CHECK_STR(klt_str(&r.str, o->cache), "kmalloc");
	CHECK(o->has_crc, "crc not parsed");
	CHECK_U64(o->crc, 0x8f0e1a2b);
	CHECK_U64(o->line, 17);
	CHECK_STR(frame(&r, o->stack, 0), "__kmalloc_cache_noprof+0x1a2/0x2f0");
	CHECK_STR(frame(&r, o->stack, 1),
		  "leaky_kmalloc+0x1c/0x40 [kleaktrack_leaky]");
	CHECK_U64(r.stacks.stk[o->stack].n, 11);
	/* The raw text of the entry is kept for --all-objects. */
	CHECK(!strncmp(r.buf + o->raw_off,
		       "unreferenced object 0xffff888004a1c000 (size 128):\n",
		       51), "raw_off does not point at the entry");
	CHECK(!strncmp(r.buf + o->raw_off + o->raw_len,
		       "unreferenced object 0xffff888004a1c080", 38),
	      "raw_len does not end at the next entry");

	o = &r.obj[7];
	CHECK_U64(o->kind, KLT_INDIRECT);
	CHECK(o->has_held_by, "held_by not parsed");
	CHECK_U64(o->held_by, 0xffff888004a1c000ULL);
	o = &r.obj[9];
	CHECK_STR(klt_str(&r.str, o->cache), "names_cache");
	CHECK_U64(o->size, 4096);
	klt_report_free(&r);
	return true;
}

static bool t_parse_ages(void)
{
	struct klt_report r;

	if (!load(&r, "realistic.report", NULL))
		return false;
	CHECK(r.obj[0].has_age, "no age");
	CHECK_U64(r.obj[0].age_s, 900);
	CHECK_U64(r.obj[1].age_s, 905);
	/* 903.4 seconds: ages are truncated to whole seconds. */
	CHECK_U64(r.obj[2].age_s, 903);
	/* header jiffies > 2^32, entry jiffies < 2^32: a 64-bit kernel. */
	CHECK_U64(r.obj[4].age_s, 1200);
	klt_report_free(&r);
	return true;
}

static bool t_jiffies_wrap(void)
{
	CHECK_U64(klt_jiffies_delta(1000, 400), 600);
	/* 32-bit kernel: the counter wrapped between the two reads. */
	CHECK_U64(klt_jiffies_delta(5, 0xfffffff0ULL), 21);
	CHECK_U64(klt_jiffies_delta(0x100000064ULL, 0xffffff9cULL), 200);
	CHECK_U64(klt_jiffies_delta(7, 7), 0);
	return true;
}

static bool t_parse_hashed_addresses(void)
{
	struct klt_report r;

	if (!load(&r, "hashed.report", NULL))
		return false;
	CHECK_U64(r.nobj, 3);
	CHECK_U64(r.parse_errors, 0);
	/* Different %pK values, same symbols: one stack. */
	CHECK_U64(r.stacks.n, 1);
	CHECK_STR(frame(&r, 0, 0), "leaky_init+0x23/0x90 [leaky]");
	CHECK_STR(frame(&r, 0, 1), "0xffffffffc0270400");
	CHECK_U64(r.obj[0].age_s, 10);
	CHECK_U64(r.obj[2].age_s, 1);
	klt_report_free(&r);
	return true;
}

static bool t_parse_kmemleak(void)
{
	struct klt_report r;

	if (!load(&r, "kmemleak.report", NULL))
		return false;
	CHECK(!r.has_magic, "kmemleak report taken for kleaktrack");
	CHECK_U64(r.nobj, 3);
	CHECK_U64(r.parse_errors, 0);
	CHECK_U64(r.stacks.n, 2);
	for (size_t i = 0; i < r.nobj; i++) {
		CHECK_U64(r.obj[i].kind, KLT_DIRECT);
		CHECK(r.obj[i].cache == KLT_NONE, "cache set on kmemleak entry");
	}
	CHECK(r.obj[0].has_age, "(age ...) not parsed");
	CHECK_U64(r.obj[0].age_s, 1175);
	CHECK(!r.obj[0].has_crc, "crc on an old-style backtrace line");
	/* The newer format: no "(age)", no "[<...>]" before the symbols. */
	CHECK(!r.obj[2].has_age, "age invented without a header");
	CHECK(r.obj[2].has_crc, "crc not parsed");
	CHECK_STR(frame(&r, r.obj[2].stack, 0),
		  "__kmalloc_cache_noprof+0x1a2/0x2f0");
	CHECK_STR(frame(&r, r.obj[2].stack, 2), "0xffffffffc0a2f0b3");
	CHECK_STR(klt_str(&r.str, r.obj[2].comm), "kworker/u8:2");
	klt_report_free(&r);
	return true;
}

static bool t_parse_malformed(void)
{
	static const char *const want[] = {
		"malformed.report:16: cannot parse: bad object line",
		"malformed.report:22: cannot parse: truncated entry for object 0xffff888004a1c0c0 (no backtrace line)",
		"malformed.report:35: cannot parse: unexpected line 'this line is not part of any report'",
		"malformed.report:36: cannot parse: indented line outside an entry",
		"malformed.report:42: cannot parse: bad backtrace frame; entry for object 0xffff888004a1c180 skipped",
		"malformed.report:45: cannot parse: unexpected line 'comm insmod pid 123'",
		"malformed.report:52: cannot parse: unknown leak class 'sideways'",
		"malformed.report:67: cannot parse: truncated entry for object 0xffff888004a1c2a0",
	};
	struct klt_report r;
	char *diag;
	char path[4096];
	char *buf;
	size_t len;
	struct capture c;

	/* load() names the source "test"; here the file name matters. */
	snprintf(path, sizeof(path), "%s/malformed.report", fixtures);
	if (klt_read_path(path, &buf, &len))
		return fail("cannot read %s", path);
	cap_open(&c);
	klt_report_init(&r, "malformed.report", c.f);
	klt_report_parse(&r, buf, len);
	diag = cap_close(&c);

	CHECK_U64(r.nobj, 3);
	CHECK_U64(r.parse_errors, 8);
	CHECK_U64(r.skipped_entries, 6);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_CONTAINS(diag, want[i]);
	CHECK(!klt_report_empty_input(&r), "report with entries called empty");
	/* The entries around the damage survive intact. */
	CHECK_U64(r.obj[1].addr, 0xffff888004a1c120ULL);
	CHECK_U64(r.obj[2].kind, KLT_INDIRECT);
	CHECK_U64(r.stacks.stk[r.obj[2].stack].n, 3);
	free(diag);
	klt_report_free(&r);
	return true;
}

static bool t_parse_empty(void)
{
	struct klt_report r;
	char *diag;

	parse_text(&r, "", 0, &diag);
	CHECK_U64(r.nobj, 0);
	CHECK_U64(r.parse_errors, 0);
	CHECK(!klt_report_empty_input(&r), "an empty file is not an error");
	CHECK_STR(diag, "");
	free(diag);
	klt_report_free(&r);

	if (!load(&r, "empty.report", NULL))
		return false;
	CHECK_U64(r.nobj, 0);
	CHECK_U64(r.nhdr, 15);
	CHECK_U64(r.parse_errors, 0);
	klt_report_free(&r);
	return true;
}

static bool t_parse_garbage_only(void)
{
	static const char text[] = "hello\nworld\n\tnot a frame\n";
	struct klt_report r;

	parse_text(&r, text, sizeof(text) - 1, NULL);
	CHECK_U64(r.nobj, 0);
	CHECK_U64(r.parse_errors, 3);
	CHECK(klt_report_empty_input(&r), "garbage accepted as a report");
	klt_report_free(&r);
	return true;
}

static bool t_parse_future_fields(void)
{
	struct klt_report r;
	struct klt_frame_parts fp;
	uint64_t v;

	if (!load(&r, "future.report", NULL))
		return false;
	CHECK_U64(r.parse_errors, 0);
	CHECK_U64(r.nobj, 1);
	CHECK(klt_report_get(&r, "flux_capacitor", &v), "unknown key lost");
	CHECK_U64(v, 1955);
	CHECK(!klt_report_get(&r, "build", &v), "text value read as number");
	CHECK_STR(r.hdr[5].key, "build");
	CHECK_STR(r.hdr[5].val, "6.99-rc1");
	/* No hz in the header: the age is unknown, not invented. */
	CHECK(!r.obj[0].has_age, "age without hz");
	CHECK_STR(klt_str(&r.str, r.obj[0].cache), "kmalloc-cg");
	klt_frame_split(frame(&r, r.obj[0].stack, 0), &fp);
	CHECK(fp.mod && fp.mod_len == 5 && !strncmp(fp.mod, "leaky", 5),
	      "module with a build id not split");
	klt_report_free(&r);
	return true;
}

static const char entry_text[] =
	"# kleaktrack report v1\n# jiffies: 2000\n# hz: 100\n"
	"unreferenced object 0xffff888004a1c000 (size 96):\n"
	"  comm \"insmod\", pid 123, jiffies 1000\n"
	"  leak: direct\n"
	"  cache: kmalloc\n"
	"  backtrace (crc 8f0e1a2b):\n"
	"    [<ffffffffc0270123>] leaky_init+0x23/0x90 [leaky]\n"
	"    [<ffffffff81002b36>] do_one_initcall+0x56/0x2e0\n";

static bool t_parse_crlf(void)
{
	struct klt_report r;
	size_t n = sizeof(entry_text) - 1, k = 0;
	char *crlf = xmalloc(n * 2 + 1);

	for (size_t i = 0; i < n; i++) {
		if (entry_text[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = entry_text[i];
	}
	parse_text(&r, crlf, k, NULL);
	free(crlf);
	CHECK_U64(r.parse_errors, 0);
	CHECK_U64(r.nobj, 1);
	CHECK_STR(frame(&r, r.obj[0].stack, 1), "do_one_initcall+0x56/0x2e0");
	CHECK_U64(r.obj[0].age_s, 10);
	klt_report_free(&r);
	return true;
}

static bool t_parse_nul_byte(void)
{
	struct klt_report r;
	size_t n = sizeof(entry_text) - 1;
	char *text = xstrndup(entry_text, n);
	char *at = strstr(text, "insmod");

	at[2] = '\0';
	parse_text(&r, text, n, NULL);
	free(text);
	CHECK_U64(r.nobj, 0);
	CHECK_U64(r.skipped_entries, 1);
	CHECK_U64(r.parse_errors, 1);
	klt_report_free(&r);
	return true;
}

static bool t_parse_concatenated(void)
{
	struct klt_report r;
	size_t n = sizeof(entry_text) - 1;
	char *two = xmalloc(2 * n + 1);
	char *p;
	uint64_t v;

	memcpy(two, entry_text, n);
	memcpy(two + n, entry_text, n);
	two[2 * n] = '\0';
	/* The second report is later: its clock is ahead. */
	p = strstr(two + n, "jiffies: 2000");
	memcpy(p, "jiffies: 3000", 13);
	parse_text(&r, two, 2 * n, NULL);
	free(two);
	CHECK_U64(r.parse_errors, 0);
	CHECK_U64(r.count_mismatches, 0);
	CHECK_U64(r.nobj, 2);
	CHECK_U64(r.nhdr, 2);
	CHECK(klt_report_get(&r, KLT_HDR_JIFFIES, &v), "no jiffies");
	CHECK_U64(v, 3000);
	CHECK_U64(r.stacks.n, 1);
	klt_report_free(&r);
	return true;
}

/* Every entry of the report, but a backtrace line that changed format. */
static bool t_parse_unparsable_frames(void)
{
	struct klt_report r;
	char *diag;

	if (!load(&r, "unparsable-frames.report", &diag))
		return false;
	CHECK_U64(r.nobj, 0);
	CHECK_U64(r.skipped_entries, 10);
	CHECK_U64(r.parse_errors, 10);
	CHECK_U64(r.count_mismatches, 0);	/* ten entries, as counted */
	CHECK_U64(klt_report_unparsed(&r), 10);
	CHECK_U64(r.unparsed_bytes, 5280);
	CHECK(!klt_report_complete(&r), "report taken as complete");
	CHECK(!klt_report_empty_input(&r), "header not taken as a report");
	CHECK_CONTAINS(diag, "test:24: cannot parse: bad backtrace line; entry for object 0xffff888004a1c000 skipped\n");
	free(diag);
	klt_report_free(&r);
	return true;
}

/* entry_text with more header lines after its magic line. */
static size_t with_header(char **out, const char *hdr)
{
	const char *rest = strchr(entry_text, '\n') + 1;
	size_t n = strlen(hdr) + sizeof(entry_text);

	*out = xmalloc(n);
	return snprintf(*out, n, "%.*s%s%s", (int)(rest - entry_text),
			entry_text, hdr, rest);
}

static bool t_parse_count_mismatch(void)
{
	struct klt_report r;
	char *diag, *text;
	size_t n;

	if (!load(&r, "count-mismatch.report", &diag))
		return false;
	CHECK_U64(r.parse_errors, 0);
	CHECK_U64(r.nobj, 2);
	CHECK_U64(r.count_mismatches, 1);
	CHECK_U64(r.missing_entries, 1);
	CHECK_U64(klt_report_unparsed(&r), 1);
	CHECK(!klt_report_complete(&r), "report taken as complete");
	CHECK_STR(diag, "kleakctl: test:4: header says leaks: 3, but 2 entries follow\n");
	free(diag);
	klt_report_free(&r);

	/* More entries than counted: nothing is missing, still a mismatch. */
	n = with_header(&text, "# leaks: 0\n");
	parse_text(&r, text, n, NULL);
	free(text);
	CHECK_U64(r.count_mismatches, 1);
	CHECK_U64(r.missing_entries, 0);
	klt_report_free(&r);

	/* The right count, the wrong bytes. */
	n = with_header(&text, "# leaks: 1\n# leaked_bytes: 97\n");
	parse_text(&r, text, n, &diag);
	free(text);
	CHECK_U64(r.count_mismatches, 1);
	CHECK_CONTAINS(diag, "test:3: header says leaked_bytes: 97, but the entries add up to 96\n");
	free(diag);
	klt_report_free(&r);

	n = with_header(&text, "# leaks: 1\n# leaked_bytes: 96\n");
	parse_text(&r, text, n, NULL);
	free(text);
	CHECK(klt_report_complete(&r), "a consistent report rejected");
	klt_report_free(&r);

	/* scan and stats read the header alone. */
	klt_report_init(&r, "test", NULL);
	r.check_counts = false;
	klt_report_parse(&r, xstrdup("# leaks: 5\n"), 10);
	CHECK(klt_report_complete(&r), "header-only read checked");
	klt_report_free(&r);
	return true;
}

static bool t_parse_empty_backtrace(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct capture c;
	char *got;

	if (!load(&r, "empty-backtrace.report", NULL))
		return false;
	CHECK_U64(r.nobj, 1);
	CHECK(klt_report_complete(&r), "an empty backtrace is not damage");
	CHECK_U64(r.stacks.stk[r.obj[0].stack].n, 0);
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	/* Every writer walks the empty stack (clang's UBSan watches). */
	cap_open(&c);
	klt_print_text(c.f, &r, &gr, NULL, NULL);
	klt_print_folded(c.f, &r, &gr, NULL);
	klt_print_json(c.f, &r, &gr, NULL, NULL);
	got = cap_close(&c);
	CHECK_CONTAINS(got, "Direct leak of 64 byte(s) in 1 object(s) allocated from:\n    (no backtrace)\n");
	CHECK_CONTAINS(got, "\n[no backtrace] 64\n");
	CHECK_CONTAINS(got, "\"stack\": [],");
	free(got);
	got = klt_group_key(&r, &gr.g[0]);
	CHECK_STR(got, "D");
	free(got);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

static bool t_parse_diag_limit(void)
{
	struct klt_report r;
	size_t n = 0;
	char *text = xmalloc(100 * 8);
	char *diag, *p;
	unsigned lines = 0;

	for (int i = 0; i < 100; i++)
		n += sprintf(text + n, "junk%02d\n", i);
	parse_text(&r, text, n, &diag);
	free(text);
	CHECK_U64(r.parse_errors, 100);
	for (p = diag; (p = strchr(p, '\n')); p++)
		lines++;
	CHECK_U64(lines, r.diag_max + 1);
	CHECK_CONTAINS(diag, "more parse errors, not shown");
	free(diag);
	klt_report_free(&r);
	return true;
}

static bool t_parse_bad_header_value(void)
{
	static const char text[] =
		"# kleaktrack report v1\n# hz: fast\n# jiffies: 12\n";
	struct klt_report r;
	char *diag;
	uint64_t v;

	parse_text(&r, text, sizeof(text) - 1, &diag);
	CHECK_U64(r.parse_errors, 1);
	CHECK_CONTAINS(diag, "test:2: cannot parse: header 'hz' is not an unsigned number");
	CHECK(!klt_report_get(&r, KLT_HDR_HZ, &v), "bad hz used");
	CHECK(klt_report_get(&r, KLT_HDR_JIFFIES, &v), "jiffies lost");
	free(diag);
	klt_report_free(&r);
	return true;
}

static bool t_parse_numbers(void)
{
	uint64_t v;

	CHECK(!klt_parse_u64("", 10, &v), "empty accepted");
	CHECK(!klt_parse_u64("-1", 10, &v), "negative accepted");
	CHECK(!klt_parse_u64(" 1", 10, &v), "leading blank accepted");
	CHECK(!klt_parse_u64("1x", 10, &v), "trailing junk accepted");
	CHECK(klt_parse_u64("18446744073709551615", 10, &v), "max rejected");
	CHECK_U64(v, UINT64_MAX);
	CHECK(!klt_parse_u64("18446744073709551616", 10, &v),
	      "overflow accepted");
	CHECK(klt_parse_addr("0xffff888004a1c000", &v), "address rejected");
	CHECK_U64(v, 0xffff888004a1c000ULL);
	CHECK(klt_parse_addr("FFFF888004A1C000", &v), "bare hex rejected");
	CHECK(!klt_parse_addr("0x", &v), "bare 0x accepted");
	CHECK(!klt_parse_addr("0xg", &v), "non-hex accepted");
	return true;
}

static bool t_frame_split(void)
{
	struct klt_frame_parts fp;

	klt_frame_split("leaky_kmalloc+0x1c/0x40 [kleaktrack_leaky]", &fp);
	CHECK(fp.func_len == 13 && !strncmp(fp.func, "leaky_kmalloc", 13),
	      "func of a module frame");
	CHECK(fp.sym_len == 23, "sym_len %zu", fp.sym_len);
	CHECK(fp.mod_len == 16 && !strncmp(fp.mod, "kleaktrack_leaky", 16),
	      "module name");
	klt_frame_split("do_one_initcall+0x56/0x2e0", &fp);
	CHECK(!fp.mod, "core frame has a module");
	CHECK(fp.func_len == 15, "func_len %zu", fp.func_len);
	klt_frame_split("0xffffffffc0270123", &fp);
	CHECK(fp.func_len == 18 && !fp.mod, "bare address frame");
	return true;
}

static bool t_intern_tables(void)
{
	struct klt_strtab t;
	struct klt_stacktab st;
	char buf[32];
	uint32_t a[3] = { 1, 2, 3 }, b[3] = { 1, 2, 4 };

	klt_strtab_init(&t);
	/* Enough strings to force several rehashes. */
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof(buf), "frame_%d", i);

		CHECK_U64(klt_intern(&t, buf, n), i);
	}
	for (int i = 0; i < 5000; i += 7) {
		int n = snprintf(buf, sizeof(buf), "frame_%d", i);

		CHECK_U64(klt_intern(&t, buf, n), i);
	}
	CHECK_STR(klt_str(&t, 4242), "frame_4242");
	klt_strtab_free(&t);

	klt_stacktab_init(&st);
	CHECK_U64(klt_stack_intern(&st, a, 3), 0);
	CHECK_U64(klt_stack_intern(&st, b, 3), 1);
	CHECK_U64(klt_stack_intern(&st, a, 2), 2);
	CHECK_U64(klt_stack_intern(&st, a, 3), 0);
	CHECK_U64(klt_stack_intern(&st, NULL, 0), 3);
	CHECK_U64(klt_stack_intern(&st, NULL, 0), 3);
	klt_stacktab_free(&st);
	return true;
}

/* ---- grouping ---- */

static bool t_group_realistic(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	const struct klt_group *g;

	if (!load(&r, "realistic.report", NULL))
		return false;
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	CHECK_U64(gr.n, 5);
	CHECK_U64(gr.nshown, 5);
	/* Direct first; equal bytes (512) ordered by object count. */
	g = shown(&gr, 0);
	CHECK(g->kind == KLT_DIRECT && g->bytes == 512 && g->objects == 4,
	      "group 0 is %u/%llu/%llu", g->kind,
	      (unsigned long long)g->bytes, (unsigned long long)g->objects);
	CHECK_U64(g->age_min, 900);
	CHECK_U64(g->age_max, 905);
	CHECK_U64(g->sample, 0xffff888004a1c000ULL);
	g = shown(&gr, 1);
	CHECK(g->bytes == 512 && g->objects == 2, "group 1 wrong");
	CHECK_STR(klt_str(&r.str, g->caches[0]), "leaky_cache");
	g = shown(&gr, 2);
	CHECK(g->kind == KLT_DIRECT && g->bytes == 32, "group 2 wrong");
	g = shown(&gr, 3);
	CHECK(g->kind == KLT_INDIRECT && g->bytes == 4096, "group 3 wrong");
	g = shown(&gr, 4);
	CHECK(g->kind == KLT_INDIRECT && g->bytes == 128 && g->objects == 2,
	      "group 4 wrong");
	CHECK_U64(gr.totals.direct_bytes, 1056);
	CHECK_U64(gr.totals.direct_objects, 7);
	CHECK_U64(gr.totals.indirect_bytes, 4224);
	CHECK_U64(gr.totals.indirect_objects, 3);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

/* Entries whose order in the text must not decide the group order. */
static char *synth_entry(char *p, unsigned long long addr, unsigned size,
			 const char *kind, const char *fn)
{
	return p + sprintf(p,
		"unreferenced object 0x%llx (size %u):\n"
		"  comm \"t\", pid 1, jiffies 100\n"
		"  leak: %s\n  cache: kmalloc\n  backtrace (crc 1):\n"
		"    [<0000000000000001>] %s+0x1/0x2 [m]\n", addr, size, kind, fn);
}

static bool t_group_sort_ties(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	char *text = xmalloc(8192), *p = text;

	p += sprintf(p, "# jiffies: 200\n# hz: 100\n");
	p = synth_entry(p, 0x1000, 64, "indirect", "big_indirect");
	p = synth_entry(p, 0x1000, 64, "indirect", "big_indirect");
	p = synth_entry(p, 0x2000, 32, "direct", "zeta");
	p = synth_entry(p, 0x3000, 32, "direct", "alpha");
	p = synth_entry(p, 0x4000, 16, "direct", "two_small");
	p = synth_entry(p, 0x4010, 16, "direct", "two_small");
	p = synth_entry(p, 0x5000, 8, "direct", "tiny");
	parse_text(&r, text, p - text, NULL);
	free(text);
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	CHECK_U64(gr.nshown, 5);
	/* 32 bytes: 2 objects beat 1; among 1-object groups, stack text. */
	CHECK_STR(frame(&r, shown(&gr, 0)->stack, 0), "two_small+0x1/0x2 [m]");
	CHECK_STR(frame(&r, shown(&gr, 1)->stack, 0), "alpha+0x1/0x2 [m]");
	CHECK_STR(frame(&r, shown(&gr, 2)->stack, 0), "zeta+0x1/0x2 [m]");
	CHECK_STR(frame(&r, shown(&gr, 3)->stack, 0), "tiny+0x1/0x2 [m]");
	/* The biggest group is indirect, so it still comes last. */
	CHECK_STR(frame(&r, shown(&gr, 4)->stack, 0),
		  "big_indirect+0x1/0x2 [m]");
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

static bool t_group_filters(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct klt_filter f = { .min_size = 100 };

	if (!load(&r, "realistic.report", NULL))
		return false;
	klt_group_build(&r, &f, &gr);
	klt_group_select(&r, &f, NULL, &gr);
	CHECK_U64(gr.nshown, 3);	/* 128, 256 and 4096 byte objects */
	CHECK_U64(gr.filtered_objects, 3);
	klt_group_free(&gr);

	f = (struct klt_filter){ .has_min_age = true, .min_age_s = 903 };
	klt_group_build(&r, &f, &gr);
	klt_group_select(&r, &f, NULL, &gr);
	/* 905s, 903s (kmalloc), 1200s (kstrdup), 905s (leaky_chain) */
	CHECK_U64(gr.nshown, 3);
	CHECK_U64(gr.totals.direct_objects + gr.totals.indirect_objects, 4);
	klt_group_free(&gr);

	f = (struct klt_filter){ .direct_only = true };
	klt_group_build(&r, &f, &gr);
	klt_group_select(&r, &f, NULL, &gr);
	CHECK_U64(gr.nshown, 3);
	CHECK_U64(gr.totals.indirect_objects, 0);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

static bool t_group_module_filter(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct klt_filter f = { .module = "kleaktrack_leaky" };

	if (!load(&r, "realistic.report", NULL))
		return false;
	klt_group_build(&r, &f, &gr);
	klt_group_select(&r, &f, NULL, &gr);
	CHECK_U64(gr.nshown, 4);
	CHECK_U64(gr.totals.direct_bytes, 1024);
	f.module = "kleak*";
	klt_group_select(&r, &f, NULL, &gr);
	CHECK_U64(gr.nshown, 4);
	f.module = "leaky";	/* a module name is matched whole */
	klt_group_select(&r, &f, NULL, &gr);
	CHECK_U64(gr.nshown, 0);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

/* ---- suppressions ---- */

static bool t_supp_match_frame(void)
{
	static const char *const modf = "leaky_kmalloc+0x1c/0x40 [kleaktrack_leaky]";
	static const char *const core = "do_one_initcall+0x56/0x2e0";

	CHECK(klt_supp_match_frame("leaky_kmalloc", modf), "function name");
	CHECK(klt_supp_match_frame("leaky_*", modf), "function glob");
	CHECK(klt_supp_match_frame("leaky_kmalloc+0x1c/0x40", modf),
	      "function with offset");
	CHECK(klt_supp_match_frame("kleaktrack_leaky", modf), "module name");
	CHECK(klt_supp_match_frame("[kleaktrack_leaky]", modf),
	      "[module] form");
	CHECK(klt_supp_match_frame("[kleaktrack_*]", modf), "[module glob]");
	CHECK(!klt_supp_match_frame("[kleaktrack_leaky]", core),
	      "[module] matched a core frame");
	CHECK(!klt_supp_match_frame("[leaky_kmalloc]", modf),
	      "[...] matched a function name");
	CHECK(klt_supp_match_frame("do_one_initcall", core), "core function");
	/* LSan's templates match substrings: leak:kobject hides kobject_add. */
	CHECK(klt_supp_match_frame("do_one", core), "prefix of a function");
	CHECK(klt_supp_match_frame("initcall", core), "suffix of a function");
	CHECK(klt_supp_match_frame("kmalloc", modf), "infix of a function");
	CHECK(klt_supp_match_frame("kleaktrack", modf), "part of a module");
	CHECK(klt_supp_match_frame("*initcall*", core), "infix glob");
	CHECK(klt_supp_match_frame("one*call", core), "inner wildcard");
	CHECK(klt_supp_match_frame("*", core), "match-all");
	CHECK(klt_supp_match_frame("^do_one_initcall$", core), "anchored");
	CHECK(!klt_supp_match_frame("^one_initcall", core), "^ anchors");
	CHECK(!klt_supp_match_frame("do_one$", core), "$ anchors");
	/* Brackets delimit the whole module name, as in the frame text. */
	CHECK(!klt_supp_match_frame("[kleaktrack]", modf), "[part of module]");
	CHECK(klt_supp_match_frame("leaky]", modf), "end of [module]");
	/* Offsets are not part of a function name... */
	CHECK(!klt_supp_match_frame("0x1c", modf), "offset without '+'");
	CHECK(!klt_supp_match_frame("kmalloc [kleaktrack_leaky]", modf),
	      "function and module without '+'");
	/* ... unless the pattern asks for them. */
	CHECK(klt_supp_match_frame("+0x1c/", modf), "offset with '+'");
	CHECK(klt_supp_match_frame(modf, modf), "the whole frame text");
	CHECK(!klt_supp_match_frame("+0x1c/0x40 [kleaktrack_leaky", core),
	      "'+' pattern on another frame");
	CHECK(klt_supp_match_frame("0xffffffffc027*", "0xffffffffc0270123"),
	      "bare address");
	CHECK(klt_supp_match_frame("c027", "0xffffffffc0270123"),
	      "part of a bare address");
	return true;
}

static bool t_template_match(void)
{
	static const struct {
		const char *pat, *s;
		bool want;
	} cases[] = {
		{ "abc", "abc", true },
		{ "b", "abc", true },
		{ "abcd", "abc", false },
		{ "", "abc", true },
		{ "abc", "", false },		/* LSan: never an empty name */
		{ "*", "", false },
		{ "a*c", "abbbc", true },
		{ "a*c", "cba", false },
		{ "a**c", "ac", true },
		{ "^ab", "abc", true },
		{ "^bc", "abc", false },
		{ "*^bc", "abc", false },	/* '^' only anchors in front */
		{ "^*bc", "abc", true },
		{ "bc$", "abc", true },
		{ "ab$", "abc", false },
		{ "a*$", "abc", true },
		{ "a*b$", "abab", true },	/* the last 'b', not the first */
		{ "^abc$", "abc", true },
		{ "^ab$", "abc", false },
		{ "^a*c$", "abc", true },
		{ "^a*a$", "a", false },	/* the two a's may not overlap */
		{ "b*b", "abc", false },
		{ "^", "x", true },
		{ "$", "x", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = klt_template_match(cases[i].pat, cases[i].s,
					      strlen(cases[i].s));

		CHECK(got == cases[i].want, "'%s' on '%s' is %s",
		      cases[i].pat, cases[i].s, got ? "a match" : "no match");
	}
	return true;
}

/* The frame nearest the allocation decides, then module before function. */
static bool t_supp_credit_order(void)
{
	static const char text[] =
		"leak:do_one_initcall\nleak:leaky_kmalloc\n"
		"leak:[kleaktrack_leaky]\n";
	struct klt_report r;
	struct klt_grouping gr;
	struct klt_supps s;

	if (!load(&r, "realistic.report", NULL))
		return false;
	klt_supps_init(&s);
	CHECK(!klt_supps_parse(&s, "t.supp", text, sizeof(text) - 1, stderr),
	      "cannot parse");
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, &s, &gr);
	CHECK_U64(gr.nshown, 0);
	/* Frame #1 of the module's groups matches by module first. */
	CHECK_U64(s.v[2].groups, 4);
	/* Only the kobject group, whose first matching frame is #6. */
	CHECK_U64(s.v[0].groups, 1);
	CHECK_U64(s.v[0].bytes, 32);
	CHECK_U64(s.v[1].groups, 0);
	klt_group_free(&gr);
	klt_supps_free(&s);
	klt_report_free(&r);
	return true;
}

static bool t_supp_parse(void)
{
	struct klt_supps s;
	char path[4096];

	snprintf(path, sizeof(path), "%s/suppress-some.supp", fixtures);
	klt_supps_init(&s);
	CHECK(!klt_supps_load(&s, path, stderr), "good file rejected");
	CHECK_U64(s.n, 3);
	CHECK_STR(s.v[0].pattern, "leaky_kmalloc");
	CHECK_U64(s.v[0].line, 3);
	CHECK_STR(s.v[1].pattern, "getname_flags");	/* blanks trimmed */
	CHECK_U64(s.v[1].line, 4);
	CHECK_STR(s.v[2].pattern, "does_not_exist_anywhere");
	klt_supps_free(&s);
	return true;
}

static bool t_supp_parse_bad(void)
{
	static const char text[] = "# c\nleak:ok\nleek:foo\nleak:\n\nleak:  \n"
				   "called_from_lib:x\n";
	struct klt_supps s;
	struct capture c;
	char *err;
	int rc;

	klt_supps_init(&s);
	cap_open(&c);
	rc = klt_supps_parse(&s, "f.supp", text, sizeof(text) - 1, c.f);
	err = cap_close(&c);
	CHECK(rc == -1, "bad file accepted");
	CHECK_CONTAINS(err, "kleakctl: f.supp:3: bad suppression 'leek:foo' (expected leak:<pattern>)\n");
	CHECK_CONTAINS(err, "kleakctl: f.supp:4: bad suppression 'leak:' (expected leak:<pattern>)\n");
	CHECK_CONTAINS(err, "f.supp:6: bad suppression 'leak:'");
	CHECK_CONTAINS(err, "f.supp:7: bad suppression 'called_from_lib:x'");
	CHECK_U64(s.n, 1);
	free(err);
	klt_supps_free(&s);
	return true;
}

static bool t_supp_counts(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct klt_supps s;
	char path[4096];

	if (!load(&r, "realistic.report", NULL))
		return false;
	snprintf(path, sizeof(path), "%s/suppress-some.supp", fixtures);
	klt_supps_init(&s);
	CHECK(!klt_supps_load(&s, path, stderr), "cannot load");
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, &s, &gr);
	CHECK_U64(gr.nshown, 3);
	CHECK_U64(s.v[0].groups, 1);
	CHECK_U64(s.v[0].bytes, 512);
	CHECK_U64(s.v[0].objects, 4);
	CHECK_U64(s.v[1].groups, 1);
	CHECK_U64(s.v[1].bytes, 4096);
	CHECK_U64(s.v[2].groups, 0);
	CHECK_U64(gr.totals.direct_bytes, 544);
	CHECK_U64(gr.totals.indirect_bytes, 128);
	klt_group_free(&gr);
	klt_supps_free(&s);
	klt_report_free(&r);
	return true;
}

/* ---- writers ---- */

static bool t_json_escape(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "q\"b\\s/", 6, "\"q\\\"b\\\\s/\"" },
		{ "\n\t\r\x01\x1f\x7f", 6, "\"\\n\\t\\r\\u0001\\u001f\\u007f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		/* é, €, U+1F600 pass through as UTF-8 */
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		/* Latin-1 byte, lone continuation, truncated sequence */
		{ "\xe9x\x80\xe2\x82", 5, "\"\\u00e9x\\u0080\\u00e2\\u0082\"" },
		/* overlong '/', UTF-16 surrogate, above U+10FFFF */
		{ "\xc0\xaf", 2, "\"\\u00c0\\u00af\"" },
		{ "\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"" },
		{ "\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct capture c;
		char *got;
		bool ok;

		cap_open(&c);
		klt_json_string(c.f, cases[i].in, cases[i].n);
		got = cap_close(&c);
		ok = !strcmp(got, cases[i].out);
		if (!ok) {
			fail("case %zu: got %s, expected %s", i, got,
			     cases[i].out);
			free(got);
			return false;
		}
		free(got);
	}
	return true;
}

static bool t_json_writer_layout(void)
{
	struct klt_json j;
	struct capture c;
	char *got;

	cap_open(&c);
	klt_json_init(&j, c.f);
	klt_json_begin_object(&j, false);
	klt_json_key(&j, "a");
	klt_json_u64(&j, 1);
	klt_json_key(&j, "list");
	klt_json_begin_array(&j, true);
	klt_json_str(&j, "x");
	klt_json_null(&j);
	klt_json_bool(&j, true);
	klt_json_end_array(&j);
	klt_json_key(&j, "empty");
	klt_json_begin_array(&j, false);
	klt_json_end_array(&j);
	klt_json_key(&j, "o");
	klt_json_begin_object(&j, false);
	klt_json_key(&j, "addr");
	klt_json_addr(&j, 0xffff888004a1c000ULL);
	klt_json_end_object(&j);
	klt_json_end_object(&j);
	klt_json_finish(&j);
	got = cap_close(&c);
	CHECK_STR(got,
		  "{\n"
		  "  \"a\": 1,\n"
		  "  \"list\": [\"x\",null,true],\n"
		  "  \"empty\": [],\n"
		  "  \"o\": {\n"
		  "    \"addr\": \"0xffff888004a1c000\"\n"
		  "  }\n"
		  "}\n");
	free(got);
	return true;
}

static bool t_json_report(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct klt_supps s;
	struct klt_output_opts o = { .has_limit = true, .limit = 2 };
	struct capture c;
	char path[4096];
	char *got;

	if (!load(&r, "realistic.report", NULL))
		return false;
	snprintf(path, sizeof(path), "%s/suppress-some.supp", fixtures);
	klt_supps_init(&s);
	CHECK(!klt_supps_load(&s, path, stderr), "cannot load");
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, &s, &gr);
	cap_open(&c);
	klt_print_json(c.f, &r, &gr, &s, &o);
	got = cap_close(&c);
	CHECK_CONTAINS(got, "\"version\": 1,\n");
	CHECK_CONTAINS(got, "\"format\": \"kleaktrack\",\n");
	CHECK_CONTAINS(got, "\"tracked_bytes\": 2345678,\n");
	CHECK_CONTAINS(got, "\"direct_bytes\": 544,\n");
	CHECK_CONTAINS(got, "\"groups\": 3,\n");
	CHECK_CONTAINS(got, "\"groups_shown\": 2,\n");
	CHECK_CONTAINS(got, "\"groups_omitted\": 1,\n");
	CHECK_CONTAINS(got, "\"suppressed_bytes\": 4608,\n");
	CHECK_CONTAINS(got, "{\"pattern\":\"leaky_kmalloc\",\"file\":");
	CHECK_CONTAINS(got, "\"line\":6,\"groups\":0,\"objects\":0,\"bytes\":0}");
	CHECK_CONTAINS(got, "\"caches\": [\"leaky_cache\"],\n");
	CHECK_CONTAINS(got, "\"addresses\": [\"0xffff888006b41000\",\"0xffff888006b41100\"]\n");
	CHECK_CONTAINS(got, "\"parse_errors\": 0\n}\n");
	CHECK(!strstr(got, "\"objects\": ["), "objects without --all-objects");
	free(got);
	klt_group_free(&gr);
	klt_supps_free(&s);
	klt_report_free(&r);
	return true;
}

static bool t_folded_frame(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "leaky_kmalloc+0x1c/0x40 [kleaktrack_leaky]",
		  "leaky_kmalloc [kleaktrack_leaky]" },
		{ "do_one_initcall+0x56/0x2e0", "do_one_initcall" },
		{ "0xffffffffc0270123", "0xffffffffc0270123" },
		{ "a;b+0x1/0x2 [m;x]", "a_b [m_x]" },
		{ "f+0x1/0x2 [mod 0123abcd]", "f [mod]" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct capture c;
		char *got;

		cap_open(&c);
		klt_folded_frame(c.f, cases[i].in);
		got = cap_close(&c);
		if (strcmp(got, cases[i].out)) {
			fail("%s -> %s, expected %s", cases[i].in, got,
			     cases[i].out);
			free(got);
			return false;
		}
		free(got);
	}
	return true;
}

static bool t_folded_report(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct capture c;
	char *got;

	if (!load(&r, "realistic.report", NULL))
		return false;
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	cap_open(&c);
	klt_print_folded(c.f, &r, &gr, NULL);
	got = cap_close(&c);
	CHECK_CONTAINS(got, "\ndo_one_initcall;driver_register;bus_add_driver;kobject_add;kobject_set_name_vargs;kstrdup;kmalloc_trace 32\n");
	CHECK(!strncmp(got, "entry_SYSCALL_64_after_hwframe;do_syscall_64;", 45),
	      "first line does not start at the root: %.60s", got);
	CHECK_CONTAINS(got, ";leaky_init [kleaktrack_leaky];leaky_kmalloc [kleaktrack_leaky];__kmalloc_cache_noprof 512\n");
	{
		unsigned lines = 0;

		for (char *p = got; (p = strchr(p, '\n')); p++)
			lines++;
		CHECK_U64(lines, 5);
	}
	free(got);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

static bool t_text_group(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct capture c;
	char *got;

	if (!load(&r, "realistic.report", NULL))
		return false;
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	cap_open(&c);
	klt_print_group(c.f, &r, shown(&gr, 2));
	got = cap_close(&c);
	CHECK_STR(got,
		  "Direct leak of 32 byte(s) in 1 object(s) allocated from:\n"
		  "    #0 kmalloc_trace+0x26/0x90\n"
		  "    #1 kstrdup+0x2c/0x60\n"
		  "    #2 kobject_set_name_vargs+0x1e/0x90\n"
		  "    #3 kobject_add+0x7c/0xf0\n"
		  "    #4 bus_add_driver+0x9d/0x220\n"
		  "    #5 driver_register+0x5c/0x100\n"
		  "    #6 do_one_initcall+0x56/0x2e0\n"
		  "    cache kmalloc, age 1200s, comm systemd-udevd, e.g. 0xffff888005d2e000\n");
	free(got);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

static bool t_text_limit_and_summary(void)
{
	struct klt_report r;
	struct klt_grouping gr;
	struct klt_output_opts o = { .has_limit = true, .limit = 2 };
	struct capture c;
	char *got;

	if (!load(&r, "realistic.report", NULL))
		return false;
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	cap_open(&c);
	klt_print_text(c.f, &r, &gr, NULL, &o);
	got = cap_close(&c);
	CHECK_CONTAINS(got, "\n3 more group(s) not shown (--limit 2): 4256 byte(s) in 4 object(s)\n");
	CHECK_CONTAINS(got, "\nSUMMARY: 5280 byte(s) leaked in 10 object(s).\n");
	CHECK(!strstr(got, "kmalloc_trace"), "a group beyond the limit shown");
	free(got);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

static bool t_text_mixed_groups(void)
{
	static const char text[] =
		"# jiffies: 1000\n# hz: 100\n"
		"unreferenced object 0x10 (size 8):\n"
		"  comm \"a\", pid 1, jiffies 900\n  cache: c1\n"
		"  backtrace:\n    f+0x1/0x2\n"
		"unreferenced object 0x20 (size 8):\n"
		"  comm \"b\", pid 2, jiffies 800\n"
		"  backtrace:\n    f+0x1/0x2\n"
		"unreferenced object 0x30 (size 8):\n"
		"  comm \"a\", pid 1, jiffies 900\n  cache: c2\n"
		"  backtrace:\n    f+0x1/0x2\n";
	struct klt_report r;
	struct klt_grouping gr;
	struct capture c;
	char *got;

	parse_text(&r, text, sizeof(text) - 1, NULL);
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	cap_open(&c);
	klt_print_group(c.f, &r, shown(&gr, 0));
	got = cap_close(&c);
	CHECK_CONTAINS(got, "    caches c1,c2,?, age 1s-2s, comms a,b, e.g. 0x00000010\n");
	free(got);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

/* ---- environment ---- */

static bool t_classify_errors(void)
{
	CHECK_U64(klt_classify_open_error(EACCES, false, true, true, true),
		  KLT_ENV_NOT_ROOT);
	CHECK_U64(klt_classify_open_error(EPERM, false, true, true, true),
		  KLT_ENV_NOT_ROOT);
	CHECK_U64(klt_classify_open_error(EPERM, true, true, true, true),
		  KLT_ENV_LOCKDOWN);
	CHECK_U64(klt_classify_open_error(EPERM, true, false, true, true),
		  KLT_ENV_OTHER);
	CHECK_U64(klt_classify_open_error(ENOENT, true, true, false, false),
		  KLT_ENV_NOT_MOUNTED);
	CHECK_U64(klt_classify_open_error(ENOENT, true, true, true, false),
		  KLT_ENV_NOT_LOADED);
	CHECK_U64(klt_classify_open_error(ENOENT, false, false, true, false),
		  KLT_ENV_NOT_LOADED);
	CHECK_U64(klt_classify_open_error(ENOENT, true, true, true, true),
		  KLT_ENV_OTHER);
	CHECK_U64(klt_classify_open_error(EIO, true, true, true, true),
		  KLT_ENV_OTHER);
	return true;
}

/* ---- scale ---- */

static bool t_big_report(void)
{
	const size_t nent = 100000, nstacks = 500;
	size_t cap = nent * 260 + 4096, n = 0;
	char *text = xmalloc(cap);
	struct klt_report r;
	struct klt_grouping gr;
	struct timespec t0, t1;
	double secs;

	n += sprintf(text, "# kleaktrack report v1\n# jiffies: 100000\n# hz: 100\n");
	for (size_t i = 0; i < nent; i++)
		n += sprintf(text + n,
			"unreferenced object 0x%llx (size 64):\n"
			"  comm \"insmod\", pid 1, jiffies %zu\n"
			"  leak: direct\n  cache: kmalloc\n"
			"  backtrace (crc 1):\n"
			"    [<0000000000000001>] leak_%zu+0x1c/0x40 [big]\n"
			"    [<0000000000000002>] do_one_initcall+0x56/0x2e0\n",
			0xffff888000000000ULL + i * 64, i % 1000, i % nstacks);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	parse_text(&r, text, n, NULL);
	free(text);
	klt_group_build(&r, NULL, &gr);
	klt_group_select(&r, NULL, NULL, &gr);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_U64(r.nobj, nent);
	CHECK_U64(gr.nshown, nstacks);
	CHECK_U64(shown(&gr, 0)->objects, nent / nstacks);
	CHECK_U64(gr.totals.direct_bytes, nent * 64);
	CHECK(secs < 10, "parse and group took %.1fs", secs);
	klt_group_free(&gr);
	klt_report_free(&r);
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: unit FIXTURE_DIR\n", stderr);
		return 2;
	}
	fixtures = argv[1];

	run("parse-realistic-header", t_parse_realistic_header);
	run("parse-realistic-objects", t_parse_realistic_objects);
	run("parse-ages", t_parse_ages);
	run("jiffies-wrap", t_jiffies_wrap);
	run("parse-hashed-addresses", t_parse_hashed_addresses);
	run("parse-kmemleak", t_parse_kmemleak);
	run("parse-malformed", t_parse_malformed);
	run("parse-empty", t_parse_empty);
	run("parse-garbage-only", t_parse_garbage_only);
	run("parse-future-fields", t_parse_future_fields);
	run("parse-crlf", t_parse_crlf);
	run("parse-nul-byte", t_parse_nul_byte);
	run("parse-concatenated", t_parse_concatenated);
	run("parse-unparsable-frames", t_parse_unparsable_frames);
	run("parse-count-mismatch", t_parse_count_mismatch);
	run("parse-empty-backtrace", t_parse_empty_backtrace);
	run("parse-diag-limit", t_parse_diag_limit);
	run("parse-bad-header-value", t_parse_bad_header_value);
	run("parse-numbers", t_parse_numbers);
	run("frame-split", t_frame_split);
	run("intern-tables", t_intern_tables);
	run("group-realistic", t_group_realistic);
	run("group-sort-ties", t_group_sort_ties);
	run("group-filters", t_group_filters);
	run("group-module-filter", t_group_module_filter);
	run("supp-match-frame", t_supp_match_frame);
	run("template-match", t_template_match);
	run("supp-credit-order", t_supp_credit_order);
	run("supp-parse", t_supp_parse);
	run("supp-parse-bad", t_supp_parse_bad);
	run("supp-counts", t_supp_counts);
	run("json-escape", t_json_escape);
	run("json-writer-layout", t_json_writer_layout);
	run("json-report", t_json_report);
	run("folded-frame", t_folded_frame);
	run("folded-report", t_folded_report);
	run("text-group", t_text_group);
	run("text-limit-and-summary", t_text_limit_and_summary);
	run("text-mixed-groups", t_text_mixed_groups);
	run("classify-errors", t_classify_errors);
	run("big-report", t_big_report);

	/* run.sh tells a finished run from one that died half way. */
	printf("# done: %u passed, %u failed\n", passed, failed);
	/* LeakSanitizer exits from an atexit handler, before stdio flushes. */
	fflush(stdout);
	return failed ? 1 : 0;
}
