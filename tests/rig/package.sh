#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages, end to end, on this (root) machine: "make deb" on a
# copy of the tree, lintian, install with apt (DKMS builds the module for
# every installed kernel), the DKMS-built module booted in the debian-6.1
# and debian-6.12 guests, then removal, after which nothing may be left.
# Prints "PASS|FAIL|SKIP package/<check>" lines (and the guests' own).
#
#   package.sh            everything
#   KLT_PKG_GUESTS=0      ... without the guest runs
set -uo pipefail
. "$(dirname "$0")/lib.sh"

pass() { echo "PASS package/$1"; }
fail() { echo "FAIL package/$1${2:+: $2}"; }
judge() { n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$KLT_ROOT/dkms.conf")
debs=$KLT_ROOT/build/deb		# where "make deb" puts them
log=$KLT_OUT/logs/package
mkdir -p "$log"

purge() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq \
		kleaktrack-dkms kleakctl >"$log/purge.log" 2>&1
}
# Whatever happens below, the machine is left as it was found.
installed=0
fake=5.10.0-0-klt-fake
trap '[ $installed = 1 ] && purge; rm -rf "/lib/modules/$fake"' EXIT
# Only this run's modules boot in the guests.
rm -rf "$KLT_OUT/dkms"

# What DKMS left for kleaktrack: its tree, its sources, its modules.
leftovers() {
	ls -d /var/lib/dkms/kleaktrack /usr/src/kleaktrack-* \
		/lib/modules/*/updates/dkms/kleaktrack.ko* /usr/sbin/kleakctl \
		/usr/share/man/man8/kleakctl.8* /usr/libexec/kleaktrack \
		/lib/systemd/system/kleaktrack-scan.* /etc/default/kleaktrack \
		/usr/share/doc/kleakctl /usr/share/doc/kleaktrack-dkms \
		/var/lib/kleaktrack 2>/dev/null
	dkms status kleaktrack 2>/dev/null
}

if [ -n "$(leftovers)" ]; then
	fail setup "kleaktrack is already installed here: $(leftovers | tr '\n' ' ')"
	exit 1
fi

if ! make -s -C "$KLT_ROOT" deb >"$log/deb.log" 2>&1; then
	fail deb-build "log: $log/deb.log"
	tail -15 "$log/deb.log" | sed 's/^/    /'
	exit 1
fi
dkms_deb=$debs/kleaktrack-dkms_${ver}_all.deb
ctl_deb=$(ls "$debs"/kleakctl_"${ver}"_*.deb 2>/dev/null | head -1)
judge deb-build test -f "$dkms_deb" -a -f "$ctl_deb"
# The version is written once (dkms.conf); the changelog must agree.
judge version-changelog test "$(dpkg-deb -f "$dkms_deb" Version)" = "$ver"

# Errors and warnings fail (info and pedantic tags are in the log).
if lintian --fail-on error,warning --info --pedantic \
	"$debs"/kleaktrack_"${ver}"_*.changes >"$log/lintian.log" 2>&1; then
	pass lintian
else
	fail lintian "log: $log/lintian.log"
	sed 's/^/    /' "$log/lintian.log" | head -10
fi

installed=1
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	"$dkms_deb" "$ctl_deb" >"$log/install.log" 2>&1; then
	fail install "log: $log/install.log"
	tail -15 "$log/install.log" | sed 's/^/    /'
	exit 1
fi
pass install
judge kleakctl-version sh -c "/usr/sbin/kleakctl --version | grep -qx 'kleakctl $ver (kleaktrack report v1)'"
judge man-page test -f /usr/share/man/man8/kleakctl.8.gz
# The units as installed, against the installed script and man page.
if systemd-analyze verify /lib/systemd/system/kleaktrack-scan.service \
	/lib/systemd/system/kleaktrack-scan.timer >"$log/units.log" 2>&1; then
	pass units-verify
else
	fail units-verify "$(head -3 "$log/units.log" | tr '\n' ' ')"
fi
judge units-not-enabled sh -c '! ls /etc/systemd/system/timers.target.wants/kleaktrack-scan.timer 2>/dev/null'
judge scan-script test -x /usr/libexec/kleaktrack/kleaktrack-scan
# What the service writes goes with a purge (debian/kleakctl.postrm).
mkdir -p /var/lib/kleaktrack && echo '{}' >/var/lib/kleaktrack/kleaktrack.json

# Every installed Debian kernel the rig knows gets a module from DKMS, of
# the package's version, built for that release, signed when DKMS has a
# key (Secure Boot: the key the user enrolls with mokutil). The package
# builds for the running and the newest kernel (all of them where the
# running one is not installed, as on this host); another kernel is one
# "dkms install", as the kernel's own postinst hook runs it.
for t in debian-6.1 debian-6.12 debian-6.1-cloud debian-6.12-cloud debian-6.12-rt; do
	( klt_target "$t" ) >/dev/null 2>&1 || { echo "SKIP package/dkms-$t: not installed"; continue; }
	klt_target "$t"
	rel=$KLT_RELEASE
	# Compressed as the kernel's own modules are (xz on 6.12).
	ko=$(ls /lib/modules/"$rel"/updates/dkms/kleaktrack.ko* 2>/dev/null | head -1)
	st=$(dkms status -m kleaktrack -v "$ver" -k "$rel" 2>/dev/null)
	case $st in
	*": installed"*) ;;
	*) dkms install -m kleaktrack -v "$ver" -k "$rel" >>"$log/dkms-install.log" 2>&1
	   st=$(dkms status -m kleaktrack -v "$ver" -k "$rel" 2>/dev/null) ;;
	esac
	judge "dkms-$t/status" sh -c "echo '$st' | grep -q ': installed'"
	if [ -z "$ko" ]; then
		fail "dkms-$t/module" "none in /lib/modules/$rel/updates/dkms (dkms status: $st)"
		continue
	fi
	pass "dkms-$t/module"
	judge "dkms-$t/version" test "$(modinfo -F version "$ko")" = "$ver"
	judge "dkms-$t/vermagic" sh -c "modinfo -F vermagic '$ko' | grep -q '^$rel '"
	if [ -f /var/lib/dkms/mok.key ]; then
		judge "dkms-$t/signed" test -n "$(modinfo -F signer "$ko")"
	else
		echo "SKIP package/dkms-$t/signed: DKMS has no signing key"
	fi
	mkdir -p "$KLT_OUT/dkms/$t"
	case $ko in
	*.xz) xz -dc "$ko" ;;
	*.zst) zstd -qdc "$ko" ;;
	*.gz) gzip -dc "$ko" ;;
	*) cat "$ko" ;;
	esac >"$KLT_OUT/dkms/$t/kleaktrack.ko"
done

# A kernel outside BUILD_EXCLUSIVE_KERNEL is skipped with DKMS's own word
# (exit 77), not a build failure.
mkdir -p "/lib/modules/$fake/build"
dkms build -m kleaktrack -v "$ver" -k "$fake" >"$log/exclusive.log" 2>&1
rc=$?
rmdir "/lib/modules/$fake/build" "/lib/modules/$fake"
judge build-exclusive sh -c "[ $rc = 77 ] && grep -q 'BUILD_EXCLUSIVE' '$log/exclusive.log'"

purge_rc=0
purge || purge_rc=$?
installed=0
judge remove test "$purge_rc" = 0
left=$(leftovers)
if [ -z "$left" ]; then
	pass nothing-left
else
	fail nothing-left "$(echo "$left" | tr '\n' ' ')"
fi

# The module DKMS built, in the guests (its kleakctl is dynamic; the
# guests keep the rig's static one).
[ "${KLT_PKG_GUESTS:-1}" = 1 ] || exit 0
for t in debian-6.1 debian-6.12; do
	ko=$KLT_OUT/dkms/$t/kleaktrack.ko
	[ -f "$ko" ] || continue
	for s in load-unload leaks; do
		KLT_KO=$ko "$KLT_ROOT/tests/rig/guest.sh" "$t" "$s" -t 400
	done
done
