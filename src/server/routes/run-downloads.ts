/**
 * A run's reports as files (issue 13 §5, the run page's download buttons): the result as the
 * CLI's `--json` writes it, the JUnit XML of `--junit`, and the journal as the CLI's journal
 * file (one JSON event per line; the load's op events only with `?ops=true`). Result and JUnit
 * exist once the run has ended (409 before); the journal streams what is stored so far, so a
 * running run's journal can be taken too. The HTML report is `ordeal run --report`'s file, built
 * from the stored journal (op events counted, not read).
 * @module
 */
import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import type { Run, RunResult } from '../../shared/api.js'
import { jsonResultText } from '../../report/json.js'
import { junitFileText } from '../../report/junit.js'
import { idParams } from '../api/schemas.js'
import type { ServerContext } from '../context.js'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import { readTurn } from './event-page.js'
import { ReportCollector } from '../../report/html/collect.js'
import { reportHtml } from '../../report/html/render.js'
import { reportPageScript } from '../../report/html/page-asset.js'
import type { JournalEvent } from '../../engine/events.js'

/** `?ops=true` adds the load's history ops (left out by default: they are most of the file). */
const journalDownloadQuery = z.object({ ops: z.enum(['true', 'false']).optional() })

/** Events per store read while streaming a journal: bounded memory for any run size. */
const JOURNAL_PAGE = 2000

/** `attachment; filename="<experiment>-<runId>.<ext>"`, the name kept to safe characters. */
export function attachment(run: Pick<Run, 'id' | 'experimentName'>, ext: string): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_')
  return `attachment; filename="${safe(run.experimentName)}-${safe(run.id)}.${ext}"`
}

async function endedRun(ctx: ServerContext, id: string): Promise<Run & { result: RunResult }> {
  const run = await ctx.store.getRun(id)
  if (!run) {
    throw notFound(`run ${id}`)
  }
  if (run.status === 'running') {
    throw new HttpError(
      409,
      'conflict',
      `run ${id} is still running: its result exists once it ends`
    )
  }
  if (run.result === undefined) {
    throw notFound(`the result of run ${id} (it ended before one could be derived)`)
  }
  return { ...run, result: run.result }
}

function send(reply: FastifyReply, type: string, disposition: string, body: string) {
  return reply.code(200).type(type).header('content-disposition', disposition).send(body)
}

export const runDownloadRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/runs/:id/result.json',
    access: 'viewer',
    tag: 'runs',
    summary: "The run's result as a file, as `ordeal run --json` writes it (409 while running)",
    params: idParams,
    raw: true,
    async handler({ params, ctx, reply }) {
      const run = await endedRun(ctx, params.id)
      const json = jsonResultText(run.result)
      return send(reply, 'application/json; charset=utf-8', attachment(run, 'json'), json)
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/runs/:id/junit.xml',
    access: 'viewer',
    tag: 'runs',
    summary: "The run's JUnit XML, as `ordeal run --junit` writes it (409 while running)",
    params: idParams,
    raw: true,
    async handler({ params, ctx, reply }) {
      const run = await endedRun(ctx, params.id)
      const xml = junitFileText(run.result)
      return send(reply, 'application/xml; charset=utf-8', attachment(run, 'xml'), xml)
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/runs/:id/report.html',
    access: 'viewer',
    tag: 'runs',
    summary:
      "The run's self-contained HTML report, as `ordeal run --report` writes it (409 while running)",
    params: idParams,
    raw: true,
    async handler({ params, ctx, reply }) {
      const run = await endedRun(ctx, params.id)
      const collector = new ReportCollector()
      // Everything but the op events, a page at a time; those are only counted (the report
      // never embeds them), so a 1M-op run costs its few thousand other events to read.
      let after = -1
      let read = 0
      for (;;) {
        await readTurn()
        const rows = await ctx.store.listEventTexts(params.id, {
          after,
          limit: JOURNAL_PAGE,
          excludeTypes: ['op'],
        })
        for (const row of rows) {
          collector.add(JSON.parse(row.json) as JournalEvent)
        }
        read += rows.length
        if (rows.length < JOURNAL_PAGE) {
          break
        }
        after = rows[rows.length - 1]!.seq
      }
      collector.countOps((await ctx.store.countEvents(params.id)) - read)
      const html = reportHtml(collector.finish(run.result), reportPageScript())
      // Served as a download: opened from the API's origin it would run with the viewer's session.
      return send(reply, 'text/html; charset=utf-8', attachment(run, 'html'), html)
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/runs/:id/journal.jsonl',
    access: 'viewer',
    tag: 'runs',
    summary:
      "The run's journal, one JSON event per line as the CLI's journal file (what is stored so far while running); the load's `op` events only with `?ops=true`",
    params: idParams,
    query: journalDownloadQuery,
    raw: true,
    async handler({ params, query, ctx, reply }) {
      const run = await ctx.store.getRunSummary(params.id)
      if (!run) {
        throw notFound(`run ${params.id}`)
      }
      // A live run's journal stops where the live stream stands (no gaps in what is served).
      const until = ctx.recorder.releasedSeq(params.id)
      // Op events are most of a load run's journal (100 req/s for 10 min is 60 000 of them),
      // and the browser holds a download whole: they come only when asked for.
      const excludeTypes = query.ops === 'true' ? [] : ['op']
      async function* lines(): AsyncGenerator<string> {
        let after = -1
        for (;;) {
          // Reads take turns with ingest, as the events pages do.
          await readTurn()
          const rows = await ctx.store.listEventTexts(params.id, {
            after,
            until,
            limit: JOURNAL_PAGE,
            excludeTypes,
          })
          if (rows.length > 0) {
            yield rows.map((row) => `${row.json}\n`).join('')
          }
          if (rows.length < JOURNAL_PAGE) {
            return
          }
          after = rows[rows.length - 1]!.seq
        }
      }
      return reply
        .code(200)
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', attachment(run, 'jsonl'))
        .send(Readable.from(lines()))
    },
  }),
]
