#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the test rig need, idempotently (root, apt).
# The Debian kernels are found through their meta packages, so no ABI
# number is written down anywhere.
set -euo pipefail

pkgs="build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
gzip xz-utils zstd rsync python3 busybox-static qemu-system-x86 clang
dpkg-dev debhelper dh-dkms dkms fakeroot lintian prometheus systemd
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
linux-image-cloud-amd64 linux-headers-cloud-amd64
linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "error: missing packages:$missing (run as root: apt-get install$missing)" >&2
	exit 2
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
