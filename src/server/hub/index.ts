/**
 * The hub's templates: the runnable manifests in `<package root>/examples/hub/*.yaml`, read
 * once at start. Each is a real experiment (`ordeal run examples/hub/X.yaml` works), so a
 * template that stops validating fails the build's checks instead of confusing a user.
 * Tags are the fault types a template uses, for the UI's filter.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { HubTemplate } from '../../shared/api.js'
import { packageRoot } from '../package-root.js'

export function hubDir(): string {
  return path.join(packageRoot(), 'examples', 'hub')
}

/** Reads every template of `dir`, ordered by id; a missing directory is an empty hub. */
export function loadHubTemplates(dir = hubDir()): HubTemplate[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  } catch {
    return []
  }
  return files.sort().map((file) => {
    const yaml = readFileSync(path.join(dir, file), 'utf8')
    const doc = parse(yaml) as { metadata?: { name?: unknown; description?: unknown } } | null
    const id = path.basename(file, '.yaml')
    return {
      id,
      name: typeof doc?.metadata?.name === 'string' ? doc.metadata.name : id,
      description: typeof doc?.metadata?.description === 'string' ? doc.metadata.description : '',
      tags: faultTypes(doc),
      yaml,
    }
  })
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
