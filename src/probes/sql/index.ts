/**
 * SQL probe: the first column of the first row of a query, compared with the comparator.
 * Connections live in `./client.ts`, shared with the checks' delivered-id source.
 * @module
 */
import path from 'node:path'
import { renderTemplate } from '../../shared/template.js'
import { compare, describeComparator } from '../comparator.js'
import { defineProbe } from '../contract.js'
import {
  abortMessage,
  attemptSignal,
  errorMessage,
  excerpt,
  failed,
  redactUrl,
} from '../attempt.js'
import { sqlScalar } from './client.js'
import type { SqlRow } from './client.js'
import { queryRowsAs } from './query-as.js'

export const sqlProbe = defineProbe({
  type: 'sql',

  describe(params) {
    const where = params.driver === 'sqlite' ? params.database : redactUrl(params.database)
    return `${params.driver} ${where}: ${excerpt(params.query, 80)} ${describeComparator(params.comparator)}`
  },

  async check(params, ctx) {
    let database: string
    let sql: string
    try {
      database = renderTemplate(params.database, ctx.vars)
      sql = renderTemplate(params.query, ctx.vars)
    } catch (err) {
      return failed(errorMessage(err))
    }
    if (params.driver === 'sqlite') {
      database = path.resolve(ctx.baseDir, database)
    }
    const signal = attemptSignal(ctx)
    let row: SqlRow | undefined
    try {
      // As the run user when commands run as another one: its rights, its unix-socket identity.
      const rows = await queryRowsAs(ctx.launch, params.driver, database, sql, {
        signal,
        timeoutMs: ctx.timeoutMs,
        applicationName: 'ordeal-probe',
        firstRowOnly: true,
      })
      row = rows[0]
    } catch (err) {
      return failed(
        `${params.driver}: ${signal.aborted ? abortMessage(signal, ctx) : errorMessage(err)}`
      )
    }
    if (!row || row.length === 0) {
      return failed('query returned no rows')
    }
    const value = sqlScalar(row[0])
    if (value === undefined) {
      return failed('query returned NULL')
    }
    const result = compare(params.comparator, value)
    return { passed: result.passed, message: result.message, value }
  },
})
