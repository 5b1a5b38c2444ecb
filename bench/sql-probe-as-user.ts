/**
 * Cost of a sql probe run as the run user (a child process per query, as a Chaos Center with
 * `--run-as` does) next to the same probe in process (`ordeal run` as yourself), on one SQLite
 * file, built code (`npm run build` first). Needs root and the `ordeal` user.
 *
 * `node --import tsx bench/sql-probe-as-user.ts [queries]`
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type * as ProbeModule from '../src/probes/sql/index.js'
import type * as PolicyModule from '../src/platforms/local/exec-policy.js'
import type * as UserModule from '../src/platforms/local/run-user.js'

// Built code: under tsx the child would start through tsx's loader too, which is not what runs.
const dist = (module: string) => new URL(`../dist/${module}`, import.meta.url).href
const { sqlProbe } = (await import(dist('probes/sql/index.js'))) as typeof ProbeModule
const { launcherFor } = (await import(
  dist('platforms/local/exec-policy.js')
)) as typeof PolicyModule
const { lookupUser } = (await import(dist('platforms/local/run-user.js'))) as typeof UserModule

const queries = Number(process.argv[2] ?? 50)
const user = process.getuid?.() === 0 ? lookupUser('ordeal') : undefined
if (!user) {
  console.error('needs root and the ordeal user')
  process.exitCode = 2
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'ordeal-bench-sql-'))
  chmodSync(dir, 0o755)
  const file = path.join(dir, 'shop.db')
  const db = new Database(file)
  db.exec("CREATE TABLE orders (status TEXT); INSERT INTO orders VALUES ('delivered')")
  db.close()
  chmodSync(file, 0o644)
  const params = {
    name: 'p',
    mode: 'SOT',
    type: 'sql',
    driver: 'sqlite',
    database: file,
    query: 'SELECT count(*) FROM orders',
    comparator: { type: 'int', criteria: '>=', value: 1 },
  } as Parameters<typeof sqlProbe.check>[0]
  const measure = async (launch?: ReturnType<typeof launcherFor>) => {
    const times: number[] = []
    for (let i = 0; i < queries; i++) {
      const ctx = { signal: new AbortController().signal, timeoutMs: 5000, vars: {}, baseDir: dir }
      const started = performance.now()
      const result = await sqlProbe.check(params, launch ? { ...ctx, launch } : ctx)
      times.push(performance.now() - started)
      if (!result.passed) {
        throw new Error(result.message)
      }
    }
    times.sort((a, b) => a - b)
    return { p50: times[Math.floor(queries / 2)]!, p99: times[Math.floor(queries * 0.99)]! }
  }
  const inProcess = await measure()
  const child = await measure(launcherFor({ env: 'scrubbed', user }))
  rmSync(dir, { recursive: true, force: true })
  const ms = (n: number) => n.toFixed(2)
  console.log(`| queries | in-process p50 | in-process p99 | child p50 | child p99 | p50 ratio |`)
  console.log(
    `| ${queries} | ${ms(inProcess.p50)} | ${ms(inProcess.p99)} | ${ms(child.p50)} | ${ms(child.p99)} | ${(child.p50 / inProcess.p50).toFixed(0)} |`
  )
}
