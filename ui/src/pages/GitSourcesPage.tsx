/**
 * Git sources (`GET /api/git-sources`), polled every 10 s: each repository and folder the
 * server syncs manifests from, its last sync and invalid manifests. Owners connect one (the push
 * webhook's URL and secret shown once) and disconnect it; editors sync now.
 */
import { useState } from 'react'
import type { CreatedGitSource, GitSourceInfo } from '../../../src/shared/continuous'
import { useAuth } from '../auth'
import { absoluteUrl, paths } from '../api/continuous'
import { GitSourceCard } from '../components/continuous/GitSourceCard'
import { NewGitSourceForm } from '../components/continuous/NewGitSourceForm'
import { SecretOnce } from '../components/continuous/SecretOnce'
import { ErrorBox } from '../components/Layout'
import { canEdit } from '../continuous-format'
import { useInterval, useResource } from '../hooks'

export function GitSourcesPage() {
  const { user } = useAuth()
  const owner = user?.role === 'owner'
  const sources = useResource<GitSourceInfo[]>(paths.gitSources)
  useInterval(sources.reload, 10_000)
  const [created, setCreated] = useState<CreatedGitSource>()

  return (
    <section>
      <div className="page-head">
        <h1>Git sources</h1>
        <span className="muted small">
          Experiments synced from git are read-only here: change them in git.
        </span>
      </div>
      <ErrorBox error={sources.error} />
      {created && (
        <SecretOnce
          title={`Git source ${created.name} connected. For a sync on every push, add a webhook to the repository with this URL and secret (HMAC-SHA256, X-Hub-Signature-256).`}
          values={[
            {
              label: 'Webhook URL',
              value: absoluteUrl(created.webhookUrl),
              testId: 'git-webhook-url',
            },
            { label: 'Secret', value: created.webhookSecret, testId: 'git-webhook-secret' },
          ]}
        />
      )}
      {sources.data?.map((s) => (
        <GitSourceCard
          key={s.id}
          source={s}
          canSync={canEdit(user?.role)}
          canDelete={owner}
          onChanged={sources.reload}
        />
      ))}
      {sources.data?.length === 0 && (
        <div className="card empty muted" data-testid="git-empty">
          No git sources. {owner ? 'Connect a repository below.' : 'An owner can connect one.'}
        </div>
      )}
      {owner && (
        <NewGitSourceForm
          onCreated={(s) => {
            setCreated(s)
            sources.reload()
          }}
        />
      )}
    </section>
  )
}
