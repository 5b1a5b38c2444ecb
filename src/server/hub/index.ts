/**
 * The hub's templates: the runnable manifests in `<package root>/examples/hub/*.yaml`, read
 * once at start, and the starters `ordeal init` writes (attach or launch, kill or proxy
 * latency; src/init/hub-templates.ts), made by the same builder so the two never differ.
 * Each is a real experiment (`ordeal run examples/hub/X.yaml` works), and a test loads every
 * one through the real loader, so a template that stops validating fails the build's checks
 * instead of confusing a user. Tags are the fault types a template uses, for the UI's filter.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { HubTemplate } from '../../shared/api.js'
import { starterTemplates, type StarterTemplate } from '../../init/hub-templates.js'
import { packageRoot } from '../package-root.js'

export function hubDir(): string {
  return path.join(packageRoot(), 'examples', 'hub')
}

/**
 * Every template of `dir` and the starters, ordered by id; a missing directory leaves only
 * the starters. A file named like a starter replaces it.
 */
export function loadHubTemplates(
  dir = hubDir(),
  starters: StarterTemplate[] = starterTemplates()
): HubTemplate[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  } catch {
    files = []
  }
  const sources = new Map(starters.map((t) => [t.id, t.yaml]))
  for (const file of files) {
    sources.set(path.basename(file, '.yaml'), readFileSync(path.join(dir, file), 'utf8'))
  }
  return [...sources].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, yaml]) => template(id, yaml))
}

function template(id: string, yaml: string): HubTemplate {
  const doc = parse(yaml) as { metadata?: { name?: unknown; description?: unknown } } | null
  return {
    id,
    name: typeof doc?.metadata?.name === 'string' ? doc.metadata.name : id,
    description: typeof doc?.metadata?.description === 'string' ? doc.metadata.description : '',
    tags: faultTypes(doc),
    yaml,
  }
}

/** Every `fault.type` anywhere under spec.steps (groups nest), deduplicated and sorted. */
export function faultTypes(doc: unknown): string[] {
  const types = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit)
      return
    }
    if (typeof node !== 'object' || node === null) {
      return
    }
    const fault = (node as { fault?: { type?: unknown } }).fault
    if (typeof fault?.type === 'string') {
      types.add(fault.type)
    }
    Object.values(node).forEach(visit)
  }
  visit((doc as { spec?: { steps?: unknown } } | null)?.spec?.steps)
  return [...types].sort()
}
