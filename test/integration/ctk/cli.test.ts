/**
 * `ordeal run` and `ordeal convert` on Chaos Toolkit files, through the built CLI: bad input is
 * one line and exit 2 before anything runs, an interrupt ends the run `interrupted` (130) with
 * the running process killed and rollbacks by strategy, and a converted experiment is a
 * manifest `ordeal validate` accepts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { cliPath, collect, repoRoot, workspace } from '../../support/cli.js'

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test('a python provider is exit 2, one line naming file, line, activity and module; nothing runs', async () => {
  const ws = workspace()
  try {
    const file = ws.write(
      'exp.json',
      JSON.stringify(
        {
          title: 't',
          description: 'd',
          method: [
            {
              type: 'action',
              name: 'touch-first',
              provider: { type: 'process', path: 'touch', arguments: ['ran'] },
            },
            {
              type: 'action',
              name: 'kill-pod',
              provider: { type: 'python', module: 'chaosk8s.pod.actions', func: 'terminate_pods' },
            },
          ],
        },
        null,
        2
      )
    )
    const r = await ws.run(['run', file])
    assert.equal(r.exitCode, 2)
    assert.equal(
      r.stderr.trim(),
      `${file}:20: method[1].provider.type: activity 'kill-pod': unsupported provider 'python' (chaosk8s.pod.actions.terminate_pods); ordeal runs http and process providers`
    )
    assert.equal(existsSync(path.join(ws.dir, 'ran')), false)
  } finally {
    ws.cleanup()
  }
})

test('CTK flags on an ordeal manifest, and a bad strategy, are exit 2', async () => {
  const ws = workspace()
  try {
    const manifest = path.join(repoRoot, 'examples/quickstart/experiment.yaml')
    const a = await ws.run(['run', manifest, '--journal-format', 'chaostoolkit'])
    assert.equal(a.exitCode, 2)
    assert.match(a.stderr, /--journal-format is for Chaos Toolkit experiments/)
    const ctk = path.join(repoRoot, 'test/ctk/corpus/16-strategy-never.yaml')
    const b = await ws.run(['run', ctk, '--rollback-strategy', 'sometimes'])
    assert.equal(b.exitCode, 2)
    assert.match(
      b.stderr,
      /--rollback-strategy 'sometimes' is not one of default, always, never, deviated/
    )
  } finally {
    ws.cleanup()
  }
})

for (const strategy of ['default', 'always'] as const) {
  test(`SIGINT mid-action: interrupted, 130, the action's process killed, rollbacks under ${strategy}`, async () => {
    const ws = workspace()
    try {
      const file = ws.write(
        'exp.yaml',
        [
          'title: interrupt me',
          'description: d',
          'method:',
          '  - type: action',
          '    name: long',
          '    provider: { type: process, path: sh, arguments: ["-c", "echo $$ > pid; exec sleep 60"] }',
          'rollbacks:',
          '  - type: action',
          '    name: mark',
          '    provider: { type: process, path: touch, arguments: [rolled-back] }',
        ].join('\n')
      )
      const journal = path.join(ws.dir, 'journal.json')
      const child = spawn(
        process.execPath,
        [
          cliPath,
          'run',
          file,
          '--journal-format',
          'chaostoolkit',
          '--journal',
          journal,
          '--rollback-strategy',
          strategy,
        ],
        {
          cwd: ws.dir,
          env: { ...process.env, ORDEAL_STATE_DIR: ws.stateDir },
          stdio: ['ignore', 'pipe', 'pipe'],
        }
      )
      const done = collect(child, 30_000)
      const pidFile = path.join(ws.dir, 'pid')
      await until(
        'the action to start',
        () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== ''
      )
      const pid = Number(readFileSync(pidFile, 'utf8').trim())
      child.kill('SIGINT')
      const r = await done
      assert.equal(r.exitCode, 130, r.stdout + r.stderr)
      assert.equal(alive(pid), false)
      const j = JSON.parse(readFileSync(journal, 'utf8')) as {
        status: string
        rollbacks: unknown[]
      }
      assert.equal(j.status, 'interrupted')
      assert.equal(existsSync(path.join(ws.dir, 'rolled-back')), strategy === 'always')
      assert.equal(j.rollbacks.length, strategy === 'always' ? 1 : 0)
    } finally {
      ws.cleanup()
    }
  })
}

test('ordeal convert: a manifest ordeal validate accepts, or exit 2 naming what has no equivalent', async () => {
  const ws = workspace()
  try {
    const convertible = path.join(repoRoot, 'test/ctk/corpus/10-tolerance-regex.yaml')
    const ok = await ws.run(['convert', convertible], { env: { CTK_BASE: 'http://127.0.0.1:1/x' } })
    assert.equal(ok.exitCode, 0, ok.stderr)
    const manifest = ws.write('converted.yaml', ok.stdout)
    const v = await ws.run(['validate', manifest])
    assert.equal(v.exitCode, 0, v.stdout + v.stderr)

    const actions = path.join(repoRoot, 'test/ctk/corpus/02-deviate.yaml')
    const no = await ws.run(['convert', actions], { env: { CTK_BASE: 'http://127.0.0.1:1/x' } })
    assert.equal(no.exitCode, 2)
    assert.equal(no.stdout, '')
    assert.match(no.stderr, /cannot convert method action 'break-it' \(http\)/)
    assert.match(no.stderr, /cannot convert rollback 'fix-it'/)
  } finally {
    ws.cleanup()
  }
})

test('--dry-run prints the plan, secrets as written, and runs nothing', async () => {
  const ws = workspace()
  try {
    const file = path.join(repoRoot, 'test/ctk/corpus/18-env-config-secrets.yaml')
    const r = await ws.run(['run', file, '--dry-run'], {
      env: {
        CTK_BASE: 'http://127.0.0.1:1/x',
        CTK_TOKEN: 'do-not-print',
        CTK_WANTED_STATUS: '200',
      },
    })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'Chaos Toolkit experiment: Configuration and secrets from the environment',
      'steady-state hypothesis "the token opens the door", before and after the method:',
      '  probe secure-with-token: http GET http://127.0.0.1:1/x/secure (tolerance "${wanted}")',
      'method:',
      '  action post-json-with-token: http POST http://127.0.0.1:1/x/echo',
      'rollbacks (strategy default): none',
    ])
    assert.doesNotMatch(r.stdout + r.stderr, /do-not-print/)
  } finally {
    ws.cleanup()
  }
})
