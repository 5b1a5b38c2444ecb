/**
 * A real Kubernetes control plane for a test file: `scripts/k8s-test-cluster.sh` starts etcd,
 * kube-apiserver (RBAC on), kube-controller-manager, kube-scheduler and kwok on loopback in a
 * temp dir, owned by this process (the script's reaper stops it if the test runner is killed).
 * One cluster per test file, so files never see each other's objects; tests inside a file use
 * their own namespaces.
 * @module
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')
const SCRIPT = path.join(ROOT, 'scripts/k8s-test-cluster.sh')

export interface TestCluster {
  /** The admin kubeconfig (client certificate in group system:masters). */
  kubeconfig: string
  /** A KubeConfig loaded from it, for checks independent of ordeal's own code. */
  config: KubeConfig
  /** Where the built binaries are (kubectl, helm, kube-apiserver...). */
  bin: string
  /** The cluster's state dir (pki/, logs/, pids/). */
  dir: string
  /** Runs the cluster's kubectl with the admin kubeconfig; resolves stdout, rejects on failure. */
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>
  /** Creates a namespace and waits for its default service account (pods need it). */
  namespace(name: string): Promise<string>
  /** Stops the API server only (etcd and the rest keep running): an outage mid-run. */
  stopApiServer(): Promise<void>
  /** Starts the API server again with the same flags and waits until it is ready. */
  startApiServer(): Promise<void>
  stop(): Promise<void>
}

/** Builds the binaries if needed (minutes, once per machine), then starts a cluster. */
export async function startTestCluster(): Promise<TestCluster> {
  // The script removes this dir on stop, also when its reaper stops an orphaned cluster.
  const dir = await mkdtemp(path.join(tmpdir(), 'ordeal-k8s-'))
  const started = await run('bash', [SCRIPT, 'start', dir], {
    env: { ...process.env, ORDEAL_K8S_OWNER_PID: String(process.pid) },
    timeout: 30 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch(async (error: { stderr?: string }) => {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`k8s-test-cluster start failed: ${error.stderr ?? String(error)}`)
  })
  const kubeconfig = /KUBECONFIG=(\S+)/.exec(started.stdout)?.[1]
  if (!kubeconfig) {
    throw new Error(`k8s-test-cluster start printed no KUBECONFIG: ${started.stdout}`)
  }
  const bin = (await run('bash', [SCRIPT, 'bin'])).stdout.trim()
  const config = new KubeConfig()
  config.loadFromFile(kubeconfig)
  const kubectl = (args: string[], options: { input?: string; timeoutMs?: number } = {}) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(path.join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: options.timeoutMs ?? 60_000,
      })
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')}: ${err.trim()}`))
      )
      child.stdin.end(options.input ?? '')
    })
  const apiserver = () => run('bash', [SCRIPT, 'apiserver', dir])
  return {
    kubeconfig,
    config,
    bin,
    dir,
    kubectl,
    async namespace(name) {
      await kubectl(['create', 'namespace', name])
      const core = config.makeApiClient(CoreV1Api)
      for (let i = 0; ; i++) {
        try {
          await core.readNamespacedServiceAccount({ name: 'default', namespace: name })
          return name
        } catch (error) {
          if (i > 300) {
            throw error
          }
          // The service-account controller creates it within moments; no event to await here
          // that is simpler than this short poll.
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
    },
    async stopApiServer() {
      await run('bash', [SCRIPT, 'apiserver-stop', dir])
    },
    async startApiServer() {
      await apiserver()
    },
    async stop() {
      await run('bash', [SCRIPT, 'stop', dir]).catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
