/**
 * The Captures section: each pcap file with the fault windows both as wall-clock times and as
 * seconds from the capture's origin (its first packet), so a user opens the file in Wireshark
 * (View → Time Display Format → Seconds Since Beginning of Capture) at the right moment.
 */
import type { ReportData } from '../../../src/report/html/data'
import { captureSummary, formatCaptureSeconds } from '../../../src/shared/capture-text'
import { el } from './timeline'

export function capturesTable(host: HTMLElement, report: ReportData): void {
  for (const c of report.captures ?? []) {
    const block = el('section', 'capture')
    block.dataset['capture'] = c.host
    block.append(
      el('h3', '', c.host),
      el('p', 'mono small', c.file),
      el('p', c.truncated ? 'v-Failed small' : 'muted small', captureSummary(c)),
      el(
        'p',
        'muted small',
        `seconds count from ${c.firstPacketAt ?? c.startedAt} (${c.firstPacketAt ? 'the first packet in the file' : 'capture start: no packet was kept'})`
      )
    )
    if (c.error) {
      block.append(el('p', 'error small', c.error))
    }
    if (c.windows.length > 0) {
      const table = el('table', 'table')
      const head = el('tr', '')
      for (const h of ['fault', 'injected', 'reverted', 'from (s in file)', 'to (s in file)']) {
        head.append(el('th', '', h))
      }
      table.append(head)
      for (const w of c.windows) {
        const tr = el('tr', '')
        tr.append(
          el('td', '', w.fault),
          el('td', 'mono small', w.injectedAt),
          el('td', 'mono small', w.revertedAt ?? 'not reverted'),
          el('td', 'num', formatCaptureSeconds(w.fromS)),
          el('td', 'num', w.toS === undefined ? '—' : formatCaptureSeconds(w.toS))
        )
        table.append(tr)
      }
      block.append(table)
    }
    host.append(block)
  }
}
