// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose leaks outlive its code, for kleaktrack's unload-names
 * scenario: their backtraces point into text that is freed, and may hold
 * another module's code, by the time the report is read.
 *
 *   gone_init_leak (104 B): allocated and dropped by the init text, which
 *                           the kernel frees once init has run
 *   gone_list (1 + 5 nodes of 88 B): held from the module's bss until the
 *                           unload, which does not free them
 *   gone_pcpu (136 B per CPU): held from a DEFINE_PER_CPU variable until
 *                           the unload frees the module's per-CPU area
 *   gone_exit_leak (120 B): allocated and dropped by the exit routine
 *
 * Each logs "kleaktrack_gone: <what> at 0x<address>", and the init text
 * logs how kallsyms names its two functions while they are there.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#define GONE_NODES	5

struct gone_node {
	struct gone_node *next;
	char pad[80];
};

static struct gone_node *gone_head;
static DEFINE_PER_CPU(void *, gone_pcpu_ptr);

static void tell(const char *what, void *p)
{
	pr_info("kleaktrack_gone: %s at 0x%lx\n", what, (unsigned long)p);
}

static void __init tell_sym(void *fn)
{
	pr_info("kleaktrack_gone: symbol %pS\n", fn);
}

static noinline void __init gone_init_leak(void)
{
	void *p = kmalloc(104, GFP_KERNEL);

	if (p)
		memset(p, 0x71, 104);
	tell("gone_init_leak", p);
}

static noinline void gone_list(void)
{
	int i;

	for (i = 0; i <= GONE_NODES; i++) {
		struct gone_node *n = kzalloc(sizeof(*n), GFP_KERNEL);

		if (!n)
			break;
		n->next = gone_head;
		gone_head = n;
		tell("gone_list", n);
	}
}

static noinline void gone_pcpu(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		void *p = kzalloc(136, GFP_KERNEL);

		per_cpu(gone_pcpu_ptr, cpu) = p;
		tell("gone_pcpu", p);
	}
}

static noinline void gone_exit_leak(void)
{
	void *p = kmalloc(120, GFP_KERNEL);

	if (p)
		memset(p, 0x72, 120);
	tell("gone_exit_leak", p);
}

static int __init gone_init(void)
{
	tell_sym(gone_init);
	tell_sym(gone_init_leak);
	gone_init_leak();
	gone_list();
	gone_pcpu();
	return 0;
}

static void __exit gone_exit(void)
{
	gone_exit_leak();
}

module_init(gone_init);
module_exit(gone_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaks memory that outlives its code, to test kleaktrack");
