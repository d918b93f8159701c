// SPDX-License-Identifier: GPL-2.0
/*
 * What a fuzzer's executor does with /sys/kernel/debug/kmemleak, for the
 * kmemleak-compat scenario (written from the description of the sequence,
 * not from any fuzzer's code):
 *
 *   kml-fuzz setup [FILE]   scan=off, scan, 5 s, scan, clear (one open
 *                           and write each)
 *   kml-fuzz check [FILE]   one O_RDWR descriptor: scan, ~4 s, scan, read;
 *                           if anything was read: 1 s, scan, lseek(0),
 *                           read again, split on "unreferenced object";
 *                           then clear
 *
 * "check" prints "LEAK <title>" per entry, titled from the first frame of
 * its backtrace that does not name an allocator helper, then "LEAKS <n>",
 * and exits 1 if n > 0. Any failed call prints why and exits 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENTRY "unreferenced object"

static const char *file = "/sys/kernel/debug/kmemleak";
static char buf[1 << 20];

static void die(const char *what)
{
	printf("ERROR %s: %s\n", what, strerror(errno));
	exit(2);
}

static void put(int fd, const char *word)
{
	size_t n = strlen(word);

	if (write(fd, word, n) != (ssize_t)n)
		die(word);
}

static void put_once(const char *word)
{
	int fd = open(file, O_WRONLY);

	if (fd < 0)
		die("open");
	put(fd, word);
	close(fd);
}

static ssize_t get(int fd)
{
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0)
		die("read");
	buf[n] = 0;
	return n;
}

/* Allocator helpers, matched as a prefix of the function name. */
static const char *const helpers[] = {
	"kmalloc", "__kmalloc", "kzalloc", "kvmalloc", "__kvmalloc",
	"krealloc", "__krealloc", "kmem_cache_alloc", "__kmem_cache_alloc",
	"kmalloc_trace", "__do_kmalloc", "slab_alloc", "__slab_alloc",
	"kmalloc_large", "kmalloc_order", "alloc_pages", "__alloc_pages",
	"kmemdup", "kstrdup", NULL,
};

static int is_helper(const char *fn, size_t len)
{
	for (int i = 0; helpers[i]; i++) {
		size_t h = strlen(helpers[i]);

		if (h <= len && !strncmp(fn, helpers[i], h))
			return 1;
	}
	return 0;
}

/* The title of the entry in [p, end): "memory leak in <function>". */
static void title(const char *p, const char *end)
{
	const char *bt = strstr(p, "backtrace");

	while (bt && bt < end) {
		const char *fr = strstr(bt, "[<"), *fn, *stop;

		if (!fr || fr >= end)
			break;
		fn = strstr(fr, "] ");
		if (!fn || fn >= end)
			break;
		fn += 2;
		stop = fn + strcspn(fn, "+ \n");
		if (!is_helper(fn, stop - fn)) {
			printf("LEAK memory leak in %.*s\n", (int)(stop - fn), fn);
			return;
		}
		bt = stop;
	}
	printf("LEAK memory leak in (no frame)\n");
}

int main(int argc, char **argv)
{
	int fd, nleaks = 0;
	ssize_t n;

	if (argc < 2)
		return 2;
	if (argc > 2)
		file = argv[2];
	if (!strcmp(argv[1], "setup")) {
		put_once("scan=off");
		put_once("scan");
		sleep(5);
		put_once("scan");
		put_once("clear");
		printf("SETUP done\n");
		return 0;
	}
	fd = open(file, O_RDWR);
	if (fd < 0)
		die("open");
	put(fd, "scan");
	sleep(4);
	put(fd, "scan");
	n = get(fd);
	printf("FIRST-READ %zd\n", n);
	if (n) {
		char *pos = buf, *end;

		sleep(1);
		put(fd, "scan");
		if (lseek(fd, 0, SEEK_SET) < 0)
			die("lseek");
		n = get(fd);
		end = buf + n;
		pos = strstr(buf, ENTRY);
		while (pos && pos < end) {
			char *next = strstr(pos + 1, ENTRY);

			if (!next)
				next = end;
			title(pos, next);
			nleaks++;
			pos = next;
		}
	}
	put(fd, "clear");
	close(fd);
	printf("LEAKS %d\n", nleaks);
	return nleaks ? 1 : 0;
}
