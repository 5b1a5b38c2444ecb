#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for ordeal's tests, the way controller-runtime's
# envtest runs one, plus real controllers and kwok so that workloads behave:
#
#   etcd                      go.etcd.io/etcd/server/v3, the release kube-apiserver is built with
#   kube-apiserver            k8s.io/kubernetes at one pinned release, RBAC on, TLS, client certs,
#                             a generated service-account signing key
#   kube-controller-manager   ReplicaSets re-create deleted pods, Deployments roll, tokens, GC
#   kube-scheduler            binds new pods to a node
#   kwok                      sigs.k8s.io/kwok: nodes heartbeat and pods become Ready without a
#                             container runtime (this machine has none)
#
#   scripts/k8s-test-cluster.sh build              build the binaries once (cached, see below)
#   scripts/k8s-test-cluster.sh start [DIR]        start a cluster whose state lives in DIR, wait
#                                                  until its nodes are Ready, print KUBECONFIG=…
#   scripts/k8s-test-cluster.sh env [DIR]          print KUBECONFIG=… of a started cluster
#   scripts/k8s-test-cluster.sh stop [DIR]         stop everything `start` started, remove DIR
#   scripts/k8s-test-cluster.sh bin                print the folder of the built binaries
#   scripts/k8s-test-cluster.sh apiserver-stop|apiserver [DIR]
#                                                  stop / start again only the API server (an
#                                                  outage, for tests)
#
# DIR defaults to .cache/k8s-test-cluster/cluster. ORDEAL_K8S_OWNER_PID=PID makes the cluster
# stop itself when that process ends (a test file that is killed leaves nothing behind).
# Binaries are built by the Go modules under scripts/k8s-test-cluster/ (each pins its versions
# in go.mod/go.sum) once per machine, into ~/.cache/ordeal/k8s-test-cluster/bin-<hash of those
# files>/, and linked from the checkout's git-ignored .cache/k8s-test-cluster/. Every listener is on 127.0.0.1 at a free port; pod and service addresses are
# data only (no traffic), taken from ordeal's own range 198.18.0.0/15.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
modules="$root/scripts/k8s-test-cluster"
cache="$root/.cache/k8s-test-cluster"
export GOFLAGS=-buildvcs=false
export GOTOOLCHAIN=local

usage() {
  echo "usage: scripts/k8s-test-cluster.sh build|bin|start|env|stop|apiserver|apiserver-stop [DIR]" >&2
  exit 2
}

# The binaries of this pinned set: .cache/k8s-test-cluster/bin-<hash> in the checkout (git-
# ignored), a link to the machine's copy in ${XDG_CACHE_HOME:-~/.cache}/ordeal/ once built, so a
# fresh clone (CI) on a machine that built them once starts at once.
bin_dir() {
  local hash
  hash=$(cat "$modules"/*/go.mod "$modules"/*/go.sum | sha256sum | cut -c1-12)
  echo "$cache/bin-$hash"
}

complete() {
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok helm; do
    [ -x "$1/$b" ] || return 1
  done
}

build() {
  local bin machine
  bin=$(bin_dir)
  complete "$bin" && return 0
  machine="${ORDEAL_MACHINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ordeal}/k8s-test-cluster/$(basename "$bin")"
  if ! complete "$machine"; then
    command -v go >/dev/null || { echo "k8s-test-cluster: Go 1.26 is needed to build the test cluster" >&2; exit 3; }
    local started=$SECONDS
    rm -rf "$machine.partial" && mkdir -p "$machine.partial"
    echo "k8s-test-cluster: building etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok, helm (once per machine: about 11 minutes from a cold Go cache)" >&2
    (cd "$modules/kube" && go build -o "$machine.partial/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
    # etcd's main package is the module root, so `go build` would name the binary v3.
    (cd "$modules/kube" && go build -o "$machine.partial/etcd" go.etcd.io/etcd/server/v3)
    (cd "$modules/kwok" && go build -o "$machine.partial/" sigs.k8s.io/kwok/cmd/kwok)
    (cd "$modules/helm" && go build -o "$machine.partial/" helm.sh/helm/v4/cmd/helm)
    rm -rf "$machine" && mv "$machine.partial" "$machine"
    echo "k8s-test-cluster: built in $((SECONDS - started)) s into $machine" >&2
  fi
  mkdir -p "$cache"
  rm -rf "$bin" && ln -s "$machine" "$bin"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits until `cmd...` succeeds, at most $1 seconds; the process named by $2 must stay alive.
wait_for() {
  local limit=$1 name=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ -f "$dir/pids/$name" ] && ! kill -0 "$(cat "$dir/pids/$name")" 2>/dev/null; then
      echo "k8s-test-cluster: $name exited; its log ($dir/logs/$name.log) ends with:" >&2
      tail -n 15 "$dir/logs/$name.log" >&2
      stop_cluster
      exit 3
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "k8s-test-cluster: $name not ready after ${limit}s; see $dir/logs/$name.log" >&2
      tail -n 15 "$dir/logs/$name.log" >&2
      stop_cluster
      exit 3
    fi
    sleep 0.2
  done
}

launch() {
  local name=$1
  shift
  # setsid: its own process group, so stop reaches whatever it forks.
  setsid "$@" >"$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$dir/pids/$name"
}

certs() {
  local p="$dir/pki"
  mkdir -p "$p"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$p/ca.key" -out "$p/ca.crt" -days 3650 \
    -subj /CN=ordeal-test-cluster-ca 2>/dev/null
  sign() { # name subject extensions
    openssl req "${ec[@]}" -keyout "$p/$1.key" -out "$p/$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$p/$1.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
      -days 3650 -out "$p/$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
  }
  sign apiserver /CN=kube-apiserver \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc"
  sign admin "/O=system:masters/CN=ordeal-test-admin" "extendedKeyUsage=clientAuth"
  # Service-account tokens (TokenRequest, the controller's token signer) are signed with this.
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

kubeconfig() {
  local p="$dir/pki"
  cat >"$dir/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: ordeal-test
  cluster:
    server: https://127.0.0.1:$1
    certificate-authority-data: $(base64 -w0 "$p/ca.crt")
users:
- name: ordeal-test-admin
  user:
    client-certificate-data: $(base64 -w0 "$p/admin.crt")
    client-key-data: $(base64 -w0 "$p/admin.key")
contexts:
- name: ordeal-test
  context: {cluster: ordeal-test, user: ordeal-test-admin, namespace: default}
current-context: ordeal-test
EOF
  chmod 600 "$dir/admin.kubeconfig"
}

# kwok has no built-in stages: take the "fast" ones of the pinned kwok module (nodes become
# Ready and heartbeat through a Lease; pods become Ready, complete, and finish deleting).
kwok_config() {
  local src
  src=$(cd "$modules/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
  {
    echo "apiVersion: config.kwok.x-k8s.io/v1alpha1"
    echo "kind: KwokConfiguration"
    # Written out: kwok applies its defaults only when it finds no config file.
    echo "options:"
    echo "  podPlayStageParallelism: 4"
    echo "  nodePlayStageParallelism: 4"
    echo "  nodeLeaseParallelism: 4"
    echo "  podsOnNodeSyncParallelism: 2"
    echo "  enablePodsOnNodeSyncListPager: true"
    echo "  enablePodsOnNodeSyncStreamWatch: false"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      echo "---"
      cat "$src/$f"
    done
  } >"$dir/kwok.yaml"
}

nodes() {
  local i
  for i in 1 2; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {type: kwok, kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
EOF
  done
}

# The API server alone, with the flags of its cluster (tests stop and restart it: an outage).
start_apiserver() {
  local bin p="$dir/pki" etcd_port api_port
  bin=$(bin_dir)
  eval "$(cat "$dir/ports")"
  launch kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --client-ca-file "$p/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-cluster-ip-range 198.19.252.0/22 \
    --allow-privileged=true --endpoint-reconciler-type none
  wait_for 90 kube-apiserver curl -sf --cacert "$p/ca.crt" --cert "$p/admin.crt" \
    --key "$p/admin.key" "https://127.0.0.1:$api_port/readyz"
}

stop_process() {
  local pid
  [ -f "$dir/pids/$1" ] || return 0
  pid=$(cat "$dir/pids/$1")
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$dir/pids/$1"
}

start_cluster() {
  if [ -f "$dir/admin.kubeconfig" ] && [ -f "$dir/pids/kube-apiserver" ] &&
    kill -0 "$(cat "$dir/pids/kube-apiserver")" 2>/dev/null; then
    echo "KUBECONFIG=$dir/admin.kubeconfig"
    return 0
  fi
  build
  local bin started=$SECONDS
  bin=$(bin_dir)
  rm -rf "$dir" && mkdir -p "$dir/logs" "$dir/pids" "$dir/etcd"
  certs
  local etcd_port peer_port api_port
  etcd_port=$(free_port) peer_port=$(free_port) api_port=$(free_port)
  kubeconfig "$api_port"
  kwok_config
  launch etcd "$bin/etcd" --name ordeal-test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "ordeal-test=http://127.0.0.1:$peer_port" \
    --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
  wait_for 30 etcd curl -sf "http://127.0.0.1:$etcd_port/health"
  echo "etcd_port=$etcd_port api_port=$api_port" >"$dir/ports"
  start_apiserver
  local kc="$dir/admin.kubeconfig" p="$dir/pki"
  launch kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$kc" \
    --leader-elect=false --secure-port 0 \
    --service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" \
    --use-service-account-credentials=false --concurrent-deployment-syncs 10 \
    --concurrent-replicaset-syncs 10
  launch kube-scheduler "$bin/kube-scheduler" --kubeconfig "$kc" --leader-elect=false \
    --secure-port 0
  launch kwok "$bin/kwok" --kubeconfig "$kc" --config "$dir/kwok.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr 198.19.0.0/18 --node-ip 198.19.248.1 --node-lease-duration-seconds 40 \
    --server-address 127.0.0.1:0
  if [ -n "${ORDEAL_K8S_OWNER_PID:-}" ]; then
    # Stops the cluster once its owner is gone, even when the owner was SIGKILLed.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" stop "$3"' \
      reaper "$ORDEAL_K8S_OWNER_PID" "$root/scripts/k8s-test-cluster.sh" "$dir" >/dev/null 2>&1 </dev/null &
    echo $! >"$dir/pids/reaper"
  fi
  nodes | "$bin/kubectl" --kubeconfig "$kc" apply -f - >/dev/null
  wait_for 60 kwok "$bin/kubectl" --kubeconfig "$kc" wait --for=condition=Ready \
    node/kwok-node-1 node/kwok-node-2 --timeout=1s
  wait_for 60 kube-controller-manager "$bin/kubectl" --kubeconfig "$kc" \
    get serviceaccount default -n default
  echo "k8s-test-cluster: started in $((SECONDS - started)) s (apiserver https://127.0.0.1:$api_port)" >&2
  echo "KUBECONFIG=$kc"
}

stop_cluster() {
  [ -d "$dir/pids" ] || { rm -rf "$dir"; return 0; }
  local name pid
  # The reaper first, so it does not race this stop; etcd last, so the others leave cleanly.
  for name in reaper kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -f "$dir/pids/$name" ] || continue
    pid=$(cat "$dir/pids/$name")
    [ "$pid" = "$$" ] && continue
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -f "$dir/pids/$name" ] || continue
    pid=$(cat "$dir/pids/$name")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

cmd=${1:-}
dir=${2:-$cache/cluster}
mkdir -p "$(dirname "$dir")"
dir="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")"
case "$cmd" in
  build) build; bin_dir ;;
  bin) bin_dir ;;
  apiserver) start_apiserver ;;
  apiserver-stop) stop_process kube-apiserver ;;
  start) start_cluster ;;
  env)
    [ -f "$dir/admin.kubeconfig" ] || { echo "k8s-test-cluster: no cluster in $dir (start it first)" >&2; exit 3; }
    echo "KUBECONFIG=$dir/admin.kubeconfig"
    ;;
  stop) stop_cluster ;;
  *) usage ;;
esac
