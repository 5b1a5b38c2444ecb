/**
 * The catalogue's examples: each is the `spec` of a manifest, shown as YAML and validated as a
 * whole manifest through the real loader, as `ordeal validate` would.
 * @module
 */
import { Document, isScalar, visit } from 'yaml'
import { loadExperimentText } from '../../src/experiment/load.js'
import { ManifestError } from '../../src/experiment/errors.js'
import {
  API_VERSION,
  type ExperimentInput,
  type StepInputType,
} from '../../src/experiment/schema.js'

/** An example's `spec`, without the hypothesis every manifest repeats. */
export type Spec = Omit<ExperimentInput['spec'], 'hypothesis' | 'steps'> & {
  steps: StepInputType[]
}

/** The whole manifest an example stands for: its spec plus the fields every manifest has. */
export function exampleManifest(title: string, spec: Spec): string {
  return toYaml({
    apiVersion: API_VERSION,
    kind: 'Experiment',
    metadata: { name: `catalogue-${slug(title)}` },
    spec: { hypothesis: 'The catalogue example validates', ...spec },
  })
}

/**
 * Validates an example as a whole manifest through the loader (without the environment);
 * throws naming the example and every issue.
 */
export function validateExample(title: string, spec: Spec): void {
  const file = `docs/catalogue.md#${slug(title)}`
  try {
    loadExperimentText(exampleManifest(title, spec), file, { env: {} })
  } catch (error) {
    if (error instanceof ManifestError) {
      throw new Error(`the example of '${title}' does not validate:\n${error.message}`, {
        cause: error,
      })
    }
    throw error
  }
}

/** The YAML the page shows, after validating it. */
export function checkedExample(title: string, spec: Spec): string {
  validateExample(title, spec)
  return toYaml({ spec }).trimEnd()
}

/** A heading's anchor, as GitHub makes it. */
export function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-')
}

/** YAML as a person writes it: lists of plain values on one line (`args: [-m, http.server]`). */
function toYaml(value: unknown): string {
  const doc = new Document(value)
  visit(doc, {
    Seq(_, node) {
      node.flow = node.items.every((item) => isScalar(item))
    },
  })
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false })
}
