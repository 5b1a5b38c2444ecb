/**
 * Issue 13 §1: a typo in a manifest or on the command line is exit 2 with file:line and a
 * did-you-mean, before anything starts; never a wrong verdict, never an internal error.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
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

  test('process-restart of an attached process (was: validated, then exit 3 at injection)', async () => {
    await assertInvalidEverywhere(
      'restart-attach',
      `${header}    attach: [{ name: legacy, match: 'no-such-legacy-process' }]
  steps:
    - fault: { type: process-restart, target: { attach: legacy }, duration: 1s }
`,
      /^\S*restart-attach\.yaml:18: spec\.steps\[0\]\.fault\.target\.attach: process-restart needs a service ordeal launched \(it cannot restart an attached process\)\n$/
    )
  })

  test('a probe URL without a scheme, a tcp port that is not one, a bad attach regex', async () => {
    const file = ws.write(
      'values.yaml',
      `${header}    attach: [{ name: legacy, match: '[' }]
  probes:
    - { name: page, type: http, mode: SOT, url: 'localhost:{{proxies.front.port}}/' }
    - { name: port, type: tcp, mode: SOT, port: 'htpp' }
  steps:
    - wait: 100ms
`
    )
    const r = await ws.run(['run', file])
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `${file}:16: spec.system.attach[0].match: is not a valid regular expression: Invalid regular expression: /[/: Unterminated character class`,
      `${file}:18: spec.probes[0].url: 'localhost:{{proxies.front.port}}/' has no scheme: write http://localhost:{{proxies.front.port}}/`,
      `${file}:19: spec.probes[1].port: 'htpp' is not a port: use a number or a template such as {{services.api.ports.http}}`,
    ])
  })

  test('report paths that cannot be written are usage errors before anything starts', async () => {
    const file = ws.write('paths.yaml', `${header}  steps:\n    - wait: 100ms\n`)
    for (const option of ['--json', '--junit', '--journal']) {
      const r = await ws.run(['run', file, option, path.join(ws.dir, 'no-such-dir', 'out')])
      assert.equal(r.exitCode, 2, r.stderr)
      assert.match(
        r.stderr,
        new RegExp(`^ordeal run: ${option} \\S+out: directory \\S+no-such-dir does not exist\\n$`)
      )
    }
    assert.equal(existsSync(path.join(ws.stateDir, 'runs')), false, 'nothing started')
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
        // The flag's error names the flag, not a line 0 of the file.
        `--set PAUES=1s: PAUES is not used by ${file} (did you mean 'PAUSE'?)\n`
      )
    }
    const other = ws.write('other.yaml', `${header}  steps:\n    - wait: 100ms\n`)
    const several = await ws.run(['validate', file, other, '--set', 'PAUES=1s'])
    assert.equal(several.exitCode, 2, several.stdout + several.stderr)
    assert.equal(
      several.stderr,
      `ordeal validate: --set PAUES=1s: PAUES is not used by any of ${file}, ${other} (did you mean 'PAUSE'?)\n`
    )
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

describe('CI output for runs that cannot give a verdict', () => {
  test('an invalid manifest still writes JUnit (one failing case) and JSON (the issues)', async () => {
    const r = await ws.runManifest(
      'invalid-ci',
      `${header}  probes:
    - { name: page, type: http, mode: Continuous, url: 'http://127.0.0.1:{{proxies.frnt.port}}/' }
  steps:
    - fault: { type: proxy-toxic, proxy: front, toxic: { type: latency, attributes: { delay: 300 } }, duration: 1s }
`,
      ['--junit', path.join(ws.dir, 'invalid-ci.xml')]
    )
    assert.equal(r.exitCode, 2, r.stderr)
    assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr)
    const junit = readFileSync(path.join(ws.dir, 'invalid-ci.xml'), 'utf8')
    assert.match(junit, /<testsuites name="ordeal" tests="1" failures="1" errors="0"/)
    assert.equal(junit.match(/<testcase /g)?.length, 1)
    assert.match(
      junit,
      /<failure message="2 issues, first: [^"]*invalid-ci\.yaml:17: spec\.probes\[0\]\.url/
    )
    assert.match(junit, /invalid-ci\.yaml:19: spec\.steps\[0\]\.fault\.toxic\.attributes\.delay/)
    const json = r.result as unknown as {
      verdict: string
      issues: { line: number; path: string }[]
    }
    assert.equal(json.verdict, 'error')
    assert.deepEqual(
      json.issues.map((i) => [i.line, i.path]),
      [
        [17, 'spec.probes[0].url'],
        [19, 'spec.steps[0].fault.toxic.attributes.delay'],
      ]
    )
  })

  test('an errored run: JUnit counts agree, unjudged probes read not run, the error sits under its step', async () => {
    const xml = path.join(ws.dir, 'errored.xml')
    const r = await ws.runManifest(
      'errored',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: errored
spec:
  hypothesis: it holds
  system:
    attach:
      - { name: ghost, match: 'no-such-process-for-ordeal-typos-test' }
  steps:
    - name: warm
      wait: 100ms
      probes:
        - { name: warm-eot, type: cmd, mode: EOT, command: 'true' }
    - name: kill-ghost
      fault: { type: process-kill, target: { attach: ghost }, duration: 1s }
      probes:
        - { name: during, type: cmd, mode: OnChaos, command: 'true' }
    - name: after
      wait: 100ms
      probes:
        - { name: after-sot, type: cmd, mode: SOT, command: 'true' }
`,
      ['--junit', xml]
    )
    assert.equal(r.exitCode, 3, r.stdout + r.stderr)
    const junit = readFileSync(xml, 'utf8')
    const testcases = junit.match(/<testcase /g)?.length
    const suite =
      /<testsuite name="errored" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(
        junit
      )
    assert.ok(suite, junit)
    assert.equal(Number(suite[1]), testcases, 'tests= counts every <testcase>')
    assert.equal(Number(suite[2]), junit.match(/<failure /g)?.length ?? 0)
    assert.equal(Number(suite[3]), junit.match(/<error /g)?.length ?? 0)
    assert.equal(Number(suite[4]), junit.match(/<skipped /g)?.length ?? 0)
    assert.deepEqual([suite[1], suite[3], suite[4]], ['4', '1', '2'])

    const probes = Object.fromEntries(r.result!.probes.map((p) => [p.name, [p.verdict, p.message]]))
    assert.deepEqual(probes, {
      'warm-eot': ['Passed', probes['warm-eot']![1]],
      during: ['N/A', 'not run: the run stopped before it was evaluated'],
      'after-sot': ['N/A', 'not run: the run stopped before step "after" started'],
    })
    // The journal itself holds a verdict for every probe, so live views never stay pending.
    const verdicts = r.events.filter((e) => e.type === 'probe.verdict').map((e) => e.name)
    assert.deepEqual(verdicts.sort(), ['after-sot', 'during', 'warm-eot'])
    const steps = Object.fromEntries(r.result!.steps.map((s) => [s.name, [s.status, s.error]]))
    assert.deepEqual(steps, {
      errored: ['aborted', undefined],
      warm: ['ok', undefined],
      'kill-ghost': [
        'error',
        "inject failed: attach 'ghost': no process command line matches /no-such-process-for-ordeal-typos-test/",
      ],
      after: ['not-run', undefined],
    })
    assert.match(r.stdout, /kill-ghost +10 +0 +error +inject failed: attach 'ghost'/)
  })
})

test('--dry-run shows the data directory the run will use', async () => {
  const out = path.join(ws.dir, 'data-dir.txt')
  const file = ws.write(
    'data-dir.yaml',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: data-dir
spec:
  hypothesis: it holds
  system:
    services:
      - name: store
        command: node
        args: ['-e', 'require("fs").writeFileSync(process.argv[1], process.argv[2]); setInterval(() => {}, 1000)', '${out}', '{{dataDir}}']
        readiness: { cmd: 'test -s ${out}' }
  steps:
    - wait: 100ms
`
  )
  const dry = await ws.run(['run', '--dry-run', file])
  assert.equal(dry.exitCode, 0, dry.stderr)
  const shown = /store-0: .* '?(\/[^\s']+\/data\/store-0)/.exec(dry.stdout)?.[1]
  assert.ok(shown, dry.stdout)
  assert.ok(shown.startsWith(path.join(ws.stateDir, 'runs', 'data-dir-<time>-<id>')), shown)
  const run = await ws.run(['run', file])
  assert.equal(run.exitCode, 0, run.stdout + run.stderr)
  const used = readFileSync(out, 'utf8')
  const pattern = shown.replace('<time>-<id>', '\u0000').split('\u0000').map(escape)
  assert.match(used, new RegExp(`^${pattern[0]}\\d{8}T\\d{6}-[0-9a-f]{6}${pattern[1]}$`))
})

test(
  '--dry-run shows the private work tree a run with a service user of its own will use',
  { skip: process.getuid?.() !== 0 && 'switching users needs root' },
  async () => {
    const file = ws.write(
      'data-dir-user.yaml',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: data-dir-user
spec:
  hypothesis: it holds
  system:
    services:
      - name: store
        command: sleep
        args: ['60']
        user: nobody
        # The run's own check that the dir has the shape --dry-run showed (exit 3 if not).
        readiness:
          cmd: 'case {{dataDir}} in /tmp/ordeal-data-dir-user-*/data/store-0) test -O {{dataDir}} || test "$(stat -c %U {{dataDir}})" = nobody;; *) false;; esac'
          timeout: 5s
  steps:
    - wait: 100ms
`
    )
    const dry = await ws.run(['run', '--dry-run', file])
    assert.equal(dry.exitCode, 0, dry.stderr)
    assert.match(dry.stdout, /work directory \/tmp\/ordeal-data-dir-user-<time>-<id>-XXXXXX /)
    assert.match(
      dry.stdout,
      /store-0: .*\/tmp\/ordeal-data-dir-user-<time>-<id>-XXXXXX\/data\/store-0/
    )
    const run = await ws.run(['run', file])
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
  }
)

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

test('a service that exits at once under restart: always fails fast with its last output', async () => {
  const r = await ws.runManifest(
    'crash-loop',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: crash-loop
spec:
  hypothesis: it holds
  system:
    services:
      - name: front
        command: node
        args: ['-e', 'console.error("Error: Cannot find module ./serverr.js"); process.exit(1)']
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/', timeout: 10m }
        restart: always
  steps:
    - wait: 100ms
`
  )
  assert.equal(r.exitCode, 3, r.stdout + r.stderr)
  assert.equal(r.events.filter((e) => e.type === 'service.started').length, 3)
  assert.match(
    r.result!.reason!,
    /crash loop: exited with code 1 before it was ready, 3 times in a row/
  )
  assert.match(r.stdout, /last output of front-0:\n {2}\[front-0\] Error: Cannot find module/)
})
