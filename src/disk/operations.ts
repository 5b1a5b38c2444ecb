/**
 * The operation kinds ordeal-diskfs can delay or fail (native/diskfs, its control protocol):
 * pure data, so the manifest schema (bundled into the UI) can check names without the helper.
 * @module
 */
import { didYouMean } from '../experiment/did-you-mean.js'

export const DISK_OPERATIONS = [
  'open',
  'create',
  'read',
  'write',
  'fsync',
  'truncate',
  'rename',
  'unlink',
  'mkdir',
  'rmdir',
  'readdir',
  'getattr',
] as const

export type DiskOperation = (typeof DISK_OPERATIONS)[number]

export function isDiskOperation(name: string): name is DiskOperation {
  return (DISK_OPERATIONS as readonly string[]).includes(name)
}

export function unknownOperationMessage(name: string): string {
  return `unknown operation '${name}'${didYouMean(name, DISK_OPERATIONS)}: one of ${DISK_OPERATIONS.join(', ')}`
}

/** The helper's `<ops>` argument: a comma list, or `all` when none is named. */
export function operationsArg(operations: readonly DiskOperation[] | undefined): string {
  return operations === undefined || operations.length === 0 ? 'all' : operations.join(',')
}
