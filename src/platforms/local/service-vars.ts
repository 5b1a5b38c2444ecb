/**
 * Template variables of services and replicas, and the rendering of a replica's launch
 * (args, env, cwd, readiness target). Pure: no processes, no file system.
 * @module
 */
import path from 'node:path'
import type { Readiness, ServiceSpec } from '../../experiment/model.js'
import { renderTemplate, type TemplateVars } from '../../shared/template.js'

/** What templates may know about one replica; ports are 'auto' in dry runs before they are picked. */
export interface ReplicaLayout {
  index: number
  ports: Record<string, number | string>
  dataDir: string
  pid?: number
  /** The address of the host the replica runs on (`{{services.S.host}}`). */
  host?: string
}

/** A replica on no host of its own runs in ordeal's namespace, reached on loopback. */
const kLoopback = '127.0.0.1'

/** `<runDir>/data/<service>-<index>`, absolute so it survives the service's own cwd. */
export function dataDirFor(runDir: string, service: string, index: number): string {
  return path.resolve(runDir, 'data', `${service}-${index}`)
}

/**
 * `{ S: { host, ports, dataDir, replicas: [{ index, host, ports, dataDir, pid }] } }`; the
 * top-level host, ports and dataDir are replica 0's, so a single-replica service reads
 * `{{services.db.ports.pg}}`. `host` is where other hosts reach the replica: its
 * spec.system.hosts address, its agent's address in a multi-host run, else 127.0.0.1.
 */
export function servicesTemplateVars(services: Map<string, ReplicaLayout[]>): TemplateVars {
  const vars: TemplateVars = {}
  for (const [name, replicas] of services) {
    const first = replicas[0]
    vars[name] = {
      host: first?.host ?? kLoopback,
      ports: { ...first?.ports },
      dataDir: first?.dataDir ?? '',
      replicas: replicas.map((replica) => ({
        index: replica.index,
        host: replica.host ?? kLoopback,
        ports: { ...replica.ports },
        dataDir: replica.dataDir,
        ...(replica.pid !== undefined ? { pid: replica.pid } : {}),
      })),
    }
  }
  return vars
}

/**
 * A multi-host part's `services`: its own (host = its address) and the other hosts' (from the
 * coordinator). Its own win: a service runs on one host only (the manifest check), and what
 * this host laid out is the truth about its own services.
 */
export function withRemoteServices(own: TemplateVars, remote: TemplateVars): TemplateVars {
  return { ...remote, ...own }
}

/** `{ name, replica, ports, dataDir, services }` for rendering one replica's launch. */
export function replicaTemplateVars(
  service: string,
  replica: ReplicaLayout,
  services: TemplateVars
): TemplateVars {
  return {
    name: service,
    replica: replica.index,
    ports: { ...replica.ports },
    dataDir: replica.dataDir,
    services,
  }
}

export interface RenderedLaunch {
  command: string
  args: string[]
  /** Only the service's own variables; the child also inherits ordeal's environment. */
  env: Record<string, string>
  cwd: string
  readiness?: Readiness
}

/** Renders args, env values, cwd and the readiness target; throws naming the field. */
export function renderLaunch(spec: ServiceSpec, vars: TemplateVars): RenderedLaunch {
  const render = (text: string, field: string) => {
    try {
      return renderTemplate(text, vars)
    } catch (error) {
      throw new Error(`${field}: ${(error as Error).message}`, { cause: error })
    }
  }
  return {
    command: spec.command,
    args: spec.args.map((arg, i) => render(arg, `args[${i}]`)),
    env: Object.fromEntries(
      Object.entries(spec.env).map(([key, value]) => [key, render(value, `env.${key}`)])
    ),
    cwd: render(spec.cwd, 'cwd'),
    ...(spec.readiness
      ? { readiness: { ...spec.readiness, target: render(spec.readiness.target, 'readiness') } }
      : {}),
  }
}
