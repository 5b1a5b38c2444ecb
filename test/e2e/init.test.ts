/**
 * `ordeal init` through the built CLI: for each combination (attach or launch, kill or
 * latency) the file it writes passes `ordeal validate` and `ordeal run` runs it as written
 * against a real service (`python3 -m http.server` on loopback) to a verdict. In attach +
 * kill the process ordeal kills is this test's own child. Also: the questions on a real
 * pseudo-terminal (`script`), overwrite protection and one-line errors for bad flags.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { lstatSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { cliPath, collect, workspace, type CliResult, type Workspace } from '../support/cli.js'
import { freePort } from '../support/free-port.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

/** `python3 -m http.server` on a free loopback port, ready once it says it serves. */
async function startHttpServer(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort()
  const child = spawn('python3', ['-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
    cwd: ws.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString()
      if (output.includes('Serving HTTP')) {
        resolve()
      }
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`http.server exited (${code ?? signal}) before serving: ${output}`))
    )
  })
  return { child, port }
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL')
  }
}

async function init(args: string[]): Promise<CliResult> {
  return ws.run(['init', '--yes', ...args])
}

const verdicts = (r: { result?: { probes: { name: string; verdict: string }[] } | undefined }) =>
  Object.fromEntries((r.result?.probes ?? []).map((p) => [p.name, p.verdict]))

describe('ordeal init writes an experiment that validates and runs as written', () => {
  test('attach + latency: the latency goes through the proxy and the hypothesis holds', async () => {
    const { child, port } = await startHttpServer()
    try {
      const file = path.join(ws.dir, 'attach-latency.yaml')
      const written = await init([
        file,
        '--attach',
        '--url',
        `http://127.0.0.1:${port}/`,
        '--fault',
        'latency',
        '--duration',
        '4s',
      ])
      assert.equal(written.exitCode, 0, written.stderr)
      assert.match(
        written.stdout,
        new RegExp(`ordeal validate ${file}\\n.*ordeal run ${file}`, 's')
      )
      const valid = await ws.run(['validate', file])
      assert.equal(valid.exitCode, 0, valid.stderr)
      const r = await ws.runManifest('attach-latency', readFileSync(file, 'utf8'))
      assert.equal(r.exitCode, 0, r.stdout + r.stderr)
      assert.equal(r.result?.verdict, 'pass')
      assert.deepEqual(verdicts(r), {
        'my-service-up': 'Passed',
        'my-service-answers-slowed': 'Passed',
      })
      const injected = r.events.find((e) => e.type === 'fault.injected')
      assert.ok(injected, 'the toxic was injected')
      assert.ok(r.result!.faults[0]!.revertedAt, 'and removed')
      assert.equal(child.exitCode, null, 'the attached service was not touched')
    } finally {
      stop(child)
    }
  })

  test("attach + kill: ordeal kills the test's own child, which does not come back: disproved", async () => {
    const { child, port } = await startHttpServer()
    try {
      const exited = once(child, 'exit')
      const file = ws.write('attach-kill.yaml', '')
      const written = await init([
        file,
        '--force',
        '--url',
        `http://127.0.0.1:${port}/`,
        '--fault',
        'kill',
        '--duration',
        '4s',
      ])
      assert.equal(written.exitCode, 0, written.stderr)
      assert.equal((await ws.run(['validate', file])).exitCode, 0)
      const r = await ws.runManifest('attach-kill', readFileSync(file, 'utf8'))
      assert.equal(r.exitCode, 1, r.stdout + r.stderr)
      assert.equal(r.result?.verdict, 'fail')
      assert.deepEqual(verdicts(r), { 'my-service-up': 'Passed', 'my-service-back': 'Failed' })
      const [, signal] = (await exited) as [number | null, NodeJS.Signals | null]
      assert.equal(signal, 'SIGKILL', "the process on the port was this test's child")
    } finally {
      stop(child)
    }
  })

  test('launch + kill: restart: always brings it back after its backoff; the verdict is always fail', async () => {
    const file = path.join(ws.dir, 'launch-kill.yaml')
    const start = 'python3 -m http.server {{ports.http}} --bind 127.0.0.1'
    const written = await init([
      file,
      '--start',
      start,
      '--port',
      '0',
      '--fault',
      'kill',
      '--duration',
      '4s',
    ])
    assert.equal(written.exitCode, 0, written.stderr)
    assert.match(readFileSync(file, 'utf8'), /backoff: \{ initial: 2s, max: 2s \}/)
    assert.equal((await ws.run(['validate', file])).exitCode, 0)
    const r = await ws.runManifest('launch-kill', readFileSync(file, 'utf8'))
    // The restart backoff keeps the service down 2 s of the 4 s load (kill at 1 s): about 10 of
    // 20 requests are refused, however fast python restarts, so http_req_failed fails every
    // run and the verdict is fail (exit 1), never pass. The service is back either way.
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.equal(r.result?.verdict, 'fail')
    assert.deepEqual(
      r.result?.loads.flatMap((l) => (l.failedThresholds ?? []).map((t) => t.metric)),
      ['http_req_failed']
    )
    assert.deepEqual(verdicts(r), { 'my-service-up': 'Passed', 'my-service-back': 'Passed' })
    const started = r.events.filter((e) => e.type === 'service.started')
    assert.ok(started.length >= 2, 'the killed service was started again')
  })

  test('launch + latency: a proxy in front of the launched service; the hypothesis holds', async () => {
    const file = path.join(ws.dir, 'launch-latency.yaml')
    const start = 'exec python3 -m http.server "$PORT" --bind 127.0.0.1'
    const written = await init([file, '--start', start, '--port', '0', '--duration', '4s'])
    assert.equal(written.exitCode, 0, written.stderr)
    assert.equal((await ws.run(['validate', file])).exitCode, 0)
    const r = await ws.runManifest('launch-latency', readFileSync(file, 'utf8'))
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.deepEqual(verdicts(r), {
      'my-service-up': 'Passed',
      'my-service-answers-slowed': 'Passed',
    })
  })
})

describe('ordeal init on the command line', () => {
  test('asks on a terminal, with answers typed ahead (a pseudo-terminal through script)', async () => {
    const file = path.join(ws.dir, 'asked.yaml')
    const child = spawn(
      'script',
      ['-qec', `${process.execPath} ${cliPath} init ${file}`, '/dev/null'],
      {
        cwd: ws.dir,
        env: { ...process.env, NO_COLOR: '1', ORDEAL_STATE_DIR: ws.stateDir },
        stdio: ['pipe', 'pipe', 'pipe'],
      }
    )
    child.stdin!.end(['shop', 'launch', 'npm start', '', '3000', 'kill', ''].join('\n'))
    const r = await collect(child, 30_000)
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /Name of your service \(my-service\)/)
    const yaml = readFileSync(file, 'utf8')
    assert.match(yaml, /name: shop-kill/)
    assert.match(yaml, /args: \[ -c, "npm start" \]/)
    assert.match(yaml, /ports: \{ http: 3000 \}/)
    assert.equal((await ws.run(['validate', file])).exitCode, 0)
  })

  test('Ctrl+C at a question writes nothing and exits 130', async () => {
    const file = path.join(ws.dir, 'interrupted.yaml')
    const child = spawn(
      'script',
      ['-qec', `${process.execPath} ${cliPath} init ${file}`, '/dev/null'],
      {
        cwd: ws.dir,
        env: { ...process.env, NO_COLOR: '1', ORDEAL_STATE_DIR: ws.stateDir },
        stdio: ['pipe', 'pipe', 'pipe'],
      }
    )
    const result = collect(child, 30_000)
    let output = ''
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (d: Buffer) => {
        output += d.toString()
        if (output.includes('Name of your service')) {
          resolve()
        }
      })
    )
    child.stdin!.write('\x03')
    const r = await result
    child.stdin!.end()
    assert.equal(r.exitCode, 130, r.stdout + r.stderr)
    assert.throws(() => readFileSync(file), /ENOENT/)
  })

  test('never overwrites a file unless --force', async () => {
    const file = ws.write('mine.yaml', 'my own work\n')
    const r = await init([file])
    assert.equal(r.exitCode, 2)
    assert.equal(r.stderr, `ordeal init: ${file} exists; pass --force to overwrite it\n`)
    assert.equal(readFileSync(file, 'utf8'), 'my own work\n')
    assert.equal((await init([file, '--force'])).exitCode, 0)
    assert.match(readFileSync(file, 'utf8'), /apiVersion: ordeal\.dev\/v1/)
  })

  test('--force never follows a symbolic link at FILE', async () => {
    const target = ws.write('not-mine.txt', "someone else's file\n")
    const link = path.join(ws.dir, 'link.yaml')
    symlinkSync(target, link)
    const r = await init([link, '--force'])
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      /^ordeal init: .*link\.yaml is a symbolic link; not followed, nothing written/
    )
    assert.equal(readFileSync(target, 'utf8'), "someone else's file\n")
    assert.equal(lstatSync(link).isSymbolicLink(), true)
  })

  test('a bad flag is one line naming it, exit 2, and nothing is written', async () => {
    const cases: [string[], string][] = [
      [
        ['--fault', 'kil'],
        "ordeal init: --fault: must be 'kill' or 'latency' (got 'kil') (did you mean 'kill'?)\n",
      ],
      [['--port', 'http'], "ordeal init: --port: must be a port number (1-65535) (got 'http')\n"],
      [
        ['--start', 'serve {{port.http}}'],
        "ordeal init: --start: {{port.http}}: unknown template variable 'port' (did you mean 'ports'?)\n",
      ],
      [
        ['--url', '127.0.0.1:8080'],
        "ordeal init: --url: must start with http:// or https://, like http://127.0.0.1:8080/health (got '127.0.0.1:8080')\n",
      ],
    ]
    for (const [args, stderr] of cases) {
      const file = path.join(ws.dir, 'never.yaml')
      const r = await init([file, ...args])
      assert.deepEqual([r.exitCode, r.stderr], [2, stderr], args.join(' '))
      assert.throws(() => readFileSync(file), /ENOENT/)
    }
  })

  test('without a terminal it asks nothing and writes experiment.yaml from defaults', async () => {
    const r = await ws.run(['init'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(readFileSync(path.join(ws.dir, 'experiment.yaml'), 'utf8'), /port: 8080/)
  })
})
