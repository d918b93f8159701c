// SPDX-License-Identifier: GPL-2.0
/*
 * LeakSanitizer-style suppression files:
 *
 *   # comment
 *   leak:kobject                a substring of a function or module name
 *   leak:^kobject_add$          anchored at either end
 *   leak:leaky_*_alloc          '*' matches any run of characters
 *   leak:[kleaktrack_leaky]     the module, as the backtrace brackets it
 *   leak:leaky_*+0x1c/0x40      with a '+': the frame text, offsets too
 *
 * The patterns are matched the way LSan matches its "leak:" templates
 * (TemplateMatch in compiler-rt's sanitizer_common): the pattern, split
 * at each '*', must appear in order as substrings; a leading '^' and a
 * trailing '$' anchor it. Users of LSan expect "leak:foo" to catch
 * foo_bar, and kleakctl claims LSan's style, so it does the same.
 *
 * LSan matches each frame's module, function and source file; a kernel
 * backtrace has no file names, and the core kernel's frames no module.
 * The module is tried bare and in the brackets the kernel prints around
 * it, so "leak:[mod]" matches exactly module mod, as matching the frame
 * text literally would. Offsets are not part of a function name, so only
 * a pattern that asks for them (it has a '+') sees the whole frame text.
 *
 * As in LSan, frames are tried from the allocation site outwards, each
 * first by module and then by function, and the first suppression (in
 * file order) that matches the first matching frame gets the credit.
 */
#include <errno.h>
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

static const char *find(const char *s, size_t n, const char *w, size_t wn)
{
	for (size_t i = 0; wn <= n && i <= n - wn; i++)
		if (!memcmp(s + i, w, wn))
			return s + i;
	return NULL;
}

/*
 * LSan's template semantics on s[0..n). Unlike LSan's loop, the last
 * piece of a '$'-anchored pattern is looked for at the end rather than
 * at its first occurrence, so "leak:a*b$" matches "abab" too.
 */
bool klt_template_match(const char *pat, const char *s, size_t n)
{
	size_t plen = strlen(pat), pos = 0;
	bool start = false, end = false;
	const char *seg, *pend;

	if (!s || !n)
		return false;	/* LSan: nothing matches an unknown name */
	if (*pat == '^') {
		start = true;
		pat++;
		plen--;
	}
	if (plen && pat[plen - 1] == '$') {
		end = true;
		plen--;
	}
	pend = pat + plen;
	for (seg = pat;; seg++) {
		const char *star = memchr(seg, '*', pend - seg);
		size_t len = (star ? star : pend) - seg;
		bool first = seg == pat;

		if (!star && end) {
			if (len > n - pos || memcmp(s + n - len, seg, len))
				return false;
			return !(first && start) || len == n;
		}
		if (first && start) {
			if (len > n || memcmp(s, seg, len))
				return false;
			pos = len;
		} else if (len) {
			const char *hit = find(s + pos, n - pos, seg, len);

			if (!hit)
				return false;
			pos = hit - s + len;
		}
		if (!star)
			return true;
		seg = star;
	}
}

/* "[mod]", as the backtrace prints it; false if there is no module. */
static bool match_module(const char *pat, const struct klt_frame_parts *fp)
{
	char br[258];

	if (!fp->mod)
		return false;
	if (klt_template_match(pat, fp->mod, fp->mod_len))
		return true;
	if (fp->mod_len + 2 >= sizeof(br))
		return false;
	br[0] = '[';
	memcpy(br + 1, fp->mod, fp->mod_len);
	br[fp->mod_len + 1] = ']';
	return klt_template_match(pat, br, fp->mod_len + 2);
}

static bool match_function(const char *pat, const char *frame,
			   const struct klt_frame_parts *fp)
{
	if (strchr(pat, '+'))
		return klt_template_match(pat, frame, strlen(frame));
	return klt_template_match(pat, fp->func, fp->func_len);
}

bool klt_supp_match_frame(const char *pattern, const char *frame)
{
	struct klt_frame_parts fp;

	klt_frame_split(frame, &fp);
	return match_module(pattern, &fp) ||
	       match_function(pattern, frame, &fp);
}

int klt_supps_match(const struct klt_supps *s, const struct klt_report *r,
		    uint32_t stack)
{
	const struct klt_stack *st = &r->stacks.stk[stack];

	for (uint32_t k = 0; k < st->n; k++) {
		const char *frame =
			klt_str(&r->str, r->stacks.frames[st->off + k]);
		struct klt_frame_parts fp;

		klt_frame_split(frame, &fp);
		for (size_t i = 0; i < s->n; i++)
			if (match_module(s->v[i].pattern, &fp))
				return i;
		for (size_t i = 0; i < s->n; i++)
			if (match_function(s->v[i].pattern, frame, &fp))
				return i;
	}
	return -1;
}
