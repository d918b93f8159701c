# SPDX-License-Identifier: GPL-2.0
#
#   make                 build kleaktrack.ko against KDIR, and kleakctl
#   make KDIR=...        ... against another kernel build tree
#   make modules_install install the module (INSTALL_MOD_PATH honoured)
#   make install         install kleakctl and its man page (PREFIX, DESTDIR)
#   make demo            boot a guest, plant leaks, scan, show the report
#   make check           the whole test suite (see tests/rig/check.sh)
#   make bench           the benchmarks (see Documentation/performance.rst)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local

.PHONY: all modules kleakctl modules_install install check demo bench clean \
	kdir-check

all: modules kleakctl

kdir-check:
	@test -d "$(KDIR)" || { \
		echo "error: no kernel build tree at $(KDIR); install linux-headers-$$(uname -r) or pass KDIR=<tree>" >&2; \
		exit 2; }

modules: kdir-check
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules

modules_install: kdir-check
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules_install

kleakctl:
	$(MAKE) -C tools/kleakctl

install:
	$(MAKE) -C tools/kleakctl install PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)"

check:
	tests/rig/check.sh

demo:
	tests/rig/demo.sh

bench:
	tools/bench/run.sh

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	$(MAKE) -C tools/kleakctl clean
	rm -rf build
