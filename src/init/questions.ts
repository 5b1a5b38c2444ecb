/**
 * The questions `ordeal init` asks on a terminal, for what the flags left open. The prompt
 * is injected (a readline on the terminal in the CLI, a list of answers in tests), and each
 * answer goes through the same parser as its flag: a bad one is explained and asked again.
 * @module
 */
import {
  DEFAULT_DURATION,
  DEFAULT_FAULT,
  DEFAULT_NAME,
  DEFAULT_PORT,
  InitInputError,
  modeOf,
  parseFault,
  parseMode,
  parseName,
  parsePort,
  parseStart,
  parseUrl,
  type InitInput,
} from './answers.js'

export interface Prompter {
  /** Asks one question; resolves to the line typed ('' = take the default shown). */
  ask(question: string): Promise<string>
  /** Tells the user something (why an answer was refused). */
  say(line: string): void
}

/** Tries before giving up on a question whose answers keep being refused. */
const kTries = 5

/** Asks for every field the flags did not give; returns the flags with the answers added. */
export async function askQuestions(given: InitInput, prompter: Prompter): Promise<InitInput> {
  const input: InitInput = { ...given }
  const question = async <T>(
    flag: string,
    text: string,
    fallback: string,
    parse: (answer: string) => T
  ): Promise<string> => {
    for (let i = 0; i < kTries; i++) {
      const raw = await prompter.ask(`${text} (${fallback === '' ? 'required' : fallback}): `)
      const answer = raw.trim() === '' ? fallback : raw.trim()
      try {
        parse(answer)
        return answer
      } catch (error) {
        if (!(error instanceof InitInputError)) {
          throw error
        }
        prompter.say(`  ${error.reason}`)
      }
    }
    throw new InitInputError(flag, `no usable answer after ${kTries} tries; nothing written`)
  }

  input.name ??= await question('--name', 'Name of your service', DEFAULT_NAME, parseName)
  const mode =
    modeOf(input) ??
    parseMode(
      await question(
        '--attach',
        'Is it already running (attach), or should ordeal start it (launch)?',
        'attach',
        parseMode
      )
    )
  if (mode === 'launch') {
    input.start ??= await question(
      '--start',
      'Command that starts it ({{ports.http}} or $PORT is its port)',
      '',
      parseStart
    )
  } else {
    input.attach = true
  }
  input.url ??= await question(
    '--url',
    'URL where it answers (probes and load call it)',
    `http://127.0.0.1:${input.port ?? DEFAULT_PORT}/`,
    parseUrl
  )
  input.port ??= await question(
    '--port',
    `Port it listens on${mode === 'launch' ? ' (0: a free one each run)' : ''}`,
    String(parseUrl(input.url).port),
    (answer) => parsePort(answer, mode === 'launch' ? 0 : 1)
  )
  input.fault ??= await question(
    '--fault',
    'Fault: kill its process, or add latency in front of it (kill, latency)?',
    DEFAULT_FAULT,
    parseFault
  )
  input.duration ??= DEFAULT_DURATION
  return input
}
