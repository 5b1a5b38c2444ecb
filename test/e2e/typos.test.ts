/**
 * Issue 13 §1: a typo in a manifest or on the command line is exit 2 with file:line and a
 * did-you-mean, before anything starts; never a wrong verdict, never an internal error.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { cliPath, repoRoot, workspace, type Workspace } from '../support/cli.js'

const header = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: typo
spec:
  hypothesis: it holds
  system:
    services:
      - name: front
        command: node
        args: ['-e', 'require("http").createServer((q, s) => s.end("ok")).listen(+process.argv[1])', '{{ports.http}}']
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/' }
    proxies:
      - { name: front, upstream: '127.0.0.1:{{services.front.ports.http}}' }
`

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

/** `validate`, `run --dry-run` and `run` all answer exit 2 with the same line. */
async function assertInvalidEverywhere(name: string, yaml: string, line: RegExp): Promise<void> {
  const file = ws.write(`${name}.yaml`, yaml)
  for (const args of [
    ['validate', file],
    ['run', '--dry-run', file],
    ['run', file],
  ]) {
    const r = await ws.run(args)
    assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
    assert.match(r.stderr, line, args.join(' '))
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /)
  }
  assert.equal(existsSync(path.join(ws.stateDir, 'runs')), false, 'nothing started')
}

describe('typos are invalid manifests, not verdicts', () => {
  test('an unknown proxy in a probe URL (was: exit 1, disproved)', async () => {
    await assertInvalidEverywhere(
      'probe-proxy',
      `${header}  probes:
    - name: page
      type: http
      mode: Continuous
      url: 'http://127.0.0.1:{{proxies.frnt.port}}/'
  steps:
    - wait: 200ms
`,
      /probe-proxy\.yaml:20: spec\.probes\[0\]\.url: \{\{proxies\.frnt\.port\}\}: no proxy named 'frnt' in spec\.system\.proxies \(did you mean 'front'\?\)/
    )
  })

  test('an unknown port in a load URL (was: internal error, exit 3)', async () => {
    await assertInvalidEverywhere(
      'load-port',
      `${header}  steps:
    - load:
        url: 'http://127.0.0.1:{{services.front.ports.htp}}/{{seq}}'
        rate: 5
        duration: 1s
`,
      /load-port\.yaml:18: spec\.steps\[0\]\.load\.url: \{\{services\.front\.ports\.htp\}\}: service 'front' has no port named 'htp' \(did you mean 'http'\?\)/
    )
  })

  test('a latency toxic with delay instead of latency (was: injected nothing, passed)', async () => {
    await assertInvalidEverywhere(
      'toxic-delay',
      `${header}  steps:
    - fault: { type: proxy-toxic, proxy: front, toxic: { type: latency, attributes: { delay: 300 } }, duration: 1s }
`,
      /toxic-delay\.yaml:17: spec\.steps\[0\]\.fault\.toxic\.attributes\.delay: unknown attribute 'delay' for a latency toxic \(did you mean 'latency'\?\)/
    )
  })

  test('--set for a variable the manifest never uses', async () => {
    const file = ws.write(
      'set.yaml',
      `${header}  steps:
    - wait: \${PAUSE:-100ms}
`
    )
    for (const args of [
      ['validate', file],
      ['run', '--dry-run', file],
      ['run', file],
    ]) {
      const r = await ws.run([...args, '--set', 'PAUES=1s'])
      assert.equal(r.exitCode, 2, r.stdout + r.stderr)
      assert.equal(
        r.stderr,
        `${file}:0: --set PAUES: the manifest has no \${PAUES} variable (did you mean 'PAUSE'?)\n`
      )
    }
    const used = await ws.run(['validate', file, '--set', 'PAUSE=1s'])
    assert.equal(used.exitCode, 0, used.stderr)
  })
})

describe('a reader that goes away ends output quietly', () => {
  for (const args of [['schema'], ['run', '--dry-run', 'examples/quickstart/experiment.yaml']]) {
    test(`ordeal ${args.join(' ')} | head -c 1`, async () => {
      const child = spawn(process.execPath, [cliPath, ...args], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.stdout.once('data', () => child.stdout.destroy())
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      assert.equal(stderr, '')
      assert.equal(code, 0)
    })
  }
})
