/**
 * The rollback ledger (safety invariant 1): before a fault acts, its exact undo is appended
 * and fsynced here. Entries are plain data, so `ordeal recover` (or a watchdog) can undo from
 * the file alone, without the runner's memory.
 * @module
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import type { KubeConnectionRef } from './kube-connection.js'

/** What undoing one fault action means, as data. */
export type UndoAction =
  /** Send `signal` (e.g. SIGCONT after a pause) to the process, or its group, if still the same process. */
  | {
      kind: 'signal'
      pid: number
      startTime?: number
      signal: NodeJS.Signals
      group: boolean
      label: string
    }
  /** End a helper process ordeal started (stress workers): SIGKILL to its group. */
  | { kind: 'terminate'; pid: number; startTime?: number; label: string }
  /** Remove a file ordeal created (disk-fill). */
  | { kind: 'remove-file'; path: string; label: string }
  /** Kill every process of a run's cgroup and remove it (run-cgroup.ts): what a setsid escaped. */
  | { kind: 'remove-cgroup'; path: string; label: string }
  /**
   * Run argv (no shell); success also when it fails because the thing is already gone (a
   * missing rule, namespace, link or qdisc), so the undo is idempotent. Network faults, hosts.
   */
  | { kind: 'command'; argv: string[]; label: string }
  /**
   * A request to a Kubernetes API server (kube-undo.ts): patch back a replica count or a node's
   * schedulability, delete a NetworkPolicy ordeal created. A 404 counts as already undone.
   */
  | { kind: 'kubernetes'; connection: KubeConnectionRef; request: KubeUndoRequest; label: string }
  /**
   * Put back the content of a control file ordeal made (clock-skew: "+0 x1" in libfaketime's
   * timestamp file). Only ordeal's own regular file is written (control-file.ts); one that is
   * gone is already undone (its process is gone with its run's dir), and so is one the
   * service's user replaced (a symlink, fifo, hard link): left alone, said in the undo's note.
   */
  | { kind: 'write-file'; path: string; content: string; label: string }
  /**
   * Unmount a disk-fault's FUSE mount (`umount -l dir`), only while /proc/self/mountinfo shows
   * the mount named `source` (`ordeal-disk-<runId>-<n>`) on top at `dir` (mountinfo.ts): never
   * another run's mount or the user's. Already gone is done; covered by a later mount stays
   * pending (unmounting would take the wrong one).
   */
  | { kind: 'unmount'; dir: string; source: string; label: string }
  /**
   * Send `clear` to a disk-fault mount's control socket: its latency and error rules end. A
   * helper that is gone has no rules left (its mount went with it): done.
   */
  | { kind: 'disk-clear'; socket: string; label: string }
  /** Nothing to undo (a kill is healed by the supervisor); recorded so the ledger is complete. */
  | { kind: 'none'; label: string }

/** One API call, by path (`/apis/apps/v1/namespaces/shop/deployments/orders/scale`). */
export type KubeUndoRequest =
  | {
      op: 'patch'
      path: string
      /** merge: RFC 7386; json: RFC 6902 (a `test` op first makes it conditional). */
      patchType: 'merge' | 'json'
      body: unknown
    }
  /** Delete, only if the object is still the one ordeal created (`uid` precondition). */
  | { op: 'delete'; path: string; uid?: string }

export interface LedgerEntry {
  id: string
  runId: string
  faultId: string
  undo: UndoAction
  /** When the fault must be undone at the latest (ms since epoch), for an outside watchdog. */
  deadline: number
  t: number
}

/**
 * Who marked an entry undone: the run's own runner, its watchdog, or a recovery tool. The
 * runner reads the others' marks as "my fault was reverted early" (see ledger-watch.ts).
 */
export type LedgerActor = 'runner' | 'watchdog' | (string & {})

/** An undone mark: `by` and `reason` say who undid it and why (absent in older ledgers). */
export interface UndoneMark {
  op: 'undone'
  id: string
  t: number
  by?: LedgerActor
  reason?: string
}

export type LedgerLine = ({ op: 'record' } & LedgerEntry) | UndoneMark

/** Where ordeal keeps ledgers and run state: $ORDEAL_STATE_DIR, else ~/.ordeal. */
export function stateDir(): string {
  return process.env['ORDEAL_STATE_DIR'] ?? path.join(os.homedir(), '.ordeal')
}

/** Where a run keeps its journal, logs and its services' data: the runner and --dry-run agree. */
export function runDirFor(runId: string): string {
  return path.join(stateDir(), 'runs', runId)
}

export class Ledger {
  readonly file: string
  readonly runId: string
  /** Written into every undone mark this instance makes. */
  readonly actor: LedgerActor

  constructor(
    runId: string,
    dir = path.join(stateDir(), 'ledgers'),
    actor: LedgerActor = 'runner'
  ) {
    mkdirSync(dir, { recursive: true })
    this.runId = runId
    this.file = path.join(dir, `${runId}.ndjson`)
    this.actor = actor
  }

  /** Appends and fsyncs the undo; only after this returns may the fault act. */
  record(faultId: string, undo: UndoAction, deadline: number): LedgerEntry {
    const entry: LedgerEntry = {
      id: randomUUID(),
      runId: this.runId,
      faultId,
      undo,
      deadline,
      t: Date.now(),
    }
    this.#append({ op: 'record', ...entry })
    return entry
  }

  /** Like {@link record} for many undos at once: one write and one fsync (network rule sets). */
  recordAll(faultId: string, undos: UndoAction[], deadline: number): LedgerEntry[] {
    const t = Date.now()
    const entries = undos.map((undo) => ({
      id: randomUUID(),
      runId: this.runId,
      faultId,
      undo,
      deadline,
      t,
    }))
    this.#appendAll(entries.map((entry): LedgerLine => ({ op: 'record', ...entry })))
    return entries
  }

  /** Marks many entries undone with one fsync. */
  markAllUndone(entryIds: string[], reason?: string): void {
    const t = Date.now()
    this.#appendAll(entryIds.map((id) => this.#mark(id, t, reason)))
  }

  /** Marks an entry undone. Harmless to call twice. */
  markUndone(entryId: string, reason?: string): void {
    this.#append(this.#mark(entryId, Date.now(), reason))
  }

  #mark(id: string, t: number, reason: string | undefined): UndoneMark {
    return { op: 'undone', id, t, by: this.actor, ...(reason === undefined ? {} : { reason }) }
  }

  /** Entries recorded and not yet undone. */
  pending(): LedgerEntry[] {
    return pendingEntries(this.file)
  }

  #append(line: LedgerLine): void {
    this.#appendAll([line])
  }

  #appendAll(lines: LedgerLine[]): void {
    if (lines.length === 0) {
      return
    }
    const fd = openSync(this.file, 'a', 0o600)
    try {
      writeSync(fd, lines.map((line) => `${JSON.stringify(line)}\n`).join(''))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }
}

/** Reads a ledger file and returns what is still to be undone; a torn last line is ignored. */
export function pendingEntries(file: string): LedgerEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const recorded = new Map<string, LedgerEntry>()
  for (const line of parseLedgerLines(text)) {
    if (line.op === 'record') {
      const { op: _op, ...entry } = line
      recorded.set(entry.id, entry)
    } else {
      recorded.delete(line.id)
    }
  }
  return [...recorded.values()]
}

/** The lines of ledger text; a torn line (the writer died mid-write) is skipped. */
export function parseLedgerLines(text: string): LedgerLine[] {
  const lines: LedgerLine[] = []
  for (const raw of text.split('\n')) {
    if (!raw.trim()) {
      continue
    }
    try {
      lines.push(JSON.parse(raw) as LedgerLine)
    } catch {
      // the writer died mid-write; the entries before it are intact
    }
  }
  return lines
}

/** The run id a ledger file belongs to. */
export function runIdOfLedger(file: string): string {
  return path.basename(file, '.ndjson')
}

/** Every ledger file in the state directory (for `ordeal recover`). */
export function ledgerFiles(dir = path.join(stateDir(), 'ledgers')): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.ndjson'))
      .map((f) => path.join(dir, f))
  } catch {
    return []
  }
}
