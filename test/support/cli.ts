/**
 * Runs the built CLI (dist/) on inline temp files, like Playwright's runInlineTest: each test
 * gets its own directory and its own ORDEAL_STATE_DIR, so runs never see each other's ledgers.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { parseJournal } from '../../src/engine/journal.js'
import type { JournalEvent } from '../../src/engine/events.js'
import type { RunResult } from '../../src/engine/result.js'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const cliPath = path.join(repoRoot, 'dist/cli/main.js')

export interface CliResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface ManifestRun extends CliResult {
  file: string
  /** The `--json` result, if one was written. */
  result: RunResult | undefined
  /** The `--journal` events, if any were written. */
  events: JournalEvent[]
}

export interface Workspace {
  dir: string
  stateDir: string
  write(name: string, content: string): string
  /** Writes `<name>.yaml` and runs it with `--json` and `--journal` beside it. */
  runManifest(name: string, yaml: string, extraArgs?: string[]): Promise<ManifestRun>
  run(
    args: string[],
    options?: { env?: Record<string, string>; timeoutMs?: number }
  ): Promise<CliResult>
  cleanup(): void
}

export function workspace(): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-test-'))
  const stateDir = path.join(dir, '.state')
  mkdirSync(stateDir)
  return {
    dir,
    stateDir,
    write(name, content) {
      const file = path.join(dir, name)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, content)
      return file
    },
    async runManifest(name, yaml, extraArgs = []) {
      const file = this.write(`${name}.yaml`, yaml)
      const json = path.join(dir, `${name}.json`)
      const journal = path.join(dir, `${name}.ndjson`)
      const r = await this.run(['run', file, '--json', json, '--journal', journal, ...extraArgs])
      return {
        ...r,
        file,
        result: existsSync(json)
          ? (JSON.parse(readFileSync(json, 'utf8')) as RunResult)
          : undefined,
        events: existsSync(journal) ? parseJournal(readFileSync(journal, 'utf8')) : [],
      }
    },
    run(args, options = {}) {
      return runCli(args, {
        cwd: dir,
        env: { ORDEAL_STATE_DIR: stateDir, ...options.env },
        timeoutMs: options.timeoutMs,
      })
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number | undefined } = {}
): Promise<CliResult> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return collect(child, options.timeoutMs ?? 120_000)
}

export function collect(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`CLI timed out after ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`)
      )
    }, timeoutMs)
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer)
      resolve({ exitCode, signal, stdout, stderr })
    })
  })
}
