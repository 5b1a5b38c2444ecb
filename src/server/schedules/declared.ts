/**
 * The schedules an experiment declares (`spec.schedules` of its current version), with every
 * default applied. The manifest is loaded with the server's own checks first: one that no
 * longer validates keeps no schedules (the caller logs why, in one line).
 * @module
 */
import { z } from 'zod'
import { parseManifestYaml } from '../../experiment/load.js'
import { interpolate } from '../../experiment/interpolate.js'
import {
  DEFAULT_HISTORY_LIMIT,
  scheduleSchema,
  type ScheduleInput,
} from '../../experiment/schedule-schema.js'
import type {
  ConcurrencyPolicy,
  ContinuousPlacement,
  ExcludedWindow,
} from '../../shared/continuous.js'
import { parseDuration } from '../../shared/duration.js'
import { loadManifest, MANIFEST_FILE } from '../api/manifest.js'
import { packageRoot } from '../package-root.js'

export interface ScheduleDef {
  name: string
  cron: string
  timeZone: string
  jitterMs: number
  concurrencyPolicy: ConcurrencyPolicy
  startingDeadlineSeconds?: number
  historyLimit: number
  exclude: ExcludedWindow[]
  suspend: boolean
  placement?: ContinuousPlacement
}

/** What makes two definitions fire at different times: a change starts the schedule afresh. */
export const timingKey = (def: ScheduleDef) => `${def.cron}|${def.timeZone}|${def.jitterMs}`

/** Throws the loader's ValidationError when the manifest does not validate. */
export function declaredSchedules(yaml: string): ScheduleDef[] {
  // Most experiments have no schedule: skip the second parse for them.
  if (!/^\s*schedules\s*:/m.test(yaml)) {
    return []
  }
  loadManifest(yaml)
  // Valid: read back just its schedules (the YAML again, without the whole schema: the load
  // above costs a millisecond or two, and a server may hold thousands of scheduled experiments),
  // with the same `${NAME:-default}` filling as loadManifest.
  const filled = interpolate(yaml, MANIFEST_FILE, { ORDEAL_HOME: packageRoot() }, {}).text
  const data = parseManifestYaml(filled, MANIFEST_FILE) as { spec?: { schedules?: unknown } }
  return z
    .array(scheduleSchema)
    .parse(data.spec?.schedules ?? [])
    .map(resolveSchedule)
}

export function resolveSchedule(input: ScheduleInput): ScheduleDef {
  return {
    name: input.name,
    cron: input.cron,
    timeZone: input.timeZone ?? 'UTC',
    jitterMs: input.jitter === undefined ? 0 : (parseDuration(input.jitter) ?? 0),
    concurrencyPolicy: input.concurrencyPolicy ?? 'Forbid',
    ...(input.startingDeadlineSeconds !== undefined
      ? { startingDeadlineSeconds: input.startingDeadlineSeconds }
      : {}),
    historyLimit: input.historyLimit ?? DEFAULT_HISTORY_LIMIT,
    exclude: (input.exclude ?? []) as ExcludedWindow[],
    suspend: input.suspend ?? false,
    ...(input.agent !== undefined
      ? { placement: { agent: input.agent } }
      : input.labels !== undefined
        ? { placement: { labels: input.labels } }
        : {}),
  }
}
