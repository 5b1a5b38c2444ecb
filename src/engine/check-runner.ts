/**
 * Runs the experiment's checks: `set` checks read their source in the background while the
 * steps run; after the steps, `queue` checks drain (poll the source until everything
 * acknowledged shows up, or the drain timeout), then each checker judges the history.
 * @module
 */
import type { Check, Experiment } from '../experiment/model.js'
import type { FaultWindow, SetRead } from '../checks/contract.js'
import type { DeliveredSourceInput } from '../checks/schema.js'
import { checkQueue } from '../checks/queue.js'
import { checkSet } from '../checks/set.js'
import { readDelivered } from '../checks/sources/index.js'
import type { HistoryOp } from '../load/contract.js'
import { sleep } from '../shared/duration.js'
import { renderTemplate, type TemplateVars } from '../shared/template.js'
import type { Journal } from './journal.js'
import { faultWindows } from './fault-windows.js'
import { isMetricCheck, judgeMetricCheck } from '../metrics/judge.js'
import { opsOf } from './journal-ops.js'
import type { Launcher } from '../platforms/local/exec-policy.js'

export class CheckRunner {
  readonly #experiment: Experiment
  readonly #journal: Journal
  readonly #vars: () => TemplateVars
  readonly #reads = new Map<string, SetRead[]>()
  readonly #readers: Promise<void>[] = []
  readonly #stopReaders = new AbortController()

  readonly #launch: Launcher | undefined

  /** @param launch the run's exec policy: files named by sources are read as the run user */
  constructor(
    experiment: Experiment,
    journal: Journal,
    vars: () => TemplateVars,
    launch?: Launcher
  ) {
    this.#experiment = experiment
    this.#journal = journal
    this.#vars = vars
    this.#launch = launch
  }

  /** Starts the periodic reads of `set` checks (call once the system is up). */
  startReaders(): void {
    for (const check of this.#experiment.checks.filter((c) => c.type === 'set')) {
      const reads: SetRead[] = []
      this.#reads.set(check.id, reads)
      this.#readers.push(this.#readLoop(check, reads))
    }
  }

  /** Stops the background readers without judging anything (the run was interrupted). */
  async cancel(): Promise<void> {
    this.#stopReaders.abort()
    await Promise.all(this.#readers)
  }

  /** Judges every check and records `check.result`; `signal` stops drains and settles early. */
  async finish(signal: AbortSignal): Promise<void> {
    const settle = Math.max(
      0,
      ...this.#experiment.checks.filter((c) => c.type === 'set').map((c) => c.settleMs)
    )
    await sleep(settle, signal)
    this.#stopReaders.abort()
    await Promise.all(this.#readers)
    for (const check of this.#experiment.checks) {
      this.#journal.emit({ type: 'check.started', checkId: check.id, name: check.name })
      try {
        const result = isMetricCheck(check.params)
          ? judgeMetricCheck(check.params, this.#journal.events, this.#faults())
          : check.type === 'queue'
            ? await this.#queue(check, signal)
            : checkSet({
                history: this.#history(check),
                reads: this.#reads.get(check.id) ?? [],
                faults: this.#faults(),
                runStartedAt: this.#startedAt(),
              })
        this.#journal.emit({
          type: 'check.result',
          checkId: check.id,
          name: check.name,
          checkType: check.type,
          result,
        })
      } catch (error) {
        this.#journal.emit({
          type: 'check.result',
          checkId: check.id,
          name: check.name,
          checkType: check.type,
          error: message(error),
        })
      }
    }
  }

  async #queue(check: Check, signal: AbortSignal) {
    const history = this.#history(check)
    const acknowledged = new Set<string>()
    for (const op of history) {
      if (op.type === 'ok' && op.value !== undefined) {
        acknowledged.add(op.value)
      }
    }
    const deadline = Date.now() + check.drainTimeoutMs
    let delivered: string[] = []
    let lastError: unknown
    let lastChange = Date.now()
    // Drain: a consumer may still be catching up after the faults were healed.
    for (;;) {
      try {
        const previous = delivered.length
        delivered = await this.#read(check, signal)
        lastError = undefined
        if (delivered.length !== previous) {
          lastChange = Date.now()
        }
        const seen = new Set(delivered)
        if ([...acknowledged].every((id) => seen.has(id))) {
          break
        }
      } catch (error) {
        lastError = error
      }
      const settled = lastError === undefined && Date.now() - lastChange >= check.drainQuietMs
      if (Date.now() >= deadline || signal.aborted || settled) {
        break
      }
      await sleep(check.drainIntervalMs, signal)
    }
    if (lastError !== undefined) {
      throw lastError
    }
    const duplicates =
      check.params.type === 'queue' ? (check.params.duplicates ?? 'allow') : 'allow'
    return checkQueue({
      history,
      delivered,
      faults: this.#faults(),
      runStartedAt: this.#startedAt(),
      duplicates,
    })
  }

  async #readLoop(check: Check, reads: SetRead[]): Promise<void> {
    while (!this.#stopReaders.signal.aborted) {
      const invoke = Date.now()
      try {
        const values = await this.#read(check, this.#stopReaders.signal)
        reads.push({ invoke, complete: Date.now(), values })
      } catch {
        // A failed read observes nothing; it is neither a sighting nor a miss.
      }
      await sleep(check.readIntervalMs, this.#stopReaders.signal)
    }
  }

  #read(check: Check, signal: AbortSignal): Promise<string[]> {
    if (!('source' in check.params)) {
      throw new Error(`a ${check.type} check reads no delivered ids`)
    }
    const source = renderSource(check.params.source, this.#vars())
    return readDelivered(source, {
      baseDir: this.#experiment.baseDir,
      signal,
      ...(this.#launch ? { launch: this.#launch } : {}),
    })
  }

  /** The check's load's ops, streamed from the journal's events: no copy of the history. */
  #history(check: Check): Iterable<HistoryOp> {
    return opsOf(this.#journal.events, check.loadStepId)
  }

  #faults(): FaultWindow[] {
    return faultWindows(this.#journal)
  }

  #startedAt(): number {
    return this.#journal.events[0]?.t ?? Date.now()
  }
}

function renderSource(source: DeliveredSourceInput, vars: TemplateVars): DeliveredSourceInput {
  const r = (text: string) => renderTemplate(text, vars)
  return {
    ...(source.sql
      ? {
          sql: {
            driver: source.sql.driver,
            database: r(source.sql.database),
            query: r(source.sql.query),
          },
        }
      : {}),
    ...(source.http
      ? {
          http: {
            url: r(source.http.url),
            ...(source.http.jsonPath ? { jsonPath: source.http.jsonPath } : {}),
          },
        }
      : {}),
    ...(source.file ? { file: r(source.file) } : {}),
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
