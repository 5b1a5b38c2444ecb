/**
 * experiment.yaml in TypeScript: the same three RabbitMQ nodes on left / middle / right, a
 * publisher with confirms on each side, the middle network cut. The judge is the seed's monitor
 * rewritten with `monitor(...)` (monitor.ts, `oneCluster`), fed this run's observations:
 * `membership` and `writes` polled every 500 ms around the cut, the heal, the last probes.
 * test/e2e/rabbitmq-partition-ts.test.ts runs both variants from node:test with `ordeal/test`.
 *
 * Names are typed: `between: [['a', 'b'], ['d']]` or `services.pub-lft` in a probe's name
 * reference are type errors; a host's networks are checked against `networks`.
 */
import { defineExperiment } from 'ordeal'
import { oneCluster } from './monitor.js'

export type Handling = 'ignore' | 'pause_minority'

export interface Options {
  handling: Handling
  /** `orders` as a classic mirrored queue or a quorum queue (setup.mjs). @default 'mirrored' */
  queueType?: 'mirrored' | 'quorum'
  /** Messages/s each publisher sends. @default 20 */
  rate?: number
  partitionAfter?: string
  partitionFor?: string
  /** The T of "different memberships for longer than T". @default '8s' */
  splitAtMost?: string
  healWithin?: string
}

type Host = 'a' | 'b' | 'c'
/** How each node reaches each peer (node.sh's --peer): a and b over left, c only over middle. */
const kPeers: Record<Host, Record<Host, 'left' | 'middle'>> = {
  a: { a: 'left', b: 'left', c: 'middle' },
  b: { a: 'left', b: 'left', c: 'middle' },
  c: { a: 'middle', b: 'middle', c: 'middle' },
}
/** Where a node's clients reach it: a and b on left, c on right. */
const kClientNetwork: Record<Host, 'left' | 'right'> = { a: 'left', b: 'left', c: 'right' }
const client = (h: Host) => `{{hosts.${h}.networks.${kClientNetwork[h]}}}`

function node(name: Host, handling: Handling) {
  return {
    name: `rabbit-${name}`,
    command: 'bash',
    args: [
      'node.sh',
      ...['--name', name, '--data-dir', '{{dataDir}}', '--client-address', client(name)],
      ...(name === 'a' ? [] : ['--join', 'a']),
      ...['--partition-handling', handling],
      ...(['a', 'b', 'c'] as const).flatMap((peer) => [
        '--peer',
        `${peer}={{hosts.${peer}.networks.${kPeers[name][peer]}}}`,
      ]),
    ],
    hosts: [name],
    // One after another: services start in order, each once the one before is ready.
    readiness: { tcp: `${client(name)}:5672`, timeout: '120s' },
    restart: 'never' as const,
    gracePeriod: '10s',
  }
}

function publisher(side: 'left' | 'right', via: Host, rate: number) {
  return {
    name: `pub-${side}`,
    command: 'node',
    args: ['publisher.mjs'],
    env: {
      SIDE: side,
      PORT: '{{ports.http}}',
      RATE: String(rate),
      AMQP_URL: `amqp://guest:guest@${client(via)}:5672`,
      ACKED_FILE: '{{dataDir}}/acked.log',
    },
    ports: { http: 0 },
    readiness: { http: 'http://127.0.0.1:{{ports.http}}/health', timeout: '10s' },
    restart: 'never' as const,
  }
}

const kNodes = (['a', 'b', 'c'] as const).map((h) => `${h}=http://${client(h)}:15672`).join(',')
const kPublishers =
  'left=http://127.0.0.1:{{services.pub-left.ports.http}},right=http://127.0.0.1:{{services.pub-right.ports.http}}'

export function rabbitmqPartition(options: Options) {
  const rate = options.rate ?? 20
  return defineExperiment({
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: {
      name: `rabbitmq-partition-ts-${options.handling.replace('_', '-')}`,
      description:
        'Cut the middle network of a three-node RabbitMQ cluster while both sides publish.',
    },
    spec: {
      hypothesis:
        'When the middle network is cut, the two sides never both accept writes to the same queue nor disagree on the membership for long; healed, the cluster is one again and no confirmed message is lost.',
      deadline: '5m',
      system: {
        networks: [{ name: 'left' }, { name: 'middle' }, { name: 'right' }],
        hosts: [
          { name: 'a', networks: ['left', 'middle'] },
          { name: 'b', networks: ['left', 'middle'] },
          { name: 'c', networks: ['right', 'middle'] },
        ],
        services: [
          {
            name: 'epmd',
            command: 'epmd',
            args: ['-port', '4369'],
            hosts: ['a', 'b', 'c'],
            readiness: { tcp: '{{host.address}}:4369', timeout: '10s' },
            restart: 'never',
          },
          node('a', options.handling),
          node('b', options.handling),
          node('c', options.handling),
          publisher('left', 'a', rate),
          publisher('right', 'c', rate),
        ],
      },
      steps: [
        {
          name: 'mirrored-queue',
          wait: '100ms',
          probes: [
            {
              name: 'queue-mirrored',
              type: 'cmd',
              mode: 'EOT',
              command: 'node setup.mjs',
              env: {
                MANAGEMENT: `http://${client('a')}:15672`,
                QUEUE_TYPE: options.queueType ?? 'mirrored',
              },
              runProperties: { timeout: '70s' },
            },
          ],
        },
        {
          name: 'partition-middle',
          serial: [
            { wait: options.partitionAfter ?? '3s' },
            {
              name: 'cut-middle',
              fault: {
                type: 'network-partition',
                // c's only link to a and b is the middle network.
                between: [['a', 'b'], ['c']],
                duration: options.partitionFor ?? '15s',
              },
            },
          ],
          // The monitor's observations: always pass (exit 0); the monitor judges them.
          probes: [
            {
              name: 'membership',
              type: 'cmd',
              mode: 'Continuous',
              command: 'node observe.mjs membership',
              env: { NODES: kNodes },
              runProperties: { pollingInterval: '500ms', timeout: '5s' },
            },
            {
              name: 'writes',
              type: 'cmd',
              mode: 'Continuous',
              command: 'node observe.mjs writes',
              env: { PUBLISHERS: kPublishers },
              runProperties: { pollingInterval: '500ms', timeout: '5s' },
            },
          ],
        },
        {
          name: 'heal',
          wait: '100ms',
          probes: [
            {
              name: 'cluster-healed',
              type: 'cmd',
              mode: 'EOT',
              command: 'node observe.mjs membership',
              env: { NODES: kNodes },
              comparator: { type: 'string', criteria: 'matches', value: '^one ' },
              runProperties: { attempts: 25, interval: '1s', timeout: '5s' },
            },
          ],
        },
        {
          name: 'drain',
          wait: '100ms',
          probes: [
            {
              name: 'acked-present',
              type: 'cmd',
              mode: 'EOT',
              command: 'node drain.mjs',
              env: {
                PUBLISHERS: kPublishers,
                ACKED:
                  '{{services.pub-left.dataDir}}/acked.log,{{services.pub-right.dataDir}}/acked.log',
                READ: `a=amqp://guest:guest@${client('a')}:5672,c=amqp://guest:guest@${client('c')}:5672`,
              },
              runProperties: { timeout: '60s' },
            },
          ],
        },
      ],
    },
  })
}

/** The judge of a run of {@link rabbitmqPartition}: the seed's monitor, in TypeScript. */
export function monitorFor(options: Options) {
  return oneCluster({
    ...(options.splitAtMost === undefined ? {} : { splitAtMost: options.splitAtMost }),
    ...(options.healWithin === undefined ? {} : { healWithin: options.healWithin }),
  })
}

export default rabbitmqPartition({ handling: 'pause_minority' })

/** `ordeal run experiment.ts` feeds these to the run, as `spec.monitors` are. */
export const monitors = [monitorFor({ handling: 'pause_minority' })]
