#!/bin/sh
# Runs one ordeal experiment in CI and turns its outcome into the job's: the script behind the
# GitHub Action (action.yml) and the GitLab CI template (ci/gitlab/ordeal.gitlab-ci.yml).
#
#   ordeal run FILE [--server URL] [--agent NAME | --agent-label k=v ...]
#                   --json OUT/result.json --junit OUT/junit.xml
#
# Settings come from the environment, never from the command line, so the token is not in
# `ps` nor in the job log (the CLI reads ORDEAL_TOKEN itself):
#   ORDEAL_FILE       the experiment manifest (required)
#   ORDEAL_SERVER     a Chaos Center to record the run on (optional)
#   ORDEAL_TOKEN      its API token, editor (optional; a masked secret)
#   ORDEAL_AGENT      run on this agent, through ORDEAL_SERVER (optional)
#   ORDEAL_LABELS     or on any agent with these labels: zone=eu,os=linux (optional)
#   ORDEAL_THRESHOLD  the least resilience score that passes, 0-100 (default 100: the verdict decides)
#   ORDEAL_OUT_DIR    where result.json and junit.xml go (default ordeal-results)
#   ORDEAL_BIN        the ordeal executable's path, used as one word (spaces allowed); wins over
#   ORDEAL_CLI        how to call ordeal, split on spaces (default: npx --yes ordeal)
#
# The rule is the Chaos Center gate's (src/server/gates/judge.ts): the job passes when the
# hypothesis held with a score >= ORDEAL_THRESHOLD; a disproved hypothesis passes only when
# ORDEAL_THRESHOLD is below 100 and its score reaches it (at 100 the verdict decides).
# Exit: 0 passed, 1 disproved (or held under the threshold), 2 invalid manifest or usage, 3 the
# run could not be carried out, 130 interrupted: any non-zero fails the job.
set -u

file=${ORDEAL_FILE:-}
if [ -z "$file" ]; then
  echo "ordeal: ORDEAL_FILE (the experiment input) is required" >&2
  exit 2
fi
out=${ORDEAL_OUT_DIR:-ordeal-results}
threshold=${ORDEAL_THRESHOLD:-100}
# Checked as a number in node, not as text: `100.0` is 100, `150` and `.` are refused.
if ! node -e 'const t = process.argv[1]; process.exit(/^[0-9]+(\.[0-9]+)?$/.test(t) && Number(t) <= 100 ? 0 : 1)' "$threshold"; then
  echo "ordeal: threshold must be a number from 0 to 100, got '$threshold'" >&2
  exit 2
fi
mkdir -p "$out"

set -- run "$file" --no-progress --json "$out/result.json" --junit "$out/junit.xml"
if [ -n "${ORDEAL_SERVER:-}" ]; then
  set -- "$@" --server "$ORDEAL_SERVER"
fi
if [ -n "${ORDEAL_AGENT:-}" ]; then
  set -- "$@" --agent "$ORDEAL_AGENT"
fi
if [ -n "${ORDEAL_LABELS:-}" ]; then
  old_ifs=$IFS
  IFS=,
  for label in $ORDEAL_LABELS; do
    [ -n "$label" ] && set -- "$@" --agent-label "$label"
  done
  IFS=$old_ifs
fi

if [ -n "${ORDEAL_BIN:-}" ]; then
  # One word: a path under a directory whose name has a space still runs.
  "$ORDEAL_BIN" "$@"
else
  # Word-split on purpose: ORDEAL_CLI may be a command with arguments (`npx --yes ordeal@1.2.3`).
  # shellcheck disable=SC2086
  ${ORDEAL_CLI:-npx --yes ordeal} "$@"
fi
code=$?

verdict=
score=
if [ -f "$out/result.json" ]; then
  # The result's contract (DESIGN.md): { verdict, resilienceScore, ... }.
  read_field() {
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = r[process.argv[2]]; process.stdout.write(v === undefined ? "" : String(v))' "$out/result.json" "$1"
  }
  verdict=$(read_field verdict)
  score=$(read_field resilienceScore)
fi

# The threshold, compared as numbers: it can let a disproved run through (below 100 only) or
# fail a run that held with a lower score. Any other exit (2, 3, 130) stands as it is.
if [ -n "$score" ] && { [ "$code" -eq 0 ] || [ "$code" -eq 1 ]; }; then
  judged=$(node -e '
    const [code, verdict, score, threshold] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
    if (code === 1 && verdict === "fail" && threshold < 100 && score >= threshold) {
      console.log(`0 hypothesis disproved, but score ${score} >= threshold ${threshold}: passing`)
    } else if (code === 0 && verdict === "pass" && score < threshold) {
      console.log(`1 hypothesis held, but score ${score} < threshold ${threshold}: failing`)
    }' "$code" "$verdict" "$score" "$threshold")
  if [ -n "$judged" ]; then
    code=${judged%% *}
    echo "ordeal: ${judged#* }"
  fi
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=$verdict"
    echo "score=$score"
    echo "exit-code=$code"
  } >>"$GITHUB_OUTPUT"
fi
echo "ordeal: verdict ${verdict:-none}, score ${score:-none}, exit $code; results in $out/"
exit "$code"
