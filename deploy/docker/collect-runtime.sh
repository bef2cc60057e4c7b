#!/usr/bin/env bash
# Builds the runtime image's root filesystem: the given executables, every
# shared library ldd says they load (with the dynamic loader), and an
# /etc/passwd and /etc/group naming the unprivileged user the image runs as.
# Nothing else: no shell, no package manager, no coreutils.
#
#   collect-runtime.sh ROOTFS EXECUTABLE...
#
# Each executable lands in ROOTFS/usr/local/bin/ under its own name, stripped
# of debug information. Libraries keep the path ldd resolved them to, so the
# loader finds them without an ld.so.cache. tests/deploy/ runs this script
# against the hub built here and starts the result through the collected
# loader alone, which proves the list is complete.
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 ROOTFS EXECUTABLE..." >&2
  exit 2
fi
rootfs="$1"
shift

# The uid the Dockerfile's USER and the manifests' runAsUser name.
readonly HUB_UID=10001

mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"

declare -A libs=()
for exe in "$@"; do
  install -m 0755 "$exe" "$rootfs/usr/local/bin/$(basename "$exe")"
  strip --strip-debug "$rootfs/usr/local/bin/$(basename "$exe")" 2>/dev/null || true
  # ldd prints "name => /path (addr)" for libraries and "/path (addr)" for
  # the loader; a static executable prints "not a dynamic executable" and
  # exits 1, which is fine: it needs nothing.
  while read -r path; do
    libs["$path"]=1
  done < <( (ldd "$exe" 2>/dev/null || true) | awk '
      $2 == "=>" && $3 ~ /^\// { print $3; next }
      $1 ~ /^\// { print $1 }')
done

for lib in "${!libs[@]}"; do
  # Copy the file the symlink points to under the symlink's own name: the
  # loader asks for the soname, and the runtime needs no symlinks.
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done

# Debian's loader lives in /lib64 on amd64 and /lib on arm64; with usrmerge
# those are symlinks into /usr. Recreate the symlinked top-level directories
# so the interpreter path baked into the executable resolves in the image.
for dir in /lib /lib64 /lib32 /libx32; do
  if [[ -L "$dir" && -d "$rootfs/usr$dir" && ! -e "$rootfs$dir" ]]; then
    ln -s "usr$dir" "$rootfs$dir"
  fi
done

printf 'root:x:0:0:root:/root:/sbin/nologin\nhub:x:%d:%d:hub:/nonexistent:/sbin/nologin\n' \
  "$HUB_UID" "$HUB_UID" >"$rootfs/etc/passwd"
printf 'root:x:0:\nhub:x:%d:\n' "$HUB_UID" >"$rootfs/etc/group"
# glibc reads hosts before DNS only when told; the hub resolves the Redis
# Service name through the cluster DNS that Kubernetes writes to resolv.conf.
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
