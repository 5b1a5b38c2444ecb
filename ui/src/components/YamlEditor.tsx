/**
 * The experiment manifest editor: CodeMirror 6 with YAML highlighting, validated by the server
 * (`POST /api/experiments/validate`, the same checks as `ordeal validate`) 300 ms after the
 * last keystroke. Issues show inline at their line and as a `file:line: path: message` list.
 */
import { useEffect, useRef, useState } from 'react'
import { basicSetup } from 'codemirror'
import { indentWithTab } from '@codemirror/commands'
import { EditorView, keymap } from '@codemirror/view'
import { EditorState } from '@codemirror/state'
import { yaml } from '@codemirror/lang-yaml'
import { linter, lintGutter } from '@codemirror/lint'
import type { Diagnostic } from '@codemirror/lint'
import type { Text } from '@codemirror/state'
import type { ValidationIssue, ValidationResult } from '../../../src/shared/api'
import { api, errorMessage } from '../api/client'

/** `checking` from an edit until its validation answers; `unknown` when validation failed. */
export type Validity = 'checking' | 'valid' | 'invalid' | 'unknown'

interface Props {
  value: string
  onChange: (yaml: string) => void
  onValidity?: (validity: Validity) => void
  fileName?: string
  readOnly?: boolean
}

export function YamlEditor({
  value,
  onChange,
  onValidity,
  fileName = 'experiment.yaml',
  readOnly = false,
}: Props) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const [issues, setIssues] = useState<ValidationIssue[]>([])
  const [failure, setFailure] = useState<string>()
  // CodeMirror's extensions are built once; they reach the latest props through this ref.
  const props = useRef({ onChange, onValidity })
  props.current = { onChange, onValidity }

  useEffect(() => {
    const validate = linter(
      async (v): Promise<Diagnostic[]> => {
        const text = v.state.doc.toString()
        try {
          const result = await api.post<ValidationResult>('/api/experiments/validate', {
            yaml: text,
          })
          // The linter drops answers for an older document; so must the list below.
          if (v.state.doc.toString() !== text) {
            return []
          }
          setIssues(result.valid ? [] : result.issues)
          setFailure(undefined)
          props.current.onValidity?.(result.valid ? 'valid' : 'invalid')
          return result.issues.map((i) => diagnostic(v.state.doc, i))
        } catch (e) {
          setFailure(`could not validate: ${errorMessage(e)}`)
          props.current.onValidity?.('unknown')
          return []
        }
      },
      { delay: 300 }
    )
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          // CodeMirror's standard setup (history, search, folding, brackets), plus Tab to indent:
          // YAML is written with indentation, and Esc then Tab still leaves the editor.
          basicSetup,
          keymap.of([indentWithTab]),
          EditorView.lineWrapping,
          yaml(),
          lintGutter(),
          validate,
          EditorState.readOnly.of(readOnly),
          // Read-only also means not focusable for typing (contenteditable=false): a git-managed
          // manifest is read here, never edited, and the page says why.
          EditorView.editable.of(!readOnly),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) {
              props.current.onValidity?.('checking')
              props.current.onChange(u.state.doc.toString())
            }
          }),
        ],
      }),
    })
    view.current = editor
    props.current.onValidity?.('checking')
    return () => {
      editor.destroy()
      view.current = null
    }
    // The editor is created once; later `value`s are pushed in by the effect below.
  }, [readOnly])

  useEffect(() => {
    const v = view.current
    if (v && v.state.doc.toString() !== value) {
      // A template was chosen or a version loaded: replace the document (the linter re-runs).
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } })
    }
  }, [value])

  return (
    <div className="yaml-editor">
      <div ref={host} className="cm-host" data-testid="yaml-editor" />
      {failure && <div className="muted small">{failure}</div>}
      <ul className="validation-errors" data-testid="validation-errors">
        {issues.map((i, n) => (
          <li key={n}>
            <button
              type="button"
              className="link mono"
              onClick={() => i.line && jumpTo(view.current, i.line)}
            >
              {fileName}
              {i.line ? `:${i.line}` : ''}
            </button>
            : <span className="mono">{i.path}</span>: {i.message}
          </li>
        ))}
      </ul>
    </div>
  )
}

function diagnostic(doc: Text, issue: ValidationIssue): Diagnostic {
  // Issues without a line (a missing top-level field) are pinned to the first line.
  const line = doc.line(Math.min(Math.max(issue.line ?? 1, 1), doc.lines))
  const from = Math.min(line.from + Math.max((issue.column ?? 1) - 1, 0), line.to)
  return {
    from,
    to: Math.max(from, line.to),
    severity: 'error',
    source: issue.path,
    message: `${issue.path}: ${issue.message}`,
  }
}

function jumpTo(view: EditorView | null, lineNo: number): void {
  if (!view) {
    return
  }
  const line = view.state.doc.line(Math.min(lineNo, view.state.doc.lines))
  view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true })
  view.focus()
}
