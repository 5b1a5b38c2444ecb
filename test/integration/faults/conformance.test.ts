/**
 * The conformance suite every fault driver passes, against real processes and files:
 * inject → observable effect → revert → revert again (idempotent) → inject again.
 * It also checks safety invariant 1: each ledger entry is written while the effect it undoes
 * is not yet there, and nothing of the fault is left pending after revert.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { LedgerEntry } from '../../../src/safety/ledger.js'
import type { FaultDriver, FaultParamsOf, Injection } from '../../../src/faults/contract.js'
import { faultDrivers } from '../../../src/faults/registry.js'
import { FAULT_TYPES } from '../../../src/faults/schemas.js'
import { cpuStressFault } from '../../../src/faults/cpu-stress/index.js'
import { diskFillFault } from '../../../src/faults/disk-fill/index.js'
import { memoryStressFault } from '../../../src/faults/memory-stress/index.js'
import { processKillFault } from '../../../src/faults/process-kill/index.js'
import { processPauseFault } from '../../../src/faults/process-pause/index.js'
import { processRestartFault } from '../../../src/faults/process-restart/index.js'
import { syscallErrorFault } from '../../../src/faults/syscall-error/index.js'
import { clockSkewFault } from '../../../src/faults/clock-skew/index.js'
import { readEnviron } from '../../../src/platforms/local/preload/environ.js'
import {
  FAKETIME_FILE_VAR,
  FAKETIME_NEUTRAL,
} from '../../../src/platforms/local/preload/libfaketime.js'
import { spawnClockTarget, waitForSkew, type ClockTarget } from '../../support/clock-program.js'
import { processState } from '../../../src/safety/proc.js'
import type { FaultInput } from '../../../src/experiment/schema.js'
import { KUBERNETES_FAULTS } from '../../../src/experiment/kubernetes-semantics.js'
import { FaultHarness, type SpawnedTarget } from '../../support/fault-context.js'
import { cpuTicks, isGone, rssBytes, waitUntil } from '../../support/fault-proc.js'
import { fiuEnv, fiuWriterBinary, tally, writerLines } from '../../support/fiu-writer.js'

/** Network faults need hosts (namespaces): their suite is test/integration/network/. */
const NAMESPACE_TYPES = [
  'network-partition',
  'network-loss',
  'network-bandwidth',
  'network-latency',
  'port-blackhole',
  'dns-fault', // the run's resolver on hosts: its suite is test/integration/dns/
  'disk-fault', // the run's FUSE mount (not a namespace): its suite is test/e2e/disk-fault*.test.ts
] as const
/** Proxy faults act on the run's in-process proxies: their suite is test/integration/proxy-faults/. */
const PROXY_TYPES = ['proxy-toxic', 'proxy-down', 'http-fault'] as const
/** Kubernetes faults act through a real API server: their suite is test/integration/kubernetes/. */
const KUBERNETES_TYPES = KUBERNETES_FAULTS
type Type = Exclude<
  FaultInput['type'],
  | (typeof NAMESPACE_TYPES)[number]
  | (typeof PROXY_TYPES)[number]
  | (typeof KUBERNETES_TYPES)[number]
>
const LOCAL_TYPES = FAULT_TYPES.filter(
  (t): t is Type => ![...NAMESPACE_TYPES, ...PROXY_TYPES, ...KUBERNETES_TYPES].includes(t as never)
)

interface Case<T extends Type, S> {
  driver: FaultDriver<FaultParamsOf<T>>
  /** Runs before each injection; what it returns is passed to the other hooks. */
  setup(h: FaultHarness): Promise<S>
  params(state: S, h: FaultHarness): FaultParamsOf<T>
  /** Called as each undo is recorded: the effect it undoes must not exist yet. */
  atRecord(entry: LedgerEntry, state: S, h: FaultHarness): void
  /** Waits for the fault's effect to be observable. */
  effect(state: S, entries: LedgerEntry[], h: FaultHarness): Promise<unknown>
  /** Waits for the effect to be gone (or checks what a revert leaves, for faults with no undo). */
  reverted(state: S, entries: LedgerEntry[], h: FaultHarness): Promise<unknown>
}

const pidOf = (entry: LedgerEntry) => (entry.undo.kind === 'terminate' ? entry.undo.pid : -1)

/** Keeps each case's state type precise while the table holds them side by side. */
function defineCase<T extends Type, S>(c: Case<T, S>): Case<T, unknown> {
  return c as unknown as Case<T, unknown>
}

const cases: { [T in Type]: Case<T, unknown> } = {
  'process-kill': defineCase({
    driver: processKillFault,
    setup: (h) => h.spawnTarget({ service: 'api' }),
    params: () => ({
      type: 'process-kill',
      target: { service: 'api', mode: 'all' },
      duration: '30s',
    }),
    atRecord: (entry, target: SpawnedTarget) => {
      assert.equal(entry.undo.kind, 'none')
      assert.ok(
        !isGone(target.pid, target.startTime),
        'target killed before its entry was recorded'
      )
    },
    effect: (target: SpawnedTarget) =>
      waitUntil('the target to die', () => isGone(target.pid, target.startTime)),
    reverted: async (target: SpawnedTarget) => {
      assert.ok(isGone(target.pid, target.startTime), 'a kill is not undone by ordeal')
    },
  }),
  'process-pause': defineCase({
    driver: processPauseFault,
    setup: async (h) => h.liveTargets()[0] ?? h.spawnTarget({ service: 'api' }),
    params: () => ({ type: 'process-pause', target: { service: 'api' }, duration: '30s' }),
    atRecord: (entry, target: SpawnedTarget) => {
      assert.equal(entry.undo.kind, 'signal')
      assert.notEqual(processState(target.pid), 'T', 'stopped before its SIGCONT was recorded')
    },
    effect: (target: SpawnedTarget) => waitUntil('state T', () => processState(target.pid) === 'T'),
    reverted: (target: SpawnedTarget) =>
      waitUntil('state S or R', () => ['S', 'R'].includes(processState(target.pid) ?? '')),
  }),
  'process-restart': defineCase({
    driver: processRestartFault,
    setup: async (h) => ({
      target: h.liveTargets()[0] ?? (await h.spawnTarget({ service: 'api' })),
      restartsBefore: h.supervisor.restarts.length,
    }),
    params: () => ({ type: 'process-restart', target: { service: 'api' }, duration: '30s' }),
    atRecord: (entry, { restartsBefore }, h) => {
      assert.equal(entry.undo.kind, 'none')
      assert.equal(h.supervisor.restarts.length, restartsBefore, 'restarted before recording')
    },
    effect: async ({ target }, _entries, h) => {
      assert.deepEqual(h.supervisor.restarts.at(-1), {
        service: 'api',
        index: target.replica,
        graceMs: 5000,
      })
    },
    reverted: async ({ target }) => {
      assert.ok(!isGone(target.pid, target.startTime), 'revert of a restart touches nothing')
    },
  }),
  'cpu-stress': defineCase({
    driver: cpuStressFault,
    setup: async () => undefined,
    params: () => ({ type: 'cpu-stress', workers: 2, load: 100, duration: '30s' }),
    atRecord: (entry) => {
      assert.equal(entry.undo.kind, 'terminate')
      assert.ok(!isGone(pidOf(entry), entry.undo.kind === 'terminate' ? entry.undo.startTime : 0))
    },
    effect: async (_state, entries) => {
      for (const pid of entries.map(pidOf)) {
        const start = cpuTicks(pid)!
        // 20 ticks = 200 ms of CPU: a worker at 100% gets there in ~0.2 s on an idle core.
        await waitUntil(`worker ${pid} to burn CPU`, () => cpuTicks(pid)! - start >= 20, {
          timeoutMs: 10_000,
        })
      }
    },
    reverted: async (_state, entries, h) => {
      for (const entry of entries) {
        assert.ok(isGone(pidOf(entry)), `worker ${pidOf(entry)} still running`)
      }
      assert.deepEqual(h.stressWorkers(), [])
    },
  }),
  'memory-stress': defineCase({
    driver: memoryStressFault,
    setup: async () => undefined,
    params: () => ({ type: 'memory-stress', size: '64Mi', duration: '30s' }),
    atRecord: (entry) => {
      assert.equal(entry.undo.kind, 'terminate')
      assert.ok((rssBytes(pidOf(entry)) ?? 0) < 64 * 1024 ** 2, 'memory held before recording')
    },
    effect: async (_state, entries) => {
      const pid = pidOf(entries[0]!)
      await waitUntil('RSS above 64 MiB', () => (rssBytes(pid) ?? 0) >= 64 * 1024 ** 2)
    },
    reverted: async (_state, entries, h) => {
      assert.ok(isGone(pidOf(entries[0]!)))
      assert.deepEqual(h.stressWorkers(), [])
    },
  }),
  'disk-fill': defineCase({
    driver: diskFillFault,
    setup: async () => undefined,
    params: () => ({ type: 'disk-fill', path: '.', size: '1Mi', duration: '30s' }),
    atRecord: (entry) => {
      assert.equal(entry.undo.kind, 'remove-file')
      assert.ok(
        entry.undo.kind === 'remove-file' && !existsSync(entry.undo.path),
        'file before record'
      )
    },
    effect: async (_state, entries, h) => {
      const file = fileOf(entries[0]!)
      assert.equal(path.dirname(file), h.baseDir)
      assert.equal(statSync(file).size, 1024 * 1024)
    },
    reverted: async (_state, entries) => {
      assert.ok(!existsSync(fileOf(entries[0]!)))
    },
  }),
  'syscall-error': defineCase({
    driver: syscallErrorFault,
    // A C program under the libfiu preload loops write + fsync and prints each result.
    setup: async (h) => {
      const out = path.join(h.baseDir, 'writer.out')
      if (h.liveTargets().length === 0) {
        await h.spawnTarget({
          service: 'api',
          argv: [fiuWriterBinary(), path.join(h.baseDir, 'writer.data'), '1000'],
          env: fiuEnv(h.baseDir),
          stdoutFile: out,
        })
      }
      await waitUntil('the writer to report', () => writerLines(out).length > 0)
      return { out, from: writerLines(out).length }
    },
    params: () => ({
      type: 'syscall-error',
      target: { service: 'api' },
      calls: ['posix/io/rw/write'],
      errno: 'EIO',
      probability: 1,
      duration: '30s',
    }),
    atRecord: (entry, { out, from }: { out: string; from: number }) => {
      assert.equal(entry.undo.kind, 'command')
      assert.equal(tally(writerLines(out).slice(from), 'write').failed, 0, 'failing before record')
    },
    effect: ({ out, from }: { out: string; from: number }) =>
      waitUntil('a write to fail with EIO', () =>
        writerLines(out).slice(from).includes('write EIO')
      ),
    reverted: async ({ out }: { out: string }) => {
      // A write that failed just before the disable may print just after: skip one round.
      const mark = writerLines(out).length + 2
      await waitUntil(
        '20 writes after the revert',
        () => tally(writerLines(out).slice(mark), 'write').calls >= 20
      )
      assert.equal(
        tally(writerLines(out).slice(mark), 'write').failed,
        0,
        'writes fail after revert'
      )
    },
  }),
  'clock-skew': defineCase({
    driver: clockSkewFault,
    // A replica launched under libfaketime (the real launch hook) that writes its own clock.
    setup: async (h) => (h.liveTargets()[0] as ClockTarget | undefined) ?? spawnClockTarget(h),
    params: () => ({
      type: 'clock-skew',
      target: { service: 'api' },
      offset: '-90s',
      duration: '30s',
    }),
    atRecord: (entry, target: ClockTarget) => {
      assert.equal(entry.undo.kind, 'write-file')
      // The file itself, found as the fault finds it (the target's environment): libfaketime
      // reads it at most once a second, so the program's clock could not tell a write that
      // came just before the record.
      const file = readEnviron(target.pid)?.[FAKETIME_FILE_VAR]
      assert.ok(file !== undefined, 'the target has no timestamp file')
      assert.equal(entry.undo.kind === 'write-file' && entry.undo.path, file)
      assert.equal(
        readFileSync(file, 'utf8'),
        `${FAKETIME_NEUTRAL}\n`,
        'clock skewed before its reset was recorded'
      )
    },
    effect: (target: ClockTarget) => waitForSkew(target, -90_000),
    reverted: (target: ClockTarget) => waitForSkew(target, 0),
  }),
}

function fileOf(entry: LedgerEntry): string {
  assert.equal(entry.undo.kind, 'remove-file')
  return entry.undo.kind === 'remove-file' ? entry.undo.path : ''
}

test('every fault type has a registered driver and a conformance case', () => {
  assert.deepEqual(Object.keys(faultDrivers).sort(), [...FAULT_TYPES].sort())
  assert.deepEqual(Object.keys(cases).sort(), [...LOCAL_TYPES].sort())
  for (const type of LOCAL_TYPES) {
    assert.equal(faultDrivers[type], cases[type].driver)
  }
})

for (const type of LOCAL_TYPES) {
  // The table is keyed by type, so each case's driver and params agree; the loop forgets which.
  const c = cases[type] as Case<Type, unknown>
  describe(`conformance: ${type}`, () => {
    let h: FaultHarness
    before(async () => {
      h = await FaultHarness.create()
    })
    after(() => h.cleanup())

    test('inject → effect → revert → revert again → inject again after revert', async () => {
      for (const round of [1, 2]) {
        const state = await c.setup(h)
        const ctx = h.context(c.params(state, h))
        const entries: LedgerEntry[] = []
        h.ledger.onRecord = (entry) => {
          c.atRecord(entry, state, h)
          entries.push(entry)
        }
        let injection: Injection
        try {
          injection = await c.driver.inject(ctx)
        } finally {
          h.ledger.onRecord = undefined
        }
        assert.ok(entries.length > 0, `round ${round}: nothing recorded in the ledger`)
        assert.ok(injection.targets.length > 0, `round ${round}: no targets reported`)
        assert.ok(h.actions.length > 0, `round ${round}: no action journaled`)
        const pendingIds = () =>
          h.ledger
            .pending()
            .filter((e) => e.faultId === ctx.fault.id)
            .map((e) => e.id)
        assert.deepEqual(pendingIds().sort(), entries.map((e) => e.id).sort())
        for (const entry of entries) {
          assert.equal(entry.deadline, ctx.deadline)
        }

        await c.effect(state, entries, h)
        await injection.revert()
        await c.reverted(state, entries, h)
        assert.deepEqual(pendingIds(), [], `round ${round}: ledger entries left after revert`)

        await injection.revert()
        await c.reverted(state, entries, h)
        assert.deepEqual(pendingIds(), [])
      }
    })

    test('describe gives dry-run lines and touches nothing', () => {
      const recordedBefore = h.ledger.pending().length
      const lines = c.driver.describe(c.params(undefined, h), { baseDir: h.baseDir })
      assert.ok(lines.length > 0 && lines.every((l) => l.length > 0))
      assert.equal(h.ledger.pending().length, recordedBefore)
    })
  })
}
