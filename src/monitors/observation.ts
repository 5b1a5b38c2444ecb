/**
 * What a run's monitors observe: a probe's result (each attempt of it, or the monitor's own
 * poll of it), a journal event by type, or a value pushed by code (the TypeScript form).
 * @module
 */

export type Observation =
  | { kind: 'probe'; name: string; passed: boolean; value?: string | number; message: string }
  | { kind: 'event'; name: string; fields: Readonly<Record<string, unknown>> }
  /** Pushed by code: any value (a cluster view, a count); conditions compare scalars only. */
  | { kind: 'value'; name: string; value: unknown }

/**
 * Where observations go: the run's journal feeds it, and so can code (the TypeScript form pushes
 * its own, e.g. a cluster view it read). `at` defaults to now.
 */
export interface ObservationFeed {
  push(observation: Observation, at?: number): void
}

/** Journal event types a monitor may observe (`observe: [fault.injected]`, `on: service.exited`). */
export const OBSERVABLE_EVENTS = [
  'fault.injected',
  'fault.action',
  'fault.reverted',
  'fault.failed',
  'fault.recovery',
  'service.started',
  'service.ready',
  'service.exited',
  'service.restarting',
  'step.started',
  'step.ended',
  'probe.verdict',
  'load.started',
  'load.ended',
  'metric.sample',
  'check.result',
  'run.aborted',
  'run.warning',
] as const

/** One line for transition records: `api-up failed: connect ECONNREFUSED`. */
export function describeObservation(o: Observation): string {
  switch (o.kind) {
    case 'probe':
      return `${o.name} ${o.passed ? 'passed' : 'failed'}: ${cut(o.message, 120)}`
    case 'value':
      return `${o.name} = ${cut(String(JSON.stringify(o.value)), 120)}`
    case 'event': {
      const fields = Object.entries(o.fields)
        .filter(([k, v]) => !kHidden.has(k) && v !== undefined && typeof v !== 'object')
        .map(([k, v]) => `${k}=${String(v)}`)
      const targets = Array.isArray(o.fields['targets'])
        ? [`targets=${o.fields['targets'].join(',')}`]
        : []
      return cut(
        `${o.name}${fields.length + targets.length ? ` (${[...fields, ...targets].join(', ')})` : ''}`,
        160
      )
    }
  }
}

/** Journal bookkeeping, not what happened. */
const kHidden = new Set(['type', 'seq', 't'])

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text
}

/**
 * The value a `when` comparator reads: a probe's observed `value` (or its `message`), a pushed
 * value, or an event's field. Undefined when there is none: the condition does not hold.
 */
export function fieldOf(o: Observation, field: string | undefined): string | number | undefined {
  const raw =
    o.kind === 'probe'
      ? field === 'message'
        ? o.message
        : o.value
      : o.kind === 'value'
        ? field === undefined
          ? o.value
          : typeof o.value === 'object' && o.value !== null
            ? (o.value as Record<string, unknown>)[field]
            : undefined
        : field === undefined
          ? undefined
          : o.fields[field]
  if (typeof raw === 'string' || typeof raw === 'number') {
    return raw
  }
  return typeof raw === 'boolean' ? String(raw) : undefined
}
