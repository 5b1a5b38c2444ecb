import { readFile } from 'node:fs/promises'
import { isModuleFile, loadAnyExperimentFile } from '../../experiment/module-load.js'
import { interpolate, unusedSetIssues } from '../../experiment/interpolate.js'

/** `ordeal validate FILE...`: all errors of all files, one line each; exit 2 if any. */
export async function validateCommand(
  files: string[],
  set: Record<string, string> = {}
): Promise<number> {
  let code = 0
  // With several files, a --set value must be read by one of them, not by each.
  const several = files.length > 1
  const used = new Set<string>()
  for (const file of files) {
    try {
      const experiment = await loadAnyExperimentFile(file, { set, allowUnusedSet: several })
      process.stdout.write(`${file}: ok (experiment '${experiment.name}')\n`)
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`)
      code = 2
    }
    // A module has no `${NAME}` variables (a template literal is code, not one).
    if (several && !isModuleFile(file)) {
      const text = await readFile(file, 'utf8').catch(() => '')
      interpolate(text, file, {}, {}).used.forEach((name) => used.add(name))
    }
  }
  if (several) {
    for (const issue of unusedSetIssues(`any of ${files.join(', ')}`, set, used)) {
      process.stderr.write(`ordeal validate: ${issue.message}\n`)
      code = 2
    }
  }
  return code
}
