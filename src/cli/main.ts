#!/usr/bin/env node
/**
 * ordeal's command line. Parsing only: each command lives in `commands/`.
 * @module
 */
import { Command, CommanderError, Option } from 'commander'
import { createRequire } from 'node:module'
import { ManifestError } from '../experiment/errors.js'
import { EXIT_USAGE, UsageError, exit } from './exit.js'
import { runCommand } from './commands/run.js'
import { validateCommand } from './commands/validate.js'
import { schemaCommand } from './commands/schema.js'
import { recoverCommand } from './commands/recover.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

const program = new Command()
  .name('ordeal')
  .description(
    'Chaos engineering for real systems: state a hypothesis, inject real faults, get a verdict.'
  )
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) })

program
  .command('run')
  .description(
    'run an experiment; exit 0 held, 1 disproved, 2 invalid, 3 could not run, 130 interrupted'
  )
  .argument('<file>', 'experiment manifest (YAML)')
  .option('--dry-run', 'print the resolved timeline and everything the run would touch, then exit')
  .option('--json <file>', 'write the result as JSON')
  .option('--junit <file>', 'write JUnit XML (one test case per probe)')
  .option('--journal <file>', 'write every event as NDJSON while the run goes')
  .option('--verbose', 'show service output, prefixed with [service-replica]')
  .addOption(new Option('--no-progress', 'plain lines even on a terminal'))
  .action(async (file: string, options) => exit(await runCommand(file, options)))

program
  .command('validate')
  .description('check manifests and print every error as file:line: field: message')
  .argument('<files...>', 'experiment manifests')
  .action(async (files: string[]) => exit(await validateCommand(files)))

program
  .command('schema')
  .description('print the JSON Schema of experiment manifests (for editors)')
  .action(async () => exit(schemaCommand()))

program
  .command('recover')
  .description('undo every fault that any ledger still lists (idempotent)')
  .action(async () => exit(await recoverCommand()))

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; everything else is a usage error.
    await exit(error.exitCode === 0 ? 0 : EXIT_USAGE)
  }
  if (error instanceof ManifestError || error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`)
    await exit(EXIT_USAGE)
  }
  process.stderr.write(
    `ordeal: internal error: ${error instanceof Error ? error.stack : String(error)}\n`
  )
  await exit(3)
}
