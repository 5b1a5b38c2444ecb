#!/usr/bin/env bash
# The real Chaos Toolkit (`chaos run`), which the CTK corpus test (test/integration/ctk/) runs
# beside `ordeal run` to compare outcomes (with jsonpath2, which jsonpath tolerances need). An idempotent Python venv in the git-ignored
# .cache/ctk-venv with pinned versions: a second call that finds them installed does nothing.
# Without python3 (or its venv module) it says so and leaves the corpus test to skip.
set -euo pipefail
cd "$(dirname "$0")/.."
CHAOSTOOLKIT=1.19.0
CHAOSLIB=1.44.0
JSONPATH2=0.4.5
venv=.cache/ctk-venv
stamp="$venv/.pinned-$CHAOSTOOLKIT-$CHAOSLIB-$JSONPATH2"
if [ -f "$stamp" ] && [ -x "$venv/bin/chaos" ]; then
  exit 0
fi
if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
  echo "ctk-venv.sh: python3 with venv is missing; the Chaos Toolkit corpus test will skip" >&2
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "chaostoolkit==$CHAOSTOOLKIT" "chaostoolkit-lib[jsonpath]==$CHAOSLIB" "jsonpath2==$JSONPATH2"
touch "$stamp"
