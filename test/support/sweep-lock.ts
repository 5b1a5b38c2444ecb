/**
 * `ordeal recover` sweeps stray stress workers and network objects machine-wide, and the suite
 * runs test files in parallel: one file's `recover` could end the orphan another file planted
 * before that file's own `recover` finds it. Every test that runs `recover`, or plants a stray
 * for it, holds this machine-wide lock from planting to its last check.
 * @module
 */
import { closeSync, openSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { lockLedgerWaiting } from '../../src/safety/run-lock.js'

const kLockFile = path.join(os.tmpdir(), 'ordeal-test-sweep.lock')

export async function withSweepLock<T>(body: () => Promise<T>): Promise<T> {
  closeSync(openSync(kLockFile, 'a', 0o600))
  const lock = await lockLedgerWaiting(kLockFile, 300_000)
  if (typeof lock === 'string') {
    throw new Error(`the recover sweep lock ${kLockFile} is ${lock}`)
  }
  try {
    return await body()
  } finally {
    lock.release()
  }
}
