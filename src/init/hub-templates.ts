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
}

const kEntries: Entry[] = [
  {
    id: 'attach-kill',
    flags: { attach: true, url: 'http://127.0.0.1:8080/', fault: 'kill' },
    command: 'ordeal init --attach --url http://127.0.0.1:8080/ --fault kill',
    change: "Set the port and the URLs to your service's before running it.",
  },
  {
    id: 'attach-proxy-latency',
    flags: { attach: true, url: 'http://127.0.0.1:8080/', fault: 'latency' },
    command: 'ordeal init --attach --url http://127.0.0.1:8080/ --fault latency',
    change: "Set the port and the URLs to your service's before running it.",
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
    const spec = { ...starterSpec(entry.flags), experimentName: `hub-${entry.id}` }
    const next = ['The same file as:', `  ${entry.command}`, entry.change]
    return { id: entry.id, yaml: starterManifest(spec, { next }) }
  })
}
