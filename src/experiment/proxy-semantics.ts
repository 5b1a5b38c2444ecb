/**
 * Whole-manifest checks for `spec.system.proxies` and the faults that name them: unknown
 * names (with did-you-mean), a fault on the wrong kind of proxy, bad regexes, and templates
 * that name a proxy or service the manifest does not have.
 * @module
 */
import type { ExperimentInput, StepInputType } from './schema.js'
import type { SemanticIssue } from './semantics.js'
import { didYouMean } from './did-you-mean.js'
import { templateVariables } from '../shared/template.js'
import { toxicAttributeIssues } from '../faults/proxy-toxic/attributes.js'

const kNeeds: Record<string, 'tcp' | 'http' | undefined> = {
  'proxy-toxic': 'tcp',
  'http-fault': 'http',
  'proxy-down': undefined,
}

export function proxyIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const system = input.spec.system
  const proxies = system?.proxies ?? []
  const names = proxies.map((p) => p.name)
  const seen = new Set<string>()
  proxies.forEach((proxy, i) => {
    const base = ['spec', 'system', 'proxies', i]
    if (seen.has(proxy.name)) {
      issues.push({ path: [...base, 'name'], message: `duplicate proxy name '${proxy.name}'` })
    }
    seen.add(proxy.name)
    if (templateVariables(proxy.upstream).some((v) => v.startsWith('proxies.'))) {
      issues.push({
        path: [...base, 'upstream'],
        message: 'a proxy upstream cannot name a proxy (proxies start before the services)',
      })
    }
  })
  // Other names in templates (services, ports, proxies in a service's args) are checked with
  // every other template in template-semantics.ts.
  const visit = (step: StepInputType, p: (string | number)[]) => {
    const fault = step.fault
    if (fault && fault.type in kNeeds && 'proxy' in fault) {
      const proxy = proxies.find((x) => x.name === fault.proxy)
      const needs = kNeeds[fault.type]
      if (!proxy) {
        issues.push({
          path: [...p, 'fault', 'proxy'],
          message: `no proxy named '${fault.proxy}' in spec.system.proxies${didYouMean(fault.proxy, names)}`,
        })
      } else if (needs !== undefined && (proxy.kind ?? 'tcp') !== needs) {
        issues.push({
          path: [...p, 'fault', 'proxy'],
          message: `${fault.type} needs a proxy of kind ${needs}; '${proxy.name}' is ${proxy.kind ?? 'tcp'}`,
        })
      }
      if (fault.type === 'proxy-toxic') {
        for (const issue of toxicAttributeIssues(fault.toxic)) {
          issues.push({ path: [...p, 'fault', 'toxic', ...issue.path], message: issue.message })
        }
      }
      if (fault.type === 'http-fault' && fault.match?.pathRegex !== undefined) {
        try {
          new RegExp(fault.match.pathRegex)
        } catch (error) {
          issues.push({
            path: [...p, 'fault', 'match', 'pathRegex'],
            message: `is not a valid regular expression: ${(error as Error).message}`,
          })
        }
      }
    }
    step.serial?.forEach((c, i) => visit(c, [...p, 'serial', i]))
    step.parallel?.forEach((c, i) => visit(c, [...p, 'parallel', i]))
  }
  input.spec.steps.forEach((s, i) => visit(s, ['spec', 'steps', i]))
  return issues
}
