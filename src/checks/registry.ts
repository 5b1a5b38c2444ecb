/**
 * Built-in checkers keyed by the manifest's check `type`. Each takes its own input; the engine
 * picks one with `checker(type)` after building that input.
 * @module
 */
import type {
  QueueCheckInput,
  QueueCheckResult,
  SetCheckInput,
  SetCheckResult,
} from './contract.js'
import { checkQueue } from './queue.js'
import { checkSet } from './set.js'

export interface Checkers {
  queue: (input: QueueCheckInput) => QueueCheckResult
  set: (input: SetCheckInput) => SetCheckResult
}

export type CheckType = keyof Checkers

export const checkers: Checkers = { queue: checkQueue, set: checkSet }

export function checker<T extends CheckType>(type: T): Checkers[T] {
  return checkers[type]
}
