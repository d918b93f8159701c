// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation wrappers, number parsing, file reading and the two intern
 * tables (strings and stacks) the parser builds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kleakctl.h"

/*
 * kleakctl is a short-lived command line tool: running out of memory has
 * no sensible recovery, so say so and stop with the environment-error
 * status rather than threading NULL checks through the parser.
 */
static void oom(void)
{
	fputs("kleakctl: out of memory\n", stderr);
	exit(KLT_EXIT_ERROR);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom();
	return xrealloc(p, n * size);
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* FNV-1a: tiny, and good enough for symbol names and id arrays. */
uint64_t klt_hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	while (n-- && c) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * strtoull() accepts leading blanks and a minus sign (and wraps it);
 * report values and command line numbers must be plain digits.
 */
bool klt_parse_u64(const char *s, int base, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s)
		return false;
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (const char *c = s; *c; c++) {
		bool ok = base == 16 ? (*c >= '0' && *c <= '9') ||
				       (*c >= 'a' && *c <= 'f') ||
				       (*c >= 'A' && *c <= 'F')
				     : (*c >= '0' && *c <= '9');
		if (!ok)
			return false;
	}
	if (!*s)
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Addresses are hexadecimal with or without 0x, as the kernel prints them. */
bool klt_parse_addr(const char *s, uint64_t *out)
{
	return klt_parse_u64(s, 16, out);
}

/*
 * debugfs and sysfs files report st_size 0, so read until EOF rather than
 * trusting fstat().
 */
int klt_read_fd(int fd, char **bufp, size_t *lenp)
{
	size_t cap = 65536, len = 0;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			if (cap > SIZE_MAX / 2)
				oom();
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

int klt_read_path(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return errno;
	err = klt_read_fd(fd, buf, len);
	close(fd);
	return err;
}

/* ---- string intern table ---- */

void klt_strtab_init(struct klt_strtab *t)
{
	memset(t, 0, sizeof(*t));
}

void klt_strtab_free(struct klt_strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->len);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void strtab_rehash(struct klt_strtab *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 1024;
	uint32_t *slots = xreallocarray(NULL, nslots, sizeof(*slots));

	memset(slots, 0xff, nslots * sizeof(*slots));
	for (size_t i = 0; i < t->n; i++) {
		size_t h = klt_hash(t->str[i], t->len[i], KLT_HASH_SEED);

		while (slots[h & (nslots - 1)] != KLT_NONE)
			h++;
		slots[h & (nslots - 1)] = i;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
}

uint32_t klt_intern(struct klt_strtab *t, const char *s, size_t n)
{
	size_t h;

	/* Keep the load factor under one half so probes stay short. */
	if ((t->n + 1) * 2 > t->nslots)
		strtab_rehash(t);
	h = klt_hash(s, n, KLT_HASH_SEED);
	for (;; h++) {
		uint32_t id = t->slots[h & (t->nslots - 1)];

		if (id == KLT_NONE)
			break;
		if (t->len[id] == n && !memcmp(t->str[id], s, n))
			return id;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->str = xreallocarray(t->str, t->cap, sizeof(*t->str));
		t->len = xreallocarray(t->len, t->cap, sizeof(*t->len));
	}
	t->str[t->n] = xstrndup(s, n);
	t->len[t->n] = n;
	t->slots[h & (t->nslots - 1)] = t->n;
	return t->n++;
}

/* ---- stack intern table ---- */

void klt_stacktab_init(struct klt_stacktab *t)
{
	memset(t, 0, sizeof(*t));
}

void klt_stacktab_free(struct klt_stacktab *t)
{
	free(t->frames);
	free(t->stk);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void stacktab_rehash(struct klt_stacktab *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 1024;
	uint32_t *slots = xreallocarray(NULL, nslots, sizeof(*slots));

	memset(slots, 0xff, nslots * sizeof(*slots));
	for (size_t i = 0; i < t->n; i++) {
		size_t h = t->stk[i].hash;

		while (slots[h & (nslots - 1)] != KLT_NONE)
			h++;
		slots[h & (nslots - 1)] = i;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
}

uint32_t klt_stack_intern(struct klt_stacktab *t, const uint32_t *frames,
			  size_t n)
{
	uint64_t hash = klt_hash(frames, n * sizeof(*frames), KLT_HASH_SEED);
	size_t h;

	if ((t->n + 1) * 2 > t->nslots)
		stacktab_rehash(t);
	for (h = hash;; h++) {
		uint32_t id = t->slots[h & (t->nslots - 1)];
		const struct klt_stack *s;

		if (id == KLT_NONE)
			break;
		s = &t->stk[id];
		if (s->hash == hash && s->n == n &&
		    (!n || !memcmp(t->frames + s->off, frames,
				   n * sizeof(*frames))))
			return id;
	}
	if (t->nframes + n > t->capframes) {
		while (t->nframes + n > t->capframes)
			t->capframes = t->capframes ? t->capframes * 2 : 1024;
		t->frames = xreallocarray(t->frames, t->capframes,
					  sizeof(*t->frames));
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->stk = xreallocarray(t->stk, t->cap, sizeof(*t->stk));
	}
	if (n)
		memcpy(t->frames + t->nframes, frames, n * sizeof(*frames));
	t->stk[t->n] = (struct klt_stack){
		.off = t->nframes, .n = n, .hash = hash,
	};
	t->nframes += n;
	t->slots[h & (t->nslots - 1)] = t->n;
	return t->n++;
}

/*
 * A reader (node_exporter's textfile collector, a log shipper) must never
 * see half a file: write a temporary file next to @path, then rename it
 * over @path. Returns NULL with errno set on failure.
 */
FILE *klt_atomic_open(const char *path, char **tmp)
{
	size_t n = strlen(path) + sizeof(".tmp.XXXXXX");
	struct stat st;
	FILE *f;
	int fd;

	*tmp = NULL;
	/*
	 * A rename would replace a device node (/dev/stdout, as root) or a
	 * symlink with a regular file: only regular files are replaced.
	 */
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		errno = S_ISLNK(st.st_mode) ? ELOOP : EINVAL;
		return NULL;
	}
	*tmp = xmalloc(n);
	snprintf(*tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkstemp(*tmp);
	if (fd < 0)
		goto err;
	/* mkstemp() makes it 0600; the collector may run as another user. */
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		unlink(*tmp);
		errno = e;
		goto err;
	}
	return f;
err:
	free(*tmp);
	*tmp = NULL;
	return NULL;
}

/* 0, or -1 with errno set; @tmp is removed on failure and freed always. */
int klt_atomic_commit(FILE *f, char *tmp, const char *path)
{
	int rc = 0, e = 0;

	errno = 0;
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		e = errno ? errno : EIO;
		rc = -1;
	}
	if (fclose(f) && !rc) {
		e = errno;
		rc = -1;
	}
	if (!rc && rename(tmp, path)) {
		e = errno;
		rc = -1;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	errno = e;
	return rc;
}
