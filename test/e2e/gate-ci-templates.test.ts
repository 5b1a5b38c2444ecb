/**
 * The CI templates (issue 16 §4): action.yml and the GitLab template both call
 * ci/ordeal-run.sh, and that script, run here as a CI job would run it (the BUILT CLI standing
 * in for `npx ordeal`), records the run on a real Chaos Center, writes result.json and
 * junit.xml, and exits as the job must: 0 held, 1 disproved, 2 invalid, the threshold letting
 * a disproved run through when its score reaches it.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { parse } from 'yaml'
import type { RunSummary } from '../../src/shared/api.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { cliPath, repoRoot, workspace, type Workspace } from '../support/cli.js'

const SCRIPT = 'ci/ordeal-run.sh'

const experiment = (name: string, command: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: The probe holds.
  deadline: 1m
  steps:
    - name: look
      wait: 100ms
      probes:
        - name: check
          type: cmd
          mode: EOT
          command: '${command}'
`

let center: ChaosCenter
let ws: Workspace

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir } })
})

after(async () => {
  await center?.dispose()
  ws?.cleanup()
})

interface Job {
  code: number | null
  output: string
  out: string
  githubOutput: string
}

/** Runs the script as a CI job does: settings in the environment, in the workspace. */
function job(name: string, env: Record<string, string>): Promise<Job> {
  const out = path.join(ws.dir, `${name}-results`)
  const githubOutput = ws.write(`${name}.github-output`, '')
  const child = spawn('sh', [path.join(repoRoot, SCRIPT)], {
    cwd: ws.dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/root',
      ORDEAL_STATE_DIR: ws.stateDir,
      NO_COLOR: '1',
      ORDEAL_CLI: `${process.execPath} ${cliPath}`,
      ORDEAL_OUT_DIR: out,
      GITHUB_OUTPUT: githubOutput,
      ...env,
    },
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, output, out, githubOutput }))
  })
}

const resultOf = (j: Job) =>
  JSON.parse(readFileSync(path.join(j.out, 'result.json'), 'utf8')) as {
    verdict: string
    resilienceScore: number
  }

test('action.yml is a composite action whose step runs the script with the inputs as environment', () => {
  const action = parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { required?: boolean; default?: string }>
    runs: {
      using: string
      steps: {
        run?: string
        uses?: string
        if?: string
        env?: Record<string, string>
        with?: Record<string, string>
      }[]
    }
  }
  assert.equal(action.runs.using, 'composite')
  assert.equal(action.inputs['experiment']?.required, true)
  for (const input of ['server', 'token', 'agent', 'labels', 'threshold']) {
    assert.ok(action.inputs[input], `input ${input}`)
  }
  const run = action.runs.steps.find((s) => s.run?.includes(SCRIPT))
  assert.ok(run, 'a step runs ci/ordeal-run.sh')
  assert.equal(run.run, 'sh "$GITHUB_ACTION_PATH/ci/ordeal-run.sh"')
  // Inputs only through the environment: a crafted input cannot become shell text.
  assert.ok(!run.run!.includes('${{'))
  assert.equal(run.env?.['ORDEAL_TOKEN'], '${{ inputs.token }}')
  assert.equal(run.env?.['ORDEAL_FILE'], '${{ inputs.experiment }}')
  const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
  assert.ok(upload, 'the results are uploaded')
  assert.equal(upload.if, 'always()')
  assert.equal(upload.with?.['path'], '${{ inputs.results }}')
})

test('the GitLab template runs the same script and reports the JUnit file', () => {
  const template = parse(
    readFileSync(path.join(repoRoot, 'ci/gitlab/ordeal.gitlab-ci.yml'), 'utf8')
  ) as Record<
    string,
    {
      script: string[]
      artifacts: { when: string; reports: { junit: string }; paths: string[] }
      variables: Record<string, string>
    }
  >
  const job = template['.ordeal-experiment']
  assert.ok(job)
  assert.ok(job.script.some((line) => line.includes(SCRIPT)))
  // The binary's path is used as one word (ORDEAL_CLI is split on spaces).
  assert.ok(job.script.some((line) => line.startsWith('export ORDEAL_BIN="$PWD/')))
  assert.ok(!job.script.some((line) => line.includes('ORDEAL_CLI')))
  assert.equal(job.artifacts.when, 'always')
  assert.equal(job.artifacts.reports.junit, `${job.variables['ORDEAL_OUT_DIR']}/junit.xml`)
  assert.ok(job.artifacts.paths.includes(`${job.variables['ORDEAL_OUT_DIR']}/`))
  // The script ships in the package the job installs.
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    files: string[]
  }
  assert.ok(pkg.files.includes('ci'))
})

test('a passing experiment: exit 0, result.json and junit.xml written, the run recorded on the server', async () => {
  const file = ws.write('holds.yaml', experiment('ci-holds', 'true'))
  const j = await job('holds', {
    ORDEAL_FILE: file,
    ORDEAL_SERVER: center.url,
    ORDEAL_TOKEN: center.ownerToken,
  })
  assert.equal(j.code, 0, j.output)
  assert.equal(resultOf(j).verdict, 'pass')
  assert.match(readFileSync(path.join(j.out, 'junit.xml'), 'utf8'), /<testsuite/)
  assert.match(readFileSync(j.githubOutput, 'utf8'), /^verdict=pass\nscore=100\nexit-code=0\n$/)
  assert.ok(!j.output.includes(center.ownerToken), 'the token reached the job log')
  const runs = await apiFetch<RunSummary[]>(center.url, '/api/runs', { token: center.ownerToken })
  const recorded = runs.json.find((r) => r.experimentName === 'ci-holds')
  assert.equal(recorded?.verdict, 'pass')
})

test('a disproved hypothesis fails the job (exit 1) and still leaves both files', async () => {
  const file = ws.write('breaks.yaml', experiment('ci-breaks', 'false'))
  const j = await job('breaks', {
    ORDEAL_FILE: file,
    ORDEAL_SERVER: center.url,
    ORDEAL_TOKEN: center.ownerToken,
  })
  assert.equal(j.code, 1, j.output)
  assert.equal(resultOf(j).verdict, 'fail')
  assert.ok(existsSync(path.join(j.out, 'junit.xml')))
  assert.match(readFileSync(j.githubOutput, 'utf8'), /exit-code=1/)
})

test('threshold: a disproved run scoring at least the threshold passes; an invalid manifest is exit 2', async () => {
  const file = ws.write('tolerated.yaml', experiment('ci-tolerated', 'false'))
  const tolerated = await job('tolerated', { ORDEAL_FILE: file, ORDEAL_THRESHOLD: '0' })
  assert.equal(tolerated.code, 0, tolerated.output)
  assert.match(tolerated.output, /score 0 >= threshold 0: passing/)
  const invalid = ws.write('invalid.yaml', 'apiVersion: ordeal.dev/v1\nkind: Experiment\n')
  const bad = await job('invalid', { ORDEAL_FILE: invalid })
  assert.equal(bad.code, 2, bad.output)
  const noFile = await job('nofile', {})
  assert.equal(noFile.code, 2)
  assert.match(noFile.output, /ORDEAL_FILE .* is required/)
})

test('the threshold is checked as a number from 0 to 100: 150 and . are usage errors, 100.0 is 100', async () => {
  for (const threshold of ['150', '.', '1e2', '-1', 'abc']) {
    const j = await job(`threshold-${threshold}`, {
      ORDEAL_FILE: 'unused.yaml',
      ORDEAL_THRESHOLD: threshold,
    })
    assert.equal(j.code, 2, `${threshold}: ${j.output}`)
    assert.match(j.output, /threshold must be a number from 0 to 100/)
  }
  const file = ws.write('exact.yaml', experiment('ci-exact', 'true'))
  const exact = await job('exact', { ORDEAL_FILE: file, ORDEAL_THRESHOLD: '100.0' })
  assert.equal(exact.code, 0, exact.output)
  const breaks = ws.write('exact-breaks.yaml', experiment('ci-exact-breaks', 'false'))
  const strict = await job('exact-breaks', { ORDEAL_FILE: breaks, ORDEAL_THRESHOLD: '100.00' })
  assert.equal(strict.code, 1, strict.output)
  assert.doesNotMatch(strict.output, /passing/)
})

test('ORDEAL_BIN is one word: the CLI under a directory whose name has a space runs', async () => {
  const dir = path.join(ws.dir, 'my project', 'node_modules', '.bin')
  mkdirSync(dir, { recursive: true })
  const bin = path.join(dir, 'ordeal')
  writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${cliPath}' "$@"\n`)
  chmodSync(bin, 0o755)
  const file = ws.write('spaced.yaml', experiment('ci-spaced', 'true'))
  const j = await job('spaced', { ORDEAL_FILE: file, ORDEAL_BIN: bin, ORDEAL_CLI: 'false' })
  assert.equal(j.code, 0, j.output)
  assert.equal(resultOf(j).verdict, 'pass')
})
