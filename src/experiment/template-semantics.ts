/**
 * Every `{{...}}` in a manifest is resolved at validation time, against the names the manifest
 * declares (services and their ports and replicas, proxies, hosts and their networks), so a
 * typo is exit 2 with file:line and a did-you-mean, never a probe failure at run time (a wrong
 * verdict) or a crash. The values themselves (ports, addresses) are only known at run time:
 * this checks names, `shared/template.ts` renders values.
 * @module
 */
import type { ExperimentInput } from './schema.js'
import type { SemanticIssue } from './semantics.js'
import { didYouMean } from './did-you-mean.js'
import { templateVariables } from '../shared/template.js'

/** What a template may name: a value (`true`), or a mapping of further names. */
export type TemplateShape = true | { readonly [name: string]: TemplateShape }

/** The placeholder syntax of shared/template.ts. */
const kPlaceholder = /\{\{\s*[\w.[\]-]+\s*\}\}/g

/** Variables a load step fills in per request (load/template.ts). */
const kPerRequest = ['seq', 'uuid', 'now'] as const

type Path = (string | number)[]

/** The names each part of the manifest can reference, mirroring what the runner provides. */
export interface TemplateScopes {
  /** Probes, checks, faults, attach: `{ services, proxies, hosts }` (engine/runner.ts). */
  global: Record<string, TemplateShape>
  /** A load step's url, headers, body and id: global plus `seq`, `uuid`, `now`. */
  load: Record<string, TemplateShape>
  /** A proxy's upstream: proxies start before services know each other (run-proxies.ts). */
  upstream: Record<string, TemplateShape>
  /** A service's own fields: global plus its replica's `name`, `replica`, `ports`, `dataDir`, `host`. */
  service: (index: number) => Record<string, TemplateShape>
}

export function templateScopes(input: ExperimentInput): TemplateScopes {
  const system = input.spec.system
  const services = system?.services ?? []
  type Scope = Record<string, TemplateShape>
  const servicesShape: Scope = Object.fromEntries(
    services.map((s) => {
      const ports = portsShape(s.ports)
      // host: where other hosts reach the replica (service-vars.ts), 127.0.0.1 when local.
      const replica = { index: true, host: true, ports, dataDir: true, pid: true } as const
      const count = s.replicas ?? s.hosts?.length ?? 1
      const replicas = Object.fromEntries(Array.from({ length: count }, (_, i) => [i, replica]))
      return [s.name, { host: true, ports, dataDir: true, replicas } satisfies TemplateShape]
    })
  )
  const proxiesShape: Scope = Object.fromEntries(
    (system?.proxies ?? []).map((p) => [p.name, { host: true, port: true, address: true }])
  )
  const hostsShape: Scope = Object.fromEntries(
    (system?.hosts ?? []).map((h) => [h.name, hostShape(h.networks)])
  )
  const withHosts: Scope = system?.hosts === undefined ? {} : { hosts: hostsShape }
  const global: Scope = { services: servicesShape, proxies: proxiesShape, ...withHosts }
  const perRequest = Object.fromEntries(kPerRequest.map((n) => [n, true as const]))
  return {
    global,
    load: { ...global, ...perRequest },
    upstream: { services: servicesShape, ...withHosts },
    service: (index) => {
      const s = services[index]
      const host = s?.host ?? s?.hosts?.[0]
      const hostNetworks = system?.hosts?.find((h) => h.name === host)?.networks
      return {
        ...global,
        name: true,
        replica: true,
        ports: portsShape(s?.ports),
        dataDir: true,
        ...(hostNetworks === undefined ? {} : { host: hostShape(hostNetworks) }),
      }
    },
  }
}

function portsShape(ports: Record<string, unknown> | undefined): Record<string, TemplateShape> {
  return Object.fromEntries(Object.keys(ports ?? {}).map((p) => [p, true as const]))
}

function hostShape(networks: readonly string[]): TemplateShape {
  return {
    name: true,
    namespace: true,
    address: true,
    networks: Object.fromEntries(networks.map((n) => [n, true as const])),
  }
}

/**
 * Why `variable` does not name a value in `scope`, or undefined when it does. Messages name
 * the manifest section to fix: `no proxy named 'frnt' in spec.system.proxies (did you mean 'front'?)`;
 * the caller prefixes the variable.
 */
export function referenceProblem(
  variable: string,
  scope: Record<string, TemplateShape>
): string | undefined {
  const parts = variable.replace(/\[(\d+)\]/g, '.$1').split('.')
  let current: TemplateShape = scope
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (current === true) {
      return `'${parts.slice(0, i).join('.')}' is a value and has no '${part}'`
    }
    const next: TemplateShape | undefined = Object.hasOwn(current, part) ? current[part] : undefined
    if (next === undefined) {
      return missing(parts.slice(0, i), part, Object.keys(current))
    }
    current = next
  }
  if (current !== true) {
    const keys = Object.keys(current)
    return `not a value${keys.length ? `: name one of ${listed(keys)}` : ''}`
  }
  return undefined
}

function missing(parents: string[], part: string, known: string[]): string {
  const hint = didYouMean(part, known)
  const [root, owner, section] = parents
  if (parents.length === 0) {
    return `unknown template variable '${part}'${hint || (known.length ? ` (known: ${listed(known)})` : '')}`
  }
  if (parents.length === 1 && root === 'services') {
    return `no service named '${part}' in spec.system.services${hint}`
  }
  if (parents.length === 1 && root === 'proxies') {
    return `no proxy named '${part}' in spec.system.proxies${hint}`
  }
  if (parents.length === 1 && root === 'hosts') {
    return `no host named '${part}' in spec.system.hosts${hint}`
  }
  if (parents.at(-1) === 'ports' && (parents.length === 1 || root === 'services')) {
    const who = parents.length === 1 ? 'this service' : `service '${owner}'`
    return `${who} has no port named '${part}'${hint || portsHint(known)}`
  }
  if (root === 'services' && section === 'replicas' && parents.length === 3) {
    return `service '${owner}' has ${known.length} replica(s): use an index from 0 to ${known.length - 1}`
  }
  if (parents.at(-1) === 'networks' && (root === 'hosts' || root === 'host')) {
    return `host '${root === 'host' ? 'of this service' : owner}' is not on a network named '${part}'${hint}`
  }
  return `'${parents.join('.')}' has no '${part}'${hint || (known.length ? ` (it has ${listed(known)})` : '')}`
}

function portsHint(known: string[]): string {
  return known.length ? ` (its ports: ${listed(known)})` : ' (it declares no ports)'
}

function listed(names: string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ')
}

/**
 * Walks `spec` and checks every string holding `{{...}}` (map keys too: header names are
 * templated) against the scope of where it sits.
 */
export function templateIssues(input: ExperimentInput): SemanticIssue[] {
  const scopes = templateScopes(input)
  const issues: SemanticIssue[] = []
  const check = (text: string, path: Path, scope: Record<string, TemplateShape>) => {
    if (!text.includes('{{')) {
      return
    }
    // `{{proxies.front.port}` or `{{ proxies front }}` would otherwise stay in the text as is.
    const leftover = /\{\{[^]*/.exec(text.replace(kPlaceholder, ''))?.[0]
    if (leftover !== undefined) {
      issues.push({
        path,
        message: `malformed template '${leftover.slice(0, 40)}': write {{name.path}}, e.g. {{proxies.front.port}}`,
      })
    }
    for (const variable of new Set(templateVariables(text))) {
      const problem = referenceProblem(variable, scope)
      if (problem !== undefined) {
        issues.push({ path, message: `{{${variable}}}: ${problem}` })
      }
    }
  }
  const walk = (value: unknown, path: Path, scope: Record<string, TemplateShape>) => {
    if (typeof value === 'string') {
      check(value, path, scope)
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i], scopeOf([...path, i], scope)))
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        check(key, [...path, key], scope)
        walk(v, [...path, key], scopeOf([...path, key], scope))
      }
    }
  }
  const scopeOf = (path: Path, scope: Record<string, TemplateShape>) => {
    const [a, b, c, d] = path
    if (path.length === 4 && a === 'spec' && b === 'system' && typeof d === 'number') {
      return c === 'services' ? scopes.service(d) : c === 'proxies' ? scopes.upstream : scope
    }
    return path.at(-1) === 'load' ? scopes.load : scope
  }
  walk(input.spec, ['spec'], scopes.global)
  // A proxy upstream naming a proxy has its own message (proxy-semantics.ts).
  return issues.filter(
    (i) => !(i.path[2] === 'proxies' && i.message.includes("unknown template variable 'proxies'"))
  )
}
