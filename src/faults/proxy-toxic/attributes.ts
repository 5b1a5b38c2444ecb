/**
 * A manifest's toxic attributes, checked per toxic type before the run. Toxiproxy's own API
 * ignores unknown attributes (and ordeal's compatible API keeps doing so), but in a manifest an
 * ignored `delay` on a latency toxic injects nothing and the run passes: a wrong verdict from
 * a typo. So here every attribute must belong to the type, and a toxic that would do nothing
 * is an error too.
 * @module
 */
import { didYouMean } from '../../experiment/did-you-mean.js'
import {
  toxicAttributes,
  toxicProblem,
  toxicTypes,
  zeroAttributes,
  type ToxicType,
} from '../../proxy/toxic-spec.js'

/** Units, for messages and docs (shared/reference/toxiproxy-api.md §8). */
export const toxicAttributeUnits: Record<ToxicType, Record<string, string>> = {
  noop: {},
  latency: { latency: 'ms', jitter: 'ms' },
  bandwidth: { rate: 'KB/s' },
  slow_close: { delay: 'ms' },
  timeout: { timeout: 'ms' },
  reset_peer: { timeout: 'ms' },
  slicer: { average_size: 'bytes', size_variation: 'bytes', delay: 'µs' },
  limit_data: { bytes: 'bytes' },
}

/** Attributes without which the toxic does nothing at all. */
const kEffective: Partial<Record<ToxicType, readonly string[]>> = {
  latency: ['latency', 'jitter'],
  slow_close: ['delay'],
}

export interface ToxicIssue {
  /** Relative to the fault's `toxic`. */
  path: string[]
  message: string
}

export function toxicAttributeIssues(toxic: {
  type: ToxicType
  attributes?: Record<string, number> | undefined
  toxicity?: number | undefined
}): ToxicIssue[] {
  const { type } = toxic
  const given = toxic.attributes ?? {}
  const known = toxicAttributes[type]
  const takes = known.length
    ? `a ${type} toxic takes ${known.map((a) => `${a} (${toxicAttributeUnits[type][a]})`).join(', ')}`
    : `a ${type} toxic takes no attributes`
  const issues: ToxicIssue[] = []
  for (const name of Object.keys(given)) {
    if (known.includes(name)) {
      continue
    }
    const hint = didYouMean(name, known) || (known[0] ? ` (did you mean '${known[0]}'?)` : '')
    const owners = toxicTypes.filter((t) => toxicAttributes[t].includes(name))
    const elsewhere = owners.length ? `; '${name}' belongs to ${owners.join(', ')}` : ''
    issues.push({
      path: ['attributes', name],
      message: `unknown attribute '${name}' for a ${type} toxic${hint}; ${takes}${elsewhere}`,
    })
  }
  if (issues.length > 0) {
    return issues
  }
  const effective = kEffective[type]
  if (effective && effective.every((a) => (given[a] ?? 0) === 0)) {
    issues.push({
      path: ['attributes'],
      message: `a ${type} toxic with ${effective.map((a) => `${a} 0`).join(' and ')} does nothing: set attributes.${effective[0]} (${toxicAttributeUnits[type][effective[0]!]})`,
    })
  }
  const problem = toxicProblem({
    name: 'check',
    type,
    stream: 'downstream',
    direction: 'downstream',
    toxicity: toxic.toxicity ?? 1,
    attributes: { ...zeroAttributes(type), ...given },
  })
  if (problem !== undefined) {
    issues.push({ path: ['attributes'], message: problem })
  }
  return issues
}
