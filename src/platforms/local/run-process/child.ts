/**
 * The server's side of a run process (`run-process/process.ts`): fork it with a scrubbed
 * environment, send the run, receive its events, abort it, and learn how it ended, including
 * when it died without saying (killed, out of memory): then its watchdog has rolled its faults
 * back and the server ends the run itself.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import type { AbortKind, JournalEvent } from '../../../engine/events.js'
import type { PartCommand, PartReply } from '../../agent/part.js'
import { childExecArgv, siblingScript } from '../../../safety/node-child.js'
import { scrubbedEnv, type ExecPolicy } from '../exec-policy.js'
import type { ClusterGrant, FromRun, PartStart, ToRun } from './messages.js'

/** ordeal's own settings a run process needs; nothing else of the server's environment. */
const kPassedVars = ['ORDEAL_STATE_DIR', 'ORDEAL_LEASE_MS'] as const

export interface RunChild {
  /** The run id once the engine started; rejects with the reason when it could not start. */
  started: Promise<string>
  abort(kind: AbortKind, reason: string): void
  /** A coordinator's command to a part (answered through `onReply`); dropped once it exited. */
  command(id: number, command: PartCommand): void
  /** SIGKILLs the process (it never answered): its watchdog, if it got that far, rolls back. */
  kill(): void
  /** How the process ended: `ended` when the run reported its end, else why it died. */
  exited: Promise<{ ended: boolean; how: string }>
}

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Set when the process never started (the fork failed). */
  spawnError?: string
}

function describe({ code, signal, spawnError }: Exit): string {
  if (spawnError !== undefined) {
    return `could not fork it: ${spawnError}`
  }
  return signal ? `killed by ${signal}` : `exit ${code}`
}

/** Alive as far as Node knows: not exited, and not a fork that failed. */
function usable(forked: Forked): boolean {
  return forked.child.exitCode === null && forked.child.signalCode === null
}

/** A forked run process; `ready` once it loaded the engine and listens for its run. */
interface Forked {
  child: ChildProcess
  ready: Promise<void>
  exit: Promise<Exit>
}

/**
 * One run process forked ahead, with the engine already loaded: loading it takes most of a
 * second on a small machine, which a start from the UI would otherwise wait for.
 */
let spare: Forked | undefined

function forkRunProcess(): Forked {
  const env: NodeJS.ProcessEnv = scrubbedEnv()
  for (const key of kPassedVars) {
    if (process.env[key] !== undefined) {
      env[key] = process.env[key]
    }
  }
  const child = fork(siblingScript(import.meta.url, 'process'), [], {
    execArgv: childExecArgv(),
    env,
    // Both to the server's stderr: its stdout carries only what scripts read (URL, login).
    stdio: ['ignore', 2, 2, 'ipc'],
  })
  const exit = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    // A fork that failed (EAGAIN at a pid limit, EMFILE) emits 'error' and never 'exit' (Node
    // sets a negative exitCode): without this, whoever waits for the process waits forever.
    // An 'error' after a real spawn is a send after exit; its 'exit' says what happened.
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        resolve({ code: null, signal: null, spawnError: error.code ?? error.message })
      }
    })
  })
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: FromRun) => message.type === 'ready' && resolve())
    void exit.then((how) =>
      reject(new Error(`the run process ended before it was ready (${describe(how)})`))
    )
  })
  ready.catch(() => undefined)
  return { child, ready, exit }
}

/** Forks the spare run process, if there is none; it does not keep the server alive. */
export function prewarmRunProcess(): void {
  if (spare && usable(spare)) {
    return
  }
  let forked: Forked
  try {
    forked = forkRunProcess()
  } catch {
    return // fork threw (ENOMEM): no spare; the next start forks its own and says why
  }
  forked.child.unref()
  forked.child.channel?.unref()
  spare = forked
  void forked.exit.then(() => {
    if (spare === forked) {
      spare = undefined
    }
  })
}

/** Ends the spare (server shutdown). */
export function disposeSpareRunProcess(): void {
  spare?.child.kill('SIGKILL')
  spare = undefined
}

export interface StartRunChildOptions {
  name: string
  yaml: string
  exec: ExecPolicy
  onEvents: (events: JournalEvent[]) => void
  /** For a run placed on an agent (run-process/messages.ts): its id, vars, files, durable journal. */
  runId?: string
  vars?: Record<string, string>
  bundle?: string
  journalFile?: string
  /** Run it as a part of a multi-host run; its replies come to `onReply`. */
  part?: PartStart
  onReply?: (reply: PartReply) => void
  /** The cluster the agent or Chaos Center resolved (run-process/messages.ts). */
  cluster?: ClusterGrant
}

export function startRunChild(options: StartRunChildOptions): RunChild {
  // A spare that died (or never forked) since it was made is no use: fork afresh.
  const forked = spare && usable(spare) ? spare : forkRunProcess()
  spare = undefined
  const { child } = forked
  child.ref()
  child.channel?.ref()
  let ended = false
  let resolveStarted!: (runId: string) => void
  let rejectStarted!: (error: Error) => void
  const started = new Promise<string>((resolve, reject) => {
    resolveStarted = resolve
    rejectStarted = reject
  })
  child.on('message', (message: FromRun) => {
    switch (message.type) {
      case 'events':
        options.onEvents(message.events)
        break
      case 'started':
        resolveStarted(message.runId)
        break
      case 'failed':
        rejectStarted(new Error(message.error))
        break
      case 'ended':
        ended = true
        break
      case 'reply':
        options.onReply?.(message.reply)
        break
    }
  })
  const exited = forked.exit.then((exit) => {
    const how = describe(exit)
    rejectStarted(new Error(`the run process ended before the run started (${how})`))
    return { ended, how }
  })
  const send = (message: ToRun) => {
    if (child.connected) {
      child.send(message)
    }
  }
  forked.ready.then(
    () =>
      send({
        type: 'start',
        name: options.name,
        yaml: options.yaml,
        exec: options.exec,
        ...(options.runId !== undefined ? { runId: options.runId } : {}),
        ...(options.vars !== undefined ? { vars: options.vars } : {}),
        ...(options.bundle !== undefined ? { bundle: options.bundle } : {}),
        ...(options.journalFile !== undefined ? { journalFile: options.journalFile } : {}),
        ...(options.part !== undefined ? { part: options.part } : {}),
        ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
      }),
    () => undefined // the exit above rejects `started`
  )
  return {
    started,
    exited,
    abort: (kind, reason) => send({ type: 'abort', kind, reason }),
    command: (id, command) => send({ type: 'command', id, command }),
    kill: () => {
      child.kill('SIGKILL')
    },
  }
}
