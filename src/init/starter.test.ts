import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parseDocument } from 'yaml'
import { loadExperimentText } from '../experiment/load.js'
import { walkSteps, type Experiment, type Fault, type Step } from '../experiment/model.js'
import { starterSpec, type InitInput } from './answers.js'
import { durationText, restartGapMs, STARTER_RATE, starterManifest } from './starter.js'

/** The starter through the real loader, with no environment: nothing may need one. */
function load(input: InitInput): { text: string; experiment: Experiment } {
  const text = starterManifest(starterSpec(input))
  return { text, experiment: loadExperimentText(text, 'experiment.yaml', { env: {} }) }
}

function allSteps(step: Step): Step[] {
  return [...walkSteps(step)]
}

function faultOf(experiment: Experiment): Fault | undefined {
  const step = allSteps(experiment.root).find((s) => s.kind === 'fault')
  return step?.kind === 'fault' ? step.fault : undefined
}

function probeUrls(experiment: Experiment): string[] {
  return allSteps(experiment.root).flatMap((s) =>
    s.probes.map((p) => (p.params as { url: string }).url)
  )
}

function loadUrl(experiment: Experiment): string {
  const step = allSteps(experiment.root).find((s) => s.kind === 'load')
  assert.ok(step?.kind === 'load')
  return step.load.url
}

const combinations: InitInput[] = [
  { attach: true, fault: 'kill' },
  { attach: true, fault: 'latency' },
  { start: 'python3 -m http.server {{ports.http}}', port: '0', fault: 'kill' },
  { start: 'npm start', fault: 'latency' },
]

describe('the starter experiment', () => {
  for (const input of combinations) {
    const label = `${input.start === undefined ? 'attach' : 'launch'} + ${input.fault}`
    test(`${label} validates and has a probe, a fault and a load with thresholds`, () => {
      const { text, experiment } = load(input)
      const steps = allSteps(experiment.root)
      assert.equal(
        faultOf(experiment)?.type,
        input.fault === 'kill' ? 'process-kill' : 'proxy-toxic'
      )
      assert.ok(steps.some((s) => s.kind === 'load'))
      assert.match(text, /thresholds:\n\s+http_req_failed: \[ rate<0\.01 \]/)
      assert.ok(experiment.root.probes.length === 1, 'an SOT probe over the whole run')
      if (input.start === undefined) {
        assert.deepEqual(experiment.system.attach, [{ name: 'my-service', port: 8080 }])
        assert.deepEqual(experiment.system.services, [])
      } else {
        assert.equal(experiment.system.services[0]?.restart, 'always')
        assert.deepEqual(experiment.system.attach, [])
      }
      if (input.fault === 'latency') {
        assert.equal(experiment.system.proxies?.length, 1)
        assert.match(loadUrl(experiment), /\{\{proxies\.my-service-proxy\.port\}\}/)
      } else {
        assert.deepEqual(experiment.system.proxies, [])
      }
    })
  }

  test('every block a newcomer edits has a comment above it', () => {
    for (const input of combinations) {
      const doc = parseDocument(starterManifest(starterSpec(input)))
      assert.ok(doc.commentBefore?.includes("written by 'ordeal init'"))
      const text = doc.toString()
      for (const key of ['hypothesis', 'system', 'probes', 'steps', 'thresholds', 'after']) {
        assert.match(text, new RegExp(`# .*\\n\\s*${key}:`), `${key} has no comment`)
      }
    }
  })

  test('the fault takes the middle half of --duration, and the deadline leaves room', () => {
    const { experiment } = load({ attach: true, fault: 'kill', duration: '4s' })
    const fault = faultOf(experiment)!
    assert.equal(fault.afterMs, 1000)
    assert.equal(fault.durationMs, 2000)
    assert.equal(experiment.deadlineMs, 124_000)
  })
})

describe('values from the user round-trip exactly', () => {
  /** Strings a shell command line can hold: quotes, $, braces, backslashes, newlines, unicode. */
  const command = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.constantFrom('"', "'", '\\', '${HOME}', '$${X}', '$', '{', '}', '#', ': ', ' - ', '\n')
      )
    )
    .map((parts) => parts.join(''))
    .filter(
      (s) =>
        s.trim() !== '' &&
        !s.includes('\0') &&
        Buffer.from(s, 'utf8').toString('utf8') === s && // well-formed, as a command line is
        // `{{` opens a template in any manifest value (ordeal has no escape for it): a start
        // command may use {{ports.http}} (below); anything else with `{{` is refused with --start.
        !s.includes('{{')
    )

  test('any start command survives init -> load -> the resolved service command', () => {
    fc.assert(
      fc.property(command, fc.constantFrom('kill', 'latency'), (start, fault) => {
        const { experiment } = load({ start, fault })
        const service = experiment.system.services[0]!
        assert.equal(service.command, 'sh')
        assert.deepEqual(service.args, ['-c', start])
      }),
      { numRuns: 100 }
    )
  })

  test('{{ports.http}} in a start command stays a template for the launch', () => {
    fc.assert(
      fc.property(command, command, (before, after) => {
        const start = `${before} {{ports.http}} ${after}`
        const { experiment } = load({ start, fault: 'kill' })
        assert.deepEqual(experiment.system.services[0]!.args, ['-c', start])
      }),
      { numRuns: 50 }
    )
  })

  test("a URL's path and query reach the probes and the load as written", () => {
    const rest = fc
      .array(
        fc.constantFrom(
          'a',
          'Z',
          '9',
          '-',
          '.',
          '_',
          '~',
          '%20',
          '?',
          '&',
          '=',
          '/',
          '$',
          '${HOME}',
          "'",
          '"',
          '#',
          ':'
        )
      )
      .map((parts) => `/${parts.join('')}`)
    fc.assert(
      fc.property(rest, fc.constantFrom('localhost', '127.0.0.1', '[::1]'), (path, host) => {
        const url = `http://${host}:8000${path}`
        const kill = load({ attach: true, url, fault: 'kill' }).experiment
        assert.deepEqual(new Set(probeUrls(kill)), new Set([url]))
        assert.equal(loadUrl(kill), url)
        assert.deepEqual(kill.system.attach, [{ name: 'my-service', port: 8000 }])
        const latency = load({ attach: true, url, fault: 'latency' }).experiment
        assert.equal(loadUrl(latency), `http://127.0.0.1:{{proxies.my-service-proxy.port}}${path}`)
        assert.equal(latency.system.proxies![0]!.upstream, `${host.replace(/[[\]]/g, '')}:8000`)
        const launch = load({ start: 'serve', url, fault: 'kill' }).experiment
        assert.equal(loadUrl(launch), `http://${host}:{{services.my-service.ports.http}}${path}`)
      }),
      { numRuns: 60 }
    )
  })
})

test('durationText writes exact manifest durations', () => {
  assert.deepEqual([7500, 30_000, 120_000, 90_000, 1].map(durationText), [
    '7500ms',
    '30s',
    '2m',
    '90s',
    '1ms',
  ])
})

test("launch + kill: the restart gap refuses over 1% of the load's requests for any duration", () => {
  // 2 s to 1 h, as --duration allows: the gap starts at 1/4 of the load, is whole seconds,
  // and its share of the requests (the part inside the load) is at least 5%, far over the
  // 1% http_req_failed allows, so the verdict is fail whatever the service's restart time.
  fc.assert(
    fc.property(fc.integer({ min: 2000, max: 3_600_000 }), (durationMs) => {
      const gap = restartGapMs(durationMs)
      assert.ok(gap >= 2000 && gap % 1000 === 0)
      const refused = Math.min(gap, durationMs - durationMs / 4) * (STARTER_RATE / 1000)
      const total = durationMs * (STARTER_RATE / 1000)
      assert.ok(refused / total >= 0.05, `${durationMs} ms: ${refused} of ${total}`)
    })
  )
  const { experiment } = load({ start: 'serve {{ports.http}}', port: '0', fault: 'kill' })
  assert.deepEqual(experiment.system.services[0]?.backoff, { initialMs: 2000, maxMs: 2000 })
})
