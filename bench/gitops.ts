/**
 * GitOps sync of a repository with 1,000 manifests (issue 16, "Performance"): a real bare
 * repository served by `git daemon` on 127.0.0.1, synced by a Chaos Center running in this
 * process (SQLite, the default store). Measured: the first sync (mirror fetch, ls-tree, one
 * cat-file --batch, 1,000 validations, 1,000 experiments created), a sync with nothing new,
 * and a sync after 10 files changed; the server process's peak RSS above its level before
 * each sync (sampled every 5 ms; git's own processes are children and not counted, their
 * cost is in the baseline). Baseline, measured in the same run against the same daemon:
 * `git clone --bare` for the first sync, `git fetch` in that clone for the others.
 * Usage: `node --import tsx bench/gitops.ts [manifests=1000] [repeats=5]`
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { LoginResponse } from '../src/shared/api.js'
import type { CreatedGitSource, GitSourceInfo, GitSyncInfo } from '../src/shared/continuous.js'
import { startServer } from '../src/server/server.js'
import { apiFetch } from '../test/support/chaos-center.js'
import { manifest, serveGitDaemon, TestRepo } from '../test/support/git-repos.js'
import { machine, median } from './support/center.js'

const run = promisify(execFile)
const count = Number(process.argv[2] ?? 1000)
const repeats = Number(process.argv[3] ?? 5)

/** Runs `work` while sampling this process's RSS: the wall time and the peak above the start. */
async function measured<T>(
  work: () => Promise<T>
): Promise<{ ms: number; rssMb: number; value: T }> {
  global.gc?.()
  const base = process.memoryUsage.rss()
  let peak = base
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 5)
  const t0 = performance.now()
  const value = await work()
  const ms = performance.now() - t0
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  return { ms, rssMb: (peak - base) / 2 ** 20, value }
}

const gitEnv = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
}
const git = (cwd: string, ...args: string[]) =>
  run('git', args, { cwd, env: gitEnv, maxBuffer: 1 << 28 })

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-gitops-'))
  const repo = await TestRepo.create(dir)
  const files: Record<string, string> = {}
  for (let i = 0; i < count; i++) {
    const name = `exp-${String(i).padStart(4, '0')}`
    files[`chaos/team-${i % 20}/${name}.yaml`] = manifest(name, `Service ${i} keeps answering.`)
  }
  await repo.commit({ ...files, 'README.md': '# chaos\n' }, `${count} manifests`)
  const daemon = await serveGitDaemon(repo)
  const server = await startServer({
    dataDir: path.join(dir, 'data'),
    port: 0,
    // The sync's own log line splits its time: fetch, read, apply.
    onLog: (line) => {
      if (line.startsWith('git source')) {
        console.error(line)
      }
    },
  })
  const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
  const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
    method: 'POST',
    body: { code },
  })
  const token = login.json.token
  const call = <T>(method: string, p: string, body?: unknown) =>
    apiFetch<T>(server.url, p, { token, method, ...(body === undefined ? {} : { body }) })

  const rows: string[][] = []
  const row = (measure: string, o: { ms: number; rssMb: number }, b: number, note: string) =>
    rows.push([
      measure,
      o.ms.toFixed(0),
      o.rssMb.toFixed(1),
      b.toFixed(0),
      (o.ms / b).toFixed(1),
      note,
    ])

  // First sync vs `git clone --bare` of the same repository over git://.
  const clone = path.join(dir, 'baseline.git')
  const cloneT0 = performance.now()
  await run('git', ['clone', '--quiet', '--bare', daemon.url, clone], { env: gitEnv })
  const cloneMs = performance.now() - cloneT0
  // POST answers before its first sync (which runs in the background): timed to its end.
  const first = await measured(async () => {
    const r = await call<CreatedGitSource>('POST', '/api/git-sources', {
      name: 'bench',
      url: daemon.url,
      folder: 'chaos',
      pollSeconds: 3600,
    })
    await server.ctx.gitSources.idle(r.json.id)
    return r
  })
  const created = {
    ...first.value.json,
    lastSync: (await call<GitSourceInfo>('GET', `/api/git-sources/${first.value.json.id}`)).json
      .lastSync,
  }
  if (created.lastSync?.created !== count) {
    throw new Error(`first sync: ${JSON.stringify(created.lastSync)}`)
  }
  row(
    `first sync, ${count} manifests (created ${created.lastSync.created})`,
    first,
    cloneMs,
    'git clone --bare'
  )

  const sync = () => call<GitSyncInfo>('POST', `/api/git-sources/${created.id}/sync`)
  // Nothing new vs `git fetch` with nothing new.
  const noChange: { ms: number; rssMb: number }[] = []
  const fetchNothing: number[] = []
  for (let i = 0; i < repeats; i++) {
    const m = await measured(sync)
    if (m.value.json.unchanged !== count) {
      throw new Error(`no-change sync: ${m.value.text}`)
    }
    noChange.push(m)
    const t0 = performance.now()
    await git(clone, 'fetch', '--quiet', daemon.url, '+refs/heads/main:refs/heads/main')
    fetchNothing.push(performance.now() - t0)
  }
  row(
    `sync, nothing new (median of ${repeats})`,
    { ms: median(noChange.map((m) => m.ms)), rssMb: Math.max(...noChange.map((m) => m.rssMb)) },
    median(fetchNothing),
    'git fetch (nothing new)'
  )

  // 10 files changed vs `git fetch` of that change.
  const changed: { ms: number; rssMb: number }[] = []
  const fetchChange: number[] = []
  for (let r = 0; r < repeats; r++) {
    const edits: Record<string, string> = {}
    for (let i = 0; i < 10; i++) {
      const n = (r * 97 + i * 53) % count
      const name = `exp-${String(n).padStart(4, '0')}`
      edits[`chaos/team-${n % 20}/${name}.yaml`] = manifest(
        name,
        `Service ${n} answers, round ${r}.`
      )
    }
    await repo.commit(edits, `round ${r}`)
    const t0 = performance.now()
    await git(clone, 'fetch', '--quiet', daemon.url, '+refs/heads/main:refs/heads/main')
    fetchChange.push(performance.now() - t0)
    const m = await measured(sync)
    if (m.value.json.updated !== 10) {
      throw new Error(`10-file sync: ${m.value.text}`)
    }
    changed.push(m)
  }
  row(
    `sync, 10 files changed (median of ${repeats})`,
    { ms: median(changed.map((m) => m.ms)), rssMb: Math.max(...changed.map((m) => m.rssMb)) },
    median(fetchChange),
    'git fetch (the change)'
  )

  await server.close()
  await daemon.stop()
  rmSync(dir, { recursive: true, force: true })

  const date = new Date().toISOString().slice(0, 10)
  console.log(`${date} · ${machine()} · ${count} manifests, SQLite`)
  console.log('| measure | ordeal (ms) | peak RSS Δ (MiB) | baseline (ms) | ratio | baseline |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const r of rows) {
    console.log(`| ${r.join(' | ')} |`)
  }
}

await main()
