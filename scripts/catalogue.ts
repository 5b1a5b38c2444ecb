/**
 * Generates docs/catalogue.md from the zod schemas: one section per fault, probe and check
 * type, the load step, the system entries and the manifest itself, each with every field, its
 * type, default and description, and an example that is validated through the real loader
 * first (an example that no longer validates stops the generator).
 *
 *   node --import tsx scripts/catalogue.ts > docs/catalogue.md     (npm run docs:catalogue)
 *
 * test/docs/catalogue.test.ts fails when the committed page differs from this output.
 * @module
 */
import { pathToFileURL } from 'node:url'
import type { z } from 'zod'
import type { Example, SystemInput } from '../src/experiment/example.js'
import {
  abortConditionSchema,
  attachSchema,
  experimentSchema,
  hostSchema,
  networkSchema,
  systemAgentSchema,
  proxySchema,
  serviceSchema,
  stepSchema,
  type StepInputType,
} from '../src/experiment/schema.js'
import { faultExamples, faultSchemas } from '../src/faults/schemas.js'
import { probeExamples, probeSchemas } from '../src/probes/schemas.js'
import { loadExample, loadSchema } from '../src/load/schema.js'
import { capacityExample, capacitySchema } from '../src/capacity/schema.js'
import { faultSchema } from '../src/experiment/schema.js'

const capacityStepSchema = capacitySchema(faultSchema)
import { checkExamples, checkSchemas } from '../src/checks/schema.js'
import { APP_SERVICE, THREE_HOSTS } from '../src/faults/example-systems.js'
import {
  fieldRows,
  fieldTable,
  schemaDescription,
  type TableOptions,
} from './catalogue/field-table.js'
import { checkedExample, slug, type Spec } from './catalogue/example-manifest.js'

export { validateExample } from './catalogue/example-manifest.js'

export const REGENERATE = 'npm run docs:catalogue'

/** One section: a heading, what it is, its fields, and an example `spec`. */
interface Section extends TableOptions {
  title: string
  summary: string
  schema: z.ZodType
  spec: Spec
}

function withSystem(system: SystemInput | undefined): Pick<Spec, 'system'> {
  return system === undefined ? {} : { system }
}

function faultSpec(example: Example<StepInputType['fault']>): Spec {
  return {
    ...withSystem(example.system),
    steps: [...(example.steps ?? []), { fault: example.value }],
  }
}

function probeSpec(example: Example<NonNullable<Spec['probes']>[number]>): Spec {
  return {
    ...withSystem(example.system),
    probes: [example.value],
    steps: example.steps ?? [{ wait: '30s' }],
  }
}

/** Fields every probe has, shown once before the probes. */
const kProbeCommon = ['name', 'mode', 'runProperties', 'agent'] as const

const kProxy = { proxies: [{ name: 'front', upstream: '127.0.0.1:8000' }] }

/** The manifest of the README's first question: latency in front of a service you already run. */
const kManifestExample: Spec = {
  system: { attach: [{ name: 'web', port: 8000 }], ...kProxy },
  probes: [
    {
      name: 'front-answers',
      type: 'http',
      mode: 'Continuous',
      url: 'http://127.0.0.1:{{proxies.front.port}}/',
    },
  ],
  steps: [
    {
      name: 'slow-front',
      parallel: [
        {
          name: 'browse',
          load: {
            url: 'http://127.0.0.1:{{proxies.front.port}}/',
            rate: 20,
            duration: '20s',
            thresholds: { http_req_duration: ['p(95)<1000'] },
          },
        },
        {
          fault: {
            type: 'proxy-toxic',
            proxy: 'front',
            toxic: { type: 'latency', attributes: { latency: 300 } },
            after: '5s',
            duration: '10s',
          },
        },
      ],
    },
  ],
}

function sections(): { group: string; intro: string; list: Section[] }[] {
  const summaryOf = (schema: z.ZodType, type = '') => {
    const text = schemaDescription(schema)
    return type && text.startsWith(`${type}: `) ? text.slice(type.length + 2) : text
  }
  const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
  const faults = faultSchemas.map((schema): Section => {
    const type = schema.shape.type.value
    return {
      title: type,
      summary: capitalise(summaryOf(schema, type)),
      schema,
      spec: faultSpec(faultExamples[type] as Example<StepInputType['fault']>),
    }
  })
  const probes = probeSchemas.map((schema): Section => {
    const type = schema.shape.type.value
    return {
      title: `${type} probe`,
      summary: capitalise(summaryOf(schema, type)),
      schema,
      omit: [...kProbeCommon],
      spec: probeSpec(probeExamples[type]),
    }
  })
  const checks = checkSchemas.map((schema): Section => {
    const type = schema.shape.type.value
    const example = checkExamples[type]
    return {
      title: `${type} check`,
      summary: capitalise(summaryOf(schema, type)),
      schema,
      spec: {
        ...withSystem(example.system),
        ...(example.metrics ? { metrics: example.metrics } : {}),
        steps: example.steps ?? [],
        checks: [example.value],
      },
    }
  })
  const proxyExample = probeExamples.http
  return [
    {
      group: 'Manifest',
      intro:
        'The fields every manifest has. Steps, system entries, probes, checks and abort conditions have sections of their own below.',
      list: [
        {
          title: 'Experiment',
          summary:
            'A manifest: what is claimed (`spec.hypothesis`), what runs (`spec.system`), what happens (`spec.steps`) and how it is judged (probes, checks). This example puts 300 ms of latency in front of a service already listening on port 8000, under load.',
          schema: experimentSchema,
          stop: ['spec.system', 'spec.probes', 'spec.steps', 'spec.checks', 'spec.abort'],
          links: {
            'spec.system': '[system](#system)',
            'spec.probes': 'list of [probes](#probes)',
            'spec.steps': 'list of [steps](#step)',
            'spec.checks': 'list of [checks](#checks)',
            'spec.abort': 'list of [abort conditions](#abort-condition)',
          },
          spec: kManifestExample,
        },
        {
          title: 'Step',
          summary: summaryOf(stepSchema),
          schema: stepSchema,
          stop: ['fault', 'load', 'probes'],
          links: {
            fault: '[fault](#faults)',
            load: '[load](#load-step)',
            probes: 'list of [probes](#probes)',
          },
          spec: {
            system: { services: [APP_SERVICE] },
            steps: [
              { name: 'warm-up', wait: '5s' },
              {
                name: 'kill-then-pause',
                weight: 20,
                serial: [
                  { fault: { type: 'process-kill', target: { service: 'app' }, duration: '10s' } },
                  { fault: { type: 'process-pause', target: { service: 'app' }, duration: '5s' } },
                ],
                probes: [
                  {
                    name: 'app-port',
                    type: 'tcp',
                    mode: 'Edge',
                    port: '{{services.app.ports.http}}',
                  },
                ],
              },
            ],
          },
        },
        {
          title: 'Abort condition',
          summary: summaryOf(abortConditionSchema),
          schema: abortConditionSchema,
          spec: {
            ...withSystem(kProxy),
            probes: [proxyExample.value],
            steps: [
              {
                name: 'browse',
                load: {
                  url: 'http://127.0.0.1:{{proxies.front.port}}/',
                  rate: 20,
                  duration: '30s',
                },
              },
            ],
            abort: [
              { load: 'browse', metric: 'http_req_failed', threshold: 'rate<0.5', for: '5s' },
              { probe: proxyExample.value.name },
            ],
          },
        },
      ],
    },
    {
      group: 'System',
      intro: 'Entries of `spec.system`: what a run launches, attaches to, or puts in between.',
      list: [
        {
          title: 'Service',
          summary: summaryOf(serviceSchema),
          schema: serviceSchema,
          spec: { system: { services: [APP_SERVICE] }, steps: [{ wait: '10s' }] },
        },
        {
          title: 'Attach',
          summary: summaryOf(attachSchema),
          schema: attachSchema,
          spec: {
            system: {
              attach: [
                { name: 'web', port: 8000 },
                { name: 'worker', match: 'celery .*worker' },
                { name: 'legacy', pid: 4242 },
              ],
            },
            steps: [{ wait: '10s' }],
          },
        },
        {
          title: 'Proxy',
          summary: summaryOf(proxySchema),
          schema: proxySchema,
          spec: probeSpec(proxyExample),
        },
        {
          title: 'Host',
          summary: summaryOf(hostSchema),
          schema: hostSchema,
          spec: { system: THREE_HOSTS, steps: [{ wait: '10s' }] },
        },
        {
          title: 'Network',
          summary: summaryOf(networkSchema),
          schema: networkSchema,
          spec: { system: THREE_HOSTS, steps: [{ wait: '10s' }] },
        },
        {
          title: 'Agent',
          summary: summaryOf(systemAgentSchema),
          schema: systemAgentSchema,
          spec: {
            system: {
              agents: [{ name: 'a', labels: { zone: 'eu' } }, { name: 'b' }],
              services: [
                {
                  name: 'db',
                  agent: 'b',
                  command: 'python3',
                  args: ['-m', 'http.server', '{{ports.http}}'],
                  ports: { http: 0 },
                },
                {
                  name: 'api',
                  agent: 'a',
                  command: 'python3',
                  args: ['-m', 'http.server', '{{ports.http}}'],
                  ports: { http: 0 },
                  env: { DB_URL: 'http://{{services.db.host}}:{{services.db.ports.http}}' },
                },
              ],
            },
            steps: [
              {
                fault: {
                  type: 'network-partition',
                  between: [['agent:a'], ['agent:b']],
                  duration: '10s',
                },
              },
            ],
          },
        },
      ],
    },
    {
      group: 'Faults',
      intro:
        'A fault step: `fault:` with a `type`. Every fault holds for `duration`, then ordeal undoes it; the undo is written down before the fault acts, so `ordeal recover` (or the watchdog) undoes it even if the runner dies.',
      list: faults,
    },
    {
      group: 'Probes',
      intro: `Probes sit in \`spec.probes\` (the whole run) or in a step's \`probes\`. Every probe has these fields besides its own:\n\n${fieldTable(
        fieldRows(probeSchemas[0]).filter((r) =>
          kProbeCommon.some((c) => r.field === c || r.field.startsWith(`${c}.`))
        )
      )}`,
      list: probes,
    },
    {
      group: 'Load',
      intro: 'A load step: `load:` in a step, usually beside faults in a `parallel` group.',
      list: [
        {
          title: 'Load step',
          summary: summaryOf(loadSchema),
          schema: loadSchema,
          links: { thresholds: 'map of metric name to list of thresholds' },
          spec: {
            ...withSystem(loadExample.system),
            steps: [loadExample.value],
          },
        },
      ],
    },
    {
      group: 'Capacity',
      intro:
        'A capacity step: `capacity:` in a step, the highest rate at which the thresholds hold, without and with a fault (docs/capacity.md).',
      list: [
        {
          title: 'Capacity step',
          summary: summaryOf(capacityStepSchema),
          schema: capacityStepSchema,
          links: {
            thresholds: 'map of metric name to list of thresholds',
            fault: 'a fault (see Faults)',
          },
          spec: {
            ...withSystem(capacityExample.system),
            steps: [capacityExample.value],
          },
        },
      ],
    },
    {
      group: 'Checks',
      intro:
        'Checks in `spec.checks` judge, after the steps, the recorded history of a load (which acknowledged operations were lost, duplicated or never seen) or a `spec.metrics` series (whether a backlog drained, a rate recovered, after a fault).',
      list: checks,
    },
  ]
}

export function renderCatalogue(): string {
  const groups = sections()
  const out: string[] = [
    '# Catalogue: faults, probes, load, checks',
    '',
    `<!-- Generated by scripts/catalogue.ts from the zod schemas. Do not edit: run \`${REGENERATE}\`. -->`,
    '',
    'Every field a manifest can hold, with its type, default and what it does. The same text is in',
    "the manifest's JSON Schema (`ordeal schema`, committed as `schema/experiment-v1.json`), so an",
    'editor with a YAML language server shows it on hover: start the manifest with',
    '`# yaml-language-server: $schema=<path to>/schema/experiment-v1.json`.',
    '',
    'A duration is written like `30s`, `500ms` or `1m30s`; a size like `256Mi`, `1G` or a number of',
    'bytes. Strings may hold templates such as `{{proxies.front.port}}`, resolved when the manifest is',
    'validated.',
    '',
    'Each example is the `spec` of a manifest: add `apiVersion`, `kind`, `metadata.name` and',
    "`spec.hypothesis` to run it. Every example is validated through ordeal's loader when this page",
    'is generated.',
    '',
    ...groups.map(
      (g) => `- **${g.group}**: ${g.list.map((s) => `[${s.title}](#${slug(s.title)})`).join(' · ')}`
    ),
    '',
  ]
  for (const group of groups) {
    out.push(`## ${group.group}`, '', group.intro, '')
    for (const section of group.list) {
      out.push(
        `### ${section.title}`,
        '',
        section.summary,
        '',
        fieldTable(fieldRows(section.schema, section)),
        '',
        '```yaml',
        checkedExample(section.title, section.spec),
        '```',
        ''
      )
    }
  }
  return `${out.join('\n').trimEnd()}\n`
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(renderCatalogue())
}
