/**
 * The Chaos Center hub's starter templates, made by the same builder as `ordeal init`, so the
 * hub and the CLI never write two versions of the same experiment: attach to a running service
 * or launch one, with a kill or with latency through the run's proxy.
 * @module
 */
import { starterSpec, type InitInput } from './answers.js'
import { starterManifest } from './starter.js'

export interface StarterTemplate {
  /** The hub id (`/api/hub/:id`). */
  id: string
  yaml: string
}

/** What launched templates run: a server every Debian machine has, on the run's own port. */
const kLaunchedServer = 'python3 -m http.server {{ports.http}} --bind 127.0.0.1'

interface Entry {
  id: string
  flags: InitInput
  /** The equivalent command line, shown in the template's header. */
  command: string
  /** What to change before running it. */
  change: string
  /** attach: the port as this variable, with no default (StarterSpec.portVariable). */
  portVariable?: string
}

/**
 * The attach templates' port: a variable with no default. With a fixed port, one click on
 * an unchanged template would kill (or proxy) whatever listens there on the Chaos Center's
 * host; this way the template does not validate, and cannot be saved or run, until someone
 * has chosen the target ("variable ${SERVICE_PORT} is not set", on its line).
 */
export const HUB_PORT_VARIABLE = 'SERVICE_PORT'

const kEntries: Entry[] = [
  {
    id: 'attach-kill',
    flags: { attach: true, url: 'http://127.0.0.1:8080/', fault: 'kill' },
    portVariable: HUB_PORT_VARIABLE,
    command: `ordeal init --attach --url http://127.0.0.1:PORT/ --fault kill`,
    change: `Replace \${${HUB_PORT_VARIABLE}} with your service's port first: until then it does not validate.`,
  },
  {
    id: 'attach-proxy-latency',
    flags: { attach: true, url: 'http://127.0.0.1:8080/', fault: 'latency' },
    portVariable: HUB_PORT_VARIABLE,
    command: `ordeal init --attach --url http://127.0.0.1:PORT/ --fault latency`,
    change: `Replace \${${HUB_PORT_VARIABLE}} with your service's port first: until then it does not validate.`,
  },
  {
    id: 'launch-kill',
    flags: { start: kLaunchedServer, port: '0', fault: 'kill' },
    command: `ordeal init --start '${kLaunchedServer}' --port 0 --fault kill`,
    change: "Runs as it is (python3's http.server); put your own start command in its place.",
  },
  {
    id: 'launch-proxy-latency',
    flags: { start: kLaunchedServer, port: '0', fault: 'latency' },
    command: `ordeal init --start '${kLaunchedServer}' --port 0 --fault latency`,
    change: "Runs as it is (python3's http.server); put your own start command in its place.",
  },
]

export function starterTemplates(): StarterTemplate[] {
  return kEntries.map((entry) => {
    const spec = {
      ...starterSpec(entry.flags),
      experimentName: `hub-${entry.id}`,
      ...(entry.portVariable === undefined ? {} : { portVariable: entry.portVariable }),
    }
    const next = ['The same file as:', `  ${entry.command}`, entry.change]
    return { id: entry.id, yaml: starterManifest(spec, { next }) }
  })
}
