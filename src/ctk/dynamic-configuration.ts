/**
 * Dynamic configuration, as chaoslib's `load_dynamic_configuration` runs it when the run
 * starts: each `type: probe` value of `configuration`, in declaration order and seeing the keys
 * before it, becomes its output (a process's stdout, stripped, on exit 0; an http body). A probe
 * that fails or exits non-zero drops its key silently (a `${key}` then stays as written).
 * @module
 */
import { runActivity, type ActivityContext } from './activity.js'
import type { CtkActivity, CtkValues } from './model.js'

export async function loadDynamicConfiguration(
  values: CtkValues,
  ctx: Omit<ActivityContext, 'values'>
): Promise<CtkValues> {
  const conf: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values.configuration)) {
    if (!isProbe(value)) {
      conf[key] = value
      continue
    }
    // chaoslib hands the probe the secrets by writing them into its provider, so chaos's
    // journal shows them there in clear. Ours keeps the shape (the same keys, as chaos's
    // tooling expects) with every value masked: a secret never reaches a file.
    value.provider['secrets'] = masked(values.secrets)
    let output: unknown
    try {
      output = await runActivity(value, {
        ...ctx,
        values: { configuration: conf, secrets: values.secrets },
      })
    } catch (error) {
      ctx.log(`dynamic configuration '${key}' could not be loaded: ${(error as Error).message}`)
      continue
    }
    const out = output as { status?: number; stdout?: string; body?: unknown }
    if (value.provider.type === 'process') {
      if (out.status === 0) {
        conf[key] = (out.stdout ?? '').trim()
      } else {
        ctx.log(`dynamic configuration '${key}': the process exited ${String(out.status)}`)
      }
    } else {
      conf[key] = out.body
    }
  }
  return { configuration: conf, secrets: values.secrets }
}

function isProbe(v: unknown): v is CtkActivity {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)['type'] === 'probe'
}

/** The secret scopes with every value replaced by `***`. */
function masked(secrets: CtkValues['secrets']): CtkValues['secrets'] {
  return Object.fromEntries(
    Object.entries(secrets).map(([scope, keys]) => [
      scope,
      Object.fromEntries(Object.keys(keys).map((key) => [key, '***'])),
    ])
  )
}
