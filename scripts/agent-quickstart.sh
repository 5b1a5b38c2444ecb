#!/usr/bin/env bash
# A Chaos Center and one agent on this machine, for trying runs placed on an agent (README,
# "Agents"). `start` (the default) makes the tokens offline, starts `ordeal server` and
# `ordeal agent --name edge-1` in the background (logs and pids in .ordeal/agent-quickstart/)
# and returns once the agent is connected; `stop` stops both (SIGTERM: the agent rolls back
# whatever it runs first). Idempotent: a second `start` reuses what is running.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${AGENT_QUICKSTART_DIR:-.ordeal/agent-quickstart}
port=${PORT:-7700}
url=http://127.0.0.1:$port
cli=(node dist/cli/main.js)

alive() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

stop() {
  for name in agent server; do
    if alive "$name"; then
      pid=$(cat "$dir/$name.pid")
      kill -TERM "$pid"
      # Wait for it: the agent's rollback and the server's shutdown finish before we return.
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
      echo "agent-quickstart: stopped $name (pid $pid)"
    fi
    rm -f "$dir/$name.pid"
  done
}

# Waits up to $2 seconds for $1 (a command) to succeed, else prints $3's log and fails.
wait_for() {
  for _ in $(seq 1 $(($2 * 5))); do
    if eval "$1"; then return 0; fi
    sleep 0.2
  done
  echo "agent-quickstart: timed out; the last lines of $dir/$3.log:" >&2
  tail -n 20 "$dir/$3.log" >&2
  exit 1
}

start() {
  bash scripts/system-deps.sh server
  [ -d node_modules ] || npm ci --no-audit --no-fund
  [ -f dist/cli/main.js ] || npm run build --silent
  mkdir -p "$dir" && chmod 700 "$dir"
  # Tokens, offline in the server's store: the last line of stdout is the secret alone.
  if [ ! -s "$dir/editor.token" ]; then
    "${cli[@]}" token create --data "$dir/server" --role editor --name quickstart-cli \
      | tail -n 1 >"$dir/editor.token"
  fi
  if [ ! -s "$dir/edge-1.token" ]; then
    "${cli[@]}" token create --data "$dir/server" --role agent --name edge-1 \
      | tail -n 1 >"$dir/edge-1.token"
  fi
  chmod 600 "$dir"/*.token
  if ! alive server; then
    nohup "${cli[@]}" server --data "$dir/server" --port "$port" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/server.pid"
  fi
  wait_for "curl -fsS $url/api/health >/dev/null 2>&1" 30 server
  if ! alive agent; then
    : >"$dir/agent.log"
    nohup "${cli[@]}" agent --server "$url" --token-file "$dir/edge-1.token" \
      --state-dir "$dir/agent" >"$dir/agent.log" 2>&1 &
    echo $! >"$dir/agent.pid"
  fi
  wait_for "grep -q 'agent edge-1 connected' $dir/agent.log" 30 agent
  cat <<EOF
agent-quickstart: Chaos Center at $url, agent edge-1 connected (logs in $dir/).
Place a run on the agent:
  npx ordeal run examples/quickstart/experiment.yaml --server $url --token-file $dir/editor.token --agent edge-1
Stop both: bash scripts/agent-quickstart.sh stop
EOF
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: bash scripts/agent-quickstart.sh [start|stop]" >&2; exit 2 ;;
esac
