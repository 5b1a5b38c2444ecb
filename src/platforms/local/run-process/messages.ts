/**
 * The messages between the Chaos Center and a run process (`run-process/process.ts`), over the IPC
 * channel of `child_process.fork`. JSON only: the run process shares no memory with the server.
 * @module
 */
import type { JournalEvent, AbortKind } from '../../../engine/events.js'
import type { ExecPolicy } from '../exec-policy.js'
import type { PartCommand, PartReply } from '../../agent/part.js'
import type { ClusterGrant } from '../../../engine/kubernetes-system.js'

/** A part of a multi-host run (part.ts), as the agent starts it. */
export interface PartStart {
  name: string
  /** The agent's registered name (`edge-1`), for the lines it refuses with. */
  agent: string
  /** The Chaos Center's addresses as the agent reaches it (no partition may cut them). */
  centerAddresses: string[]
  /** `ordeal agent --allow-host-network`. */
  allowHostNetwork: boolean
}

/** Server → run process. */
export type ToRun =
  | {
      type: 'start'
      name: string
      yaml: string
      exec: ExecPolicy
      /** Given by the Chaos Center for a run placed on an agent; else the runner makes one. */
      runId?: string
      /** `${NAME}` values the manifest uses, resolved where the run was submitted. */
      vars?: Record<string, string>
      /** The manifest's directory (src/experiment/bundle.ts), unpacked into the work tree. */
      bundle?: string
      /** Write the journal here, durably (the agent's outbox). */
      journalFile?: string
      /** Run as this part of a multi-host run: serve `command` messages. */
      part?: PartStart
      /**
       * The cluster the agent or Chaos Center resolved for `spec.system.kubernetes` (this
       * process's environment is scrubbed: it resolves none itself). Absent: no cluster.
       */
      cluster?: ClusterGrant
    }
  | { type: 'abort'; kind: AbortKind; reason: string }
  /** A coordinator's command to the part; answered by one `reply` of the same id. */
  | { type: 'command'; id: number; command: PartCommand }

/** Which cluster a run process uses: never one the manifest picks (trust model). */
export type { ClusterGrant } from '../../../engine/kubernetes-system.js'

/** Run process → server. */
export type FromRun =
  /** Loaded and listening: the server may send the run. */
  | { type: 'ready' }
  | { type: 'started'; runId: string }
  | { type: 'events'; events: JournalEvent[] }
  /** The run could not begin (the manifest did not load there, the work dir failed). */
  | { type: 'failed'; error: string }
  | { type: 'ended'; verdict: string; score: number }
  /** The answer to a part's `command`. */
  | { type: 'reply'; reply: PartReply }
