/**
 * The hub's proxy-latency starters run on a Chaos Center as a user would run them from the UI:
 * the launch one as it is (python3's http.server as the run user, behind the run's proxy),
 * and the attach one after the edit its header asks for (the port of the user's own service,
 * here a `python3 -m http.server` this test starts). Both hold: latency, not errors. Unchanged,
 * an attach starter is refused: its port is a variable with no default.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before, test } from 'node:test'
import type { HubTemplate, RunSummary } from '../../src/shared/api.js'
import {
  apiFetch,
  startChaosCenter,
  startExperimentRun,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { workspace, type Workspace } from '../support/cli.js'
import { freePort } from '../support/free-port.js'
import { openStream } from '../support/sse.js'

let center: ChaosCenter
let ws: Workspace
let service: ChildProcess | undefined

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir } })
})

after(async () => {
  service?.kill('SIGKILL')
  await center.dispose()
  ws.cleanup()
})

async function template(id: string): Promise<string> {
  const r = await apiFetch<HubTemplate>(center.url, `/api/hub/${id}`, { token: center.ownerToken })
  assert.equal(r.status, 200, r.text)
  return r.json.yaml
}

/** Starts a run of `yaml` and resolves with its summary once the server closes its stream. */
async function runToEnd(yaml: string): Promise<RunSummary> {
  const { id } = await startExperimentRun(center, yaml)
  const stream = await openStream(`${center.url}/api/runs/${id}/stream`, center.ownerToken)
  await stream.closed // the server closes it once the run's end is recorded
  const r = await apiFetch<RunSummary>(center.url, `/api/runs/${id}`, { token: center.ownerToken })
  return r.json
}

/** The user's own service: ready once it says it serves. */
async function startOwnService(port: number): Promise<ChildProcess> {
  const child = spawn('python3', ['-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
    cwd: ws.dir,
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  await new Promise<void>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString()
      if (output.includes('Serving HTTP')) {
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`http.server exited (${code}): ${output}`)))
  })
  return child
}

test('an unchanged attach starter is refused (validate and save), naming its port variable', async () => {
  for (const id of ['attach-kill', 'attach-proxy-latency']) {
    const yaml = await template(id)
    const checked = await apiFetch<{ valid: boolean; issues: { message: string }[] }>(
      center.url,
      '/api/experiments/validate',
      { token: center.ownerToken, method: 'POST', body: { yaml } }
    )
    assert.equal(checked.json.valid, false, id)
    assert.match(checked.json.issues[0]!.message, /^variable \$\{SERVICE_PORT\} is not set: write/)
    const saved = await apiFetch<{ message: string }>(center.url, '/api/experiments', {
      token: center.ownerToken,
      method: 'POST',
      body: { yaml },
    })
    assert.equal(saved.status, 400, id)
    assert.match(
      saved.json.message,
      /^line \d+: variable \$\{SERVICE_PORT\} is not set: write the value in its place/
    )
  }
})

test("the hub's proxy-latency starters hold on a Chaos Center (launch as is, attach after setting the port)", async () => {
  const port = await freePort()
  service = await startOwnService(port)
  const attach = (await template('attach-proxy-latency')).replaceAll(
    '${SERVICE_PORT}',
    String(port)
  )
  const [launched, attached] = await Promise.all([
    runToEnd(await template('launch-proxy-latency')),
    runToEnd(attach),
  ])
  assert.deepEqual(
    [launched.verdict, attached.verdict],
    ['pass', 'pass'],
    JSON.stringify({ launched, attached })
  )
  assert.equal(service.exitCode, null, 'the attached service is untouched by a proxy fault')
})
