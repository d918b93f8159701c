// SPDX-License-Identifier: GPL-2.0
/*
 * Parser for the kleaktrack report (include/kleaktrack/report.h) and for
 * plain kmemleak reports, which are the same entries without the header
 * and without the "leak:" and "cache:" lines.
 *
 * The parser is deliberately forgiving: a report is often the only
 * evidence of a leak, so one damaged entry (a truncated read, a line
 * mangled by a log collector) costs that entry and a diagnostic, never
 * the rest of the report. Unknown "# key: value" header lines and unknown
 * "key: value" lines inside an entry are skipped silently, so a newer
 * module can add fields without breaking an older kleakctl.
 *
 * Forgiving is not the same as quiet: every entry that was skipped, and
 * every header whose "leaks" or "leaked_bytes" disagrees with the entries
 * that follow it, is counted, so that the caller can fail closed (a
 * change in the module's output must not turn a CI gate green).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kleakctl.h"

#define EXCERPT_MAX	60

enum phase {
	PH_HEAD,	/* comm, leak, cache and future key lines */
	PH_HEX,		/* after "hex dump" */
	PH_BT,		/* after "backtrace": every line is a frame */
};

struct pstate {
	struct klt_report *r;
	unsigned lineno;
	bool in_entry;
	bool skipping;		/* the entry failed; eat its indented lines */
	enum phase phase;
	bool seen_comm, seen_leak, seen_cache, seen_bt;
	struct klt_object cur;
	size_t entry_end;
	uint32_t *frames;
	size_t nframes, capframes;
	char *line;		/* NUL-terminated copy of the current line */
	size_t linecap;
	bool warned_version;
	bool size_known;	/* the current entry's object line was read */
	/*
	 * The report being read, from its magic line (or the start) to the
	 * next: reports pasted together are checked each against its own
	 * header.
	 */
	unsigned sec_leaks_line, sec_bytes_line; /* 0: no such header */
	uint64_t sec_leaks, sec_leak_bytes;
	uint64_t sec_entries, sec_skipped, sec_bytes;
};

void klt_report_init(struct klt_report *r, const char *source, FILE *diag)
{
	memset(r, 0, sizeof(*r));
	r->source = source;
	r->diag = diag;
	r->diag_max = 20;
	r->check_counts = true;
	klt_strtab_init(&r->str);
	klt_stacktab_init(&r->stacks);
}

void klt_report_free(struct klt_report *r)
{
	for (size_t i = 0; i < r->nhdr; i++) {
		free(r->hdr[i].key);
		free(r->hdr[i].val);
	}
	free(r->hdr);
	free(r->obj);
	free(r->buf);
	klt_strtab_free(&r->str);
	klt_stacktab_free(&r->stacks);
	r->hdr = NULL;
	r->obj = NULL;
	r->buf = NULL;
	r->nhdr = r->nobj = 0;
}

/* Quote a damaged line safely: it may hold control bytes or be huge. */
static const char *excerpt(const char *s, char *out, size_t outsz)
{
	size_t i = 0;

	for (; *s && i + 4 < outsz && i < EXCERPT_MAX; s++)
		out[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s) {
		out[i++] = '.';
		out[i++] = '.';
		out[i++] = '.';
	}
	out[i] = '\0';
	return out;
}

__attribute__((format(printf, 3, 4)))
static void diag(struct pstate *p, unsigned line, const char *fmt, ...)
{
	struct klt_report *r = p->r;
	va_list ap;

	r->parse_errors++;
	if (!r->diag)
		return;
	/* A file of pure garbage must not bury the terminal. */
	if (r->parse_errors > r->diag_max) {
		if (r->parse_errors == r->diag_max + 1)
			fprintf(r->diag,
				"kleakctl: %s: more parse errors, not shown\n",
				r->source);
		return;
	}
	fprintf(r->diag, "kleakctl: %s:%u: cannot parse: ", r->source, line);
	va_start(ap, fmt);
	vfprintf(r->diag, fmt, ap);
	va_end(ap);
	fputc('\n', r->diag);
}

static void entry_skipped(struct pstate *p)
{
	p->r->skipped_entries++;
	p->sec_skipped++;
	if (p->size_known)
		p->r->unparsed_bytes += p->cur.size;
	p->skipping = true;
}

__attribute__((format(printf, 2, 3)))
static void entry_fail(struct pstate *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag(p, p->lineno, "%s; entry for object 0x%llx skipped", msg,
	     (unsigned long long)p->cur.addr);
	entry_skipped(p);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Consume a decimal number; the field is an unsigned long in the kernel. */
static bool take_u64(const char **sp, uint64_t *v)
{
	const char *s = *sp;
	char tmp[24];
	size_t n = 0;

	while (is_digit(s[n]) && n < sizeof(tmp) - 1) {
		tmp[n] = s[n];
		n++;
	}
	if (!n || is_digit(s[n]))
		return false;
	tmp[n] = '\0';
	if (!klt_parse_u64(tmp, 10, v))
		return false;
	*sp = s + n;
	return true;
}

static bool take_hex(const char **sp, uint64_t *v)
{
	const char *s = *sp;
	char tmp[24];
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (is_xdigit(s[n]) && n < sizeof(tmp) - 1) {
		tmp[n] = s[n];
		n++;
	}
	if (!n || is_xdigit(s[n]))
		return false;
	tmp[n] = '\0';
	if (!klt_parse_u64(tmp, 16, v))
		return false;
	*sp = s + n;
	return true;
}

static bool take(const char **sp, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*sp, lit, n))
		return false;
	*sp += n;
	return true;
}

/* ---- header ---- */

static const char *const known_keys[] = {
	KLT_HDR_JIFFIES, KLT_HDR_HZ, KLT_HDR_TRACKED, KLT_HDR_TRACKED_BYTES,
	KLT_HDR_UNTRACKED, KLT_HDR_UNKNOWN_FREES, KLT_HDR_REPLACED,
	KLT_HDR_STACKS_LOST, KLT_HDR_NAMES_DROPPED, KLT_HDR_SCANS, KLT_HDR_UNTRUSTED,
	KLT_HDR_LAST_UNTRUSTED, KLT_HDR_LAST_SCAN, KLT_HDR_SCAN_MS, KLT_HDR_PAGES,
	KLT_HDR_LEAKS, KLT_HDR_LEAK_BYTES, KLT_HDR_NEW_LEAKS,
	KLT_HDR_NEW_BYTES,
};

static bool is_known_key(const char *key)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (!strcmp(key, known_keys[i]))
			return true;
	return false;
}

static struct klt_hdr *header_set(struct klt_report *r, const char *key,
				  size_t keylen, const char *val)
{
	struct klt_hdr *h = NULL;

	/* Two reports pasted together: the later header wins. */
	for (size_t i = 0; i < r->nhdr; i++) {
		if (strlen(r->hdr[i].key) == keylen &&
		    !strncmp(r->hdr[i].key, key, keylen)) {
			h = &r->hdr[i];
			free(h->val);
			break;
		}
	}
	if (!h) {
		if (r->nhdr == r->caphdr) {
			r->caphdr = r->caphdr ? r->caphdr * 2 : 32;
			r->hdr = xreallocarray(r->hdr, r->caphdr,
					       sizeof(*r->hdr));
		}
		h = &r->hdr[r->nhdr++];
		h->key = xstrndup(key, keylen);
	}
	h->val = xstrdup(val);
	h->is_num = klt_parse_u64(val, 10, &h->num);
	return h;
}

__attribute__((format(printf, 3, 4)))
static void mismatch(struct pstate *p, unsigned line, const char *fmt, ...)
{
	struct klt_report *r = p->r;
	va_list ap;

	r->count_mismatches++;
	if (!r->diag)
		return;
	fprintf(r->diag, "kleakctl: %s:%u: ", r->source, line);
	va_start(ap, fmt);
	vfprintf(r->diag, fmt, ap);
	va_end(ap);
	fputc('\n', r->diag);
}

/*
 * The end of one report: its header's counts against its entries. The
 * byte count is only compared when every entry was read, since a skipped
 * entry may have no readable size; the entry count already disagrees
 * with what was parsed then.
 */
static void section_end(struct pstate *p)
{
	if (p->r->check_counts && p->sec_leaks_line &&
	    p->sec_entries != p->sec_leaks) {
		mismatch(p, p->sec_leaks_line,
			 "header says %s: %llu, but %llu entr%s follow",
			 KLT_HDR_LEAKS, (unsigned long long)p->sec_leaks,
			 (unsigned long long)p->sec_entries,
			 p->sec_entries == 1 ? "y" : "ies");
		if (p->sec_leaks > p->sec_entries)
			p->r->missing_entries += p->sec_leaks - p->sec_entries;
	} else if (p->r->check_counts && p->sec_bytes_line &&
		   !p->sec_skipped && p->sec_bytes != p->sec_leak_bytes) {
		mismatch(p, p->sec_bytes_line,
			 "header says %s: %llu, but the entries add up to %llu",
			 KLT_HDR_LEAK_BYTES,
			 (unsigned long long)p->sec_leak_bytes,
			 (unsigned long long)p->sec_bytes);
	}
	p->sec_leaks_line = p->sec_bytes_line = 0;
	p->sec_entries = p->sec_skipped = p->sec_bytes = 0;
}

static void header_line(struct pstate *p, const char *s)
{
	static const char magic[] = "# kleaktrack report v";
	struct klt_report *r = p->r;
	const struct klt_hdr *h;
	const char *key, *val;
	size_t keylen = 0;
	char buf[EXCERPT_MAX + 8];

	if (starts_with(s, magic)) {
		uint64_t v;
		const char *q = s + strlen(magic);

		if (!take_u64(&q, &v) || *q || v > 1000) {
			diag(p, p->lineno, "bad report magic '%s'",
			     excerpt(s, buf, sizeof(buf)));
			return;
		}
		section_end(p);
		r->has_magic = true;
		r->version = v;
		if (v != 1 && !p->warned_version && r->diag) {
			fprintf(r->diag,
				"kleakctl: %s:%u: warning: report version %d, this kleakctl reads version 1; trying anyway\n",
				r->source, p->lineno, r->version);
			p->warned_version = true;
		}
		return;
	}
	/* "# key: value"; any other comment line is allowed and ignored. */
	if (s[1] != ' ')
		return;
	key = s + 2;
	while ((key[keylen] >= 'a' && key[keylen] <= 'z') ||
	       (key[keylen] >= 'A' && key[keylen] <= 'Z') ||
	       is_digit(key[keylen]) || key[keylen] == '_')
		keylen++;
	if (!keylen || key[keylen] != ':')
		return;
	val = key + keylen + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	h = header_set(r, key, keylen, val);
	if (!h->is_num && is_known_key(h->key))
		diag(p, p->lineno, "header '%s' is not an unsigned number: '%s'",
		     h->key, excerpt(h->val, buf, sizeof(buf)));
	if (h->is_num && !strcmp(h->key, KLT_HDR_LEAKS)) {
		p->sec_leaks = h->num;
		p->sec_leaks_line = p->lineno;
	} else if (h->is_num && !strcmp(h->key, KLT_HDR_LEAK_BYTES)) {
		p->sec_leak_bytes = h->num;
		p->sec_bytes_line = p->lineno;
	}
}

bool klt_report_get(const struct klt_report *r, const char *key,
		    uint64_t *val)
{
	for (size_t i = 0; i < r->nhdr; i++) {
		if (!strcmp(r->hdr[i].key, key)) {
			if (!r->hdr[i].is_num)
				return false;
			*val = r->hdr[i].num;
			return true;
		}
	}
	return false;
}

/* ---- entries ---- */

static void entry_begin(struct pstate *p, const char *s, size_t off,
			size_t next)
{
	const char *q = s + strlen(KLT_ENTRY_PREFIX);
	char buf[EXCERPT_MAX + 8];

	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.cache = KLT_NONE;
	p->cur.comm = KLT_NONE;
	p->cur.kind = KLT_DIRECT;
	p->cur.raw_off = off;
	p->cur.line = p->lineno;
	p->entry_end = next;
	p->in_entry = true;
	p->skipping = false;
	p->phase = PH_HEAD;
	p->seen_comm = p->seen_leak = p->seen_cache = p->seen_bt = false;
	p->nframes = 0;
	p->size_known = false;
	p->sec_entries++;

	if (!take_hex(&q, &p->cur.addr) || !take(&q, " (size ") ||
	    !take_u64(&q, &p->cur.size) || !take(&q, ")")) {
		diag(p, p->lineno, "bad object line '%s'; entry skipped",
		     excerpt(s, buf, sizeof(buf)));
		entry_skipped(p);
		return;
	}
	/* kmemleak ends the line with ':'; tolerate its absence. */
	take(&q, ":");
	if (*q) {
		diag(p, p->lineno, "bad object line '%s'; entry skipped",
		     excerpt(s, buf, sizeof(buf)));
		entry_skipped(p);
		return;
	}
	p->size_known = true;
}

static void entry_commit(struct pstate *p)
{
	struct klt_report *r = p->r;

	if (r->nobj == r->capobj) {
		r->capobj = r->capobj ? r->capobj * 2 : 1024;
		r->obj = xreallocarray(r->obj, r->capobj, sizeof(*r->obj));
	}
	p->cur.stack = klt_stack_intern(&r->stacks, p->frames, p->nframes);
	p->cur.raw_len = p->entry_end - p->cur.raw_off;
	r->obj[r->nobj++] = p->cur;
	p->sec_bytes += p->cur.size;
}

static void entry_end(struct pstate *p)
{
	if (!p->in_entry)
		return;
	p->in_entry = false;
	if (p->skipping)
		return;
	if (!p->seen_comm || !p->seen_bt) {
		diag(p, p->cur.line,
		     "truncated entry for object 0x%llx (no %s line); entry skipped",
		     (unsigned long long)p->cur.addr,
		     !p->seen_comm ? "comm" : "backtrace");
		entry_skipped(p);
		return;
	}
	entry_commit(p);
}

/* comm "insmod", pid 123, jiffies 4294893012 [(age 12.345s)] */
static void parse_comm(struct pstate *p, const char *s)
{
	const char *q = s + strlen("comm \""), *end = NULL;
	uint64_t pid, j;

	/* A task may name itself '", pid '; the last match is the real one. */
	for (const char *c = q; (c = strstr(c, "\", pid ")); c++)
		end = c;
	if (!end) {
		entry_fail(p, "bad comm line");
		return;
	}
	p->cur.comm = klt_intern(&p->r->str, q, end - q);
	q = end + strlen("\", pid ");
	if (!take_u64(&q, &pid) || pid > UINT32_MAX || !take(&q, ", jiffies ") ||
	    !take_u64(&q, &j)) {
		entry_fail(p, "bad comm line");
		return;
	}
	p->cur.pid = pid;
	p->cur.has_pid = true;
	p->cur.jiffies = j;
	p->cur.has_jiffies = true;
	if (take(&q, " (age ")) {
		uint64_t sec, frac;

		if (!take_u64(&q, &sec) || !take(&q, ".") ||
		    !take_u64(&q, &frac) || !take(&q, "s)")) {
			entry_fail(p, "bad age in comm line");
			return;
		}
		p->cur.age_s = sec;
		p->cur.has_age = true;
	}
	if (*q) {
		entry_fail(p, "trailing text in comm line");
		return;
	}
	p->seen_comm = true;
}

static void parse_leak(struct pstate *p, const char *s)
{
	const char *q = s + strlen("leak: ");

	if (!strcmp(q, KLT_LEAK_DIRECT)) {
		p->cur.kind = KLT_DIRECT;
	} else if (take(&q, KLT_LEAK_INDIRECT)) {
		p->cur.kind = KLT_INDIRECT;
		if (take(&q, " (held by ")) {
			if (!take_hex(&q, &p->cur.held_by) || !take(&q, ")")) {
				entry_fail(p, "bad 'leak: indirect' line");
				return;
			}
			p->cur.has_held_by = true;
		}
		if (*q) {
			entry_fail(p, "bad 'leak: indirect' line");
			return;
		}
	} else {
		entry_fail(p, "unknown leak class '%.40s'", q);
		return;
	}
	p->seen_leak = true;
}

static void parse_cache(struct pstate *p, const char *s)
{
	const char *q = s + strlen("cache: ");
	size_t n = strlen(q);

	if (!n || strpbrk(q, " \t")) {
		entry_fail(p, "bad cache name");
		return;
	}
	p->cur.cache = klt_intern(&p->r->str, q, n);
	p->seen_cache = true;
}

static void add_frame(struct pstate *p, uint32_t id)
{
	if (p->nframes == p->capframes) {
		p->capframes = p->capframes ? p->capframes * 2 : 32;
		p->frames = xreallocarray(p->frames, p->capframes,
					  sizeof(*p->frames));
	}
	p->frames[p->nframes++] = id;
}

/*
 * "[<ffffffffc0270123>] leaky_init+0x23/0x90 [leaky]", or with a hashed
 * (%pK) address, or "leaky_init+0x23/0x90 [leaky]" as newer kmemleak
 * prints it, or a bare "0xffffffffc0270123" when there is no symbol.
 * Only the symbolic part is kept: the bracketed address may be hashed
 * and differ between identical stacks.
 */
static void parse_frame(struct pstate *p, const char *s)
{
	const char *sym = s, *sp, *end;
	size_t n;

	if (starts_with(s, "[<")) {
		const char *q = s + 2;
		uint64_t addr;

		if (!take_hex(&q, &addr) || !take(&q, ">]")) {
			entry_fail(p, "bad backtrace frame");
			return;
		}
		while (*q == ' ' || *q == '\t')
			q++;
		sym = q;
	}
	n = strlen(sym);
	while (n && (sym[n - 1] == ' ' || sym[n - 1] == '\t'))
		n--;
	end = sym + n;
	if (!n) {
		entry_fail(p, "backtrace frame without a symbol");
		return;
	}
	/* "token" or "token [module...]"; anything else is damage. */
	sp = memchr(sym, ' ', n);
	if (memchr(sym, '\t', n) ||
	    (sp && (sp[1] != '[' || end[-1] != ']' || sp + 2 >= end - 1 ||
		    sp[2] == ' ' || memchr(sp + 2, '[', end - sp - 2)))) {
		entry_fail(p, "bad backtrace frame");
		return;
	}
	add_frame(p, klt_intern(&p->r->str, sym, n));
}

static bool is_hex_dump_line(const char *s)
{
	return is_xdigit(s[0]) && is_xdigit(s[1]) && (s[2] == ' ' || !s[2]);
}

/* A "key: value" line we do not know: a field from a newer module. */
static bool is_future_key(const char *s)
{
	size_t i = 0;

	while ((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) ||
	       s[i] == '_' || (i && s[i] == ' ' && s[i + 1] != ':'))
		i++;
	return i && s[i] == ':' && (s[i + 1] == ' ' || !s[i + 1]);
}

static void entry_line(struct pstate *p, const char *s)
{
	if (p->phase == PH_BT) {
		parse_frame(p, s);
		return;
	}
	if (p->phase == PH_HEX && is_hex_dump_line(s))
		return;
	if (starts_with(s, "comm \"")) {
		if (p->seen_comm)
			entry_fail(p, "second comm line");
		else
			parse_comm(p, s);
	} else if (starts_with(s, "leak: ")) {
		if (p->seen_leak)
			entry_fail(p, "second leak line");
		else
			parse_leak(p, s);
	} else if (starts_with(s, "cache: ")) {
		if (p->seen_cache)
			entry_fail(p, "second cache line");
		else
			parse_cache(p, s);
	} else if (starts_with(s, "hex dump")) {
		p->phase = PH_HEX;
	} else if (!strcmp(s, "backtrace:") ||
		   (starts_with(s, "backtrace (crc ") &&
		    s[strlen(s) - 1] == ':')) {
		const char *q = s + strlen("backtrace (crc ");
		uint64_t crc;

		if (s[9] == ' ') {
			if (!take_hex(&q, &crc) || crc > UINT32_MAX ||
			    strcmp(q, "):")) {
				entry_fail(p, "bad backtrace line");
				return;
			}
			p->cur.crc = crc;
			p->cur.has_crc = true;
		}
		p->phase = PH_BT;
		p->seen_bt = true;
	} else if (p->phase == PH_HEAD && is_future_key(s)) {
		return;
	} else {
		char buf[EXCERPT_MAX + 8];

		entry_fail(p, "unexpected line '%s'",
			   excerpt(s, buf, sizeof(buf)));
	}
}

static void handle_line(struct pstate *p, const char *line, size_t n,
			size_t off, size_t next)
{
	char buf[EXCERPT_MAX + 8];
	const char *s;
	size_t i;

	if (n + 1 > p->linecap) {
		p->linecap = n + 1 > 256 ? n + 1 : 256;
		p->line = xrealloc(p->line, p->linecap);
	}
	memcpy(p->line, line, n);
	p->line[n] = '\0';
	s = p->line;

	if (memchr(line, '\0', n)) {
		if (!p->in_entry)
			diag(p, p->lineno, "NUL byte in line");
		else if (!p->skipping)
			entry_fail(p, "NUL byte in line");
		if (p->in_entry)
			p->entry_end = next;
		return;
	}
	for (i = 0; s[i] == ' ' || s[i] == '\t'; i++)
		;
	if (!s[i])
		return;		/* blank lines carry nothing */
	if (s[0] == '#') {
		entry_end(p);
		header_line(p, s);
		return;
	}
	if (starts_with(s, KLT_ENTRY_PREFIX)) {
		entry_end(p);
		entry_begin(p, s, off, next);
		return;
	}
	if (i) {
		if (!p->in_entry) {
			diag(p, p->lineno, "indented line outside an entry: '%s'",
			     excerpt(s + i, buf, sizeof(buf)));
			return;
		}
		p->entry_end = next;
		if (!p->skipping)
			entry_line(p, s + i);
		return;
	}
	/*
	 * Unindented text that is neither header nor entry: it ends the
	 * current entry, which is kept only if it was already complete.
	 */
	entry_end(p);
	diag(p, p->lineno, "unexpected line '%s'", excerpt(s, buf, sizeof(buf)));
}

/*
 * jiffies is an unsigned long: 32 bits on 32-bit kernels, where it wraps
 * about five minutes after boot. When both values fit in 32 bits and the
 * newer one is smaller, the counter wrapped there; otherwise 64-bit
 * modular arithmetic is right.
 */
uint64_t klt_jiffies_delta(uint64_t now, uint64_t then)
{
	if (now < then && now <= UINT32_MAX && then <= UINT32_MAX)
		return (uint32_t)((uint32_t)now - (uint32_t)then);
	return now - then;
}

static void compute_ages(struct klt_report *r)
{
	uint64_t now, hz;

	if (!klt_report_get(r, KLT_HDR_JIFFIES, &now) ||
	    !klt_report_get(r, KLT_HDR_HZ, &hz) || !hz)
		return;
	for (size_t i = 0; i < r->nobj; i++) {
		struct klt_object *o = &r->obj[i];

		if (!o->has_jiffies)
			continue;
		o->age_s = klt_jiffies_delta(now, o->jiffies) / hz;
		o->has_age = true;
	}
}

/* Takes ownership of buf, which must be NUL-terminated at buf[len]. */
void klt_report_parse(struct klt_report *r, char *buf, size_t len)
{
	struct pstate p = { .r = r };
	size_t pos = 0;

	r->buf = buf;
	r->len = len;
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		size_t next = nl ? pos + n + 1 : len;

		p.lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		handle_line(&p, line, n, pos, next);
		pos = next;
	}
	entry_end(&p);
	section_end(&p);
	r->lines = p.lineno;
	compute_ages(r);
	free(p.frames);
	free(p.line);
}

/* Nothing usable at all: no header, no entry, only damage. */
bool klt_report_empty_input(const struct klt_report *r)
{
	return !r->has_magic && !r->nhdr && !r->nobj && r->parse_errors;
}

/* Every line understood, and every header agrees with its entries. */
bool klt_report_complete(const struct klt_report *r)
{
	return !r->parse_errors && !r->count_mismatches;
}

/*
 * The module's last scan classified nothing (its root walk was not
 * trusted): leaks it would have found are not in the report.
 */
bool klt_report_untrusted(const struct klt_report *r)
{
	for (size_t i = 0; i < r->nhdr; i++)
		if (!strcmp(r->hdr[i].key, KLT_HDR_LAST_UNTRUSTED))
			return !r->hdr[i].is_num || r->hdr[i].num;
	return false;
}

/* Entries that are leaks for all we know but are not in r->obj. */
uint64_t klt_report_unparsed(const struct klt_report *r)
{
	return r->skipped_entries + r->missing_entries;
}

void klt_frame_split(const char *frame, struct klt_frame_parts *p)
{
	const char *sp = strchr(frame, ' ');
	const char *plus;

	p->sym = frame;
	p->sym_len = sp ? (size_t)(sp - frame) : strlen(frame);
	p->mod = NULL;
	p->mod_len = 0;
	if (sp && sp[1] == '[') {
		p->mod = sp + 2;
		p->mod_len = strcspn(p->mod, " ]");
	}
	plus = memchr(frame, '+', p->sym_len);
	p->func = frame;
	p->func_len = plus ? (size_t)(plus - frame) : p->sym_len;
}
