/**
 * History checkers (`queue`, `set`) and the sources that tell them what was delivered.
 * @module
 */
export type * from './contract.js'
export { checkQueue } from './queue.js'
export { checkSet } from './set.js'
export { checker, checkers } from './registry.js'
export type { Checkers, CheckType } from './registry.js'
export { describeLost, windowOf } from './windows.js'
export { DeliveredSourceError, describeSource, readDelivered } from './sources/index.js'
export type { DeliveredSourceContext } from './sources/index.js'
