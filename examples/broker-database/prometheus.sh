#!/usr/bin/env bash
# Runs Prometheus in the foreground (the script ends in `exec`, so ordeal's supervisor owns it),
# scraping the RabbitMQ nodes' Prometheus plugin every --interval. Its config and its TSDB live
# under --data-dir, the replica's data dir, removed after the run.
#
#   prometheus.sh --port 9090 --data-dir DIR --targets 127.0.0.1:15692,127.0.0.1:15693 [--interval 1s]
set -euo pipefail

port='' data_dir='' targets='' interval=1s
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2 ;;
    --data-dir) data_dir=$2 ;;
    --targets) targets=$2 ;;
    --interval) interval=$2 ;;
    *) echo "prometheus.sh: unknown argument '$1'" >&2 && exit 2 ;;
  esac
  shift 2
done
for required in port data_dir targets; do
  if [ -z "${!required}" ]; then
    echo "prometheus.sh: --${required//_/-} is required" >&2
    exit 2
  fi
done
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)

{
  echo 'global:'
  echo "  scrape_interval: $interval"
  echo "  evaluation_interval: $interval"
  echo 'scrape_configs:'
  echo '  - job_name: rabbitmq'
  echo '    static_configs:'
  echo '      - targets:'
  for target in ${targets//,/ }; do
    echo "          - '$target'"
  done
} >"$data_dir/prometheus.yml"

# Debian's binary; another install can point PROMETHEUS at its own. The working directory is the
# data dir: Prometheus writes nothing beside it then.
cd "$data_dir"
exec "${PROMETHEUS:-/usr/bin/prometheus}" --config.file="$data_dir/prometheus.yml" \
  --storage.tsdb.path="$data_dir/tsdb" --storage.tsdb.retention.time=1h \
  --web.listen-address="127.0.0.1:$port" --log.level=warn
