#!/usr/bin/env bash
# Runs ONE PostgreSQL 15 server in the foreground (the script ends in `exec`: the pid ordeal
# spawned is the postmaster, and a power loss SIGKILLs its whole group, backends included).
# Everything lives under --data-dir, the replica's data dir, over which the run mounts the
# disk-fault's file system. Run as the `postgres` user (the service's `user:`).
#
#   postgres.sh --port 5432 --data-dir /path/to/replica/dir --fsync on|off
#
# First start: initdb, then the `acked` table is created in single-user mode, then everything
# (files and directories) is fsynced, and the marker and the `pg` entry too: whatever a power
# loss drops later, the empty table itself is there. After a
# power loss the server starts on what is left and runs crash recovery from its WAL.
set -euo pipefail

port='' data_dir='' fsync=''
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2 ;;
    --data-dir) data_dir=$2 ;;
    --fsync) fsync=$2 ;;
    *) echo "postgres.sh: unknown argument '$1'" >&2 && exit 2 ;;
  esac
  shift 2
done
for required in port data_dir fsync; do
  if [ -z "${!required}" ]; then
    echo "postgres.sh: --${required//_/-} is required" >&2
    exit 2
  fi
done

bin=/usr/lib/postgresql/15/bin
pgdata="$data_dir/pg"
if [ ! -e "$data_dir/installed" ]; then
  rm -rf "$pgdata"
  "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  echo 'CREATE TABLE acked (id text PRIMARY KEY);' |
    "$bin/postgres" --single -D "$pgdata" -c fsync=on postgres >/dev/null
  # Every file AND directory of the cluster, as initdb does at its end: the table's new files
  # are entries of base/<db>, which a power loss would revert until that directory is fsynced.
  "$bin/initdb" -D "$pgdata" --sync-only >/dev/null
  : >"$data_dir/installed"
  # coreutils sync FILE fsyncs each one: the marker's data, then the directory's entries.
  sync "$data_dir/installed" "$data_dir"
fi

echo "postgres.sh: starting postgres on 127.0.0.1:$port, fsync=$fsync, data in $pgdata"
# synchronous_commit stays on: a COMMIT is acknowledged only after its WAL is written and
# (with fsync=on) fdatasynced. No unix socket: a run's data dir path is too long for one.
exec "$bin/postgres" -D "$pgdata" -p "$port" -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories= -c fsync="$fsync" -c synchronous_commit=on \
  -c shared_buffers=16MB -c max_connections=20
