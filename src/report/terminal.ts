/**
 * The terminal reporter: a live status line on a TTY (current step, elapsed / planned, probe
 * states), plain timestamped lines otherwise, and a final summary table either way.
 * @module
 */
import { capacityLine, phaseDetail } from '../capacity/text.js'
import pc from 'picocolors'
import type { JournalEvent, PlannedStep } from '../engine/events.js'
import type { RunResult } from '../engine/result.js'
import { observedText } from '../load/summary-text.js'
import { formatMs, formatOffset, formatRate, formatScore } from '../shared/units.js'
import { describeLost } from '../checks/windows.js'
import { describeMetricCheck } from '../shared/metric-check-text.js'
import { liveLoadText } from '../load/live-text.js'
import { recoveryText } from '../shared/recovery-text.js'
import { captureSummary, captureWindows, captureWindowText } from '../shared/capture-text.js'
import { monitorLines, monitorLiveLine } from '../monitors/terminal-text.js'

export interface TerminalReporterOptions {
  stream: NodeJS.WriteStream
  /** Rewrite one status line in place (a TTY); otherwise print one line per event. */
  live: boolean
}

export class TerminalReporter {
  readonly #out: NodeJS.WriteStream
  readonly #live: boolean
  #startedAt = 0
  #plan: PlannedStep[] = []
  #totalMs = 0
  #current = new Map<string, string>()
  #probes = new Map<string, string>()
  #timer: NodeJS.Timeout | undefined
  #statusShown = false
  #load = ''

  constructor(options: TerminalReporterOptions) {
    this.#out = options.stream
    this.#live = options.live
  }

  /** The journal listener. */
  readonly onEvent = (event: JournalEvent): void => {
    const line = this.#describe(event)
    if (line) {
      this.#print(`${pc.dim(this.#clock(event.t))} ${line}`)
    }
  }

  /** Service output, shown only when asked for (`--verbose`). */
  readonly onLog = (line: string): void => this.#print(pc.dim(line))

  #describe(e: JournalEvent): string | undefined {
    switch (e.type) {
      case 'run.started':
        this.#startedAt = e.t
        this.#plan = e.plan
        this.#totalMs = e.plan[0]?.plannedDurationMs ?? 0
        if (this.#live) {
          this.#timer = setInterval(() => this.#status(), 250)
          this.#timer.unref()
        }
        return `${pc.bold('run')} ${e.runId}\n  hypothesis: ${e.hypothesis}${e.seed === undefined ? '' : `\n  ${seedLine(e.seed)}`}`
      case 'system.starting':
        return e.services.length ? `starting system: ${e.services.join(', ')}` : undefined
      case 'system.ready':
        return 'system ready'
      case 'system.failed':
        return pc.red(`system failed: ${e.error}`)
      case 'service.exited':
        return e.expected
          ? undefined
          : pc.yellow(
              `${e.service}-${e.replica} (pid ${e.pid}) exited (${e.signal ?? `code ${e.code}`})`
            )
      case 'service.restarting':
        return `${e.service}-${e.replica} restarting in ${formatMs(e.delayMs)}`
      case 'service.started':
        return this.#startedAt && this.#current.size > 0
          ? `${e.service}-${e.replica} started (pid ${e.pid})`
          : undefined
      case 'step.started': {
        const step = this.#step(e.stepId)
        if (!step || step.id === 'run') {
          return undefined
        }
        this.#current.set(step.id, step.name)
        const type = step.faultType && !step.name.startsWith(step.faultType) ? step.faultType : ''
        return `${pc.cyan('▶')} ${step.name}${type ? pc.dim(` (${type})`) : ''}`
      }
      case 'step.ended': {
        this.#current.delete(e.stepId)
        const step = this.#step(e.stepId)
        if (!step || step.id === 'run') {
          return undefined
        }
        return e.status === 'ok'
          ? undefined
          : pc.yellow(`■ ${step.name}: ${e.status}${e.error ? ` (${e.error})` : ''}`)
      }
      case 'fault.injected': {
        // A generated name already says the type (`process-pause of api`); a given one does not.
        const name = this.#step(e.faultId)?.name ?? e.faultType
        const step = name.startsWith(e.faultType) ? '' : ` ${pc.dim(`(step "${name}")`)}`
        return `${pc.magenta('⚡')} ${e.faultType} injected on ${e.targets.join(', ') || 'nothing'}${step}`
      }
      case 'fault.action':
        return `${pc.magenta('⚡')} ${e.detail}`
      case 'fault.recovery': {
        const line = `${this.#name(e.faultId)}: ${recoveryText(e)}`
        return e.recovered ? `${pc.green('⟲')} ${line}` : pc.red(`⟲ ${line}`)
      }
      case 'fault.reverted':
        return e.early
          ? pc.red(`↺ ${this.#name(e.faultId)} reverted early by ${e.early.by} (${e.early.reason})`)
          : `${pc.green('↺')} ${this.#name(e.faultId)} reverted`
      case 'fault.failed':
        return pc.red(
          `✗ ${this.#name(e.stepId)} could not be ${e.phase === 'inject' ? 'injected' : 'reverted'}: ${e.error}`
        )
      case 'probe.attempt':
        this.#probes.set(e.probeId, e.passed ? pc.green('✓') : pc.red('✗'))
        return undefined
      case 'probe.verdict': {
        this.#probes.set(e.probeId, verdictMark(e.verdict))
        return `${verdictMark(e.verdict)} probe ${e.name} ${pc.dim(`(${e.probeType}, ${e.mode})`)}: ${e.verdict} ${pc.dim(`- ${e.message}`)}`
      }
      case 'load.started':
        return `${pc.blue('⇶')} load ${e.method} ${e.url} at ${e.targetRate}/s for ${formatMs(e.durationMs)}`
      case 'load.tick': {
        this.#load = liveLoadText(e.tick)
        // On a terminal the status line shows it; in logs, one line every 5 s is enough.
        return this.#live || e.tick.second % 5 !== 4 ? undefined : pc.dim(`load: ${this.#load}`)
      }
      case 'load.ended': {
        this.#load = ''
        const s = e.summary
        return `${pc.blue('⇶')} load done: ${s.requests} sent (${formatRate(s.rate.achieved)} of ${formatRate(s.rate.target)}), ${s.ok} ok, ${s.failed} failed, ${s.dropped} dropped; response p99 ${formatMs(s.latency.response.p99)}, service p99 ${formatMs(s.latency.service.p99)}${s.warnings.map((w) => pc.yellow(`\n  warning: ${w}`)).join('')}`
      }
      case 'metric.waiting':
        return pc.dim(`${e.message}…`)
      case 'monitor.transition':
      case 'monitor.ended':
        return monitorLiveLine(e, this.#startedAt)
      case 'capture.started':
        return `${pc.cyan('◉')} capturing packets on ${e.captures.map((c) => c.host).join(', ')}`
      case 'capture.saved':
        return `${pc.cyan('◉')} capture of ${e.capture.host}: ${captureSummary(e.capture)} → ${e.capture.file}`
      case 'check.started':
        return `checking ${e.name}…`
      case 'check.result':
        return e.result?.type === 'backlog' || e.result?.type === 'recovery'
          ? `${e.result.valid ? pc.green('✓') : pc.red('✗')} check ${e.name} (${e.checkType}): ${describeMetricCheck(e.result, this.#startedAt)}`
          : e.result
            ? `${e.result.valid === true ? pc.green('✓') : e.result.valid === false ? pc.red('✗') : pc.dim('–')} check ${e.name} (${e.checkType}): lost ${e.result.lost.length}, duplicated ${e.result.duplicated.length}${e.result.type === 'queue' ? `, unexpected ${e.result.unexpected.length}` : ''}`
            : pc.red(`✗ check ${e.name} could not be evaluated: ${e.error}`)
      case 'run.aborted':
        return pc.yellow(`aborting (${e.kind}): ${e.reason}; rolling back`)
      case 'run.warning':
        return pc.yellow(`warning: ${e.message}`)
      case 'script.note':
        return `${pc.cyan('✎')} ${this.#name(e.stepId)}: ${e.text}`
      case 'run.recovered':
        return pc.yellow(`recovered by ${e.by}: ${e.reason}`)
      case 'run.ended':
        clearInterval(this.#timer)
        this.#clearStatus()
        return undefined
      default:
        return undefined
    }
  }

  #step(id: string): PlannedStep | undefined {
    return this.#plan.find((s) => s.id === id)
  }

  /** A step's name in quotes (`"process-kill of api"`), never its id. */
  #name(stepId: string): string {
    // A script step's faults are `<step>/fault.<n>` (engine/script-step.ts).
    const script = /^(.+)\/fault\.(\d+)$/.exec(stepId)
    const name = this.#step(stepId)?.name
    if (name === undefined && script && this.#step(script[1]!)) {
      return `"${this.#step(script[1]!)!.name}" fault ${script[2]}`
    }
    return `"${name ?? stepId}"`
  }

  #clock(t: number): string {
    return this.#startedAt
      ? `[${((t - this.#startedAt) / 1000).toFixed(1).padStart(6)}s]`
      : '[      ]'
  }

  #print(text: string): void {
    this.#clearStatus()
    this.#out.write(`${text}\n`)
    this.#status()
  }

  #status(): void {
    if (!this.#live || !this.#startedAt) {
      return
    }
    const elapsed = Date.now() - this.#startedAt
    const steps = [...this.#current.values()].slice(-2).join(' + ') || '…'
    const probes = [...this.#probes.values()].join('')
    const line = `${pc.bold('●')} ${steps}  ${formatMs(elapsed)} / ~${formatMs(this.#totalMs)}  ${this.#load ? `load ${this.#load}  ` : ''}${probes ? `probes ${probes}` : ''}`
    this.#out.write(`\r\x1b[2K${line.slice(0, (this.#out.columns || 120) + 40)}`)
    this.#statusShown = true
  }

  #clearStatus(): void {
    if (this.#statusShown) {
      this.#out.write('\r\x1b[2K')
      this.#statusShown = false
    }
  }
}

function verdictMark(verdict: string): string {
  return verdict === 'Passed' ? pc.green('✓') : verdict === 'Failed' ? pc.red('✗') : pc.dim('–')
}

/** The final summary: verdict, score, per-step terms, probes and faults. */
/** The seed of randomised fault timing, and how to draw the same values again. */
function seedLine(seed: number): string {
  return `seed ${seed} ${pc.dim(`(reproduce with --seed ${seed})`)}`
}

export function formatSummary(result: RunResult): string {
  const lines: string[] = []
  const verdictColor = { pass: pc.green, fail: pc.red, error: pc.red, interrupted: pc.yellow }[
    result.verdict
  ]
  lines.push('')
  lines.push(
    pc.bold(
      `${result.experiment}: ${verdictColor(result.verdict.toUpperCase())}   resilience score ${formatScore(result.resilienceScore)}`
    )
  )
  lines.push(`  hypothesis: ${result.hypothesis}`)
  if (result.seed !== undefined) {
    lines.push(`  ${seedLine(result.seed)}`)
  }
  if (result.reason) {
    lines.push(`  reason: ${result.reason}`)
  }
  const scored = result.steps.filter((s) => s.scored)
  if (scored.length) {
    lines.push('', pc.bold('  steps                         weight  score  status'))
    for (const s of scored) {
      lines.push(
        `  ${s.name.padEnd(30).slice(0, 30)} ${String(s.weight).padStart(6)}  ${(s.score === null ? '-' : formatScore(s.score)).padStart(5)}  ${s.status}${s.error ? pc.red(`  ${s.error}`) : ''}`
      )
    }
  }
  if (result.probes.length) {
    lines.push('', pc.bold('  probes                        mode        verdict  detail'))
    for (const p of result.probes) {
      lines.push(
        `  ${p.name.padEnd(30).slice(0, 30)} ${p.mode.padEnd(11)} ${verdictMark(p.verdict)} ${p.verdict.padEnd(6)} ${pc.dim(p.message.slice(0, 100))}`
      )
    }
  }
  if (result.loads.length) {
    lines.push(
      '',
      pc.bold(
        '  load                          requests  ok       failed  dropped  response p50/p99      service p99'
      )
    )
    for (const l of result.loads) {
      const s = l.summary
      if (!s) {
        lines.push(`  ${l.name.padEnd(30).slice(0, 30)} not finished`)
        continue
      }
      lines.push(
        `  ${l.name.padEnd(30).slice(0, 30)} ${String(s.requests).padStart(8)}  ${String(s.ok).padEnd(8)} ${String(s.failed).padStart(6)}  ${String(s.dropped).padStart(7)}  ${`${formatMs(s.latency.response.p50)} / ${formatMs(s.latency.response.p99)}`.padEnd(20)}  ${formatMs(s.latency.service.p99)}`
      )
      for (const t of s.thresholds) {
        const why = l.failedThresholds?.find(
          (f) => f.metric === t.metric && f.expression === t.expression
        )
        lines.push(
          `    ${t.ok ? pc.green('✓') : pc.red('✗')} ${t.metric}: ${t.expression} ${pc.dim(`(observed ${observedText(t)})`)}${why ? `\n      ${pc.red(why.reason)}` : ''}`
        )
      }
    }
  }
  for (const c of result.capacity ?? []) {
    lines.push('', pc.bold(`  ${c.name}: ${capacityLine(c)}`))
    for (const phase of c.fault ? [c.baseline, c.fault] : [c.baseline]) {
      lines.push(`    ${pc.dim(phaseDetail(phase))}`)
    }
    if (c.expectation) {
      const { met, reason } = c.expectation
      lines.push(
        `    ${met ? pc.green('✓ expectation met') : pc.red(`✗ ${reason ?? 'expectation not met'}`)}`
      )
    }
  }
  if (result.checks.length) {
    lines.push('', pc.bold('  checks'))
    for (const c of result.checks) {
      lines.push(
        `  ${verdictMark(c.verdict)} ${c.name} (${c.type}) ${c.verdict}: ${pc.dim(c.message)}`
      )
      const details = c.details
      if (details && 'lost' in details && details.lost.length > 0) {
        const shown = details.lost
          .slice(0, 10)
          .map((f) => `        ${describeLost(f, details.type)}`)
        lines.push(
          `      lost:`,
          ...shown,
          ...(details.lost.length > 10
            ? [`        … and ${details.lost.length - 10} more (see --json)`]
            : [])
        )
      }
    }
  }
  if (result.faults.length) {
    lines.push('', pc.bold('  faults'))
    const t0 = Date.parse(result.startedAt)
    for (const f of result.faults) {
      const window = f.injectedAt
        ? `${formatOffset(Date.parse(f.injectedAt) - t0)} → ${f.revertedAt ? formatOffset(Date.parse(f.revertedAt) - t0) : 'not reverted'}`
        : 'not injected'
      lines.push(
        `  ${f.name.padEnd(30).slice(0, 30)} ${window}  ${f.targets.join(', ')}${f.error ? pc.red(`  ${f.error}`) : ''}`
      )
      for (const r of f.recovery ?? []) {
        const line = `⟲ ${recoveryText(r)}`
        lines.push(`    ${r.recovered ? line.replace('⟲', pc.green('⟲')) : pc.red(line)}`)
      }
    }
  }
  lines.push(...captureLines(result))
  lines.push(...monitorLines(result))
  lines.push('')
  return lines.join('\n')
}

/** Each pcap file, and when each fault happened in it (to jump there in Wireshark). */
function captureLines(result: RunResult): string[] {
  const lines: string[] = []
  for (const c of result.captures ?? []) {
    if (lines.length === 0) {
      lines.push('', pc.bold('  captures'))
    }
    const summary = captureSummary(c)
    lines.push(
      `  ${c.host}  ${c.file}  ${c.truncated ? pc.yellow(summary) : pc.dim(summary)}${c.error ? pc.red(`  ${c.error}`) : ''}`
    )
    for (const w of captureWindows(c, result.faults)) {
      lines.push(`    ${pc.dim(captureWindowText(w))}`)
    }
  }
  return lines
}
