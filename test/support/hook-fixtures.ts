/**
 * Deliveries as the real senders make them, for the hooks tests: the payload shapes are
 * copied from each sender's documentation (named above each one), with the times and names
 * a test needs filled in, and the signing done the way each sender signs.
 */
import { createHmac } from 'node:crypto'

export interface Delivery {
  headers: Record<string, string>
  body: string
}

const hmac = (secret: string, data: string) =>
  createHmac('sha256', secret).update(data).digest('hex')

/** ordeal's own signature: HMAC-SHA256 over `<timestamp>.<body>` (src/server/triggers/receivers/generic.ts). */
export function genericDelivery(
  secret: string,
  payload: Record<string, unknown>,
  options: { at: number; id: string }
): Delivery {
  const body = JSON.stringify(payload)
  const timestamp = String(Math.floor(options.at / 1000))
  return {
    headers: {
      'content-type': 'application/json',
      'x-ordeal-timestamp': timestamp,
      'x-ordeal-delivery': options.id,
      'x-ordeal-signature-256': `sha256=${hmac(secret, `${timestamp}.${body}`)}`,
    },
    body,
  }
}

/**
 * GitHub's `deployment_status` webhook (docs.github.com/en/webhooks/webhook-events-and-payloads
 * #deployment_status, the example payload of the "created" action; users and URLs trimmed),
 * signed as docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries says.
 */
export function githubDeploymentStatus(
  secret: string,
  options: { at: string; id: string; state?: string; environment?: string; sha?: string }
): Delivery {
  const environment = options.environment ?? 'production'
  const sha = options.sha ?? '4544205a385319fd846d5df4ed2e3b8173529d78'
  const body = JSON.stringify({
    action: 'created',
    deployment_status: {
      url: 'https://api.github.com/repos/Codertocat/Hello-World/deployments/326191728/statuses/344110938',
      id: 344110938,
      node_id: 'MDE2OkRlcGxveW1lbnRTdGF0dXMzNDQxMTA5Mzg=',
      state: options.state ?? 'success',
      creator: { login: 'Codertocat', id: 21031067, type: 'User', site_admin: false },
      description: '',
      environment,
      target_url: '',
      created_at: options.at,
      updated_at: options.at,
      deployment_url: 'https://api.github.com/repos/Codertocat/Hello-World/deployments/326191728',
      repository_url: 'https://api.github.com/repos/Codertocat/Hello-World',
    },
    deployment: {
      url: 'https://api.github.com/repos/Codertocat/Hello-World/deployments/326191728',
      id: 326191728,
      node_id: 'MDEwOkRlcGxveW1lbnQzMjYxOTE3Mjg=',
      sha,
      ref: 'master',
      task: 'deploy',
      payload: {},
      original_environment: environment,
      environment,
      description: null,
      creator: { login: 'Codertocat', id: 21031067, type: 'User', site_admin: false },
      created_at: options.at,
      updated_at: options.at,
      statuses_url:
        'https://api.github.com/repos/Codertocat/Hello-World/deployments/326191728/statuses',
      repository_url: 'https://api.github.com/repos/Codertocat/Hello-World',
    },
    repository: {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name: 'Hello-World',
      full_name: 'Codertocat/Hello-World',
      private: false,
      owner: { login: 'Codertocat', id: 21031067, type: 'User', site_admin: false },
      default_branch: 'master',
    },
    sender: { login: 'Codertocat', id: 21031067, type: 'User', site_admin: false },
  })
  return githubSigned(secret, 'deployment_status', body, options.id)
}

/** GitHub's `ping`, sent when a webhook is created (same docs, "ping"; trimmed). */
export function githubPing(secret: string, id: string): Delivery {
  const body = JSON.stringify({
    zen: 'Design for failure.',
    hook_id: 30,
    hook: { type: 'Repository', id: 30, name: 'web', active: true, events: ['deployment_status'] },
    repository: { id: 186853002, full_name: 'Codertocat/Hello-World' },
  })
  return githubSigned(secret, 'ping', body, id)
}

export function githubSigned(secret: string, event: string, body: string, id: string): Delivery {
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/044aadd',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-github-hook-id': '292430182',
      'x-hub-signature-256': `sha256=${hmac(secret, body)}`,
    },
    body,
  }
}

/**
 * A Flux Event as the notification-controller's `generic-hmac` provider posts it
 * (fluxcd/notification-controller docs/spec/v1beta3/events.md and providers.md, "Generic
 * webhook with HMAC": the JSON Event, `X-Signature: sha256=<hex HMAC of the body>`, the
 * `Gotk-Component` header), here a successful reconciliation of kustomize-controller.
 */
export function fluxEvent(
  secret: string,
  options: { at: string; revision?: string; reason?: string; name?: string }
): Delivery {
  const body = JSON.stringify({
    involvedObject: {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: options.name ?? 'webapp',
      namespace: 'apps',
      uid: '7d0cdc51-ddcf-4743-b223-83ca5c699632',
    },
    metadata: {
      'kustomize.toolkit.fluxcd.io/revision':
        options.revision ?? 'main@sha1:731f7eaddfb6af01cb2173e18f0f75b0ba780ef1',
    },
    severity: 'info',
    reason: options.reason ?? 'ReconciliationSucceeded',
    message: 'Reconciliation finished in 1.2s, next run in 10m0s',
    reportingController: 'kustomize-controller',
    reportingInstance: 'kustomize-controller-7c7b47f5f-8bhrp',
    timestamp: options.at,
  })
  return {
    headers: {
      'content-type': 'application/json',
      'gotk-component': 'kustomize-controller',
      'user-agent': 'Go-http-client/1.1',
      'x-signature': `sha256=${hmac(secret, body)}`,
    },
    body,
  }
}

/**
 * What argocd-notifications' `webhook` service sends with the template ordeal documents
 * (argoproj/argo-cd docs/operator-manual/notifications/services/webhook.md: static headers from
 * the service config, the body from the template; the fields from the catalog's app-deployed
 * template and the Application status): the secret as a bearer token.
 */
export function argocdDeployed(
  secret: string,
  options: { at: string; app?: string; revision?: string; health?: string }
): Delivery {
  const body = JSON.stringify({
    app: options.app ?? 'orders',
    namespace: 'shop',
    revision: options.revision ?? '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
    syncStatus: 'Synced',
    healthStatus: options.health ?? 'Healthy',
    phase: 'Succeeded',
    finishedAt: options.at,
  })
  return {
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${secret}`,
      'user-agent': 'Go-http-client/1.1',
    },
    body,
  }
}
