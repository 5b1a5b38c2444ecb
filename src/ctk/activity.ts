/**
 * One activity as chaoslib's `execute_activity` runs it: pause before, append the run record
 * (so background runs appear in start order), call the provider, record `succeeded` with the
 * output or `failed` with the exception, set end and duration, pause after. A provider's
 * failure is the activity's, never the run's.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ActivityFailed, type CtkActivity, type CtkRun, type CtkValues } from './model.js'
import { httpCallOf, runHttp } from './provider-http.js'
import { runProcess } from './provider-process.js'
import { pyIsoUtc, seconds } from './py-time.js'
import { substitute } from './substitute.js'

export interface ActivityContext {
  values: CtkValues
  /** Aborted on interrupt: pauses end, processes die, requests stop. */
  signal: AbortSignal
  log: (line: string) => void
}

/** The provider's output for an activity; rejects with ActivityFailed. */
export async function runActivity(activity: CtkActivity, ctx: ActivityContext): Promise<unknown> {
  const provider = activity.provider
  // chaoslib substitutes arguments only when there is configuration or a secret to look up.
  const hasValues =
    Object.keys(ctx.values.configuration).length > 0 || Object.keys(ctx.values.secrets).length > 0
  const sub = (v: unknown): unknown => substitute(v, ctx.values)
  const args =
    provider['arguments'] && hasValues ? sub(provider['arguments']) : provider['arguments']
  switch (provider.type) {
    case 'process':
      return runProcess(provider, args, ctx.signal)
    case 'http':
      return runHttp({ ...httpCallOf(provider, sub), arguments: args }, ctx.signal)
    default:
      // parse.ts refuses python providers before anything runs.
      throw new ActivityFailed(`unsupported provider type '${provider.type}'`)
  }
}

export async function executeActivity(
  activity: CtkActivity,
  ctx: ActivityContext,
  runs: CtkRun[] | undefined
): Promise<CtkRun> {
  const pauses = (substitute(activity.pauses ?? {}, ctx.values) ?? {}) as {
    before?: unknown
    after?: unknown
  }
  await pause(pauses.before, ctx)
  ctx.log(
    `${activity.type === 'probe' ? 'Probe' : 'Action'}: ${activity.name}${activity.background ? ' [in background]' : ''}`
  )
  const start = new Date()
  // A shallow copy as chaoslib's: a probe tolerance's value written later shows in the journal.
  const run: CtkRun = { activity: { ...activity }, output: null, start: pyIsoUtc(start) }
  runs?.push(run)
  try {
    run.output = await runActivity(activity, ctx)
    run.status = 'succeeded'
  } catch (error) {
    if (!(error instanceof ActivityFailed)) {
      throw error
    }
    run.status = 'failed'
    run.exception = [`chaoslib.exceptions.ActivityFailed: ${error.message}\n`]
    ctx.log(`  => failed: ${error.message}`)
  }
  const end = new Date()
  run.end = pyIsoUtc(end)
  run.duration = seconds(start, end)
  await pause(pauses.after, ctx)
  return run
}

async function pause(value: unknown, ctx: ActivityContext): Promise<void> {
  const s = typeof value === 'string' ? Number(value) : value
  if (typeof s !== 'number' || !(s > 0) || ctx.signal.aborted) {
    return
  }
  ctx.log(`Pausing for ${s}s...`)
  try {
    await sleep(s * 1000, undefined, { signal: ctx.signal })
  } catch {
    // interrupted: the run moves on to its end
  }
}
