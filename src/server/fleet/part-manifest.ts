/**
 * The manifest of a multi-host run, loaded on the Chaos Center: the coordinator runs its one
 * timeline from it (steps, probes, scoring) while each part runs on its agent. Loaded the way
 * an agent's run process loads it (the stored YAML, the submitter's `${VAR}` values, its
 * bundle's files unpacked beside it, the same checks), in a private temp dir removed after
 * loading, since relative paths are resolved (and checked) while loading and never used here.
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { unpackBundle } from '../../experiment/bundle.js'
import type { Experiment } from '../../experiment/model.js'
import { loadManifest, MANIFEST_FILE } from '../api/manifest.js'

export interface PartsManifest {
  yaml: string
  vars: Record<string, string>
  /** base64(gzip(JSON BundleFile[])), as the run was submitted. */
  bundle?: string
}

/** Loads it, or throws an Error whose message is one line naming what is wrong. */
export type LoadPartsExperiment = (manifest: PartsManifest) => Promise<Experiment>

export const loadPartsExperiment: LoadPartsExperiment = async ({ yaml, vars, bundle }) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ordeal-parts-'))
  try {
    const work = path.join(dir, 'work')
    if (bundle !== undefined) {
      await unpackBundle(bundle, work)
    }
    const file = path.join(bundle !== undefined ? work : dir, MANIFEST_FILE)
    await writeFile(file, yaml, { mode: 0o600, flag: 'wx' }).catch(() => undefined)
    return loadManifest(yaml, file, path.dirname(file), vars)
  } catch (error) {
    // The loader's first issue, one line (a ValidationError says it that way already).
    throw new Error((error instanceof Error ? error.message : String(error)).split('\n')[0])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
