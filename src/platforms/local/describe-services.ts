/**
 * `--dry-run` view of the services: one copy-pasteable shell line per replica, rendered with the
 * same templates as a real launch, without picking ports or starting anything.
 * @module
 */
import type { ServiceSpec } from '../../experiment/model.js'
import { renderTemplate, type TemplateVars } from '../../shared/template.js'
import { fixedPort } from './ports.js'
import { preloadControlDir, preloadEnv, preloadsOf } from './preload/launch.js'
import {
  dataDirFor,
  replicaTemplateVars,
  servicesTemplateVars,
  type ReplicaLayout,
} from './service-vars.js'

/**
 * `api-0: cd /app && PORT=8080 node server.js --port 8080  # ready: http http://…`.
 * Ports with base 0 show as `auto`; a template that needs a value only known at run time (a pid)
 * stays as written.
 */
export function describeServices(services: ServiceSpec[], runDir: string): string[] {
  const layouts = new Map<string, ReplicaLayout[]>()
  for (const spec of services) {
    layouts.set(
      spec.name,
      Array.from({ length: spec.replicas }, (_, index) => ({
        index,
        ports: Object.fromEntries(
          Object.entries(spec.ports).map(([name, base]) => [name, fixedPort(base, index) ?? 'auto'])
        ),
        dataDir: dataDirFor(runDir, spec.name, index),
      }))
    )
  }
  const all = servicesTemplateVars(layouts)
  // A replica on a spec.system.hosts host has an address only once the run picks its subnet:
  // its `{{services.S.host}}` stays as written, like `{{hosts.X.address}}`.
  for (const spec of services) {
    if (spec.hosts !== undefined && spec.hosts.length > 0) {
      const vars = all[spec.name] as { host?: string; replicas: { host?: string }[] }
      delete vars.host
      vars.replicas.forEach((replica) => delete replica.host)
    }
  }
  return services.flatMap((spec) =>
    (layouts.get(spec.name) ?? []).map((layout) => {
      const vars = replicaTemplateVars(spec.name, layout, all)
      const own = Object.fromEntries(
        Object.entries(spec.env).map(([k, v]) => [k, tryRender(v, vars)])
      )
      const preload = describePreload(spec, layout.index, runDir, own)
      const env = Object.entries({ ...own, ...preload }).map(([k, v]) => `${k}=${shellQuote(v)}`)
      const argv = [spec.command, ...spec.args.map((arg) => tryRender(arg, vars))].map(shellQuote)
      const ready = spec.readiness
        ? `  # ready: ${spec.readiness.kind} ${tryRender(spec.readiness.target, vars)}`
        : ''
      const cwd = shellQuote(tryRender(spec.cwd, vars))
      const names = preloadsOf(spec).map((driver) => driver.name)
      const under = names.length > 0 ? `  # preload: ${names.join(', ')}` : ''
      return `${spec.name}-${layout.index}: cd ${cwd} && ${[...env, ...argv].join(' ')}${ready}${under}`
    })
  )
}

/** The preload's variables as the launch sets them; a driver that cannot say shows none of its own. */
function describePreload(
  spec: ServiceSpec,
  replica: number,
  runDir: string,
  own: Record<string, string>
): Record<string, string> {
  const at = {
    service: spec.name,
    replica,
    controlDir: preloadControlDir(runDir, spec.name, replica),
  }
  try {
    return preloadEnv(spec, at, own)
  } catch {
    const libraries = preloadsOf(spec).flatMap((driver) => driver.libraries)
    return { LD_PRELOAD: [...libraries, own['LD_PRELOAD'] ?? ''].filter(Boolean).join(':') }
  }
}

function tryRender(text: string, vars: TemplateVars): string {
  try {
    return renderTemplate(text, vars)
  } catch {
    return text
  }
}

/** Quotes for a POSIX shell only when needed, so plain command lines stay readable. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
