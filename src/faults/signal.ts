/**
 * Signalling fault targets: the whole process group when the target leads one (replicas are
 * spawned detached, so a shell wrapper's children are hit too), else the single pid.
 * @module
 */
import os from 'node:os'
import { isSameProcess } from '../safety/proc.js'
import type { ProcessTarget } from '../platforms/local/targets.js'
import { FaultInjectionError } from './contract.js'

/** Checks a manifest signal name against the platform's signals. */
export function toSignal(name: string): NodeJS.Signals {
  if (!(name in os.constants.signals)) {
    throw new FaultInjectionError(`unknown signal ${name}`)
  }
  return name as NodeJS.Signals
}

/**
 * Sends `signal` to the target's group (when it leads one) or pid.
 * @returns false when the target is already gone (or its pid now belongs to another process)
 */
export function signalTarget(target: ProcessTarget, signal: NodeJS.Signals): boolean {
  if (!isSameProcess(target.pid, target.startTime)) {
    return false
  }
  try {
    process.kill(target.groupLeader ? -target.pid : target.pid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
      return false
    }
    throw new FaultInjectionError(`cannot send ${signal} to pid ${target.pid}`, { cause: error })
  }
}
