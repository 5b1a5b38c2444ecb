/**
 * `ordeal init [FILE]`: writes a commented starter experiment for the user's own service.
 * On a terminal it asks for what the flags left open; with `--yes` or without a terminal it
 * takes flags and defaults only. What it writes is loaded through the real loader first, so
 * a file it writes always validates.
 * @module
 */
import { constants, existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { loadExperimentText } from '../../experiment/load.js'
import { ManifestError } from '../../experiment/errors.js'
import {
  checkGiven,
  InitInputError,
  starterSpec,
  type InitInput,
  type StarterSpec,
} from '../../init/answers.js'
import { askQuestions, type Prompter } from '../../init/questions.js'
import {
  STARTER_LATENCY_MS,
  STARTER_RATE,
  durationText,
  starterManifest,
} from '../../init/starter.js'
import { EXIT_USAGE } from '../exit.js'

export interface InitCommandOptions extends InitInput {
  yes?: boolean
  force?: boolean
}

/**
 * `--force` truncates FILE but never follows a symbolic link there: run as root in a shared
 * directory, 'w' would let whoever planted the link choose the file overwritten. (Without
 * --force, 'wx' already refuses any existing name, a link included.)
 */
const kOverwrite = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW

/** Exit code of an interrupted command (Ctrl+C at a question). */
const kExitInterrupted = 130

export async function initCommand(file: string, options: InitCommandOptions): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`ordeal init: ${message}\n`)
    return EXIT_USAGE
  }
  let spec: StarterSpec
  try {
    // Flags are checked before any question, so a bad one fails at once.
    checkGiven(options)
    if (!options.force && existsSync(file)) {
      return fail(`${file} exists; pass --force to overwrite it`)
    }
    const interactive = !options.yes && Boolean(process.stdin.isTTY)
    const input = interactive ? await ask(options) : options
    if (input === undefined) {
      return kExitInterrupted
    }
    spec = starterSpec(input)
  } catch (error) {
    if (error instanceof InitInputError) {
      return fail(error.message)
    }
    throw error
  }

  const text = starterManifest(spec, { file })
  try {
    // The same checks as `ordeal validate`; {} for the environment: the file has no ${NAME}.
    loadExperimentText(text, file, { env: {} })
  } catch (error) {
    if (error instanceof ManifestError) {
      // Only a user's value can make it invalid: a {{...}} in --start naming no variable.
      const issue = error.issues[0]
      const flag = issue?.path.includes('services[0]') ? '--start' : '--url'
      return fail(`${flag}: ${issue?.message ?? error.message}`)
    }
    throw error
  }
  try {
    await writeFile(file, text, { flag: options.force ? kOverwrite : 'wx' })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return fail(
      code === 'EEXIST'
        ? `${file} exists; pass --force to overwrite it`
        : code === 'ELOOP'
          ? `${file} is a symbolic link; not followed, nothing written (remove it, or write the file where the link points)`
          : `cannot write ${file}: ${code === 'ENOENT' ? 'no such directory' : (error as Error).message}`
    )
  }
  process.stdout.write(summary(file, spec))
  return 0
}

/** Asks on the terminal; undefined when the user pressed Ctrl+C. */
async function ask(options: InitInput): Promise<InitInput | undefined> {
  // Questions go where the user sees them: stderr when stdout is redirected.
  const out = process.stdout.isTTY ? process.stdout : process.stderr
  const rl = createInterface({ input: process.stdin, output: out })
  let interrupted = false
  rl.on('SIGINT', () => {
    interrupted = true
    rl.close()
  })
  // The iterator queues lines, so answers typed (or pasted) ahead of their question are kept.
  const lines = rl[Symbol.asyncIterator]()
  const prompter: Prompter = {
    async ask(question) {
      rl.setPrompt(question)
      rl.prompt()
      const next = await lines.next()
      if (next.done) {
        throw new InitInputError(
          'stdin',
          'closed before every question was answered; nothing written (--yes asks nothing)'
        )
      }
      return String(next.value)
    },
    say: (line) => out.write(`${line}\n`),
  }
  try {
    out.write('A starter experiment for your service. Enter takes the (default).\n')
    return await askQuestions(options, prompter)
  } catch (error) {
    if (interrupted) {
      out.write('\n')
      return undefined
    }
    throw error
  } finally {
    rl.close()
  }
}

function summary(file: string, spec: StarterSpec): string {
  const target =
    spec.mode === 'attach'
      ? `the process listening on port ${spec.port}`
      : `${spec.name}, started with your command`
  const fault =
    spec.fault === 'kill'
      ? `kills ${target}`
      : `adds ${STARTER_LATENCY_MS} ms of latency in front of ${target} (through a proxy)`
  return [
    `wrote ${file}: ${fault} while ${STARTER_RATE} requests/s go to it for ${durationText(spec.durationMs)}.`,
    'The comments in it say what each block does and what to change. Next:',
    `  ordeal validate ${file}`,
    `  ordeal run --dry-run ${file}`,
    `  ordeal run ${file}`,
    '',
  ].join('\n')
}
