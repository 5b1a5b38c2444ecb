import { useState } from 'react'
import { useNavigate } from 'react-router'
import type { Experiment, HubTemplate } from '../../../src/shared/api'
import { api, ApiRequestError, errorMessage } from '../api/client'
import { ErrorBox } from '../components/Layout'
import { YamlEditor } from '../components/YamlEditor'
import type { Validity } from '../components/YamlEditor'
import { useResource } from '../hooks'

const BLANK = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: my-experiment
spec:
  hypothesis: Describe what should stay true while faults happen.
  steps: []
`

export function NewExperimentPage() {
  const hub = useResource<HubTemplate[]>('/api/hub')
  const navigate = useNavigate()
  const [yaml, setYaml] = useState(BLANK)
  const [chosen, setChosen] = useState<string>()
  const [validity, setValidity] = useState<Validity>('checking')
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string>()

  async function save() {
    setSaving(true)
    setError(undefined)
    try {
      const e = await api.post<Experiment>('/api/experiments', { yaml })
      void navigate(`/experiments/${e.id}`)
    } catch (e) {
      setError(
        e instanceof ApiRequestError && e.status === 409
          ? `${errorMessage(e)} (rename it in metadata.name)`
          : errorMessage(e)
      )
      setSaving(false)
    }
  }

  return (
    <section>
      <div className="page-head">
        <h1>New experiment</h1>
      </div>
      <h2>Create from template</h2>
      <ErrorBox error={hub.error} />
      <div className="templates">
        {hub.data?.map((t) => (
          <button
            type="button"
            key={t.id}
            className={`card template ${chosen === t.id ? 'chosen' : ''}`}
            data-testid="template-card"
            data-template-id={t.id}
            onClick={() => {
              setChosen(t.id)
              setYaml(t.yaml)
            }}
          >
            <strong>{t.name}</strong>
            <span className="muted small">{t.description}</span>
            <span className="tags">
              {t.tags.map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
            </span>
          </button>
        ))}
      </div>
      <h2>Manifest</h2>
      <YamlEditor value={yaml} onChange={setYaml} onValidity={setValidity} />
      <ErrorBox error={error} />
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          data-testid="save-experiment"
          disabled={saving || validity === 'invalid' || validity === 'checking'}
          onClick={() => void save()}
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
        <ValidityNote validity={validity} />
      </div>
    </section>
  )
}

export function ValidityNote({ validity }: { validity: Validity }) {
  const text: Record<Validity, string> = {
    checking: 'validating…',
    valid: '✓ valid',
    invalid: 'fix the issues above to save',
    unknown: 'not validated (the server will check on save)',
  }
  return <span className={`validity validity-${validity}`}>{text[validity]}</span>
}
