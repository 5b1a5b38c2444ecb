#!/usr/bin/env bash
# Runs ONE RabbitMQ node of the partition example in the foreground, inside its host's network
# namespace (ordeal places it there), so that ordeal's supervisor owns it: this script ends in
# `exec`, killing the process group kills the whole node.
#
#   node.sh --name a --data-dir DIR --client-address 198.18.x.y \
#           --peer a=198.18.x.y --peer b=198.18.x.z --peer c=198.18.w.z \
#           [--join a] [--partition-handling ignore|pause_minority] [--net-ticktime 5]
#
# Naming. Erlang nodes find each other by host name: `rabbit@b` is reached at whatever `b`
# resolves to ON THE NODE THAT CONNECTS. ordeal's hosts have no names in DNS or /etc/hosts, and
# an address-based name (rabbit@198.18.1.2) would pin every peer to one network. So each node
# gets its own Erlang host table (ERL_INETRC, read by the VM's resolver only): the --peer
# addresses are how THIS node reaches each peer. Node a reaches b over `left` and c over
# `middle`; c reaches a and b over `middle`. Cutting `middle` then leaves a and b talking over
# `left`, and c alone: the 2 / 1 split of the seed's "partition the middle network".
#
# Each host runs its own epmd (a service of the manifest, port 4369 inside the namespace);
# the node is told not to start one. Distribution listens on 25672 on every address of the
# namespace (its addresses are 198.18.0.0/15 and loopback only); AMQP (5672) and the management
# API (15672) listen on --client-address, where the run's clients reach it.
set -euo pipefail

name='' data_dir='' client_address='' join='' handling=pause_minority ticktime=5
peers=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2 ;;
    --data-dir) data_dir=$2 ;;
    --client-address) client_address=$2 ;;
    --peer) peers+=("$2") ;;
    --join) join=$2 ;;
    --partition-handling) handling=$2 ;;
    --net-ticktime) ticktime=$2 ;;
    *) echo "node.sh: unknown argument '$1'" >&2 && exit 2 ;;
  esac
  shift 2
done
for required in name data_dir client_address; do
  if [ -z "${!required}" ]; then
    echo "node.sh: --${required//_/-} is required" >&2
    exit 2
  fi
done
case "$handling" in
  ignore | pause_minority | autoheal) ;;
  *) echo "node.sh: --partition-handling must be ignore, pause_minority or autoheal" >&2 && exit 2 ;;
esac

server=${RABBITMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
conf="$data_dir/conf"
mkdir -p "$conf" "$data_dir/mnesia" "$data_dir/log" "$data_dir/home"

# The Erlang cookie: one per run, in <run>/data beside the replicas' data dirs (<service>-<i>);
# `ln` is atomic, so nodes booting at once agree on one value.
cookie_file="$(dirname "$data_dir")/.erlang.cookie"
if [ ! -s "$cookie_file" ]; then
  tmp=$(mktemp "$cookie_file.XXXXXX")
  head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$tmp"
  ln "$tmp" "$cookie_file" 2>/dev/null || true
  rm -f "$tmp"
fi
install -m 0400 "$cookie_file" "$data_dir/home/.erlang.cookie.new"
mv -f "$data_dir/home/.erlang.cookie.new" "$data_dir/home/.erlang.cookie"

# This node's host table: `{host, {198,18,1,2}, ["b"]}.` per peer. The file is asked first, so
# a peer's name never reaches the machine's resolver; anything else (localhost) still does.
{
  for peer in "${peers[@]}"; do
    host=${peer%%=*} address=${peer#*=}
    echo "{host, {${address//./,}}, [\"$host\"]}."
  done
  echo '{lookup, [file, native]}.'
} >"$conf/inetrc"

{
  echo "listeners.tcp.1 = $client_address:5672"
  echo "management.tcp.ip = $client_address"
  echo 'management.tcp.port = 15672'
  # The clients and observers reach the node from outside its namespace (through the run's
  # bridge): guest may log in from there. Nothing but the run's own namespaces can reach it.
  echo 'loopback_users = none'
  echo "cluster_partition_handling = $handling"
  echo 'log.console = true'
  echo 'log.console.level = info'
  echo 'log.console.use_colors = off'
  echo 'log.file = false'
  if [ -n "$join" ]; then
    # A blank node joins the seed on boot; the manifest starts the nodes one after another
    # (each service waits for the previous one's readiness), so the seed has finished its own
    # boot first. The seed itself has no discovery config and boots standalone.
    echo 'cluster_formation.peer_discovery_backend = classic_config'
    echo "cluster_formation.classic_config.nodes.1 = rabbit@$join"
    echo 'cluster_formation.discovery_retry_limit = 240'
    echo 'cluster_formation.discovery_retry_interval = 250'
  fi
} >"$conf/rabbitmq.conf"
# net_ticktime: how long a silent peer takes to be declared down (60 s by default); 5 s keeps
# the example short. Every node of a cluster must use the same value.
echo "[{kernel, [{net_ticktime, $ticktime}]}]." >"$conf/advanced.config"
echo '[rabbitmq_management].' >"$conf/enabled_plugins"

export HOME="$data_dir/home"
export ERL_INETRC="$conf/inetrc"
export ERL_CRASH_DUMP="$data_dir/log/erl_crash.dump"
export RABBITMQ_NODENAME="rabbit@$name"
export RABBITMQ_DIST_PORT=25672
export RABBITMQ_MNESIA_BASE="$data_dir/mnesia"
export RABBITMQ_LOG_BASE="$data_dir/log"
export RABBITMQ_CONFIG_FILE="$conf/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$conf/advanced.config"
export RABBITMQ_CONF_ENV_FILE=/dev/null # not /etc/rabbitmq/rabbitmq-env.conf
export RABBITMQ_ENABLED_PLUGINS_FILE="$conf/enabled_plugins"
export RABBITMQ_FEATURE_FLAGS_FILE="$data_dir/mnesia/feature_flags"
export RABBITMQ_SCHEDULER_BIND_TYPE=u
# As examples/order-delivery/rabbitmq/node.sh: the pid ordeal spawned is the VM itself, no
# Erlang shell, SIGINT ignored, and no epmd of its own (the host's epmd service is up).
export RABBITMQ_ALLOW_INPUT=true
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-noinput +B i -start_epmd false"

echo "node.sh: starting rabbit@$name (clients on $client_address, partition handling $handling," \
  "net_ticktime $ticktime s, peers ${peers[*]})"
exec "$server"
