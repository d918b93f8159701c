// SPDX-License-Identifier: GPL-2.0
/*
 * A small streaming JSON writer. Report fields come from the kernel and
 * from whatever a task named itself (comm), so strings are escaped
 * defensively: control characters and every byte that is not part of a
 * well-formed UTF-8 sequence become \u00XX, which keeps the document
 * valid for strict parsers whatever the input held.
 */
#include <stdlib.h>
#include <string.h>

#include "kleakctl.h"

/* Length of the well-formed UTF-8 sequence at s, or 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF. */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void klt_json_string(FILE *f, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", f);
			i++;
			continue;
		case '\n':
			fputs("\\n", f);
			i++;
			continue;
		case '\t':
			fputs("\\t", f);
			i++;
			continue;
		case '\r':
			fputs("\\r", f);
			i++;
			continue;
		}
		len = c < 0x20 || c == 0x7f ? 0 : utf8_len(s + i, n - i);
		if (!len) {
			fputs("\\u00", f);
			fputc(hex[c >> 4], f);
			fputc(hex[c & 15], f);
			i++;
			continue;
		}
		fwrite(s + i, 1, len, f);
		i += len;
	}
	fputc('"', f);
}

void klt_json_init(struct klt_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void indent(struct klt_json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator and layout before any value or key at the current depth. */
static void before_value(struct klt_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth == 0)
		return;
	if (j->inline_[j->depth])
		return;
	indent(j);
}

static void begin(struct klt_json *j, char c, bool inline_)
{
	before_value(j);
	fputc(c, j->f);
	/* Documents here are a few levels deep; deeper is a bug. */
	if (j->depth + 1 >= KLT_JSON_MAXDEPTH)
		abort();
	j->depth++;
	j->first[j->depth] = true;
	/* Inside an inline container everything stays on one line. */
	j->inline_[j->depth] = inline_ || j->inline_[j->depth - 1];
}

static void end(struct klt_json *j, char c)
{
	bool empty = j->first[j->depth];
	bool inl = j->inline_[j->depth];

	j->depth--;
	if (!empty && !inl)
		indent(j);
	fputc(c, j->f);
}

void klt_json_begin_object(struct klt_json *j, bool inline_)
{
	begin(j, '{', inline_);
}

void klt_json_end_object(struct klt_json *j)
{
	end(j, '}');
}

void klt_json_begin_array(struct klt_json *j, bool inline_)
{
	begin(j, '[', inline_);
}

void klt_json_end_array(struct klt_json *j)
{
	end(j, ']');
}

void klt_json_key(struct klt_json *j, const char *key)
{
	before_value(j);
	klt_json_string(j->f, key, strlen(key));
	fputs(j->inline_[j->depth] ? ":" : ": ", j->f);
	j->after_key = true;
}

void klt_json_strn(struct klt_json *j, const char *s, size_t n)
{
	before_value(j);
	klt_json_string(j->f, s, n);
}

void klt_json_str(struct klt_json *j, const char *s)
{
	if (!s) {
		klt_json_null(j);
		return;
	}
	klt_json_strn(j, s, strlen(s));
}

void klt_json_u64(struct klt_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void klt_json_bool(struct klt_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
}

void klt_json_null(struct klt_json *j)
{
	before_value(j);
	fputs("null", j->f);
}

/* Addresses are strings: JSON numbers lose precision above 2^53. */
void klt_json_addr(struct klt_json *j, uint64_t addr)
{
	before_value(j);
	fprintf(j->f, "\"0x%08llx\"", (unsigned long long)addr);
}

void klt_json_finish(struct klt_json *j)
{
	fputc('\n', j->f);
}
