#!/usr/bin/env bash
# Runs ONE MariaDB server in the foreground, so that ordeal's supervisor owns it (the script
# ends in `exec`: the pid ordeal spawned is mariadbd itself, and a process-kill hits the server).
# Everything it writes lives under --data-dir, the replica's data dir, which ordeal removes
# after the run.
#
#   mariadb.sh --port 3306 --data-dir /path/to/replica/dir
#
# First start: mariadb-install-db creates the system tables in <data-dir>/db. A server re-created
# after a kill finds them there and starts on them (InnoDB crash recovery), like a pod re-created
# on its persistent volume. An init file, run at every start, creates the `dump` database, its
# table and the `dump` user (password `dump`) if they are missing.
set -euo pipefail

port='' data_dir=''
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2 ;;
    --data-dir) data_dir=$2 ;;
    *) echo "mariadb.sh: unknown argument '$1'" >&2 && exit 2 ;;
  esac
  shift 2
done
for required in port data_dir; do
  if [ -z "${!required}" ]; then
    echo "mariadb.sh: --${required//_/-} is required" >&2
    exit 2
  fi
done

mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
db="$data_dir/db"
# mariadbd refuses to run as root unless told to; as any other user --user is ignored.
user=$(id -un)

# The marker is written after a complete install: a server killed during its first install
# leaves a half-built directory, which is thrown away and built again.
if [ ! -e "$data_dir/installed" ]; then
  rm -rf "$db"
  mariadb-install-db --no-defaults --datadir="$db" --user="$user" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >/dev/null
  : >"$data_dir/installed"
fi

cat >"$data_dir/init.sql" <<'SQL'
CREATE DATABASE IF NOT EXISTS dump;
CREATE TABLE IF NOT EXISTS dump.messages (
  seq BIGINT AUTO_INCREMENT PRIMARY KEY,
  id VARCHAR(64) NOT NULL,
  consumer VARCHAR(16) NOT NULL,
  dumped_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY (dumped_at)
);
CREATE USER IF NOT EXISTS 'dump'@'%' IDENTIFIED BY 'dump';
GRANT ALL ON dump.* TO 'dump'@'%';
SQL

echo "mariadb.sh: starting mariadbd on 127.0.0.1:$port as $user, data in $db"
# Small buffers: several servers share this machine. flush-log-at-trx-commit=2 keeps commits
# cheap (written at commit, synced each second), as many production dumps are configured.
# The socket path is relative (mariadbd resolves it in --datadir): a unix socket path is limited to
# 107 bytes, which a run's data dir under the state dir easily exceeds.
# No --log-error: the log goes to stderr, where the supervisor keeps it with the replica's label.
exec mariadbd --no-defaults --datadir="$db" --user="$user" \
  --port="$port" --bind-address=127.0.0.1 --socket=mysqld.sock \
  --pid-file="$data_dir/mysqld.pid" --init-file="$data_dir/init.sql" \
  --skip-name-resolve --skip-log-bin --max-connections=200 \
  --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=2 \
  --log-warnings=1
