// SPDX-License-Identifier: GPL-2.0
/*
 * Everything that touches the running kernel: the report and command
 * words (/dev/kleaktrack, or the debugfs file) and the module parameters,
 * plus turning the errno of a failed open into the one line that tells a
 * person what to do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kleakctl.h"

#define DEBUGFS_MAGIC	0x64626720

const char *const klt_params[] = {
	"min_age_ms", "scan_interval_s", "max_objects", "stack_depth",
	"sample", NULL,
};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static bool is_chardev(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISCHR(st.st_mode);
}

/*
 * Where the report is read and the words are written. KLEAKTRACK_DEBUGFS
 * or KLEAKTRACK_DEVICE, when set, is used as given. Otherwise the device
 * when it exists: it is the same report and the same words, opens under
 * kernel lockdown (where debugfs refuses any file with a write bit) and
 * needs no debugfs mount; the debugfs file for a kleaktrack that has no
 * device, or a /dev without it.
 */
const char *klt_debugfs_path(void)
{
	static const char *path;

	if (path)
		return path;
	path = getenv("KLEAKTRACK_DEBUGFS");
	if (!path || !*path)
		path = getenv("KLEAKTRACK_DEVICE");
	if (!path || !*path)
		path = is_chardev(KLT_DEVICE_PATH) ? KLT_DEVICE_PATH
						   : KLT_DEBUGFS_PATH;
	return path;
}

/* Whether the path in use is a debugfs file (for the error diagnosis). */
static bool on_debugfs(const char *path)
{
	return !is_chardev(path) && strcmp(path, env_or("KLEAKTRACK_DEVICE", ""));
}

/* Tests point this at a log file to see the words without a kernel. */
const char *klt_cmd_path(void)
{
	return env_or("KLEAKTRACK_DEBUGFS_CMD", klt_debugfs_path());
}

const char *klt_params_path(void)
{
	return env_or("KLEAKTRACK_PARAMS", KLT_PARAMS_PATH);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, slash - path);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/*
 * An unmounted /sys/kernel/debug is an empty directory. When the
 * directory cannot be listed (not root) we cannot tell; say mounted and
 * let the permission error speak.
 */
static bool dir_populated(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool any = false;

	if (!d)
		return errno == EACCES || errno == EPERM;
	while (!any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return any;
}

enum klt_env_err klt_classify_open_error(int err, bool is_root, bool debugfs,
					 bool mounted, bool loaded)
{
	if ((err == EACCES || err == EPERM) && !is_root)
		return KLT_ENV_NOT_ROOT;
	/* Root gets EPERM from debugfs only when lockdown forbids it. */
	if (err == EPERM && debugfs)
		return KLT_ENV_LOCKDOWN;
	if (err == ENOENT || err == ENOTDIR) {
		if (debugfs && !mounted)
			return KLT_ENV_NOT_MOUNTED;
		if (!loaded)
			return KLT_ENV_NOT_LOADED;
	}
	return KLT_ENV_OTHER;
}

/* Print the one-line diagnosis for a failed open of path; returns 2. */
int klt_env_report_error(int err, const char *path, bool debugfs)
{
	char *dir = dir_of(path);
	char *moddir = dir_of(klt_params_path());
	bool mounted = true, loaded = true;

	if (err == ENOENT || err == ENOTDIR) {
		mounted = dir_populated(dir);
		loaded = path_exists(moddir);
	}
	switch (klt_classify_open_error(err, geteuid() == 0, debugfs, mounted,
					loaded)) {
	case KLT_ENV_NOT_MOUNTED:
		fprintf(stderr,
			"kleakctl: debugfs is not mounted: mount -t debugfs none %s\n",
			dir);
		break;
	case KLT_ENV_NOT_LOADED:
		fputs("kleakctl: kleaktrack is not loaded: modprobe kleaktrack\n",
		      stderr);
		break;
	case KLT_ENV_NOT_ROOT:
		fprintf(stderr, "kleakctl: must be run as root (%s: %s)\n",
			path, strerror(err));
		break;
	case KLT_ENV_LOCKDOWN:
		fputs("kleakctl: kernel lockdown blocks debugfs access (see /sys/kernel/security/lockdown)"
		      " and there is no " KLT_DEVICE_PATH
		      " (kleaktrack too old, or no devtmpfs: see \"kleaktrack\" in /proc/misc)\n",
		      stderr);
		break;
	case KLT_ENV_OTHER:
		if (debugfs && (err == ENOENT || err == ENOTDIR))
			fprintf(stderr,
				"kleakctl: %s: %s (kleaktrack is loaded but its debugfs file is missing)\n",
				path, strerror(err));
		else
			fprintf(stderr, "kleakctl: %s: %s\n", path,
				strerror(err));
		break;
	}
	free(dir);
	free(moddir);
	return KLT_EXIT_ERROR;
}

/* "-" is standard input; any other path is a saved report. */
int klt_read_report_source(const char *path, char **buf, size_t *len)
{
	int err;

	if (!strcmp(path, "-"))
		err = klt_read_fd(STDIN_FILENO, buf, len);
	else
		err = klt_read_path(path, buf, len);
	if (err) {
		fprintf(stderr, "kleakctl: %s: %s\n", path, strerror(err));
		return KLT_EXIT_ERROR;
	}
	return 0;
}

static int open_debugfs(int flags, const char *path)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return -klt_env_report_error(errno, path, on_debugfs(path));
	return fd;
}

int klt_read_debugfs(char **buf, size_t *len)
{
	const char *path = klt_debugfs_path();
	int fd = open_debugfs(O_RDONLY, path);
	int err;

	if (fd < 0)
		return -fd;
	err = klt_read_fd(fd, buf, len);
	close(fd);
	if (err) {
		fprintf(stderr, "kleakctl: %s: %s\n", path, strerror(err));
		return KLT_EXIT_ERROR;
	}
	return 0;
}

/*
 * Only the header lines, for "scan" and "stats": a report with 100k
 * entries is megabytes the kernel would format for nothing.
 */
int klt_read_debugfs_header(char **bufp, size_t *lenp)
{
	const char *path = klt_debugfs_path();
	size_t cap = 8192, len = 0;
	char *buf;
	int fd = open_debugfs(O_RDONLY, path);

	if (fd < 0)
		return -fd;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;
		char *hit;

		if (cap - len < 4096) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			fprintf(stderr, "kleakctl: %s: %s\n", path,
				strerror(err));
			free(buf);
			close(fd);
			return KLT_EXIT_ERROR;
		}
		if (n == 0)
			break;
		len += n;
		buf[len] = '\0';
		if (!strncmp(buf, KLT_ENTRY_PREFIX, strlen(KLT_ENTRY_PREFIX))) {
			len = 0;
			break;
		}
		hit = strstr(buf, "\n" KLT_ENTRY_PREFIX);
		if (hit) {
			len = hit - buf + 1;
			break;
		}
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

/*
 * Returns 0, KLT_EXIT_ERROR after printing why, or -1 if a signal
 * interrupted a long scan (the caller decides whether that is an error).
 */
int klt_write_cmd(const char *word)
{
	const char *path = klt_cmd_path();
	char buf[KLT_CMD_MAX_LEN + 2];
	struct statfs sfs;
	struct stat st;
	ssize_t w;
	int fd, n;

	n = snprintf(buf, sizeof(buf), "%s\n", word);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		fprintf(stderr, "kleakctl: command '%s' is too long\n", word);
		return KLT_EXIT_ERROR;
	}
	fd = open_debugfs(O_WRONLY, path);
	if (fd < 0)
		return -fd;
	/*
	 * On debugfs the word is written exactly as "echo word > file"
	 * would. Anywhere else (a test's log file) append, so a sequence
	 * of words can be checked afterwards.
	 */
	if (!fstatfs(fd, &sfs) && sfs.f_type != DEBUGFS_MAGIC &&
	    !fstat(fd, &st) && S_ISREG(st.st_mode))
		fcntl(fd, F_SETFL, O_APPEND);
	w = write(fd, buf, n);
	if (w < 0) {
		int err = errno;

		close(fd);
		if (err == EINTR)
			return -1;
		if (err == EINVAL)
			fprintf(stderr,
				"kleakctl: kleaktrack rejected '%s' (%s)\n",
				word, strerror(err));
		else
			fprintf(stderr, "kleakctl: writing '%s' to %s: %s\n",
				word, path, strerror(err));
		return KLT_EXIT_ERROR;
	}
	close(fd);
	if (w != n) {
		fprintf(stderr, "kleakctl: writing '%s' to %s: short write\n",
			word, path);
		return KLT_EXIT_ERROR;
	}
	return 0;
}

bool klt_param_known(const char *name)
{
	for (int i = 0; klt_params[i]; i++)
		if (!strcmp(name, klt_params[i]))
			return true;
	return false;
}

static char *param_path(const char *name)
{
	const char *dir = klt_params_path();
	char *p = xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* Quiet: returns 0, or -1 with *err set (EINVAL for a non-number). */
int klt_param_read(const char *name, uint64_t *val, int *err)
{
	char *path = param_path(name);
	char *buf;
	size_t len;

	*err = klt_read_path(path, &buf, &len);
	free(path);
	if (*err)
		return -1;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	if (!klt_parse_u64(buf, 10, val)) {
		*err = EINVAL;
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* A parameter that is a word, not a number (kmemleak_compat); or NULL. */
char *klt_param_read_text(const char *name)
{
	char *path = param_path(name);
	char *buf;
	size_t len;
	int err = klt_read_path(path, &buf, &len);

	free(path);
	if (err)
		return NULL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

int klt_param_write(const char *name, const char *val)
{
	char *path = param_path(name);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t n = strlen(val);
	char *buf;
	ssize_t w;
	int err;

	if (fd < 0) {
		klt_env_report_error(errno, path, false);
		free(path);
		return KLT_EXIT_ERROR;
	}
	buf = xmalloc(n + 2);
	memcpy(buf, val, n);
	buf[n] = '\n';
	w = write(fd, buf, n + 1);
	err = errno;
	close(fd);
	free(buf);
	if (w != (ssize_t)(n + 1)) {
		if (w < 0 && err == EINVAL)
			fprintf(stderr, "kleakctl: the kernel rejected %s=%s (%s)\n",
				name, val, strerror(err));
		else
			fprintf(stderr, "kleakctl: writing %s: %s\n", path,
				w < 0 ? strerror(err) : "short write");
		free(path);
		return KLT_EXIT_ERROR;
	}
	free(path);
	return 0;
}
