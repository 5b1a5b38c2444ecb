#!/usr/bin/env bash
# Runs the whole test suite with Node's test runner: builds first (e2e tests spawn the built
# CLI), then unit tests beside the code and integration / e2e tests under test/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -d node_modules ] || npm ci
npm run build --silent
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "$@" "${files[@]}"
