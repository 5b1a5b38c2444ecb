/**
 * The starter experiment `ordeal init` writes (and the hub's starter templates): attach to a
 * running service or launch it, an http probe, a kill or a latency fault, and a small load
 * with thresholds, each block commented for someone who has never read a manifest.
 * The data is plain objects; the `yaml` library writes it, so a user's command or URL is
 * escaped by the library, and `escapeVariables` keeps any `${` in it literal.
 * @module
 */
import { escapeVariables } from '../experiment/interpolate.js'
import { splitUrl, type StarterSpec } from './answers.js'
import { NotedDocument, wrap } from './yaml-notes.js'

/** Requests per second of the starter load: enough to see errors, small enough for anything. */
export const STARTER_RATE = 5
/** Latency the proxy adds to each answer, and its jitter (ms). */
export const STARTER_LATENCY_MS = 300
export const STARTER_JITTER_MS = 50
/**
 * How long a killed launched service stays down before it is started again (its restart
 * backoff), for a load of `durationMs`. Without it the gap is the service's own restart time,
 * a few hundred ms for python's http.server: whether one of the 5 requests/s landed in it, and
 * so the verdict, was chance. A gap of 1/20 of the load (at least 2 s) refuses at least 5% of
 * its requests (the kill comes at 1/4, so the gap always lies within the load, or runs to its
 * end), far over the 1% http_req_failed allows: the launch + kill starter fails that threshold
 * on every run, which is the finding it is there to show. A slower restart only widens the gap.
 */
export function restartGapMs(durationMs: number): number {
  return Math.max(2000, Math.ceil(durationMs / 20 / 1000) * 1000)
}

/** `7500` → `7500ms`, `30000` → `30s`, `120000` → `2m`: a manifest duration, exact. */
export function durationText(ms: number): string {
  if (ms % 60_000 === 0) {
    return `${ms / 60_000}m`
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

interface Names {
  service: string
  proxy: string
  experiment: string
  step: string
  faultStep: string
}

function namesOf(spec: StarterSpec): Names {
  return {
    service: spec.name,
    proxy: `${spec.name}-proxy`,
    experiment: spec.experimentName ?? `${spec.name}-${spec.fault}`,
    step: `${spec.fault}-under-load`,
    faultStep: spec.fault === 'kill' ? `kill-${spec.name}` : `slow-down-${spec.name}`,
  }
}

/** The attach port as written in the manifest: the number, or the hub's `${NAME}`. */
function portText(spec: StarterSpec): string {
  return spec.portVariable === undefined ? String(spec.port) : `\${${spec.portVariable}}`
}

/** The URLs of the experiment: direct, through the proxy, and the readiness check's. */
function urlsOf(spec: StarterSpec, names: Names) {
  const { scheme, host, rest } = splitUrl(spec.url)
  const port = portText(spec)
  const direct =
    spec.mode === 'attach'
      ? spec.portVariable === undefined
        ? escapeVariables(spec.url)
        : `${escapeVariables(`${scheme}${host}:`)}${port}${escapeVariables(rest)}`
      : escapeVariables(`${scheme}${host}:{{services.${names.service}.ports.http}}${rest}`)
  return {
    direct,
    proxied: escapeVariables(`${scheme}127.0.0.1:{{proxies.${names.proxy}.port}}${rest}`),
    readiness: escapeVariables(`${scheme}${host}:{{ports.http}}${rest}`),
    upstream:
      spec.mode === 'attach'
        ? `${escapeVariables(host.replace(/^\[(.*)\]$/, '$1'))}:${port}`
        : `127.0.0.1:{{services.${names.service}.ports.http}}`,
  }
}

export interface StarterOptions {
  /** The file it is written to, for the header's next commands. @default 'experiment.yaml' */
  file?: string
  /** Lines that replace the header's next commands (the hub's templates say where they come from). */
  next?: string[]
}

/** The starter manifest as YAML text with comments. */
export function starterManifest(spec: StarterSpec, options: StarterOptions = {}): string {
  const names = namesOf(spec)
  const urls = urlsOf(spec, names)
  const latency = spec.fault === 'latency'
  const target = latency ? urls.proxied : urls.direct
  const after = Math.round(spec.durationMs / 4)
  const faultMs = Math.round(spec.durationMs / 2)
  const duration = durationText(spec.durationMs)
  const gap = durationText(restartGapMs(spec.durationMs))

  const system = {
    ...(spec.mode === 'launch'
      ? {
          services: [
            {
              name: names.service,
              command: 'sh',
              args: ['-c', escapeVariables(spec.start ?? '')],
              env: { PORT: '{{ports.http}}' },
              ports: { http: spec.port },
              readiness: { http: urls.readiness, timeout: '30s' },
              restart: 'always',
              ...(spec.fault === 'kill' ? { backoff: { initial: gap, max: gap } } : {}),
            },
          ],
        }
      : {
          attach: [
            {
              name: names.service,
              port: spec.portVariable === undefined ? spec.port : portText(spec),
            },
          ],
        }),
    ...(latency ? { proxies: [{ name: names.proxy, upstream: urls.upstream }] } : {}),
  }

  const fault = latency
    ? {
        type: 'proxy-toxic',
        proxy: names.proxy,
        toxic: {
          type: 'latency',
          attributes: { latency: STARTER_LATENCY_MS, jitter: STARTER_JITTER_MS },
        },
        after: durationText(after),
        duration: durationText(faultMs),
      }
    : {
        type: 'process-kill',
        target: spec.mode === 'attach' ? { attach: names.service } : { service: names.service },
        signal: 'SIGKILL',
        after: durationText(after),
        duration: durationText(faultMs),
      }

  const faultProbe = latency
    ? {
        name: `${names.service}-answers-slowed`,
        type: 'http',
        mode: 'OnChaos',
        url: target,
        runProperties: { timeout: '1s', pollingInterval: '1s' },
      }
    : {
        name: `${names.service}-back`,
        type: 'http',
        mode: 'EOT',
        url: urls.direct,
        runProperties: { attempts: 10, interval: '1s' },
      }

  const data = {
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: { name: names.experiment, description: description(spec) },
    spec: {
      hypothesis: hypothesis(spec),
      deadline: durationText(spec.durationMs + 120_000),
      system,
      probes: [
        {
          name: `${names.service}-up`,
          type: 'http',
          mode: 'SOT',
          url: urls.direct,
          expect: { status: '2xx' },
          runProperties: { attempts: 3, interval: '1s' },
        },
      ],
      steps: [
        {
          name: names.step,
          parallel: [
            {
              name: 'users',
              load: {
                url: target,
                rate: STARTER_RATE,
                duration,
                timeout: '2s',
                thresholds: {
                  http_req_failed: ['rate<0.01'],
                  http_req_duration: ['p(95)<1000'],
                },
              },
            },
            { name: names.faultStep, fault, probes: [faultProbe] },
          ],
        },
      ],
    },
  }

  const d = new NotedDocument(data)
  const load = ['spec', 'steps', 0, 'parallel', 0]
  const faultStep = ['spec', 'steps', 0, 'parallel', 1]
  d.header(header(spec, names, options))
  d.note(
    ['spec', 'hypothesis'],
    [
      "The claim this run tries to disprove, in one sentence. The probes and the load thresholds below are what 'holds' means: change them together.",
    ]
  )
  d.note(
    ['spec', 'deadline'],
    ['Past this the run is stopped and every fault rolled back, whatever happens.']
  )
  d.note(['spec', 'system'], ['What the experiment acts on.'], { blankLineBefore: true })
  if (spec.mode === 'launch') {
    const service = ['spec', 'system', 'services', 0]
    d.note(
      ['spec', 'system', 'services'],
      [
        'A service ordeal starts for this run and stops at its end (with every process it started), so each run begins from a fresh process.',
      ]
    )
    d.note(
      [...service, 'command'],
      [
        "Your start command, run by 'sh -c' (so pipes, 'cd dir && ...' and VAR=value work). It may use {{ports.http}}, the port below; it also gets it as $PORT.",
        'In a manifest ${NAME} is a variable (ordeal run --set NAME=...): $${NAME} is a literal ${NAME}.',
      ]
    )
    d.flow([...service, 'args']).doubleQuoted([...service, 'args', 1])
    d.flow([...service, 'env'])
    d.note(
      [...service, 'ports'],
      [
        spec.port === 0
          ? 'The port it listens on: 0 picks a free one for each run.'
          : 'The port it listens on (0 would pick a free one for each run).',
      ]
    )
    d.flow([...service, 'ports'])
    d.note(
      [...service, 'readiness'],
      [
        'The steps start once this URL answers 2xx or 3xx; the run fails if it does not within the timeout.',
      ]
    )
    d.flow([...service, 'readiness']).doubleQuoted([...service, 'readiness', 'http'])
    d.note(
      [...service, 'restart'],
      [
        'A process that dies (or is killed) is started again after a short backoff, as systemd or Kubernetes would: always, on-failure or never.',
      ]
    )
    if (spec.fault === 'kill') {
      d.note(
        [...service, 'backoff'],
        [
          `The wait before it is started again: ${gap}, so the load below always meets the gap a crash leaves and the run's verdict does not depend on how fast your service restarts. Remove it to measure your own restart time instead (the default is 100ms, doubling up to 5s).`,
        ]
      )
      d.flow([...service, 'backoff'])
    }
  } else {
    d.note(
      ['spec', 'system', 'attach'],
      [
        "A process you already run. ordeal finds it by the TCP port it listens on (or by 'pid', or by 'match': a regular expression over its command line), touches it only where a step names it, and neither starts nor stops it.",
      ]
    )
    if (spec.portVariable !== undefined) {
      d.note(
        ['spec', 'system', 'attach', 0, 'port'],
        [
          `Replace ${portText(spec)} with your service's port, here and in the URLs below. It has no default on purpose: until you choose the process, this template does not validate, so it cannot act on whatever happens to listen on the Chaos Center's host.`,
        ]
      )
    }
  }
  if (latency) {
    d.note(
      ['spec', 'system', 'proxies'],
      [
        `A TCP proxy (with Toxiproxy's toxics) that ordeal starts in front of your service for this run, on a free port: {{proxies.${names.proxy}.port}}. Only what is sent to the proxy is slowed down: the load and the probes below go through it, your own clients do not.`,
      ]
    )
    d.flow(['spec', 'system', 'proxies', 0])
    if (spec.mode === 'attach') {
      d.doubleQuoted(['spec', 'system', 'proxies', 0, 'upstream'])
    }
  }
  d.note(
    ['spec', 'probes'],
    [
      'Probes watch the service and pass or fail. These watch the whole run; SOT (start of test) runs once before the first step: if the service is not up, there is nothing to test.',
    ],
    { blankLineBefore: true }
  )
  d.doubleQuoted(['spec', 'probes', 0, 'url'])
  d.note(
    ['spec', 'probes', 0, 'expect'],
    ["What counts as healthy. Add bodyContains: '...' to check the answer's text too."]
  )
  d.flow(['spec', 'probes', 0, 'expect']).flow(['spec', 'probes', 0, 'runProperties'])
  d.note(
    ['spec', 'steps'],
    ['The timeline. One step: the users (a load) and the fault, side by side (parallel).'],
    { blankLineBefore: true }
  )
  d.note(load, [
    `The users: a small open-model load, ${STARTER_RATE} requests/s for ${duration}. Each request is sent on schedule whatever the service does, so a stall shows in the latency instead of slowing the load down. ${latency ? 'It goes through the proxy, so it feels the latency.' : 'It calls the service directly.'}`,
  ])
  d.doubleQuoted([...load, 'load', 'url'])
  d.note(
    [...load, 'load', 'thresholds'],
    [
      "k6's syntax; a threshold that fails fails the run. http_req_failed counts statuses outside 200-399, timeouts and refused connections; http_req_duration is in milliseconds.",
      ...(latency
        ? []
        : [
            spec.mode === 'launch'
              ? 'A killed process drops what it was answering and refuses the rest until it is back: with one replica and the restart backoff above, http_req_failed fails on every run (exit 1). That is the weakness this experiment is here to show; something that covers the gap (a second replica, retries in the client) makes it pass.'
              : 'A killed process drops what it was answering and refuses the rest until it is back: unless something covers the gap (a second replica, retries in the client), expect http_req_failed to fail. That is the weakness this experiment is here to show.',
          ]),
    ]
  )
  d.flow([...load, 'load', 'thresholds', 'http_req_failed'])
  d.flow([...load, 'load', 'thresholds', 'http_req_duration'])
  d.note(faultStep, faultNote(spec, after, faultMs))
  if (latency) {
    d.note(
      [...faultStep, 'fault', 'toxic'],
      [
        'Delays each answer on its way back to the client. Other toxics: bandwidth, timeout, reset_peer, slow_close, slicer, limit_data (their attributes: ordeal schema).',
      ]
    )
    d.flow([...faultStep, 'fault', 'toxic'])
  } else {
    d.flow([...faultStep, 'fault', 'target'])
  }
  d.note(
    [...faultStep, 'fault', 'after'],
    [
      "When the fault starts (from the step's start) and how long it lasts: its window, shaded in the report.",
    ]
  )
  d.note(
    [...faultStep, 'probes'],
    [
      latency
        ? 'OnChaos: polled while the fault is active. It must answer within 1 s despite the latency.'
        : 'EOT (end of test): once the fault window is over. Is it serving again? Up to 10 tries, 1 s apart.',
    ]
  )
  d.doubleQuoted([...faultStep, 'probes', 0, 'url'])
  d.flow([...faultStep, 'probes', 0, 'runProperties'])
  return d.toString()
}

function header(spec: StarterSpec, names: Names, options: StarterOptions): string[] {
  const file = options.file ?? 'experiment.yaml'
  const how =
    spec.mode === 'attach'
      ? `the process that listens on port ${portText(spec)}`
      : 'the service it starts with your command'
  const what =
    spec.fault === 'kill'
      ? `It kills ${how} (SIGKILL)`
      : `It adds ${STARTER_LATENCY_MS} ms of latency, through a proxy, in front of ${how}`
  return [
    ...wrap(
      `A starter chaos experiment for ${names.service}, written by 'ordeal init'. ${what} while ${STARTER_RATE} requests/s go to it, and checks that it keeps answering.`,
      88
    ),
    '',
    ...(options.next ?? [
      'Next:',
      `  ordeal validate ${file}         every mistake at once, with its line`,
      `  ordeal run --dry-run ${file}    the timeline and everything the run would touch`,
      `  ordeal run ${file}              exit 0: the hypothesis held; 1: it did not`,
    ]),
    'Every field, with its default: ordeal schema (a JSON Schema your editor can use).',
  ]
}

function faultNote(spec: StarterSpec, afterMs: number, faultMs: number): string[] {
  const when = `${durationText(afterMs)} in, for ${durationText(faultMs)}`
  if (spec.fault === 'latency') {
    return [
      `The fault, ${when}: ${STARTER_LATENCY_MS} ms (± ${STARTER_JITTER_MS} ms) of latency on every answer that passes through the proxy. It is removed at the end of its window, and by the watchdog or 'ordeal recover' if ordeal itself is killed.`,
    ]
  }
  return [
    `The fault, ${when}: SIGKILL the process, like a crash or an out-of-memory kill.`,
    spec.mode === 'attach'
      ? "ordeal does not restart a process it did not start: unless something else does (systemd, Docker's restart policy, a process manager), the probe below fails, and that is the finding. Run this only against a process you may kill."
      : `restart: always (above) starts it again ${durationText(restartGapMs(spec.durationMs))} later (its backoff); the requests sent meanwhile fail.`,
  ]
}

function hypothesis(spec: StarterSpec): string {
  const holds = 'fewer than 1% of requests fail and 95% are answered within 1 s'
  return spec.fault === 'kill'
    ? `${spec.name} is serving again after its process is killed, and ${holds}.`
    : `With ${STARTER_LATENCY_MS} ms of latency in front of ${spec.name}, ${holds}.`
}

function description(spec: StarterSpec): string {
  const how = spec.mode === 'attach' ? 'a running service' : 'a launched service'
  return spec.fault === 'kill'
    ? `Kill ${how} (${spec.name}) under a small load; it must come back.`
    : `Add ${STARTER_LATENCY_MS} ms of latency in front of ${how} (${spec.name}) under a small load.`
}
