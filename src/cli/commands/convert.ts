/**
 * `ordeal convert ctk.json > manifest.yaml`: a Chaos Toolkit experiment as an ordeal
 * manifest (src/ctk/convert.ts). What cannot be expressed is listed by name on stderr, exit 2,
 * and nothing goes to stdout.
 * @module
 */
import { convertExperiment, manifestYaml } from '../../ctk/convert.js'
import { parseCtkFile } from '../../ctk/parse.js'
import { isCtkFile } from '../../ctk/command.js'
import { UsageError } from '../exit.js'

export async function convertCommand(file: string): Promise<number> {
  if (!(await isCtkFile(file))) {
    throw new UsageError(
      `ordeal convert: ${file} is not a Chaos Toolkit experiment (.json/.yaml with title and method, no apiVersion)`
    )
  }
  const { experiment, values } = await parseCtkFile(file)
  const { manifest, unsupported } = convertExperiment(experiment, values)
  if (!manifest) {
    for (const line of unsupported) {
      process.stderr.write(`${file}: cannot convert ${line}\n`)
    }
    return 2
  }
  process.stdout.write(manifestYaml(manifest, file))
  return 0
}
