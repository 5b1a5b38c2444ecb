#!/usr/bin/env bash
# Second command of the README: the whole test suite. Installs what is missing, type-checks,
# lints, builds (e2e tests spawn the built CLI), then runs unit tests (beside the code, the UI's
# pure helpers in ui/src included) and integration / e2e tests (under test/) with Node's test
# runner, whose last lines are the tally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test
[ -d node_modules ] || npm ci --no-audit --no-fund
# The Chaos Center tests run experiments' commands as the unprivileged user `ordeal`, which must
# reach this checkout (dist/, examples/). A clone inside a `mktemp -d` dir (0700) is out of its
# reach: give the ancestors that lack it o+x (enter only, no listing), and say so.
if [ "$(id -u)" = 0 ] && getent passwd ordeal >/dev/null; then
  dir=$PWD
  while [ "$dir" != / ]; do
    if [ -z "$(find "$dir" -maxdepth 0 -perm -o+x)" ]; then
      chmod o+x "$dir" && echo "test.sh: chmod o+x $dir (the ordeal run user must reach the checkout)" >&2
    fi
    dir=$(dirname "$dir")
  done
fi
npm run typecheck --silent
npm run lint --silent
npm run build --silent
# The Kubernetes tests' control plane (kube-apiserver & co., built from Go modules): built once
# per machine before the tests, so that no test file pays for it inside its timeout.
bash scripts/k8s-test-cluster.sh build >/dev/null
bash scripts/ctk-venv.sh # the real chaos run that test/integration/ctk compares ordeal with
mapfile -t files < <(find src test ui/src -name '*.test.ts' -not -path '*/node_modules/*' | sort)
# The Kubernetes files each start a control plane (etcd, kube-apiserver and three more
# processes): run after the others, so its CPU never starves the timing-sensitive agent and
# fleet tests on a 2-core machine. Two tallies; the exit status is the worse of the two.
others=() kube=()
for f in "${files[@]}"; do
  case "$f" in
    */kubernetes/*) kube+=("$f") ;;
    *) others+=("$f") ;;
  esac
done
# A test file whose tests are done but whose process stays up (a timer or socket left open)
# would otherwise hold the runner, and CI, until its time limit with nothing printed:
# --test-force-exit ends such a file once its tests are done, and --test-timeout fails a file
# that runs far past any of ours (the longest takes about 4 minutes) with its name.
runner=(--import tsx --test --test-concurrency=2 --test-force-exit --test-timeout=1200000)
status=0
node "${runner[@]}" --test-reporter=spec "$@" "${others[@]}" || status=$?
echo "== the Kubernetes tests (${#kube[@]} files, each against its own control plane)"
node "${runner[@]}" --test-reporter=spec "$@" "${kube[@]}" || status=$?
exit "$status"
