/**
 * The seam between script steps and monitors (issue 19 §1/§2): `observe(name, value)` in a
 * script journals an `observation` event; a run's monitor feed reads it as a pushed value. Kept
 * here, shaped like the monitors' `{ kind: 'value' }` observation, so the feed needs one call.
 * @module
 */
import type { JournalEvent } from './events.js'

/** What a monitor observes from a script: a named value. */
export interface ScriptObservation {
  kind: 'value'
  name: string
  value: string | number | boolean
}

/** The observation an `observation` event carries, or undefined for any other event. */
export function scriptObservation(event: JournalEvent): ScriptObservation | undefined {
  return event.type === 'observation'
    ? { kind: 'value', name: event.name, value: event.value }
    : undefined
}
