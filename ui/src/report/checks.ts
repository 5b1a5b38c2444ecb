/** The checks as a table: verdict, counts, the first ids (the rest counted). */
import type { ReportData } from '../../../src/report/html/data'
import { el } from './timeline'

const SHOWN_IDS = 20

export function checksTable(host: HTMLElement, report: ReportData): void {
  if (report.checks.length === 0) {
    return
  }
  const section = el('section', 'checks')
  section.append(el('h3', '', 'Checks'))
  const table = el('table', 'table')
  const head = el('tr', '')
  for (const h of ['check', 'verdict', 'attempted', 'lost', 'duplicated', 'ids']) {
    head.append(el('th', '', h))
  }
  table.append(head)
  for (const c of report.checks) {
    const tr = el('tr', '')
    tr.dataset['check'] = c.name
    const ids = [
      ...c.lost.map((f) => `lost ${f.id}`),
      ...c.duplicated.map((f) => `dup ${f.id}${f.count ? ` ×${f.count}` : ''}`),
      ...c.duplicatedIds.map((id) => `dup ${id}`),
      ...c.unexpected.map((id) => `unexpected ${id}`),
    ]
    const total = c.lostTotal + c.duplicatedTotal + c.unexpectedTotal
    const rest = total - Math.min(ids.length, SHOWN_IDS)
    tr.append(
      el('td', '', `${c.name} (${c.type})`),
      el('td', `v-${c.verdict}`, c.verdict),
      el('td', 'num', c.attempted === undefined ? '—' : String(c.attempted)),
      el('td', 'num', String(c.lostTotal)),
      el('td', 'num', String(c.duplicatedTotal)),
      el(
        'td',
        'mono small',
        // The reason first: a check that could not run, then a backlog/recovery check's line.
        c.error ??
          c.message ??
          `${ids.slice(0, SHOWN_IDS).join(', ')}${rest > 0 ? ` … and ${rest} more` : ''}`
      )
    )
    table.append(tr)
  }
  section.append(table)
  host.append(section)
}
