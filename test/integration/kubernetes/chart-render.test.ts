/**
 * The Helm chart renders (helm lint, helm template) with its defaults and with every option a
 * user may turn, and what it renders holds the promises of its values: non-root, read-only
 * root file system, no privilege; the agent started exactly as `ordeal agent` is documented;
 * RBAC only in the listed namespaces, nodes only as far as nodeFaults says. The cluster side
 * (applied objects, the real authorizer) is chart.test.ts.
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CHART,
  NAMESPACED_RULES,
  NODE_FAULT_RULES,
  NODE_READ_RULES,
  clusterBin,
  find,
  helm,
  parseObjects,
  ruleKeys,
  template,
  type K8sObject,
} from '../../support/chart.js'

interface Container {
  name: string
  command: string[]
  args: string[]
  env?: {
    name: string
    value?: string
    valueFrom?: { secretKeyRef?: { name: string; key: string } }
  }[]
  securityContext: Record<string, unknown>
}
interface PodSpec {
  serviceAccountName: string
  automountServiceAccountToken: boolean
  securityContext: Record<string, unknown>
  containers: Container[]
  volumes: Record<string, unknown>[]
}
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] }

const podSpec = (o: K8sObject) => (o['spec'] as { template: { spec: PodSpec } }).template.spec
const rules = (o: K8sObject | undefined) => ruleKeys((o?.['rules'] as Rule[] | undefined) ?? [])
const TOKEN = 'agent.token.value=ordl_tok_test'

let bin = ''
before(() => {
  bin = clusterBin()
})

describe('the ordeal chart renders', () => {
  test('helm lint passes with the defaults and with every option turned', async () => {
    await helm(bin, ['lint', CHART, '--set', TOKEN])
    await helm(bin, [
      'lint',
      CHART,
      '--set',
      'agent.token.existingSecret=agent-token',
      '--set',
      'server.database.existingSecret=pg',
      '--set',
      'kubernetes.namespaces={shop,payments}',
      '--set',
      'nodeFaults.enabled=true',
    ])
  })

  test('defaults: server on a PVC, agent with its token, no Role, nodes read-only', async () => {
    const objects = parseObjects(await template(bin, 'r', 'ordeal', [TOKEN]))
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      'ClusterRole/r-ordeal-agent-nodes',
      'ClusterRoleBinding/r-ordeal-agent-nodes',
      'Deployment/r-ordeal-agent',
      'Deployment/r-ordeal-server',
      'PersistentVolumeClaim/r-ordeal-server-data',
      'Secret/r-ordeal-agent-token',
      'Service/r-ordeal-server',
      'ServiceAccount/r-ordeal-agent',
      'ServiceAccount/r-ordeal-server',
    ])
    assert.deepEqual(rules(find(objects, 'ClusterRole')[0]), NODE_READ_RULES)

    for (const deployment of find(objects, 'Deployment')) {
      const spec = podSpec(deployment)
      assert.equal(spec.securityContext['runAsNonRoot'], true, deployment.metadata.name)
      assert.ok(Number(spec.securityContext['runAsUser']) > 0)
      for (const c of spec.containers) {
        assert.equal(c.securityContext['privileged'], false)
        assert.equal(c.securityContext['allowPrivilegeEscalation'], false)
        assert.equal(c.securityContext['readOnlyRootFilesystem'], true)
        assert.deepEqual(c.securityContext['capabilities'], { drop: ['ALL'] })
      }
    }

    const server = podSpec(find(objects, 'Deployment', 'r-ordeal-server')[0]!)
    assert.equal(server.automountServiceAccountToken, false, 'the server needs no API access')
    assert.deepEqual(server.containers[0]!.command, ['ordeal'])
    assert.deepEqual(server.containers[0]!.args, [
      'server',
      '--host',
      '0.0.0.0',
      '--port',
      '7700',
      '--data',
      '/var/lib/ordeal/server',
      '--run-as',
      'ordeal',
    ])
    assert.deepEqual(server.containers[0]!.env, [
      { name: 'ORDEAL_STATE_DIR', value: '/var/lib/ordeal/state' },
      { name: 'HOME', value: '/tmp' },
    ])

    const agent = podSpec(find(objects, 'Deployment', 'r-ordeal-agent')[0]!)
    assert.equal(agent.serviceAccountName, 'r-ordeal-agent')
    assert.deepEqual(agent.containers[0]!.command, ['ordeal'])
    assert.deepEqual(agent.containers[0]!.args, [
      'agent',
      '--server',
      'http://r-ordeal-server:7700',
      '--token-file',
      '/etc/ordeal/token/token',
      '--name',
      'k8s',
      '--state-dir',
      '/var/lib/ordeal/agent',
      '--run-as',
      'ordeal',
      '--label',
      'platform=kubernetes',
    ])
    const secret = find(objects, 'Secret')[0]!
    assert.deepEqual(secret['stringData'], { token: 'ordl_tok_test' })
  })

  test('options: PostgreSQL from a Secret, a Role per namespace, node faults, extra probe rules', async () => {
    const objects = parseObjects(
      await template(bin, 'chaos', 'ops', [
        'agent.token.existingSecret=agent-token',
        'agent.token.existingSecretKey=secret',
        'agent.serverUrl=https://cc.example:7700',
        'agent.ca.existingConfigMap=private-ca',
        'server.database.existingSecret=pg',
        'kubernetes.namespaces={shop,payments}',
        'nodeFaults.enabled=true',
        'probe.extraRules[0].apiGroups[0]=batch',
        'probe.extraRules[0].resources[0]=jobs',
        'probe.extraRules[0].verbs[0]=get',
      ])
    )
    // "chaos" does not contain the chart's name: objects are chaos-ordeal-*.
    assert.equal(find(objects, 'PersistentVolumeClaim').length, 0, 'PostgreSQL: no PVC')
    assert.equal(find(objects, 'Secret').length, 0, "the agent's token is the user's Secret")
    const server = podSpec(find(objects, 'Deployment', 'chaos-ordeal-server')[0]!)
    assert.deepEqual(server.containers[0]!.env?.at(-1), {
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'pg', key: 'DATABASE_URL' } },
    })
    const agent = podSpec(find(objects, 'Deployment', 'chaos-ordeal-agent')[0]!)
    assert.equal(agent.containers[0]!.args[2], 'https://cc.example:7700')
    const args = agent.containers[0]!.args
    assert.equal(args[args.indexOf('--ca-file') + 1], '/etc/ordeal/ca/ca.crt')
    // The workload watch (agent.watchWorkloads, default true) covers the Roles' namespaces.
    assert.deepEqual(args.slice(args.indexOf('--watch-workloads')), [
      '--watch-workloads',
      '--watch-namespace',
      'shop',
      '--watch-namespace',
      'payments',
    ])
    assert.deepEqual(agent.volumes[1], {
      name: 'ca',
      configMap: { name: 'private-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    })
    assert.deepEqual(agent.volumes[0], {
      name: 'token',
      secret: {
        secretName: 'agent-token',
        defaultMode: 0o400,
        items: [{ key: 'secret', path: 'token' }],
      },
    })

    const roles = find(objects, 'Role')
    assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), ['payments', 'shop'])
    for (const role of roles) {
      assert.deepEqual(rules(role), [...NAMESPACED_RULES, 'batch/jobs:get'].sort())
    }
    const bindings = find(objects, 'RoleBinding')
    assert.equal(bindings.length, 2)
    for (const binding of bindings) {
      assert.deepEqual(binding['subjects'], [
        { kind: 'ServiceAccount', name: 'chaos-ordeal-agent', namespace: 'ops' },
      ])
    }
    assert.deepEqual(rules(find(objects, 'ClusterRole')[0]), NODE_FAULT_RULES)
  })

  test('the workload watch: only namespaces with a Role, never its own or the deny list', async () => {
    const argsOf = async (sets: string[]) =>
      podSpec(
        find(
          parseObjects(await template(bin, 'r', 'ordeal', [TOKEN, ...sets])),
          'Deployment',
          'r-ordeal-agent'
        )[0]!
      ).containers[0]!.args.filter((a) => a.includes('watch') || !a.startsWith('-'))
    const watched = async (sets: string[]) => {
      const args = await argsOf(sets)
      const at = args.indexOf('--watch-workloads')
      return at < 0 ? undefined : args.slice(at + 1).filter((a) => a !== '--watch-namespace')
    }
    assert.equal(await watched([]), undefined, 'no Role: nothing it could watch')
    assert.deepEqual(await watched(['kubernetes.namespaces={shop,ordeal,kube-system,payments}']), [
      'shop',
      'payments',
    ])
    assert.equal(await watched(['kubernetes.namespaces={ordeal,kube-public}']), undefined)
    assert.equal(
      await watched(['kubernetes.namespaces={shop}', 'agent.watchWorkloads=false']),
      undefined
    )
    await assert.rejects(
      template(bin, 'r', 'ordeal', [TOKEN, 'agent.watchWorkloads=maybe']),
      /watchWorkloads/
    )
  })

  test('refused values say which one, in one line', async () => {
    await assert.rejects(
      template(bin, 'r', 'ordeal', []),
      /agent\.token\.existingSecret or agent\.token\.value is required/
    )
    await assert.rejects(template(bin, 'r', 'ordeal', [TOKEN, 'runAs=root']), /\/runAs/)
    await assert.rejects(
      template(bin, 'r', 'ordeal', [TOKEN, 'kubernetes.namespaces={Bad_NS}']),
      /\/kubernetes\/namespaces\/0/
    )
    await assert.rejects(
      template(bin, 'r', 'ordeal', [
        TOKEN,
        'probe.extraRules[0].apiGroups[0]=',
        'probe.extraRules[0].resources[0]=secrets',
        'probe.extraRules[0].verbs[0]=get',
      ]),
      /\/probe\/extraRules\/0\/resources\/0/
    )
    await assert.rejects(
      template(bin, 'r', 'ordeal', [
        TOKEN,
        'probe.extraRules[0].apiGroups[0]=',
        'probe.extraRules[0].resources[0]=pods',
        'probe.extraRules[0].verbs[0]=delete',
      ]),
      /\/probe\/extraRules\/0\/verbs\/0/
    )
  })

  test('agent and server can be turned off', async () => {
    const objects = parseObjects(
      await template(bin, 'r', 'ordeal', ['agent.enabled=false', 'kubernetes.namespaces={shop}'])
    )
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      'Deployment',
      'PersistentVolumeClaim',
      'Service',
      'ServiceAccount',
    ])
    const agentOnly = parseObjects(
      await template(bin, 'r', 'ordeal', [TOKEN, 'server.enabled=false'])
    )
    assert.equal(find(agentOnly, 'Deployment').length, 1)
  })
})
