#!/usr/bin/env bash
# Tools the load-generator benchmark compares ordeal with (bench/load-generator.ts). Bench only:
# the test command never runs this. Idempotent: installs only what is missing.
set -euo pipefail
if ! command -v wrk >/dev/null 2>&1; then
  sudo=''
  [ "$(id -u)" -eq 0 ] || sudo='sudo'
  $sudo apt-get install -y --no-install-recommends wrk >/dev/null
fi
command -v taskset >/dev/null || { echo 'bench-deps: taskset (util-linux) is missing' >&2; exit 1; }
wrk --version 2>&1 | head -1 || true
