/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleakctl internals shared between the command line front end (main.c)
 * and the library parts the unit tests link against directly.
 */
#ifndef KLEAKCTL_H
#define KLEAKCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kleaktrack/report.h>

/* From dkms.conf's PACKAGE_VERSION, passed in by the Makefile. */
#ifndef KLEAKCTL_VERSION
#define KLEAKCTL_VERSION	"unknown"
#endif

/* Version of the JSON document "kleakctl report --json" prints. */
#define KLT_JSON_VERSION	1

/*
 * Exit statuses, part of the CI contract. When several apply, the
 * highest in this order wins: ERROR, UNPARSED, LEAKS, OK. UNPARSED beats
 * LEAKS because the leaks found are then not all the leaks there are.
 */
#define KLT_EXIT_OK		0
#define KLT_EXIT_LEAKS		1
#define KLT_EXIT_ERROR		2
#define KLT_EXIT_UNPARSED	3

#define KLT_NONE		UINT32_MAX

/* Distinct caches/comms remembered per group; the rest are only counted. */
#define KLT_GROUP_MAX_DISTINCT	8

/* util.c */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
uint64_t klt_hash(const void *p, size_t n, uint64_t h);
#define KLT_HASH_SEED	0xcbf29ce484222325ULL
bool klt_parse_u64(const char *s, int base, uint64_t *out);
bool klt_parse_addr(const char *s, uint64_t *out);
int klt_read_fd(int fd, char **buf, size_t *len);
int klt_read_path(const char *path, char **buf, size_t *len);

/*
 * String interning: frames, comms and cache names repeat thousands of
 * times in a large report, so the parser stores each once and objects
 * refer to them by id. Equal ids mean equal strings, which makes stack
 * comparison and hashing cheap.
 */
struct klt_strtab {
	char **str;
	uint32_t *len;
	size_t n, cap;
	uint32_t *slots;	/* open addressing, KLT_NONE = empty */
	size_t nslots;
};

void klt_strtab_init(struct klt_strtab *t);
void klt_strtab_free(struct klt_strtab *t);
uint32_t klt_intern(struct klt_strtab *t, const char *s, size_t n);
static inline const char *klt_str(const struct klt_strtab *t, uint32_t id)
{
	return id == KLT_NONE ? NULL : t->str[id];
}

/* Interned call stacks: a stack is a sequence of frame string ids. */
struct klt_stack {
	uint32_t off;		/* into klt_stacktab.frames */
	uint32_t n;
	uint64_t hash;
};

struct klt_stacktab {
	uint32_t *frames;
	size_t nframes, capframes;
	struct klt_stack *stk;
	size_t n, cap;
	uint32_t *slots;
	size_t nslots;
};

void klt_stacktab_init(struct klt_stacktab *t);
void klt_stacktab_free(struct klt_stacktab *t);
uint32_t klt_stack_intern(struct klt_stacktab *t, const uint32_t *frames,
			  size_t n);

enum klt_kind {
	KLT_DIRECT = 0,
	KLT_INDIRECT = 1,
};

struct klt_object {
	uint64_t addr;
	uint64_t size;
	uint64_t jiffies;
	uint64_t held_by;	/* indirect: the object holding it, if given */
	uint64_t age_s;		/* valid if has_age */
	size_t raw_off, raw_len; /* the entry's text inside klt_report.buf */
	unsigned line;		/* first line of the entry, 1-based */
	uint32_t stack;
	uint32_t cache;		/* string id, KLT_NONE if not reported */
	uint32_t comm;		/* string id, KLT_NONE if not reported */
	uint32_t pid;
	uint32_t crc;
	uint8_t kind;
	bool has_jiffies, has_age, has_held_by, has_pid, has_crc;
};

struct klt_hdr {
	char *key;
	char *val;
	uint64_t num;
	bool is_num;
};

struct klt_report {
	const char *source;	/* for messages: path or "<stdin>" */
	char *buf;
	size_t len;
	int version;		/* from the magic line, 0 if absent */
	bool has_magic;
	struct klt_hdr *hdr;
	size_t nhdr, caphdr;
	struct klt_object *obj;
	size_t nobj, capobj;
	struct klt_strtab str;
	struct klt_stacktab stacks;
	unsigned parse_errors;	/* "cannot parse" diagnostics, shown or not */
	unsigned skipped_entries;
	unsigned count_mismatches; /* reports whose header disagrees */
	uint64_t missing_entries; /* counted by a header, absent from the text */
	uint64_t unparsed_bytes; /* sizes of the skipped entries, where read */
	unsigned lines;
	bool check_counts;	/* header-only reads set this false */
	FILE *diag;		/* where diagnostics go, NULL = nowhere */
	unsigned diag_max;	/* show at most this many, then one notice */
};

/* parse.c */
void klt_report_init(struct klt_report *r, const char *source, FILE *diag);
void klt_report_parse(struct klt_report *r, char *buf, size_t len);
void klt_report_free(struct klt_report *r);
bool klt_report_get(const struct klt_report *r, const char *key,
		    uint64_t *val);
bool klt_report_empty_input(const struct klt_report *r);
bool klt_report_complete(const struct klt_report *r);
bool klt_report_untrusted(const struct klt_report *r);
uint64_t klt_report_unparsed(const struct klt_report *r);
uint64_t klt_jiffies_delta(uint64_t now, uint64_t then);

/*
 * A frame as stored is the symbolic part of a backtrace line:
 * "func+0x1c/0x40 [mod]", "func+0x1c/0x40" or a bare "0xffffffffc0270123".
 */
struct klt_frame_parts {
	const char *sym;	/* "func+0x1c/0x40" */
	size_t sym_len;
	const char *func;	/* "func" */
	size_t func_len;
	const char *mod;	/* "mod", NULL for core kernel frames */
	size_t mod_len;
};

void klt_frame_split(const char *frame, struct klt_frame_parts *p);

/* group.c */
struct klt_filter {
	uint64_t min_age_s;
	uint64_t min_size;
	bool has_min_age;
	bool direct_only;
	const char *module;	/* glob on module names, NULL = any */
};

struct klt_group {
	uint32_t stack;
	uint8_t kind;
	bool has_age;
	bool hidden;		/* filtered out by --module */
	int suppressed_by;	/* index into klt_supps, -1 if shown */
	uint64_t bytes;
	uint64_t objects;
	uint64_t age_min, age_max;
	uint64_t sample;	/* lowest address */
	uint32_t first, last;	/* object chain through klt_grouping.next */
	uint32_t caches[KLT_GROUP_MAX_DISTINCT];
	uint32_t comms[KLT_GROUP_MAX_DISTINCT];
	uint8_t ncaches, ncomms;
	bool more_caches, more_comms;
	bool unknown_cache;
};

struct klt_totals {
	uint64_t direct_bytes, direct_objects;
	uint64_t indirect_bytes, indirect_objects;
	uint64_t groups;
};

struct klt_grouping {
	struct klt_group *g;
	size_t n;
	uint32_t *next;		/* per object: next object of its group */
	uint32_t *group_of;	/* per object: group index, KLT_NONE if filtered */
	uint32_t *shown;	/* visible groups, sorted */
	size_t nshown;
	size_t filtered_objects; /* dropped by --min-age/--min-size/... */
	struct klt_totals totals; /* over the visible groups */
};

struct klt_supps;

void klt_group_build(const struct klt_report *r, const struct klt_filter *f,
		     struct klt_grouping *gr);
void klt_group_select(const struct klt_report *r, const struct klt_filter *f,
		      struct klt_supps *s, struct klt_grouping *gr);
void klt_group_free(struct klt_grouping *gr);
int klt_group_cmp(const struct klt_report *r, const struct klt_group *a,
		  const struct klt_group *b);
bool klt_stack_has_module(const struct klt_report *r, uint32_t stack,
			  const char *glob);
char *klt_group_key(const struct klt_report *r, const struct klt_group *g);
size_t klt_group_addresses(const struct klt_report *r,
			   const struct klt_grouping *gr,
			   const struct klt_group *g, uint64_t **addrs);

/* suppress.c */
struct klt_supp {
	char *pattern;		/* the LSan-style template after "leak:" */
	char *file;
	unsigned line;
	uint64_t groups, objects, bytes;
};

struct klt_supps {
	struct klt_supp *v;
	size_t n, cap;
};

void klt_supps_init(struct klt_supps *s);
void klt_supps_free(struct klt_supps *s);
int klt_supps_load(struct klt_supps *s, const char *path, FILE *err);
int klt_supps_parse(struct klt_supps *s, const char *name, const char *buf,
		    size_t len, FILE *err);
bool klt_template_match(const char *pat, const char *s, size_t n);
bool klt_supp_match_frame(const char *pattern, const char *frame);
int klt_supps_match(const struct klt_supps *s, const struct klt_report *r,
		    uint32_t stack);

/* json.c */
#define KLT_JSON_MAXDEPTH	16

struct klt_json {
	FILE *f;
	int depth;
	bool first[KLT_JSON_MAXDEPTH];
	bool inline_[KLT_JSON_MAXDEPTH];
	bool after_key;
};

void klt_json_string(FILE *f, const char *s, size_t n);
void klt_json_init(struct klt_json *j, FILE *f);
void klt_json_begin_object(struct klt_json *j, bool inline_);
void klt_json_end_object(struct klt_json *j);
void klt_json_begin_array(struct klt_json *j, bool inline_);
void klt_json_end_array(struct klt_json *j);
void klt_json_key(struct klt_json *j, const char *key);
void klt_json_str(struct klt_json *j, const char *s);
void klt_json_strn(struct klt_json *j, const char *s, size_t n);
void klt_json_u64(struct klt_json *j, uint64_t v);
void klt_json_bool(struct klt_json *j, bool v);
void klt_json_null(struct klt_json *j);
void klt_json_addr(struct klt_json *j, uint64_t addr);
void klt_json_finish(struct klt_json *j);

/* output.c */
struct klt_output_opts {
	size_t limit;		/* valid if has_limit; 0 prints no group */
	bool has_limit;
	bool all_objects;
	const struct klt_filter *filter;
};

void klt_put_clean(FILE *f, const char *s);
void klt_print_text(FILE *f, const struct klt_report *r,
		    const struct klt_grouping *gr, const struct klt_supps *s,
		    const struct klt_output_opts *o);
void klt_print_group(FILE *f, const struct klt_report *r,
		     const struct klt_group *g);
void klt_print_unparsed(FILE *f, const struct klt_report *r);
void klt_print_folded(FILE *f, const struct klt_report *r,
		      const struct klt_grouping *gr,
		      const struct klt_output_opts *o);
void klt_folded_frame(FILE *f, const char *frame);
void klt_print_json(FILE *f, const struct klt_report *r,
		    const struct klt_grouping *gr, const struct klt_supps *s,
		    const struct klt_output_opts *o);
void klt_print_json_header(struct klt_json *j, const struct klt_report *r);

/* metrics.c */
void klt_print_metrics(FILE *f, const struct klt_report *r,
		       const struct klt_grouping *gr, size_t top,
		       double now_s);
void klt_print_metrics_down(FILE *f);

/* util.c: write a file whole or not at all (temp file, then rename) */
FILE *klt_atomic_open(const char *path, char **tmp);
int klt_atomic_commit(FILE *f, char *tmp, const char *path);

/* env.c */
enum klt_env_err {
	KLT_ENV_NOT_MOUNTED,
	KLT_ENV_NOT_LOADED,
	KLT_ENV_NOT_ROOT,
	KLT_ENV_LOCKDOWN,
	KLT_ENV_OTHER,
};

extern const char *const klt_params[];

const char *klt_debugfs_path(void);
const char *klt_cmd_path(void);
const char *klt_params_path(void);
enum klt_env_err klt_classify_open_error(int err, bool is_root, bool debugfs,
					 bool mounted, bool loaded);
int klt_env_report_error(int err, const char *path, bool debugfs);
int klt_read_report_source(const char *path, char **buf, size_t *len);
int klt_read_debugfs(char **buf, size_t *len);
int klt_read_debugfs_header(char **buf, size_t *len);
int klt_write_cmd(const char *word);
bool klt_param_known(const char *name);
int klt_param_read(const char *name, uint64_t *val, int *err);
char *klt_param_read_text(const char *name);
int klt_param_write(const char *name, const char *val);

#endif /* KLEAKCTL_H */
