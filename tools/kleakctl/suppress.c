// SPDX-License-Identifier: GPL-2.0
/*
 * LeakSanitizer-style suppression files:
 *
 *   # comment
 *   leak:leaky_kmalloc          function name (offsets ignored)
 *   leak:leaky_*+0x1c/0x40      the full "func+off/size"
 *   leak:kleaktrack_leaky       module name
 *   leak:[kleaktrack_*]         module name only, glob inside the brackets
 *
 * A pattern is an fnmatch(3) glob; a group is suppressed when the pattern
 * matches any frame of its stack. The first matching suppression in file
 * order gets the credit in the "Suppressions used" table.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "kleakctl.h"

void klt_supps_init(struct klt_supps *s)
{
	memset(s, 0, sizeof(*s));
}

void klt_supps_free(struct klt_supps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].pattern);
		free(s->v[i].file);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void add(struct klt_supps *s, const char *file, unsigned line,
		const char *pat, size_t n)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = (struct klt_supp){
		.pattern = xstrndup(pat, n),
		.file = xstrdup(file),
		.line = line,
	};
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Returns 0, or -1 after printing one line per bad suppression. */
int klt_supps_parse(struct klt_supps *s, const char *name, const char *buf,
		    size_t len, FILE *err)
{
	unsigned lineno = 0;
	size_t pos = 0;
	int ret = 0;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		const char *pat;
		size_t plen;

		pos += n + (nl ? 1 : 0);
		lineno++;
		while (n && is_blank(*line)) {
			line++;
			n--;
		}
		while (n && is_blank(line[n - 1]))
			n--;
		if (!n || *line == '#')
			continue;
		pat = line + 5;
		plen = n >= 5 ? n - 5 : 0;
		while (plen && is_blank(*pat)) {
			pat++;
			plen--;
		}
		if (n < 5 || strncmp(line, "leak:", 5) || !plen ||
		    memchr(line, '\0', n)) {
			if (err) {
				fprintf(err, "kleakctl: %s:%u: bad suppression '",
					name, lineno);
				for (size_t i = 0; i < n && i < 80; i++)
					fputc(line[i] >= 0x20 && line[i] < 0x7f ?
					      line[i] : '?', err);
				fprintf(err, "%s' (expected leak:<pattern>)\n",
					n > 80 ? "..." : "");
			}
			ret = -1;
			continue;
		}
		add(s, name, lineno, pat, plen);
	}
	return ret;
}

int klt_supps_load(struct klt_supps *s, const char *path, FILE *err)
{
	char *buf;
	size_t len;
	int e = klt_read_path(path, &buf, &len);

	if (e) {
		if (err)
			fprintf(err, "kleakctl: %s: %s\n", path, strerror(e));
		return -1;
	}
	e = klt_supps_parse(s, path, buf, len, err);
	free(buf);
	return e;
}

static bool match_part(const char *pattern, const char *s, size_t n)
{
	char buf[512];

	if (!s || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return !fnmatch(pattern, buf, 0);
}

bool klt_supp_match_frame(const char *pattern, const char *frame)
{
	struct klt_frame_parts fp;
	size_t plen = strlen(pattern);

	klt_frame_split(frame, &fp);
	/* "[mod]" would be a one-character bracket expression to fnmatch. */
	if (plen >= 3 && pattern[0] == '[' && pattern[plen - 1] == ']') {
		char inner[256];

		if (plen - 2 >= sizeof(inner))
			return false;
		memcpy(inner, pattern + 1, plen - 2);
		inner[plen - 2] = '\0';
		return match_part(inner, fp.mod, fp.mod_len);
	}
	return match_part(pattern, fp.func, fp.func_len) ||
	       match_part(pattern, fp.sym, fp.sym_len) ||
	       match_part(pattern, fp.mod, fp.mod_len) ||
	       !fnmatch(pattern, frame, 0);
}

int klt_supps_match(const struct klt_supps *s, const struct klt_report *r,
		    uint32_t stack)
{
	const struct klt_stack *st = &r->stacks.stk[stack];

	for (size_t i = 0; i < s->n; i++)
		for (uint32_t k = 0; k < st->n; k++)
			if (klt_supp_match_frame(s->v[i].pattern,
				klt_str(&r->str, r->stacks.frames[st->off + k])))
				return i;
	return -1;
}
