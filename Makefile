# SPDX-License-Identifier: GPL-2.0
#
#   make                 build kleaktrack.ko against KDIR, and kleakctl
#   make KDIR=...        ... against another kernel build tree
#   make modules_install install the module (INSTALL_MOD_PATH honoured)
#   make install         install kleakctl and its man page (PREFIX, DESTDIR)
#   make demo            boot a guest, plant leaks, scan, show the report
#   make check           the whole test suite (see tests/rig/check.sh)
#   make bench           the benchmarks (see Documentation/performance.rst)
#   make deb             the Debian packages kleaktrack-dkms and kleakctl, in
#                        build/deb/ (needs dpkg-dev, debhelper, dh-dkms)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)

.PHONY: all modules kleakctl modules_install install check demo bench deb clean \
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

# Built from a copy of the tree (what git tracks, plus new files it does
# not ignore), so that the checkout stays clean and the build sees no
# objects of an earlier one.
deb:
	rm -rf build/deb
	mkdir -p build/deb/kleaktrack-$(VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -c -o --exclude-standard; \
	else find . -path ./build -prune -o -path ./.git -prune -o -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' \
		! -name '.*.cmd' ! -name Module.symvers ! -name modules.order \
		! -path './tools/kleakctl/.build*' ! -path ./tools/kleakctl/kleakctl \
		-print0; fi | \
		xargs -0 -I{} sh -c 'test ! -f "$$1" || cp --parents "$$1" build/deb/kleaktrack-$(VERSION)/' sh {}
	cd build/deb/kleaktrack-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls build/deb/*.deb

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	@if [ -f tools/kleakctl/Makefile ]; then $(MAKE) -C tools/kleakctl clean; fi
	rm -rf build
