/**
 * Debounce windows, one per (experiment, trigger) (and per reporting agent for a kubernetes
 * trigger without placement: match.ts `windowAgent`), on the injected clock: the first matching
 * event opens a window of the trigger's `debounce`; later events inside it only count; when it
 * ends the window is removed first and then handed to `close`, once, so one window can never
 * start two runs (an event arriving while its run starts opens the next window). Windows live
 * in memory: a restart drops the open ones (the service records them as skipped at stop and
 * releases their deliveries' replay keys, so the senders' retries are taken).
 * @module
 */
import type { Clock, Timer } from '../continuous/clock.js'
import type { TriggerEvent } from './contract.js'
import type { DeclaredTrigger } from './declared.js'

export interface Window {
  trigger: DeclaredTrigger
  /** When the first event arrived (ms). */
  openedAt: number
  events: number
  /** The latest event: its summary goes into the run's cause, its agent places a kubernetes run. */
  last: TriggerEvent
  /** The reporting agent this window is for (kubernetes triggers without placement). */
  agent?: string
  /** The hook_deliveries rows of its events (at most MAX_ROWS: a burst is not kept whole). */
  deliveryRows: string[]
}

const MAX_ROWS = 1000

const keyOf = (experimentId: string, name: string, agent?: string) =>
  `${experimentId}\u0000${name}\u0000${agent ?? ''}`

export class Debouncer {
  readonly #open = new Map<string, Window & { timer: Timer }>()

  constructor(
    private readonly clock: Clock,
    private readonly close: (window: Window) => void
  ) {}

  add(trigger: DeclaredTrigger, event: TriggerEvent, agent?: string): void {
    const key = keyOf(trigger.experimentId, trigger.name, agent)
    const open = this.#open.get(key)
    if (open !== undefined) {
      open.events++
      open.last = event
      if (event.deliveryRow !== undefined && open.deliveryRows.length < MAX_ROWS) {
        open.deliveryRows.push(event.deliveryRow)
      }
      return
    }
    const window = {
      trigger,
      openedAt: this.clock.now(),
      events: 1,
      last: event,
      ...(agent !== undefined ? { agent } : {}),
      deliveryRows: event.deliveryRow !== undefined ? [event.deliveryRow] : [],
      timer: this.clock.timer(trigger.debounceMs, () => {
        if (this.#open.get(key) === window) {
          this.#open.delete(key)
          const { timer: _timer, ...closed } = window
          this.close(closed)
        }
      }),
    }
    this.#open.set(key, window)
  }

  /** Events waiting in the trigger's open windows (0: none open). */
  pending(experimentId: string, name: string): number {
    let events = 0
    for (const window of this.#open.values()) {
      if (window.trigger.experimentId === experimentId && window.trigger.name === name) {
        events += window.events
      }
    }
    return events
  }

  /** Closes the experiment's windows without firing them (it was deleted); returns them. */
  dropExperiment(experimentId: string): Window[] {
    return this.#drop((w) => w.trigger.experimentId === experimentId)
  }

  /** Closes every window without firing it; returns them. */
  dropAll(): Window[] {
    return this.#drop(() => true)
  }

  #drop(which: (w: Window) => boolean): Window[] {
    const dropped: Window[] = []
    for (const [key, window] of this.#open) {
      if (which(window)) {
        window.timer.cancel()
        this.#open.delete(key)
        const { timer: _timer, ...closed } = window
        dropped.push(closed)
      }
    }
    return dropped
  }
}
