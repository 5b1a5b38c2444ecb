/**
 * The defaults the resolver applies, in a module of their own without Node APIs so that the
 * schemas can document them (as JSON Schema `default`) from this one source.
 * @module
 */
export const DEFAULTS = {
  deadline: '10m',
  weight: 10,
  replicas: 1,
  restart: 'always',
  backoffInitial: '100ms',
  backoffMax: '5s',
  gracePeriod: '5s',
  readinessTimeout: '30s',
  probeTimeout: '5s',
  probeInterval: '1s',
  probeAttempts: 1,
  pollingInterval: '1s',
  initialDelay: '0s',
  drainTimeout: '30s',
  drainInterval: '500ms',
  drainQuiet: '5s',
  readInterval: '1s',
  settle: '5s',
} as const
