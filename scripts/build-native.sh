#!/usr/bin/env bash
# Builds ordeal's native helper ordeal-diskfs (the FUSE file system behind the disk-fault fault,
# native/diskfs/README.md) into dist/native/, when a source is newer than the binary. `npm run
# build` calls it last. Without libfuse3's headers it says so in one line and succeeds, so that
# a machine which never uses disk-fault still builds.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/native/ordeal-diskfs
if ! pkg-config --exists fuse3 2>/dev/null; then
  echo "build-native: skipping ordeal-diskfs: libfuse3-dev is not installed (scripts/system-deps.sh disk)" >&2
  exit 0
fi
sources=(native/diskfs/*.c native/diskfs/*.h scripts/build-native.sh)
if [ -x "$out" ] && [ -z "$(find "${sources[@]}" -newer "$out")" ]; then
  exit 0
fi
mkdir -p dist/native
# shellcheck disable=SC2046 # pkg-config prints several flags on purpose
cc -std=c11 -O2 -Wall -Wextra -Werror -pthread $(pkg-config --cflags fuse3) \
  -o "$out.tmp" native/diskfs/*.c $(pkg-config --libs fuse3)
mv "$out.tmp" "$out"
