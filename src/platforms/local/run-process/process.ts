/**
 * A Chaos Center run in a process of its own, forked by the embedded agent: the same engine as
 * `ordeal run` (watchdog included), so user-supplied commands never run inside the server's
 * process, and a run that wedges or crashes takes only itself down (its watchdog rolls its
 * faults back). It starts with a scrubbed environment (no `DATABASE_URL`, no secrets), works in
 * a private tree under the system temp dir (work-dir.ts), and streams its journal back
 * over IPC. An `abort` message, or the server going away (the IPC channel closes), rolls the
 * run back and ends it.
 * @module
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { JournalEvent } from '../../../engine/events.js'
import { startRun, type RunHandle } from '../../../engine/runner.js'
import { loadManifest } from '../../../server/api/manifest.js'
import { privateWorkTree, unpackWorkLeaf } from '../work-dir.js'
import { formatIssue, ValidationError } from '../../../server/api/validation.js'
import { forgetRunTree, recordRunTree } from './trees.js'
import type { FromRun, ToRun } from './messages.js'
import { PartChannel } from '../../../engine/part/channel.js'

let handle: RunHandle | undefined
let pendingAbort: Extract<ToRun, { type: 'abort' }> | undefined
/**
 * A part's commands: they may arrive before the run starts serving (the channel keeps them);
 * a command to a process that runs no part is answered at once.
 */
let channel: PartChannel | undefined
let finished = false
/** Why the run stops when the IPC channel closes: whose process went away. */
let goneReason = 'the Chaos Center went away'

function send(message: FromRun): void {
  if (process.connected) {
    // With a callback, a parent that died meanwhile (EPIPE) is an error passed here, not an
    // 'error' event that would crash this process in the middle of its rollback.
    process.send?.(message, undefined, {}, () => undefined)
  }
}

// Events go out in batches of what one turn of the event loop produced, in order.
let queue: JournalEvent[] = []
function queueEvent(event: JournalEvent): void {
  if (queue.length === 0) {
    setImmediate(() => {
      const events = queue
      queue = []
      send({ type: 'events', events })
    })
  }
  queue.push(event)
}

async function start(message: Extract<ToRun, { type: 'start' }>): Promise<void> {
  if (message.journalFile !== undefined) {
    goneReason = 'the agent went away' // only `ordeal agent` gives a journal file
  }
  // The manifest's copy goes in the tree's root-owned top, never where the run user can plant a
  // symlink; its relative paths (and the commands' cwd) resolve in the user's own `work/`.
  const tree = privateWorkTree(message.name, message.exec, message.bundle !== undefined)
  const file = path.join(tree.dir, `${message.name}.yaml`)
  let run: RunHandle
  try {
    writeFileSync(file, message.yaml, { mode: 0o644, flag: 'wx' })
    const baseDir =
      message.bundle !== undefined
        ? await unpackWorkLeaf(tree, message.bundle, message.exec.user)
        : tree.home
    const experiment = loadManifest(message.yaml, file, baseDir, message.vars ?? {})
    if (message.part !== undefined) {
      channel = new PartChannel((reply) => send({ type: 'reply', reply }))
    }
    run = startRun(experiment, {
      onEvent: queueEvent,
      exec: message.exec,
      workDir: tree.dir,
      ...(message.runId !== undefined ? { runId: message.runId } : {}),
      ...(message.journalFile !== undefined
        ? { journalFile: message.journalFile, durableJournal: true }
        : {}),
      ...(message.part !== undefined && channel !== undefined
        ? { part: { ...message.part, channel } }
        : {}),
      // A manifest from a Chaos Center may pick neither the cluster nor the blast radius: the
      // agent or server resolved the cluster (trust model). Without one: no Kubernetes runs.
      untrustedManifest: true,
      clusterGrant: message.cluster ?? {
        owner: message.journalFile !== undefined ? 'agent' : 'Chaos Center',
      },
    })
  } catch (error) {
    tree.remove()
    throw error
  }
  handle = run
  try {
    recordRunTree(run.runId, tree.dir)
  } catch {
    // Without the note a killed process leaves its tree; the run itself is unaffected.
  }
  send({ type: 'started', runId: run.runId })
  if (pendingAbort) {
    run.abort(pendingAbort.kind, pendingAbort.reason)
  }
  void run.result.then(
    (result) => finish({ type: 'ended', verdict: result.verdict, score: result.resilienceScore }),
    (error: unknown) => finish({ type: 'failed', error: String(error) })
  )

  function finish(last: FromRun): void {
    finished = true
    tree.remove()
    forgetRunTree(run.runId)
    // After the events still queued (setImmediate keeps their order), then leave: the channel
    // is all that keeps this process alive.
    setImmediate(() => {
      if (!process.connected) {
        return
      }
      process.send?.(last, () => process.disconnect?.())
    })
  }
}

process.on('message', (message: ToRun) => {
  if (message.type === 'start') {
    start(message).catch((error: unknown) => {
      send({ type: 'failed', error: failure(error) })
      process.disconnect?.()
    })
  } else if (message.type === 'command') {
    if (channel) {
      channel.push({ id: message.id, command: message.command })
    } else {
      send({ type: 'reply', reply: { id: message.id, ok: false, error: 'no such part' } })
    }
  } else if (handle) {
    handle.abort(message.kind, message.reason)
  } else {
    pendingAbort = message
  }
})

// The server died or closed the channel: roll back and end, as a Ctrl+C would.
process.once('disconnect', () => {
  if (!finished) {
    handle?.abort('signal', goneReason)
  }
})
// A Ctrl+C or SIGTERM to the server's process group reaches this process too: roll back and
// end gracefully (the server's own abort message says the same), rather than die mid-fault.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (handle && !finished) {
      handle.abort('signal', `${signal} received`)
    } else if (!handle) {
      pendingAbort = { type: 'abort', kind: 'signal', reason: `${signal} received` }
    }
  })
}

// Last: every listener is in place, so no message can arrive before one is.
send({ type: 'ready' })

/** One line for `failed`: a manifest's issues with their paths, else the error's message. */
function failure(error: unknown): string {
  if (error instanceof ValidationError) {
    return error.issues.map(formatIssue).join('; ')
  }
  return error instanceof Error ? error.message : String(error)
}
