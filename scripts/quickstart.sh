#!/usr/bin/env bash
# First command of the README: install everything, build, and run the quickstart experiment
# (a frontend in front of two api replicas; replicas are killed while a probe plays a user).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh quickstart
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
exec node dist/cli/main.js run examples/quickstart/experiment.yaml "$@"
