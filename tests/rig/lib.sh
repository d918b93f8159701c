# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the kleaktrack test rig. Sourced, not executed.

KLT_ROOT=${KLT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
KLT_OUT=${KLT_OUT:-$KLT_ROOT/build}
KLT_CACHE=${KLT_CACHE:-/var/cache/kleaktrack}
KLT_JOBS=${KLT_JOBS:-$(nproc)}

klt_log() { printf '%s\n' "$*" >&2; }
klt_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# The ABI release ("6.1.0-56-amd64") a Debian meta package points at.
klt_debian_release() {
	dep=$(dpkg-query -W -f='${Depends}' "$1" 2>/dev/null) || return 1
	dep=${dep%% *}
	dep=${dep%%,*}
	printf '%s\n' "${dep#linux-image-}"
}

# Newest linux-source-6.12 tarball installed and its package version.
klt_source_pkg() { echo linux-source-6.12; }
klt_source_version() {
	dpkg-query -W -f='${Version}' "$(klt_source_pkg)" 2>/dev/null
}

# The config fragments of a kernel we build, in merge order (a later
# fragment overrides an earlier one).
klt_frags() {
	c=$KLT_ROOT/tests/configs
	case $1 in
	kunit) echo "$c/kunit.config" ;;
	debug) echo "$c/kunit.config $c/debug.config" ;;
	debug-rt) echo "$c/kunit.config $c/debug.config $c/rt.config" ;;
	*) return 1 ;;
	esac
}

klt_config_hash() {
	# shellcheck disable=SC2046
	cat $(klt_frags "$1") | sha256sum | cut -c1-12
}

klt_kernel_dir() {
	echo "$KLT_CACHE/kernels/$1-$(klt_source_version)-$(klt_config_hash "$1")"
}

# Sets KLT_IMAGE (bootable bzImage) and KLT_KDIR (tree to build modules
# against) for a target name.
klt_target() {
	case "$1" in
	debian-6.1)
		rel=$(klt_debian_release linux-image-amd64) ||
			klt_die "linux-image-amd64 is not installed (run tests/rig/deps.sh)"
		;;
	debian-6.12)
		rel=$(klt_debian_release linux-image-6.12-amd64) ||
			klt_die "linux-image-6.12-amd64 is not installed (run tests/rig/deps.sh)"
		;;
	debian-6.1-cloud)
		rel=$(klt_debian_release linux-image-cloud-amd64) ||
			klt_die "linux-image-cloud-amd64 is not installed (run tests/rig/deps.sh)"
		;;
	debian-6.12-cloud)
		rel=$(klt_debian_release linux-image-6.12-cloud-amd64) ||
			klt_die "linux-image-6.12-cloud-amd64 is not installed (run tests/rig/deps.sh)"
		;;
	debian-6.12-rt)
		rel=$(klt_debian_release linux-image-6.12-rt-amd64) ||
			klt_die "linux-image-6.12-rt-amd64 is not installed (run tests/rig/deps.sh)"
		;;
	kunit|debug|debug-rt)
		d=$(klt_kernel_dir "$1")
		KLT_IMAGE=$d/arch/x86/boot/bzImage
		KLT_KDIR=$d
		KLT_RELEASE=$(cat "$d/include/config/kernel.release" 2>/dev/null)
		return 0
		;;
	*)
		klt_die "unknown target '$1' (debian-6.1, debian-6.12, debian-6.1-cloud, debian-6.12-cloud, debian-6.12-rt, kunit, debug, debug-rt)"
		;;
	esac
	KLT_IMAGE=/boot/vmlinuz-$rel
	KLT_KDIR=/usr/src/linux-headers-$rel
	KLT_RELEASE=$rel
}
