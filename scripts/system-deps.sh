#!/usr/bin/env bash
# Installs the Debian packages one use of ordeal needs, and nothing else:
#
#   scripts/system-deps.sh quickstart   what scripts/quickstart.sh needs (almost nothing)
#   scripts/system-deps.sh demo         + RabbitMQ for `ordeal demo`
#   scripts/system-deps.sh server       + the unprivileged `ordeal` user that runs a Chaos
#                                         Center's experiments (ordeal server --run-as)
#   scripts/system-deps.sh disk         + FUSE and a C compiler for ordeal-diskfs (disk-fault)
#   scripts/system-deps.sh test         everything the test suite and benchmarks use (default)
#
# Several sets may be given at once. Idempotent: packages already present are skipped and the
# user is created once. As root it uses apt-get; otherwise it prints the exact command to run
# and fails, so nothing half-works silently.
set -euo pipefail

# util-linux: flock (the live-run lock), setpriv (the run user), fallocate (disk-fill). It is in
# every Debian base system; listed so that a stripped image says so.
quickstart=(
  util-linux
)
demo=(
  rabbitmq-server # real RabbitMQ nodes for the order/delivery demo
  stress-ng       # CPU pressure beside the demo in its no-flake benchmark
)
# disk-fault's helper ordeal-diskfs: FUSE at run time (fuse3), built from native/diskfs by
# scripts/build-native.sh (libfuse3-dev, gcc, pkg-config).
disk=(
  fuse3
  libfuse3-dev
  gcc
  pkg-config
)
test=(
  procps          # ps/pgrep for attach-mode tests
  python3         # the docs' examples use python3 -m http.server as "your service"
  curl            # a docs example times a request through the proxy with curl
  stress-ng       # reference stressor used to cross-check cpu-stress
  postgresql      # real PostgreSQL for the sql probe tests
  mariadb-server  # real MariaDB for the sql probe tests
  prometheus      # real Prometheus for the prometheus probe tests
  rabbitmq-server # real RabbitMQ nodes for the order/delivery demo
  iptables        # network faults inside ordeal's own namespaces (iproute2 is already there)
  socat           # reference TCP relay the proxy benchmark compares against
  etcd-server     # real three-node etcd cluster for the etcd partition example
  etcd-client     # etcdctl, used by that example's probes to move leadership and write
  chromium        # headless browser for the Chaos Center e2e test and the run-page benchmark
  tcpdump         # spec.capture records each host's packets with it (tests read the pcap back)
  libfiu0         # syscall-error: the libfiu preloads (fiu_run_preload.so, fiu_posix_preload.so)
  fiu-utils       # syscall-error: fiu-ctrl, libfiu's remote control, switches failures on and off
  libfaketime     # the preload behind clock-skew (services with preload: [libfaketime])
  faketime        # its CLI, to try a skew on a command by hand (docs/clock-skew.md)
)

sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(test)
packages=("${quickstart[@]}")
want_user=0
for set in "${sets[@]}"; do
  case "$set" in
    quickstart) ;;
    demo) packages+=("${demo[@]}") ;;
    server) want_user=1 ;;
    disk) packages+=("${disk[@]}") ;;
    test) packages+=("${test[@]}" "${disk[@]}") && want_user=1 ;;
    *)
      echo "usage: scripts/system-deps.sh [quickstart|demo|server|disk|test]... (unknown set '$set')" >&2
      exit 2
      ;;
  esac
done

# The unprivileged system user `ordeal server` runs experiments' commands as (--run-as, default
# ordeal): no home, no login shell, no password. Created once; re-running changes nothing.
if [ "$want_user" = 1 ] && ! getent passwd ordeal >/dev/null; then
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
  if [[ " ${missing[*]} " == *" $pkg "* ]]; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ordeal (${sets[*]}) needs these system packages: ${missing[*]}" >&2
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
