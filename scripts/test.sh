#!/usr/bin/env bash
# Second command of the README: the whole test suite. Installs what is missing, type-checks,
# lints, builds (e2e tests spawn the built CLI), then runs unit tests (beside the code) and
# integration / e2e tests (under test/) with Node's test runner, whose last lines are the tally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run typecheck --silent
npm run lint --silent
npm run build --silent
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "$@" "${files[@]}"
