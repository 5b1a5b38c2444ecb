/** Broker processes tied to one test run, found in /proc (independently of ordeal's own books). */
import { readdirSync, readFileSync } from 'node:fs'

const kBrokerCommands = new Set([
  'beam.smp',
  'epmd',
  'erl_child_setup',
  'inet_gethost',
  'rabbitmq-server',
  'node.sh',
])

/**
 * Live broker processes whose command line mentions `dir` or whose environment points at this
 * run's epmd port. Other runs' brokers on the same machine (other tests, other sessions) are
 * deliberately not counted, so tests may run side by side.
 */
export function strayBrokerProcesses(dir: string, epmdPort: number | undefined): string[] {
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const state = stat.slice(stat.lastIndexOf(')') + 2)[0]
      if (state === 'Z' || !kBrokerCommands.has(comm)) {
        continue
      }
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0')
      const ours =
        cmdline.includes(dir) ||
        (epmdPort !== undefined &&
          (environ.includes(`ERL_EPMD_PORT=${epmdPort}`) || cmdline.includes(`-port ${epmdPort}`)))
      if (ours) {
        found.push(`${entry} ${cmdline.slice(0, 120)}`)
      }
    } catch {
      // the process ended while we looked
    }
  }
  return found
}
