/**
 * The store's public face: the contract, both implementations and `openStore`, so the server
 * imports one module.
 * @module
 */
export { StoreConflictError } from './contract.js'
export type {
  EventQuery,
  ExperimentUpdate,
  NewExperiment,
  NewRun,
  NewToken,
  RunEnd,
  RunQuery,
  Store,
  TokenRecord,
} from './contract.js'
export { MIGRATIONS } from './migrations.js'
export type { Migration } from './migrations.js'
export { isPostgresUrl, openStore, redactUrl, SQLITE_FILE } from './open.js'
export type { StoreOptions } from './open.js'
export { PostgresStore } from './postgres.js'
export { SqliteStore } from './sqlite.js'
