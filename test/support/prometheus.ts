/**
 * A throwaway Prometheus on 127.0.0.1 that scrapes itself every second, so `up` and its own
 * metrics have samples a probe can query.
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from './free-port.js'
import { spawnServer, waitUntil } from './server-process.js'

export interface PrometheusServer {
  /** `http://127.0.0.1:PORT` */
  url: string
  port: number
  stop(): Promise<void>
}

/** Another target to scrape every second (the Chaos Center's /metrics, say). */
export interface ScrapeTarget {
  job: string
  /** `127.0.0.1:PORT` */
  target: string
  metricsPath?: string
}

export async function startPrometheus(
  options: { extraTargets?: ScrapeTarget[] } = {}
): Promise<PrometheusServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ordeal-prom-'))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const port = await freePort()
    const address = `127.0.0.1:${port}`
    const config = path.join(dir, 'prometheus.yml')
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: prometheus',
        '    static_configs:',
        `      - targets: ['${address}']`,
        ...(options.extraTargets ?? []).flatMap((t) => [
          `  - job_name: ${t.job}`,
          `    metrics_path: ${t.metricsPath ?? '/metrics'}`,
          '    static_configs:',
          `      - targets: ['${t.target}']`,
        ]),
        '',
      ].join('\n')
    )
    const server = spawnServer(
      '/usr/bin/prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=${address}`,
      ],
      { logFile: path.join(dir, 'server.log'), tempDir: dir, cwd: dir }
    )
    const stop = async () => {
      await server.stop('SIGTERM')
      await cleanup()
    }
    const url = `http://${address}`
    try {
      const get = (p: string) => fetch(`${url}${p}`, { signal: AbortSignal.timeout(1000) })
      await waitUntil('prometheus ready', server, async () => (await get('/-/ready')).ok)
      // Ready is not enough: the probe tests need the first scrape to have landed.
      await waitUntil('prometheus first scrape', server, async () => {
        const body = (await (await get('/api/v1/query?query=up')).json()) as {
          data?: { result?: unknown[] }
        }
        return (body.data?.result?.length ?? 0) > 0
      })
    } catch (err) {
      await stop()
      throw err
    }
    return { url, port, stop }
  } catch (err) {
    await cleanup()
    throw err
  }
}
