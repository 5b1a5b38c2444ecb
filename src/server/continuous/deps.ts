/**
 * What the continuous-chaos services (schedules, git sources, triggers, notifications) are built
 * from: the server's context, the injected clock, and the two hubs they listen to.
 * @module
 */
import type { ServerContext } from '../context.js'
import type { Clock } from './clock.js'
import type { ExperimentChanges } from './changes.js'
import type { RunEndedHub } from './run-ended.js'

export interface ContinuousDeps {
  /** Read it lazily (in start() and later): it does not exist yet while the service is built. */
  readonly ctx: ServerContext
  clock: Clock
  changes: ExperimentChanges
  runEnded: RunEndedHub
}
