#!/usr/bin/env bash
# Continuous chaos in four steps against a running Chaos Center (README "Continuous chaos"):
# a schedule, a git-synced folder, a deploy trigger and a rollout gate. Needs curl, git and
# node; ORDEAL_SERVER (default http://127.0.0.1:7700) and ORDEAL_TOKEN (an owner's
# token: adding a git source needs the owner role). test/e2e/continuous-walkthrough.test.ts
# runs this script as it is. Secrets never go on a command line (visible in `ps`): curl reads
# the token from its config on stdin, node signs with the hook's secret from its environment.
# On exit the script deletes what it made on the server (the git source, the hook) and the
# repository it synced from.
set -euo pipefail

server=${ORDEAL_SERVER:-http://127.0.0.1:7700}
: "${ORDEAL_TOKEN:?set ORDEAL_TOKEN to an owner token (Settings > Tokens)}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# authed CURL-ARGS...: curl with the token's header read from a config on stdin (printf is a
# shell builtin: the token is in no process's argv).
authed() {
  printf 'header = "Authorization: Bearer %s"\n' "$ORDEAL_TOKEN" | curl --config - "$@"
}

# api METHOD PATH [JSON]: the answer's body; fails on a non-2xx answer, printing it.
api() {
  local out status body=()
  # A body only with its type: a DELETE declaring JSON and sending none is refused.
  [[ -n ${3:-} ]] && body=(-H 'Content-Type: application/json' --data-binary "$3")
  out=$(mktemp)
  status=$(authed -sS -o "$out" -w '%{http_code}' -X "$1" ${body[@]+"${body[@]}"} "$server$2")
  if [[ $status != 2* ]]; then
    echo "$1 $2: HTTP $status: $(cat "$out")" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}
# json EXPR: evaluates EXPR over the JSON on stdin (`j` is the parsed value).
json() { node -e "const j=JSON.parse(require('fs').readFileSync(0,'utf8')); console.log($1)"; }
# The manifest's text as a JSON string.
yaml_body() { node -e "console.log(JSON.stringify({yaml: require('fs').readFileSync(process.argv[1],'utf8')}))" "$1"; }

echo '1. A schedule: the experiment runs every night at 03:00 Paris time (not on weekends).'
# Run twice, the walkthrough finds the experiment it made the first time.
id=$(api GET /api/experiments | json "j.find(e => e.name === 'checkout-resilience')?.id ?? ''")
if [[ -z $id ]]; then
  id=$(api POST /api/experiments "$(yaml_body "$here/checkout-resilience.yaml")" | json j.id)
fi
api GET "/api/experiments/$id/schedules" |
  json "j.map(s => '   ' + s.name + ' (' + s.cron + ' ' + s.timeZone + '), next: ' + s.nextTicks.slice(0, 3).join(', ')).join('\n')"

echo '2. A git-synced folder: its manifests become read-only experiments, each run records the commit.'
repo=$(mktemp -d)
source_id=''
hook_id=''
# What the walkthrough made goes with it: a source left behind would poll a deleted folder.
cleanup() {
  [[ -n $source_id ]] && api DELETE "/api/git-sources/$source_id" >/dev/null || true
  [[ -n $hook_id ]] && api DELETE "/api/hooks/$hook_id" >/dev/null || true
  rm -rf "$repo"
}
trap cleanup EXIT
git -C "$repo" init -q -b main
cp "$here/gitops/"*.yaml "$repo/"
git -C "$repo" add . && git -C "$repo" -c user.name=ordeal -c user.email=ordeal@localhost commit -qm 'chaos experiments'
source=$(api POST /api/git-sources "{\"name\":\"walkthrough-$$\",\"url\":\"$repo\",\"branch\":\"main\"}")
source_id=$(json j.id <<<"$source")
# The POST answers before its first sync; a sync asked for now runs right after that one.
api POST "/api/git-sources/$source_id/sync" >/dev/null
api GET "/api/git-sources/$source_id" |
  json "'   synced commit ' + j.lastSync.commit.slice(0, 7) + ': ' + j.experiments.length + ' experiment(s) managed, ' + j.invalid.length + ' invalid'"
json "'   push webhook ' + j.webhookUrl" <<<"$source"
api GET /api/experiments | json "j.filter(e => e.origin).map(e => '   ' + e.name + ' from ' + e.origin.path + ' @ ' + e.origin.commit.slice(0, 7)).join('\n')"

echo '3. A deploy trigger: a signed "checkout deployed" event runs the experiment (debounced 5 s).'
hook=$(api POST /api/hooks "{\"name\":\"deploys-$$\",\"kind\":\"generic\"}")
hook_id=$(json j.id <<<"$hook")
hook_url=$(json j.url <<<"$hook")
hook_secret=$(json j.secret <<<"$hook")
# The manifest's trigger listens to the hook named `deploys`: point it at this one.
sed "s/hook: deploys$/hook: deploys-$$/" "$here/checkout-resilience.yaml" >"$repo/subscribed.yaml"
api PUT "/api/experiments/$id" "$(yaml_body "$repo/subscribed.yaml")" >/dev/null
body='{"app":"checkout","status":"succeeded","revision":"1a2b3c4"}'
ts=$(date +%s)
sig=$(HOOK_SECRET=$hook_secret node -e "process.stdout.write(require('crypto').createHmac('sha256', process.env.HOOK_SECRET).update(process.argv[1] + '.' + process.argv[2]).digest('hex'))" "$ts" "$body")
curl -sS -X POST "$hook_url" -H 'Content-Type: application/json' \
  -H "X-Ordeal-Timestamp: $ts" -H "X-Ordeal-Delivery: walkthrough-$$-$ts" \
  -H "X-Ordeal-Signature-256: sha256=$sig" --data-binary "$body" |
  json "'   delivery ' + j.outcome + ', matched ' + j.matched.join(', ')"
run=''
for _ in $(seq 1 120); do
  run=$(api GET "/api/experiments/$id/triggers" | json "j[0].lastFiring?.runId ?? ''")
  [[ -n $run ]] && break
  sleep 1
done
[[ -n $run ]] || { echo 'the trigger did not fire within 2 minutes' >&2; exit 1; }
for _ in $(seq 1 180); do
  status=$(api GET "/api/runs/$run" | json j.status)
  [[ $status == running || $status == queued ]] || break
  sleep 1
done
api GET "/api/runs/$run" | json "'   run ' + j.id + ': ' + j.verdict + ', score ' + j.score + ' (' + j.cause.kind + ' ' + j.cause.trigger + ')'"

echo '4. A rollout gate: 200 when the latest run passed with a score of at least 100 (412 otherwise).'
gate_status=$(authed -sS -o "$repo/gate.json" -w '%{http_code}' \
  "$server/api/gates/checkout-resilience?threshold=100")
json "'   HTTP $gate_status: ' + j.reason" <"$repo/gate.json"
[[ $gate_status == 200 ]]
