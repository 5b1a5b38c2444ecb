/**
 * The triggers an experiment declares (`spec.triggers` of its current manifest), resolved for
 * matching: defaults applied, debounce in milliseconds, placement as the launcher takes it.
 * The manifest was validated when it was stored; one that no longer reads (a variable the
 * server cannot fill) declares no triggers rather than failing the whole cache.
 * @module
 */
import { z } from 'zod'
import type {
  ContinuousPlacement,
  TriggerCondition,
  TriggerSource,
} from '../../shared/continuous.js'
import { parseDuration } from '../../shared/duration.js'
import { parseManifestYaml } from '../../experiment/load.js'
import { interpolate } from '../../experiment/interpolate.js'
import { DEFAULT_DEBOUNCE, triggerSchema } from '../../experiment/trigger-schema.js'
import { MANIFEST_FILE } from '../api/manifest.js'
import { packageRoot } from '../package-root.js'

export interface DeclaredTrigger {
  experimentId: string
  experimentName: string
  name: string
  on: TriggerSource
  hook?: string
  app?: string
  conditions: TriggerCondition[]
  conditionType: 'and' | 'or'
  debounceMs: number
  placement?: ContinuousPlacement
}

const triggersSchema = z.array(triggerSchema)

export function declaredTriggers(experiment: {
  id: string
  name: string
  yaml: string
}): DeclaredTrigger[] {
  // Most manifests have none: skip the YAML parse for them (a server with thousands starts fast).
  if (!experiment.yaml.includes('triggers')) {
    return []
  }
  let data: unknown
  try {
    const text = interpolate(experiment.yaml, MANIFEST_FILE, { ORDEAL_HOME: packageRoot() }, {})
    if (text.issues.length > 0) {
      return []
    }
    data = parseManifestYaml(text.text, MANIFEST_FILE)
  } catch {
    return []
  }
  const spec = (data as { spec?: { triggers?: unknown } } | null)?.spec
  const parsed = triggersSchema.safeParse(spec?.triggers ?? [])
  if (!parsed.success) {
    return []
  }
  return parsed.data.map((t) => ({
    experimentId: experiment.id,
    experimentName: experiment.name,
    name: t.name,
    on: t.on,
    ...(t.hook !== undefined ? { hook: t.hook } : {}),
    ...(t.app !== undefined ? { app: t.app } : {}),
    conditions: (t.conditions ?? []).map((c) => ({
      key: c.key,
      operator: c.operator,
      ...(c.value !== undefined ? { value: c.value } : {}),
    })),
    conditionType: t.conditionType ?? 'and',
    debounceMs: parseDuration(t.debounce ?? DEFAULT_DEBOUNCE) ?? 30_000,
    ...(t.agent !== undefined
      ? { placement: { agent: t.agent } }
      : t.labels !== undefined
        ? { placement: { labels: t.labels } }
        : {}),
  }))
}
