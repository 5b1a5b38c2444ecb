#!/usr/bin/env bash
# Makes host a's etcd member the leader, so the partition [[a], [b, c]] isolates the leader:
# the leader is only known at run time, the partition's groups are fixed in the manifest.
# Waits for the cluster to be healthy, then `etcdctl move-leader` (sent to the current leader)
# and checks a reports itself leader. Usage: leader-to-a.sh A_ENDPOINT ALL_ENDPOINTS
set -euo pipefail
a=$1
all=$2
ctl() { ETCDCTL_API=3 etcdctl --dial-timeout=1s --command-timeout=2s "$@"; }

for _ in $(seq 1 30); do
  ctl --endpoints "$all" endpoint health >/dev/null 2>&1 && break
  sleep 0.5
done
# `endpoint status -w simple`: "ENDPOINT, ID, VERSION, DB SIZE, IS LEADER, ..." (the JSON form
# carries the 64-bit member id as a number, which loses digits in most parsers).
field() { ctl --endpoints "$a" endpoint status -w simple | awk -F', ' -v f="$1" '{ print $f }'; }
member=$(field 2)
if [ "$(field 5)" != true ]; then
  ctl --endpoints "$all" move-leader "$member"
fi
[ "$(field 5)" = true ] || { echo "a ($member) is not the leader" >&2; exit 1; }
echo "leader: a ($member)"
