/**
 * The run's files, as the CLI writes them: the result JSON (`--json`), the JUnit XML
 * (`--junit`), the self-contained HTML report (`--report`) and the journal (JSON lines, with or without the load's op events). The result and the JUnit exist once the run has
 * ended; the journal can be saved at any time (it holds what was written so far).
 */
import { useState } from 'react'
import { errorMessage } from '../api/client'
import { downloadFile } from '../api/download'

// The journal comes without the load's op events unless asked: they are most of a load run's
// journal, and the browser holds the whole file in memory before saving it.
const FILES = [
  { id: 'json', ext: 'json', path: 'result.json', label: 'JSON', whileRunning: false },
  { id: 'xml', ext: 'xml', path: 'junit.xml', label: 'JUnit', whileRunning: false },
  { id: 'html', ext: 'html', path: 'report.html', label: 'HTML report', whileRunning: false },
  { id: 'jsonl', ext: 'jsonl', path: 'journal.jsonl', label: 'Journal', whileRunning: true },
  {
    id: 'jsonl-ops',
    ext: 'jsonl',
    path: 'journal.jsonl?ops=true',
    label: 'Journal with ops',
    whileRunning: true,
  },
] as const

export function RunDownloads(props: { runId: string; experimentName: string; running: boolean }) {
  const { runId, experimentName, running } = props
  const [busy, setBusy] = useState<string>()
  const [error, setError] = useState<string>()

  async function save(file: (typeof FILES)[number]) {
    setBusy(file.path)
    setError(undefined)
    try {
      await downloadFile(
        `/api/runs/${encodeURIComponent(runId)}/${file.path}`,
        `${experimentName}-${runId}.${file.ext}`
      )
    } catch (e) {
      setError(`${file.label}: ${errorMessage(e)}`)
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <div className="downloads" data-testid="run-downloads">
      <span className="muted small">Download</span>
      {FILES.map((f) => (
        <button
          key={f.id}
          type="button"
          className="small-button"
          data-testid={`download-${f.id}`}
          disabled={busy !== undefined || (running && !f.whileRunning)}
          title={running && !f.whileRunning ? 'available once the run has ended' : undefined}
          onClick={() => void save(f)}
        >
          {f.label}
        </button>
      ))}
      {error && (
        <span className="error-inline small" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}
