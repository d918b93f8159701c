// SPDX-License-Identifier: GPL-2.0
/*
 * kleakctl: the command line front end of kleaktrack.
 *
 * Exit status is a contract with CI scripts: 0 no leaks (after filters
 * and suppressions), 1 leaks found, 2 usage or environment error, 3 the
 * report was not fully parsed. "report" fails closed: an entry it cannot
 * read, or a header count that disagrees with the entries, may hide a
 * leak, so it is never status 0 and beats status 1 (see kleakctl.h).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kleakctl.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const char usage_main[] =
"Usage: kleakctl [--help] [--version] COMMAND [OPTIONS]\n"
"\n"
"Find slab memory leaks with the kleaktrack kernel module.\n"
"\n"
"Commands:\n"
"  scan     scan memory now and print how many new leaks were found\n"
"  report   print the leaks grouped by allocation stack (text, JSON, folded)\n"
"  clear    forget the leaks reported so far\n"
"  dump     print one object's entry to the kernel log\n"
"  stats    show the report counters and the module parameters\n"
"  set      change a module parameter\n"
"  watch    scan periodically and print leak groups as they appear\n"
"  metrics  print the report as Prometheus metrics (node_exporter textfile)\n"
"  help     show the help of a command\n"
"\n"
"Run 'kleakctl COMMAND --help' for the options of a command.\n"
"Exit status: 0 no leaks, 1 leaks found (report), 2 usage or environment error,\n"
"3 report not fully parsed (report).\n"
"Environment: KLEAKTRACK_DEBUGFS, KLEAKTRACK_DEVICE, KLEAKTRACK_DEBUGFS_CMD,\n"
"KLEAKTRACK_PARAMS\n"
"(see kleakctl(8)).\n";

static const char usage_scan[] =
"Usage: kleakctl scan [--twice] [--wait-age]\n"
"\n"
"Write 'scan' to the kleaktrack debugfs file, wait for the scan to finish\n"
"and print 'N new suspected leaks (M bytes)'. Exits 0 whether or not leaks\n"
"were found; use 'kleakctl report' for a status that reflects leaks.\n"
"\n"
"  --twice      scan, wait min_age_ms, scan again (confirms young objects)\n"
"  --wait-age   wait min_age_ms before the first scan\n"
"  -h, --help   show this help\n";

static const char usage_report[] =
"Usage: kleakctl report [OPTIONS]\n"
"\n"
"Print the suspected leaks grouped by allocation stack, LeakSanitizer style:\n"
"direct leaks first, then indirect ones, each sorted by bytes.\n"
"\n"
"  --file PATH          read a saved report (or '-' for stdin) instead of\n"
"                       debugfs; kmemleak reports are accepted too\n"
"  --json               print one JSON document\n"
"  --folded             print flame graph folded stacks weighted by bytes\n"
"  --all-objects        print the raw per-object entries instead of groups\n"
"                       (with --json: add an \"objects\" array)\n"
"  --direct-only        ignore indirect leaks\n"
"  --min-age SEC        ignore objects younger than SEC seconds\n"
"  --min-size N         ignore objects smaller than N bytes\n"
"  --module NAME        keep groups with a frame in module NAME (a glob)\n"
"  --suppress FILE      apply a suppression file (leak:<pattern> lines, as\n"
"                       LeakSanitizer matches them); may be repeated\n"
"  --limit N            print at most N groups (the summary counts all)\n"
"  --fail-on=direct|any what makes the exit status 1 (default: any)\n"
"  -h, --help           show this help\n"
"\n"
"Exit status: 0 no leaks left after filters and suppressions, 1 leaks,\n"
"2 usage or environment error, or a report of which nothing could be read,\n"
"3 the report was not fully parsed (an entry kleakctl cannot read, or a\n"
"header count that disagrees with the entries), with or without leaks;\n"
"no filter or suppression hides it.\n";

static const char usage_clear[] =
"Usage: kleakctl clear\n"
"\n"
"Write 'clear': the leaks reported so far are forgotten and only leaks\n"
"found by later scans are reported.\n"
"\n"
"  -h, --help   show this help\n";

static const char usage_dump[] =
"Usage: kleakctl dump ADDR\n"
"\n"
"Write 'dump=ADDR': the module prints what it knows about the object at\n"
"ADDR (hexadecimal, 0x optional) to the kernel log; read it with dmesg.\n"
"\n"
"  -h, --help   show this help\n";

static const char usage_stats[] =
"Usage: kleakctl stats [--file PATH] [--json]\n"
"\n"
"Show the report header counters and the module parameters as a table.\n"
"\n"
"  --file PATH  show the header of a saved report (no parameters)\n"
"  --json       print a JSON object {\"header\": {...}, \"parameters\": {...}}\n"
"  -h, --help   show this help\n";

static const char usage_set[] =
"Usage: kleakctl set PARAM=VALUE...\n"
"\n"
"Write module parameters. PARAM is one of min_age_ms, scan_interval_s,\n"
"max_objects, stack_depth, sample; VALUE is an unsigned decimal integer.\n"
"\n"
"  -h, --help   show this help\n";

static const char usage_watch[] =
"Usage: kleakctl watch [--interval SEC] [--count N] [FILTERS]\n"
"\n"
"Scan every SEC seconds and print each leak group the first time it\n"
"appears. Stops on Ctrl-C (exit status 0) or after N scans.\n"
"\n"
"  --interval SEC       seconds between scans (default 30)\n"
"  --count N            stop after N scans (default: run until interrupted)\n"
"  --direct-only, --min-age SEC, --min-size N, --module NAME,\n"
"  --suppress FILE      as for 'kleakctl report'\n"
"  -h, --help           show this help\n";

static const char usage_metrics[] =
"Usage: kleakctl metrics [--file PATH] [--top N] [--output PATH]\n"
"\n"
"Print the report's counters and its leaks, summed per allocating function\n"
"(the first frame that is not an allocator) and module, in the Prometheus\n"
"text format, for node_exporter's textfile collector.\n"
"\n"
"  --file PATH    read a saved report (or '-') instead of debugfs; its\n"
"                 modification time is taken as the time it was read\n"
"  --top N        series for the N functions with the most leaked bytes\n"
"                 (default 10; kleaktrack_leak_sites counts them all)\n"
"  --output PATH  write PATH atomically (a temporary file renamed over it)\n"
"                 instead of standard output; when no report can be read,\n"
"                 PATH still gets kleaktrack_up 0\n"
"  -h, --help     show this help\n"
"\n"
"Exit status: 0, or 2 if no report could be read or PATH not written.\n";

static const char usage_help[] =
"Usage: kleakctl help [COMMAND]\n"
"\n"
"Show the help of COMMAND, or the list of commands.\n";

static const char *cmd_name = "kleakctl";
static const char *cmd_usage = usage_main;

/*
 * One line that names the problem and one that says where help is: the
 * whole usage would push the actual error off a CI log's screen.
 */
__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n",
		cmd_name);
	return KLT_EXIT_ERROR;
}

static int help(void)
{
	fputs(cmd_usage, stdout);
	return KLT_EXIT_OK;
}

/*
 * getopt_long's '?' or ':' turned into our message. For a short option
 * optopt is the letter, and argv[optind - 1] may be the word before it:
 * in "-xy" getopt has not moved past the word when it rejects the x.
 * For a long option optopt is 0 (unknown) or its value, which is
 * outside the letters here (missing value), and argv[optind - 1] is it.
 */
static int bad_option(int c, char **argv)
{
	const char *opt = argv[optind - 1];
	char buf[3] = { '-', (char)optopt, 0 };

	if (optopt > ' ' && optopt < 0x7f && strncmp(opt, "--", 2))
		opt = buf;
	if (c == ':')
		return usage_error("option '%s' needs a value", opt);
	return usage_error("unknown option '%s'", opt);
}

static bool opt_number(const char *opt, const char *arg, uint64_t *v)
{
	if (klt_parse_u64(arg, 10, v))
		return true;
	usage_error("%s: '%s' is not an unsigned number", opt, arg);
	return false;
}

static int no_args(int argc, char **argv)
{
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* ---- sleeping and signals ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked sleep or scan must return to notice. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000,
	};

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int read_min_age(uint64_t *ms)
{
	char path[4096];
	int err;

	if (!klt_param_read("min_age_ms", ms, &err))
		return 0;
	snprintf(path, sizeof(path), "%s/min_age_ms", klt_params_path());
	if (err == EINVAL) {
		fprintf(stderr, "kleakctl: %s does not hold a number\n", path);
		return KLT_EXIT_ERROR;
	}
	return klt_env_report_error(err, path, false);
}

/* ---- scan ---- */

struct scan_result {
	uint64_t new_leaks, new_bytes, leaks, bytes;
	bool has_new, has_total;
};

static int scan_once(struct scan_result *res)
{
	struct klt_report r;
	uint64_t n, b;
	char *buf;
	size_t len;
	int rc = klt_write_cmd("scan");

	if (rc)
		return rc;
	rc = klt_read_debugfs_header(&buf, &len);
	if (rc)
		return rc;
	klt_report_init(&r, klt_debugfs_path(), stderr);
	r.check_counts = false;		/* the header without its entries */
	klt_report_parse(&r, buf, len);
	if (klt_report_get(&r, KLT_HDR_NEW_LEAKS, &n) &&
	    klt_report_get(&r, KLT_HDR_NEW_BYTES, &b)) {
		res->new_leaks += n;
		res->new_bytes += b;
		res->has_new = true;
	}
	if (klt_report_get(&r, KLT_HDR_LEAKS, &n) &&
	    klt_report_get(&r, KLT_HDR_LEAK_BYTES, &b)) {
		res->leaks = n;
		res->bytes = b;
		res->has_total = true;
	}
	klt_report_free(&r);
	return 0;
}

static int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "twice", no_argument, NULL, 't' },
		{ "wait-age", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct scan_result res = { 0 };
	bool twice = false, wait_age = false;
	uint64_t min_age = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			twice = true;
			break;
		case 'w':
			wait_age = true;
			break;
		case 'h':
			return help();
		default:
			return bad_option(c, argv);
		}
	}
	if ((rc = no_args(argc, argv)))
		return rc;
	if ((twice || wait_age) && (rc = read_min_age(&min_age)))
		return rc;
	if (wait_age)
		sleep_ms(min_age);
	if ((rc = scan_once(&res)))
		return rc < 0 ? KLT_EXIT_ERROR : rc;
	if (twice) {
		/*
		 * Objects younger than min_age_ms are never reported; after
		 * this wait everything allocated before the first scan is old
		 * enough, and a second scan confirms it is still unreferenced.
		 */
		sleep_ms(min_age + min_age / 10 + 100);
		if ((rc = scan_once(&res)))
			return rc < 0 ? KLT_EXIT_ERROR : rc;
	}
	if (res.has_new)
		printf("%llu new suspected leaks (%llu bytes)\n",
		       (unsigned long long)res.new_leaks,
		       (unsigned long long)res.new_bytes);
	else if (res.has_total)
		printf("scan done; %llu suspected leaks (%llu bytes) reported\n",
		       (unsigned long long)res.leaks,
		       (unsigned long long)res.bytes);
	else
		printf("scan done\n");
	return KLT_EXIT_OK;
}

/* ---- report ---- */

enum {
	OPT_JSON = 256, OPT_FOLDED, OPT_ALL, OPT_DIRECT, OPT_MIN_AGE,
	OPT_MIN_SIZE, OPT_MODULE, OPT_SUPPRESS, OPT_LIMIT, OPT_FILE,
	OPT_FAIL_ON, OPT_INTERVAL, OPT_COUNT, OPT_TOP, OPT_OUTPUT,
};

/* Options shared by report and watch. */
static int filter_option(int c, struct klt_filter *f, struct klt_supps *s,
			 bool *bad)
{
	*bad = false;
	switch (c) {
	case OPT_DIRECT:
		f->direct_only = true;
		return 1;
	case OPT_MIN_AGE:
		f->has_min_age = true;
		*bad = !opt_number("--min-age", optarg, &f->min_age_s);
		return 1;
	case OPT_MIN_SIZE:
		*bad = !opt_number("--min-size", optarg, &f->min_size);
		return 1;
	case OPT_MODULE:
		f->module = optarg;
		return 1;
	case OPT_SUPPRESS:
		*bad = klt_supps_load(s, optarg, stderr) != 0;
		return 1;
	}
	return 0;
}

/* The one line a CI log needs when the report was not fully read. */
static void parse_warnings(const struct klt_report *r)
{
	uint64_t n = klt_report_unparsed(r);

	if (klt_report_complete(r))
		return;
	fprintf(stderr,
		"kleakctl: %s: report not fully parsed: %u parse error(s), %u entr%s skipped",
		r->source, r->parse_errors, r->skipped_entries,
		r->skipped_entries == 1 ? "y" : "ies");
	if (r->count_mismatches)
		fprintf(stderr, ", %u header count(s) disagree (%llu entr%s missing)",
			r->count_mismatches, (unsigned long long)r->missing_entries,
			r->missing_entries == 1 ? "y" : "ies");
	fprintf(stderr, "; %llu unparsed entr%s not counted above; exit status %d\n",
		(unsigned long long)n, n == 1 ? "y" : "ies",
		KLT_EXIT_UNPARSED);
}

/*
 * LSan lists the suppressions that were used; a stale one, which no
 * longer matches anything, is as worth knowing: the leak it was written
 * for is gone or has moved, and the suppression may hide a new one.
 */
static void unused_suppressions(const struct klt_supps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct klt_supp *sp = &s->v[i];

		if (sp->groups)
			continue;
		fprintf(stderr, "kleakctl: %s:%u: warning: suppression 'leak:",
			sp->file, sp->line);
		klt_put_clean(stderr, sp->pattern);
		fputs("' matched nothing\n", stderr);
	}
}

static int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "folded", no_argument, NULL, OPT_FOLDED },
		{ "all-objects", no_argument, NULL, OPT_ALL },
		{ "direct-only", no_argument, NULL, OPT_DIRECT },
		{ "min-age", required_argument, NULL, OPT_MIN_AGE },
		{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "suppress", required_argument, NULL, OPT_SUPPRESS },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct klt_output_opts out = { 0 };
	struct klt_filter filter = { 0 };
	struct klt_grouping gr;
	struct klt_report r;
	struct klt_supps supps;
	bool json = false, folded = false, fail_direct = false, bad;
	const char *file = NULL;
	uint64_t limit;
	char *buf;
	size_t len;
	int c, rc = KLT_EXIT_ERROR;

	klt_supps_init(&supps);
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (filter_option(c, &filter, &supps, &bad)) {
			if (bad)
				goto out;
			continue;
		}
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_FOLDED:
			folded = true;
			break;
		case OPT_ALL:
			out.all_objects = true;
			break;
		case OPT_LIMIT:
			if (!opt_number("--limit", optarg, &limit))
				goto out;
			out.has_limit = true;
			out.limit = limit > SIZE_MAX ? SIZE_MAX : limit;
			break;
		case OPT_FILE:
			file = optarg;
			break;
		case OPT_FAIL_ON:
			if (!strcmp(optarg, "direct")) {
				fail_direct = true;
			} else if (!strcmp(optarg, "any")) {
				fail_direct = false;
			} else {
				usage_error("--fail-on: '%s' is not 'direct' or 'any'",
					    optarg);
				goto out;
			}
			break;
		case 'h':
			rc = help();
			goto out;
		default:
			rc = bad_option(c, argv);
			goto out;
		}
	}
	if (no_args(argc, argv))
		goto out;
	if (json && folded) {
		usage_error("--json and --folded cannot be combined");
		goto out;
	}
	if (folded && out.all_objects) {
		usage_error("--folded and --all-objects cannot be combined");
		goto out;
	}

	if (file ? klt_read_report_source(file, &buf, &len)
		 : klt_read_debugfs(&buf, &len))
		goto out;
	klt_report_init(&r, file ? (strcmp(file, "-") ? file : "<stdin>")
				 : klt_debugfs_path(), stderr);
	klt_report_parse(&r, buf, len);
	if (klt_report_empty_input(&r)) {
		fprintf(stderr, "kleakctl: %s: no report could be read\n",
			r.source);
		klt_report_free(&r);
		goto out;
	}
	klt_group_build(&r, &filter, &gr);
	klt_group_select(&r, &filter, &supps, &gr);
	out.filter = &filter;
	if (json)
		klt_print_json(stdout, &r, &gr, &supps, &out);
	else if (folded)
		klt_print_folded(stdout, &r, &gr, &out);
	else
		klt_print_text(stdout, &r, &gr, &supps, &out);
	fflush(stdout);
	unused_suppressions(&supps);
	parse_warnings(&r);
	if (klt_report_untrusted(&r))
		fprintf(stderr, "kleakctl: %s: the last scan was not trusted and reported nothing new (see the kernel log); exit status %d\n",
			r.source, KLT_EXIT_UNPARSED);
	if (!klt_report_complete(&r) || klt_report_untrusted(&r))
		rc = KLT_EXIT_UNPARSED;
	else if (fail_direct)
		rc = gr.totals.direct_objects ? KLT_EXIT_LEAKS : KLT_EXIT_OK;
	else
		rc = gr.totals.groups ? KLT_EXIT_LEAKS : KLT_EXIT_OK;
	if (ferror(stdout)) {
		fputs("kleakctl: error writing the report\n", stderr);
		rc = KLT_EXIT_ERROR;
	}
	klt_group_free(&gr);
	klt_report_free(&r);
out:
	klt_supps_free(&supps);
	return rc;
}

/* ---- clear, dump ---- */

static int simple_opts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h')
			return help() - 1;	/* -1: done, exit 0 */
		return bad_option(c, argv);
	}
	return 0;
}

static int cmd_clear(int argc, char **argv)
{
	int rc = simple_opts(argc, argv);

	if (rc)
		return rc < 0 ? KLT_EXIT_OK : rc;
	if ((rc = no_args(argc, argv)))
		return rc;
	rc = klt_write_cmd("clear");
	return rc < 0 ? KLT_EXIT_ERROR : rc;
}

static int cmd_dump(int argc, char **argv)
{
	char word[KLT_CMD_MAX_LEN];
	uint64_t addr;
	int rc = simple_opts(argc, argv);

	if (rc)
		return rc < 0 ? KLT_EXIT_OK : rc;
	if (argc - optind != 1)
		return usage_error("expected one address");
	if (!klt_parse_addr(argv[optind], &addr))
		return usage_error("'%s' is not a hexadecimal address",
				   argv[optind]);
	snprintf(word, sizeof(word), "dump=0x%llx", (unsigned long long)addr);
	rc = klt_write_cmd(word);
	if (rc)
		return rc < 0 ? KLT_EXIT_ERROR : rc;
	printf("object 0x%08llx: details written to the kernel log (see dmesg)\n",
	       (unsigned long long)addr);
	return KLT_EXIT_OK;
}

/* ---- stats ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Known parameters first, in their documented order, then any others. */
static size_t list_params(char ***out)
{
	size_t n = 0, cap = 16, first_extra;
	char **v = xreallocarray(NULL, cap, sizeof(*v));
	DIR *d = opendir(klt_params_path());
	struct dirent *de;

	for (int i = 0; klt_params[i]; i++)
		v[n++] = xstrdup(klt_params[i]);
	first_extra = n;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || klt_param_known(de->d_name))
			continue;
		if (n == cap) {
			cap *= 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	qsort(v + first_extra, n - first_extra, sizeof(*v), name_cmp);
	*out = v;
	return n;
}

static void human_bytes(char *buf, size_t n, uint64_t v)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double d = v;
	int u = -1;

	while (d >= 1024 && u < 3) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		buf[0] = '\0';
	else
		snprintf(buf, n, "  (%.1f %s)", d, unit[u]);
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, OPT_FILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *file = NULL;
	struct klt_report r;
	bool json = false;
	char **params = NULL;
	size_t nparams = 0, width = 0;
	uint64_t *pval = NULL;
	int *perr = NULL;
	uint64_t now, hz;
	char *buf;
	size_t len;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FILE:
			file = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			return help();
		default:
			return bad_option(c, argv);
		}
	}
	if ((rc = no_args(argc, argv)))
		return rc;
	rc = file ? klt_read_report_source(file, &buf, &len)
		  : klt_read_debugfs_header(&buf, &len);
	if (rc)
		return rc;
	klt_report_init(&r, file ? file : klt_debugfs_path(), stderr);
	/* stats shows the header; its counts are report's business. */
	r.check_counts = false;
	klt_report_parse(&r, buf, len);

	if (!file) {
		char *moddir = xstrdup(klt_params_path());
		DIR *d = opendir(moddir);

		if (!d) {
			rc = klt_env_report_error(errno, moddir, false);
			free(moddir);
			klt_report_free(&r);
			return rc;
		}
		closedir(d);
		free(moddir);
		nparams = list_params(&params);
		pval = xcalloc(nparams, sizeof(*pval));
		perr = xcalloc(nparams, sizeof(*perr));
		for (size_t i = 0; i < nparams; i++)
			klt_param_read(params[i], &pval[i], &perr[i]);
	}

	if (json) {
		struct klt_json j;

		klt_json_init(&j, stdout);
		klt_json_begin_object(&j, false);
		klt_json_key(&j, "source");
		klt_json_str(&j, r.source);
		klt_json_key(&j, "header");
		klt_print_json_header(&j, &r);
		klt_json_key(&j, "parameters");
		if (file) {
			klt_json_null(&j);
		} else {
			klt_json_begin_object(&j, false);
			for (size_t i = 0; i < nparams; i++) {
				char *text = perr[i] == EINVAL ?
					     klt_param_read_text(params[i]) : NULL;

				klt_json_key(&j, params[i]);
				if (text)
					klt_json_str(&j, text);
				else if (perr[i])
					klt_json_null(&j);
				else
					klt_json_u64(&j, pval[i]);
				free(text);
			}
			klt_json_end_object(&j);
		}
		klt_json_end_object(&j);
		klt_json_finish(&j);
	} else {
		bool has_now = klt_report_get(&r, KLT_HDR_JIFFIES, &now) &&
			       klt_report_get(&r, KLT_HDR_HZ, &hz) && hz;

		for (size_t i = 0; i < r.nhdr; i++)
			if (strlen(r.hdr[i].key) > width)
				width = strlen(r.hdr[i].key);
		for (size_t i = 0; i < nparams; i++)
			if (strlen(params[i]) > width)
				width = strlen(params[i]);
		width += 2;

		printf("Report header (%s)\n", r.source);
		if (!r.nhdr)
			printf("  (no header)\n");
		for (size_t i = 0; i < r.nhdr; i++) {
			const struct klt_hdr *h = &r.hdr[i];
			char extra[64] = "";

			if (h->is_num && strstr(h->key, "bytes"))
				human_bytes(extra, sizeof(extra), h->num);
			if (h->is_num && has_now &&
			    !strcmp(h->key, KLT_HDR_LAST_SCAN) && h->num)
				snprintf(extra, sizeof(extra), "  (%llus ago)",
					 (unsigned long long)(klt_jiffies_delta(now, h->num) / hz));
			printf("  %-*s%s%s\n", (int)width, h->key, h->val,
			       extra);
		}
		if (!file) {
			printf("Module parameters (%s)\n", klt_params_path());
			for (size_t i = 0; i < nparams; i++) {
				char *text = perr[i] == EINVAL ?
					     klt_param_read_text(params[i]) : NULL;

				if (text)
					printf("  %-*s%s\n", (int)width,
					       params[i], text);
				else if (perr[i])
					printf("  %-*s(%s)\n", (int)width,
					       params[i],
					       perr[i] == EINVAL ? "not a number"
								 : strerror(perr[i]));
				else
					printf("  %-*s%llu\n", (int)width,
					       params[i],
					       (unsigned long long)pval[i]);
				free(text);
			}
		}
	}
	for (size_t i = 0; i < nparams; i++)
		free(params[i]);
	free(params);
	free(pval);
	free(perr);
	rc = klt_report_empty_input(&r) ? KLT_EXIT_ERROR : KLT_EXIT_OK;
	klt_report_free(&r);
	return rc;
}

/* ---- set ---- */

static int cmd_set(int argc, char **argv)
{
	int rc = simple_opts(argc, argv);

	if (rc)
		return rc < 0 ? KLT_EXIT_OK : rc;
	if (optind >= argc)
		return usage_error("expected PARAM=VALUE");
	/* Validate everything before writing anything. */
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		uint64_t v;

		if (!eq)
			return usage_error("'%s' is not PARAM=VALUE", argv[i]);
		*eq = '\0';
		if (!klt_param_known(argv[i])) {
			usage_error("unknown parameter '%s' (known: min_age_ms, scan_interval_s, max_objects, stack_depth, sample)",
				    argv[i]);
			*eq = '=';
			return KLT_EXIT_ERROR;
		}
		if (!klt_parse_u64(eq + 1, 10, &v)) {
			usage_error("%s: '%s' is not an unsigned number",
				    argv[i], eq + 1);
			*eq = '=';
			return KLT_EXIT_ERROR;
		}
		*eq = '=';
	}
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		uint64_t old;
		int err;
		bool had_old;

		*eq = '\0';
		had_old = !klt_param_read(argv[i], &old, &err);
		rc = klt_param_write(argv[i], eq + 1);
		if (rc)
			return rc;
		if (had_old)
			printf("%s: %llu -> %s\n", argv[i],
			       (unsigned long long)old, eq + 1);
		else
			printf("%s: %s\n", argv[i], eq + 1);
	}
	return KLT_EXIT_OK;
}

/* ---- watch ---- */

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "direct-only", no_argument, NULL, OPT_DIRECT },
		{ "min-age", required_argument, NULL, OPT_MIN_AGE },
		{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "suppress", required_argument, NULL, OPT_SUPPRESS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct klt_filter filter = { 0 };
	struct klt_supps supps;
	struct klt_strtab seen;
	uint64_t interval = 30, count = 0;
	uint64_t last_unparsed = 0;	/* +1, 0 = complete last time */
	bool bad;
	int c, rc = KLT_EXIT_ERROR;

	klt_supps_init(&supps);
	klt_strtab_init(&seen);
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (filter_option(c, &filter, &supps, &bad)) {
			if (bad)
				goto out;
			continue;
		}
		switch (c) {
		case OPT_INTERVAL:
			if (!opt_number("--interval", optarg, &interval))
				goto out;
			break;
		case OPT_COUNT:
			if (!opt_number("--count", optarg, &count))
				goto out;
			break;
		case 'h':
			rc = help();
			goto out;
		default:
			rc = bad_option(c, argv);
			goto out;
		}
	}
	if (no_args(argc, argv))
		goto out;
	if (interval > UINT64_MAX / 1000)
		interval = UINT64_MAX / 1000;

	catch_signals();
	rc = KLT_EXIT_OK;
	for (uint64_t iter = 0; !stop && (!count || iter < count); iter++) {
		struct klt_grouping gr;
		struct klt_report r;
		uint32_t *fresh;
		uint64_t unparsed;
		size_t nfresh = 0;
		char *buf;
		size_t len;
		int w;

		if (iter)
			sleep_ms(interval * 1000);
		if (stop)
			break;
		w = klt_write_cmd("scan");
		if (w < 0 || stop)
			break;		/* interrupted mid-scan: a clean exit */
		if (w) {
			rc = w;
			break;
		}
		if (klt_read_debugfs(&buf, &len)) {
			rc = KLT_EXIT_ERROR;
			break;
		}
		klt_report_init(&r, klt_debugfs_path(), stderr);
		klt_report_parse(&r, buf, len);
		klt_group_build(&r, &filter, &gr);
		klt_group_select(&r, &filter, &supps, &gr);
		fresh = xreallocarray(NULL, gr.nshown ? gr.nshown : 1,
				      sizeof(*fresh));
		for (size_t i = 0; i < gr.nshown; i++) {
			char *key = klt_group_key(&r, &gr.g[gr.shown[i]]);
			size_t before = seen.n;

			klt_intern(&seen, key, strlen(key));
			if (seen.n != before)
				fresh[nfresh++] = gr.shown[i];
			free(key);
		}
		/*
		 * Unparsed entries are shown like a new group whenever their
		 * number changes: they may hide one, and a filter cannot
		 * tell.
		 */
		unparsed = klt_report_complete(&r) ? 0 :
			   klt_report_unparsed(&r) + 1;
		if (nfresh || (unparsed && unparsed != last_unparsed)) {
			char stamp[32];
			time_t t = time(NULL);

			strftime(stamp, sizeof(stamp), "%H:%M:%S",
				 localtime(&t));
			if (nfresh)
				printf("[%s] %zu new leak group(s):\n\n", stamp,
				       nfresh);
			for (size_t i = 0; i < nfresh; i++) {
				klt_print_group(stdout, &r, &gr.g[fresh[i]]);
				putchar('\n');
			}
			if (unparsed && unparsed != last_unparsed) {
				printf("[%s] report not fully parsed:\n\n",
				       stamp);
				klt_print_unparsed(stdout, &r);
			}
			fflush(stdout);
		}
		last_unparsed = unparsed;
		free(fresh);
		klt_group_free(&gr);
		klt_report_free(&r);
	}
out:
	klt_strtab_free(&seen);
	klt_supps_free(&supps);
	return rc;
}

/* ---- metrics ---- */

/* Seconds since the epoch at which @file (NULL: debugfs) was read. */
static double report_time(const char *file)
{
	struct timespec ts;
	struct stat st;

	if (file && strcmp(file, "-") && !stat(file, &st))
		ts = st.st_mtim;
	else
		clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, OPT_FILE },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *file = NULL, *output = NULL;
	struct klt_filter filter = { 0 };
	struct klt_grouping gr;
	struct klt_supps supps;
	struct klt_report r;
	uint64_t top = 10;
	char *buf, *tmp = NULL;
	bool read_ok = false, have_r = false;
	double now;
	size_t len;
	FILE *f = stdout;
	int c, rc = KLT_EXIT_OK;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FILE:
			file = optarg;
			break;
		case OPT_TOP:
			if (!opt_number("--top", optarg, &top))
				return KLT_EXIT_ERROR;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case 'h':
			return help();
		default:
			return bad_option(c, argv);
		}
	}
	if ((rc = no_args(argc, argv)))
		return rc;
	if (output && !(f = klt_atomic_open(output, &tmp))) {
		fprintf(stderr, "kleakctl: %s: %s\n", output,
			errno == EINVAL || errno == ELOOP ?
			"not a regular file, not replaced" : strerror(errno));
		return KLT_EXIT_ERROR;
	}

	now = report_time(file);
	if (!(file ? klt_read_report_source(file, &buf, &len)
		   : klt_read_debugfs(&buf, &len))) {
		klt_report_init(&r, file ? (strcmp(file, "-") ? file : "<stdin>")
					 : klt_debugfs_path(), stderr);
		klt_report_parse(&r, buf, len);
		have_r = true;
		read_ok = !klt_report_empty_input(&r);
		if (!read_ok)
			fprintf(stderr, "kleakctl: %s: no report could be read\n",
				r.source);
	}
	if (read_ok) {
		klt_supps_init(&supps);
		klt_group_build(&r, &filter, &gr);
		klt_group_select(&r, &filter, &supps, &gr);
		klt_print_metrics(f, &r, &gr, top > SIZE_MAX ? SIZE_MAX : top, now);
		parse_warnings(&r);
		klt_group_free(&gr);
		klt_supps_free(&supps);
	} else {
		klt_print_metrics_down(f);
		rc = KLT_EXIT_ERROR;
	}
	if (have_r)
		klt_report_free(&r);
	if (output) {
		if (klt_atomic_commit(f, tmp, output)) {
			fprintf(stderr, "kleakctl: %s: %s\n", output,
				strerror(errno));
			rc = KLT_EXIT_ERROR;
		}
	} else if (fflush(stdout) || ferror(stdout)) {
		fputs("kleakctl: error writing the metrics\n", stderr);
		rc = KLT_EXIT_ERROR;
	}
	return rc;
}

/* ---- dispatch ---- */

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "scan", cmd_scan, usage_scan },
	{ "report", cmd_report, usage_report },
	{ "clear", cmd_clear, usage_clear },
	{ "dump", cmd_dump, usage_dump },
	{ "stats", cmd_stats, usage_stats },
	{ "set", cmd_set, usage_set },
	{ "watch", cmd_watch, usage_watch },
	{ "metrics", cmd_metrics, usage_metrics },
	{ "help", cmd_help, usage_help },
	{ 0 }
};

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		fputs(usage_main, stdout);
		return KLT_EXIT_OK;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help();
	c = find_command(argv[1]);
	if (!c)
		return usage_error("unknown command '%s'", argv[1]);
	fputs(c->usage, stdout);
	return KLT_EXIT_OK;
}

int main(int argc, char **argv)
{
	static char name[64];
	const struct command *c;

	/* No command at all: the list of commands is the useful answer. */
	if (argc < 2) {
		fputs("kleakctl: no command given\n\n", stderr);
		fputs(usage_main, stderr);
		return KLT_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help();
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("kleakctl %s (kleaktrack report v1)\n", KLEAKCTL_VERSION);
		return KLT_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		if (argv[1][0] == '-')
			return usage_error("unknown option '%s'", argv[1]);
		return usage_error("unknown command '%s'", argv[1]);
	}
	snprintf(name, sizeof(name), "kleakctl %s", c->name);
	cmd_name = name;
	cmd_usage = c->usage;
	opterr = 0;
	return c->run(argc - 1, argv + 1);
}
