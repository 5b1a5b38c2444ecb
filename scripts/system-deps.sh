#!/usr/bin/env bash
# Installs the system packages ordeal's quickstart, tests and examples need, and nothing else.
# Idempotent: packages already present are skipped. As root it uses apt-get; otherwise it
# prints the exact command to run and fails, so nothing half-works silently.
set -euo pipefail

packages=(
  procps        # ps/pgrep for attach-mode tests
  util-linux    # fallocate for disk-fill
  stress-ng     # reference stressor used to cross-check cpu-stress
  postgresql    # real PostgreSQL for the sql probe tests
  mariadb-server # real MariaDB for the sql probe tests
  prometheus    # real Prometheus for the prometheus probe tests
  rabbitmq-server # real RabbitMQ nodes for the order/delivery demo (issue 4)
  iptables      # network faults inside ordeal's own namespaces (iproute2 is already there)
  socat         # reference TCP relay the proxy benchmark compares against
  etcd-server   # real three-node etcd cluster for the etcd partition example
  etcd-client   # etcdctl, used by that example's probes to move leadership and write
  chromium      # headless browser for the Chaos Center e2e test and the run-page benchmark
)

# The unprivileged system user `ordeal server` runs experiments' commands as (--run-as, default
# ordeal): no home, no login shell, no password. Created once; re-running changes nothing.
if ! getent passwd ordeal >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --user-group ordeal
    echo "created system user ordeal (ordeal server --run-as)" >&2
  else
    echo "ordeal server runs experiments' commands as the system user 'ordeal'; create it with:" >&2
    echo "  sudo useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group ordeal" >&2
  fi
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ordeal needs these system packages: ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Debian's postinst scripts try to start services; nothing here should run as a daemon.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
