#!/usr/bin/env bash
# Runs ONE RabbitMQ node in the foreground, so that ordeal's supervisor owns it: the node is the
# process ordeal spawned (this script ends in `exec`), it stays in ordeal's process group, its
# log goes to stdout, and killing the group kills the whole node (beam.smp, erl_child_setup,
# inet_gethost). Everything the node writes lives under --data-dir.
#
#   node.sh --name ord0 --amqp-port 5672 --dist-port 25672 --epmd-port 4369 \
#           --data-dir /path/to/replica/dir [--cookie-file FILE] \
#           [--cluster ord0,ord1,ord2 --cluster-amqp-ports 5672,5673,5674]
#           [--management-port 15672] [--prometheus-port 15692]
#
# --management-port / --prometheus-port enable the management plugin (HTTP API, queue depths
# and rates; user guest/guest, loopback only) and the Prometheus plugin (/metrics), both bound
# to 127.0.0.1. Without them the node loads no plugin: it boots faster.
#
# epmd: nodes find each other (and the CLI tools find a node) through epmd. `erl` would start
# a shared `epmd -daemon` on 4369 that detaches, outlives every node and is left behind after
# the run; two runs would also share one node-name space. Instead each run starts its own epmd
# in the foreground as a supervised service (`epmd -port P -address 127.0.0.1`), passes its
# port here, and the node is told not to start one (-start_epmd false). Nothing outlives the run.
set -euo pipefail

name='' amqp_port='' dist_port='' epmd_port='' data_dir='' cluster='' cluster_ports='' cookie_file=''
management_port='' prometheus_port=''
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2 ;;
    --amqp-port) amqp_port=$2 ;;
    --dist-port) dist_port=$2 ;;
    --epmd-port) epmd_port=$2 ;;
    --data-dir) data_dir=$2 ;;
    --cluster) cluster=$2 ;;
    --cluster-amqp-ports) cluster_ports=$2 ;;
    --cookie-file) cookie_file=$2 ;;
    --management-port) management_port=$2 ;;
    --prometheus-port) prometheus_port=$2 ;;
    *) echo "node.sh: unknown argument '$1'" >&2 && exit 2 ;;
  esac
  shift 2
done
for required in name amqp_port dist_port epmd_port data_dir; do
  if [ -z "${!required}" ]; then
    echo "node.sh: --${required//_/-} is required" >&2
    exit 2
  fi
done

# The upstream server script (Debian's path); another install can point RABBITMQ_SERVER at its own.
server=${RABBITMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}
node="$name@localhost"
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
# All nodes of a run share one cookie (an Erlang cluster authenticates with it). By default
# it sits next to the replicas' data dirs (<runDir>/data/), so it is per run and goes with them.
cookie_file=${cookie_file:-$(dirname "$data_dir")/.erlang.cookie}

# The cookie is made once per run by whichever node gets there first: `ln` is atomic and fails
# when the file exists, so concurrent launches agree on one value and never read a partial file.
if [ ! -s "$cookie_file" ]; then
  tmp=$(mktemp "$cookie_file.XXXXXX")
  head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$tmp"
  ln "$tmp" "$cookie_file" 2>/dev/null || true
  rm -f "$tmp"
fi

conf="$data_dir/conf"
mkdir -p "$conf" "$data_dir/mnesia" "$data_dir/log" "$data_dir/home"
{
  echo "listeners.tcp.default = 127.0.0.1:$amqp_port"
  # The log goes to stdout, where the supervisor prefixes it with the replica's label.
  echo 'log.console = true'
  echo 'log.console.level = info'
  echo 'log.console.use_colors = off'
  echo 'log.file = false'
  if [ -n "$management_port" ]; then
    echo "management.tcp.ip = 127.0.0.1"
    echo "management.tcp.port = $management_port"
    # Queue depths and rates refresh every 5 s by default: a backlog check would read them
    # up to 5 s late. Once a second matches a metric's default interval.
    echo "collect_statistics_interval = 1000"
  fi
  if [ -n "$prometheus_port" ]; then
    echo "prometheus.tcp.ip = 127.0.0.1"
    echo "prometheus.tcp.port = $prometheus_port"
  fi
  seed=${cluster%%,*}
  if [ -n "$cluster" ] && [ "$name" != "$seed" ]; then
    # classic_config: a blank node joins a listed node that is up, so the nodes form one
    # cluster on boot without rabbitmqctl; a node re-created on its old data dir skips discovery
    # and rejoins as it was. The first member is the seed and boots standalone (it has no
    # discovery config); the others keep retrying until a peer is up instead of giving up after
    # 5 s and seeding a cluster of their own, which parallel first boots would otherwise risk.
    echo 'cluster_formation.peer_discovery_backend = classic_config'
    echo 'cluster_formation.discovery_retry_limit = 240'
    echo 'cluster_formation.discovery_retry_interval = 250'
    i=1
    for member in ${cluster//,/ }; do
      echo "cluster_formation.classic_config.nodes.$i = $member@localhost"
      i=$((i + 1))
    done
  fi
} >"$conf/rabbitmq.conf"
plugins=()
[ -n "$management_port" ] && plugins+=(rabbitmq_management)
[ -n "$prometheus_port" ] && plugins+=(rabbitmq_prometheus)
# No plugin unless asked: faster boot, nothing listening but AMQP.
(IFS=,; echo "[${plugins[*]}].") >"$conf/enabled_plugins"
install -m 0400 "$cookie_file" "$data_dir/home/.erlang.cookie.new"
mv -f "$data_dir/home/.erlang.cookie.new" "$data_dir/home/.erlang.cookie"

# First boots one at a time, in the order of --cluster. A blank node joins any listed peer that
# has its tables, even one still in the middle of its own first boot: under CPU load the joiner
# then finds the peer's schema half migrated (feature flags being enabled), both nodes die with
# schema_integrity_check_failed / incompatible_feature_flags, and their data dirs stay unusable,
# so the system never starts (issue 13 §1b). A peer's AMQP listener opens only once its boot,
# database and feature flags included, is complete: a node that has never finished a boot waits
# for every member listed before it to accept connections. It has finished one when its marker
# file exists (written below once its own AMQP port answers); the mnesia directory is no test,
# since a node killed during its first boot leaves it half built. A node re-created after a
# complete boot rejoins as it was and does not wait; nor does the seed. The wait is bounded, so a
# peer that never comes up (its first boot failed) ends this node with a line naming that peer,
# which ordeal's crash-loop detection then shows, instead of a silent wait until the readiness
# timeout.
booted_marker="$data_dir/first-boot-done"
peer_wait_s=${NODE_SH_PEER_WAIT_S:-120}
if [ -n "$cluster_ports" ] && [ ! -e "$booted_marker" ]; then
  IFS=, read -r -a members <<<"$cluster"
  IFS=, read -r -a member_ports <<<"$cluster_ports"
  for i in "${!members[@]}"; do
    [ "${members[$i]}" = "$name" ] && break
    port=${member_ports[$i]:?node.sh: --cluster-amqp-ports has fewer ports than --cluster}
    echo "node.sh: $node waits for ${members[$i]} (amqp $port) to finish booting before it joins"
    waited_from=$SECONDS
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      if [ $((SECONDS - waited_from)) -ge "$peer_wait_s" ]; then
        echo "node.sh: $node gives up: ${members[$i]} (amqp 127.0.0.1:$port) did not accept" \
          "connections within ${peer_wait_s} s; see ${members[$i]}'s log for why its boot failed" >&2
        exit 1
      fi
      sleep 0.2
    done
  done
fi
# The marker: a watcher, detached from this script (the double fork leaves it to init to reap,
# not the VM this script becomes) but still in ordeal's process group, so a kill of the node
# ends it too. It writes the marker once this node's AMQP port answers, and gives up with the
# node's own readiness budget.
if [ ! -e "$booted_marker" ]; then
  (
    (
      deadline=$((SECONDS + 600))
      until (exec 3<>"/dev/tcp/127.0.0.1/$amqp_port") 2>/dev/null; do
        [ "$SECONDS" -ge "$deadline" ] && exit 0
        sleep 0.5
      done
      : >"$booted_marker"
    ) </dev/null >/dev/null 2>&1 &
  )
fi

# The package's own wrapper (/usr/sbin/rabbitmq-server) is not used: it redirects the output to
# /var/log/rabbitmq and `su -c` puts the node in a new session, out of ordeal's process group.
# Like the package, a root launch runs the node as `rabbitmq`, provided that user can reach the
# data dir; ordeal's default state dir is under /root (mode 0700), and then the node stays root.
run_as=()
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
  chown -R rabbitmq:rabbitmq "$data_dir"
  if setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups test -w "$data_dir/mnesia"; then
    run_as=(setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups --)
  else
    chown -R 0:0 "$data_dir"
  fi
fi

export HOME="$data_dir/home" # the Erlang cookie is read from $HOME/.erlang.cookie
export ERL_EPMD_PORT="$epmd_port"
export ERL_CRASH_DUMP="$data_dir/log/erl_crash.dump"
export RABBITMQ_NODENAME="$node"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$amqp_port"
export RABBITMQ_DIST_PORT="$dist_port"
export RABBITMQ_MNESIA_BASE="$data_dir/mnesia"
export RABBITMQ_LOG_BASE="$data_dir/log"
export RABBITMQ_CONFIG_FILE="$conf/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$conf/advanced.config" # absent: host config stays out
export RABBITMQ_CONF_ENV_FILE=/dev/null                      # not /etc/rabbitmq/rabbitmq-env.conf
export RABBITMQ_ENABLED_PLUGINS_FILE="$conf/enabled_plugins"
export RABBITMQ_FEATURE_FLAGS_FILE="$data_dir/mnesia/feature_flags"
# Several nodes share a few cores here: unbound schedulers, so they do not fight over the same.
export RABBITMQ_SCHEDULER_BIND_TYPE=u
# With ALLOW_INPUT the server script execs erl instead of running it under a shell that traps
# and forwards signals, so the pid ordeal spawned is the VM itself and a SIGKILL hits the node,
# not a wrapper. -noinput keeps the Erlang shell off anyway; the VM stops gracefully on SIGTERM
# by itself, and ignores SIGINT (+B i) as the script would have made it. The cookie stays off
# the command line (it is read from $HOME), where any local user could read it.
export RABBITMQ_ALLOW_INPUT=true
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-noinput +B i -start_epmd false \
-kernel inet_dist_use_interface {127,0,0,1}"

echo "node.sh: starting $node (amqp 127.0.0.1:$amqp_port, dist $dist_port, epmd $epmd_port)" \
  "as $([ ${#run_as[@]} -gt 0 ] && echo rabbitmq || id -un), data in $data_dir"
exec "${run_as[@]}" "$server"
