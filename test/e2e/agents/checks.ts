/**
 * Independent checks for the agent e2e tests: runs and journals read through the public API as
 * the owner, process states from /proc, process lists from the kernel (`ip netns pids`), never
 * through ordeal's own modules.
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type {
  AgentInfo,
  Experiment,
  JournalEvent,
  Run,
  RunSummary,
  StartRunRequest,
} from '../../../src/shared/api.js'
import { allRunEvents, apiFetch } from '../../support/chaos-center.js'
import type { Fleet } from '../../support/fleet.js'
import { processesMentioning, state } from '../../support/processes.js'

const owner = (fleet: Fleet) => ({ url: fleet.serverUrl, ownerToken: fleet.center.ownerToken })

/** A manifest pausing its own `sleep 300` service for `pauseS` seconds, then waiting `waitMs`. */
export function pauseManifest(name: string, pauseS: number, waitMs = 200): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the sleeper survives a pause
  system:
    services: [{ name: sleeper, command: sleep, args: ['300'], restart: never }]
  steps:
    - fault: { type: process-pause, target: { service: sleeper }, duration: ${pauseS}s }
    - wait: ${waitMs}ms
`
}

export function writeManifest(dir: string, name: string, yaml: string): string {
  const file = path.join(dir, `${name}.yaml`)
  writeFileSync(file, yaml)
  return file
}

/** Saves the manifest as an experiment and places a run of it (POST /api/runs), as the owner. */
export async function placeRun(
  fleet: Fleet,
  yaml: string,
  placement: Omit<StartRunRequest, 'experimentId'>
): Promise<RunSummary> {
  const token = fleet.center.ownerToken
  const created = await apiFetch<Experiment>(fleet.serverUrl, '/api/experiments', {
    token,
    method: 'POST',
    body: { yaml },
  })
  // A second run of the same manifest: its experiment exists already.
  let id: string | undefined = created.json?.id
  if (created.status === 409 || id === undefined) {
    const all = await apiFetch<Experiment[]>(fleet.serverUrl, '/api/experiments', { token })
    const name = /metadata: \{ name: (\S+) \}/.exec(yaml)?.[1]
    id = all.json.find((e) => e.name === name)?.id
  }
  assert.ok(id, `creating the experiment: ${created.status} ${created.text}`)
  const started = await apiFetch<RunSummary>(fleet.serverUrl, '/api/runs', {
    token,
    method: 'POST',
    body: { experimentId: id, ...placement },
  })
  assert.equal(started.status, 201, started.text)
  return started.json
}

export async function getRun(fleet: Fleet, id: string): Promise<Run> {
  const r = await apiFetch<Run>(fleet.serverUrl, `/api/runs/${id}`, {
    token: fleet.center.ownerToken,
  })
  assert.equal(r.status, 200, r.text)
  return r.json
}

export async function listRuns(fleet: Fleet): Promise<RunSummary[]> {
  const r = await apiFetch<RunSummary[]>(fleet.serverUrl, '/api/runs?limit=500', {
    token: fleet.center.ownerToken,
  })
  assert.equal(r.status, 200, r.text)
  return r.json
}

export async function listAgents(fleet: Fleet): Promise<AgentInfo[]> {
  const r = await apiFetch<AgentInfo[]>(fleet.serverUrl, '/api/agents', {
    token: fleet.center.ownerToken,
  })
  assert.equal(r.status, 200, r.text)
  return r.json
}

/** Polls until `ok` holds for something `read` returns; returns it and how long it took. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 60_000
): Promise<{ value: T; ms: number }> {
  const started = Date.now()
  let last: T | undefined
  let error: unknown
  while (Date.now() - started < timeoutMs) {
    try {
      last = await read()
      if (ok(last)) {
        return { value: last, ms: Date.now() - started }
      }
    } catch (e) {
      error = e
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(last)?.slice(0, 800)} ${String(error ?? '')}`
  )
}

export function waitForRun(
  fleet: Fleet,
  id: string,
  ok: (run: Run) => boolean,
  what: string,
  timeoutMs = 60_000
): Promise<{ value: Run; ms: number }> {
  return eventually(`run ${id} ${what}`, () => getRun(fleet, id), ok, timeoutMs)
}

export function waitForAgent(
  fleet: Fleet,
  name: string,
  ok: (agent: AgentInfo | undefined) => boolean,
  what: string,
  timeoutMs = 30_000
): Promise<{ value: AgentInfo | undefined; ms: number }> {
  return eventually(
    `agent ${name} ${what}`,
    async () => (await listAgents(fleet)).find((a) => a.name === name),
    ok,
    timeoutMs
  )
}

/** The run's stored journal, every page. */
export function journalOf(fleet: Fleet, runId: string): Promise<JournalEvent[]> {
  return allRunEvents(owner(fleet), runId, 1000)
}

/** Every seq from 0 to the largest exactly once: no gap, no duplicate. */
export function assertGapless(events: JournalEvent[]): void {
  const seqs = events.map((e) => e.seq).sort((a, b) => a - b)
  assert.ok(seqs.length > 0, 'the journal is empty')
  const expected = Array.from({ length: seqs.at(-1)! + 1 }, (_, i) => i)
  assert.deepEqual(seqs, expected, 'every seq from 0 to the last exactly once')
}

/** Pids in the host that are stopped (state T in /proc): a pause still in place. */
export async function pausedIn(fleet: Fleet, host: string): Promise<number[]> {
  return (await fleet.pidsIn(host)).filter((pid) => state(pid) === 'T')
}

/** Live run processes on this machine (the embedded agent's and every agent's). */
export function runProcessPids(): number[] {
  return processesMentioning('run-process').map((line) => Number(line.split(':')[0]))
}

/** The parent pid, from /proc/<pid>/stat (after the parenthesised command name). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

/**
 * This fleet's run processes only: those inside its hosts (the agents') and those below its
 * server (the embedded agent's). Other test files running meanwhile start run processes too.
 */
export async function fleetRunProcessPids(fleet: Fleet): Promise<number[]> {
  const inHosts = new Set(
    (await Promise.all(fleet.topology.hosts.map((host) => fleet.pidsIn(host.name)))).flat()
  )
  const server = fleet.center.child.pid
  const belowServer = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parentOf(p)) {
      if (p === server) {
        return true
      }
    }
    return false
  }
  return runProcessPids().filter((pid) => inHosts.has(pid) || belowServer(pid))
}

/**
 * The error lines of stderr: without log lines (ISO timestamps) and warnings (`warning: --server
 * http://… is not TLS` is a separate, expected line on the bridge, which is not loopback).
 */
export function toldLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(
      (line) =>
        line.trim() !== '' && !/^\d{4}-\d\d-\d\dT/.test(line) && !line.startsWith('warning: ')
    )
}

/** The step lines of a terminal run, without times and pids, for comparing two runs. */
export function stepLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^\[\s*\d+\.\ds\] [▶⚡↺✗✓]/.test(line))
    .map((line) =>
      line
        .replace(/^\[\s*\d+\.\ds\] /, '')
        .replace(/pid \d+/g, 'pid N')
        .replace(/\d+(\.\d+)?\s?ms\b/g, 'T')
    )
}

/** The run id from `recorded: URL/runs/ID`. */
export function recordedRunId(output: string): string {
  const id = /recorded: \S+\/runs\/(\S+)/.exec(output)?.[1]
  assert.ok(id, `no 'recorded:' line in:\n${output}`)
  return id
}
