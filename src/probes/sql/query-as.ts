/**
 * A SQL query run with the run user's rights. When the experiment's commands run as another
 * user (a Chaos Center's `--run-as`), the query runs in a child process as that user
 * (`./query-child.ts` through the exec policy's launcher), so:
 * - a SQLite path is opened with the user's rights, at the moment of use: a symlink swapped
 *   after any check cannot make root read its target into the journal;
 * - PostgreSQL and MariaDB see the run user on a unix socket (peer / unix_socket auth), not root.
 * Otherwise the query runs in this process, as `ordeal run` on your own terminal does (no
 * process start per query).
 * @module
 */
import { fileURLToPath } from 'node:url'
import { collectChild } from '../../platforms/local/collect-child.js'
import type { Launcher } from '../../platforms/local/exec-policy.js'
import { queryRows } from './client.js'
import type { SqlDriver, SqlQueryOptions, SqlRow } from './client.js'
import type { QueryAnswer, QueryRequest } from './query-wire.js'
import { deadlineSignal } from '../../shared/deadline-signal.js'

/** Rows a check may collect are bounded anyway; this keeps a runaway query cheap. */
const kMaxAnswerBytes = 64 * 1024 * 1024
/** Node's start and the driver's load, on top of the query's own timeout. */
const kStartMarginMs = 5000

/**
 * Runs `sql` as {@link queryRows} does, as the run user when `launch` has a foreign one. Rows
 * from the child carry cells already flattened (text, number or null), which `sqlScalar` keeps.
 */
export function queryRowsAs(
  launch: Launcher | undefined,
  driver: SqlDriver,
  database: string,
  sql: string,
  options: SqlQueryOptions
): Promise<SqlRow[]> {
  if (launch?.foreignUser === undefined) {
    return queryRows(driver, database, sql, options)
  }
  return queryInChild(launch, { driver, database, sql, ...requestOptions(options) }, options)
}

function requestOptions(options: SqlQueryOptions) {
  return {
    timeoutMs: options.timeoutMs,
    applicationName: options.applicationName,
    ...(options.firstRowOnly ? { firstRowOnly: true } : {}),
    ...(options.exactIntegers ? { exactIntegers: true } : {}),
  }
}

async function queryInChild(
  launch: Launcher,
  request: QueryRequest,
  options: SqlQueryOptions
): Promise<SqlRow[]> {
  const backstop = deadlineSignal(options.timeoutMs + kStartMarginMs)
  const signal = AbortSignal.any([options.signal, backstop])
  const outcome = await collectChild(launch([process.execPath, ...childArgv()]), {
    input: JSON.stringify(request),
    signal,
    maxBytes: kMaxAnswerBytes,
  }).catch((err: unknown) => {
    throw backstop.aborted && !options.signal.aborted
      ? new Error(`query process gave no answer within ${options.timeoutMs + kStartMarginMs} ms`)
      : err
  })
  let answer: QueryAnswer
  try {
    answer = JSON.parse(outcome.stdout) as QueryAnswer
  } catch {
    const why = outcome.stderr.trim().split('\n').pop() || `exit ${outcome.code ?? 'by signal'}`
    throw new Error(`query process failed: ${why}`)
  }
  if ('error' in answer) {
    throw new Error(answer.error)
  }
  return answer.rows
}

/**
 * The child's entry next to this module: `query-child.js` in dist/; under tsx (tests) the `.ts`
 * source, with tsx's loader named by absolute path (the run user's cwd is `/`).
 */
function childArgv(): string[] {
  const self = import.meta.url
  if (self.endsWith('.ts')) {
    return [
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL('./query-child.ts', self)),
    ]
  }
  return [fileURLToPath(new URL('./query-child.js', self))]
}
