import { loadExperimentFile } from '../../experiment/load.js'

/** `ordeal validate FILE...`: all errors of all files, one line each; exit 2 if any. */
export async function validateCommand(
  files: string[],
  set: Record<string, string> = {}
): Promise<number> {
  let code = 0
  for (const file of files) {
    try {
      const experiment = await loadExperimentFile(file, { set })
      process.stdout.write(`${file}: ok (experiment '${experiment.name}')\n`)
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`)
      code = 2
    }
  }
  return code
}
