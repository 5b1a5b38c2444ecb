/**
 * A service's `user:`/`group:` (e.g. PostgreSQL, which refuses root), through the built CLI:
 * its process runs as that user with that user's groups only (never root's), and its data dir
 * is owned by it. `ordeal run` scrubs the environment of its commands unless `--inherit-env`.
 */
import assert from 'node:assert/strict'
import { chmodSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { workspace, type Workspace } from '../../../support/cli.js'
import { readDelivered } from '../../../../src/checks/sources/index.js'
import { launcherFor } from '../../../../src/platforms/local/exec-policy.js'
import { lookupUser } from '../../../../src/platforms/local/run-user.js'

const isRoot = process.getuid?.() === 0
let ws: Workspace

before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

const experiment = (name: string, service: string, probe: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: The probe holds.
  system:
    services:
${service}
  steps:
    - name: look
      wait: 100ms
      probes:
${probe}`

test(
  'a service with user: nobody runs as nobody with its own groups, and owns its data dir',
  { skip: !isRoot && 'needs root' },
  async () => {
    const run = await ws.runManifest(
      'as-nobody',
      experiment(
        'as-nobody',
        `      - name: s
        command: sh
        args: ['-c', 'touch "$D/written" && exec sleep 60']
        env: { D: '{{dataDir}}' }
        user: nobody
        group: nogroup
        restart: never`,
        `        - name: identity
          type: cmd
          mode: EOT
          command: >-
            awk '/^Uid:/{print $2} /^Gid:/{print $2} /^Groups:/{$1=""; print "groups" $0}'
            /proc/{{services.s.replicas[0].pid}}/status; stat -c %u {{services.s.dataDir}}
          comparator: { type: string, criteria: matches, value: '^65534\\n65534\\ngroups( 65534)?\\s*\\n65534$' }
`
      )
    )
    const verdict = run.events.find((e) => e.type === 'probe.verdict')
    assert.equal(run.exitCode, 0, `${JSON.stringify(verdict)}\n${run.stderr}`)
  }
)

test('an unknown service user fails the start naming the service', async () => {
  const run = await ws.runManifest(
    'no-user',
    experiment(
      'no-user',
      `      - { name: s, command: sleep, args: ['60'], user: no-such-user-xyz }`,
      ''
    ).replace('      probes:\n', '')
  )
  assert.equal(run.exitCode, 3, run.stderr)
  assert.match(JSON.stringify(run.events), /service s: no user named 'no-such-user-xyz'/)
})

test('a typo in user: is caught by validation with a suggestion', async () => {
  const run = await ws.runManifest(
    'typo',
    experiment(
      'typo',
      `      - { name: s, command: sleep, args: ['60'], usr: nobody }`,
      ''
    ).replace('      probes:\n', '')
  )
  assert.equal(run.exitCode, 2, run.stderr)
  assert.match(run.stderr, /usr.*user/)
})

test('ordeal run scrubs the environment of commands; --inherit-env passes it', async () => {
  const probe = `        - name: env
          type: cmd
          mode: EOT
          command: 'echo "[$ORDEAL_TEST_VISIBLE]"'
          comparator: { type: string, criteria: equal, value: '[]' }
`
  const yaml = experiment('scrubbed', `      - { name: s, command: sleep, args: ['60'] }`, probe)
  const env = { ORDEAL_TEST_VISIBLE: 'yes' }
  ws.write('scrubbed.yaml', yaml)
  const scrubbed = await ws.run(['run', 'scrubbed.yaml'], { env })
  assert.equal(scrubbed.exitCode, 0, scrubbed.stdout + scrubbed.stderr)
  const inherited = await ws.run(['run', 'scrubbed.yaml', '--inherit-env'], { env })
  assert.equal(inherited.exitCode, 1, inherited.stdout + inherited.stderr)
})

test(
  "a check's file source is read with the run user's rights: /etc/shadow is refused",
  { skip: !isRoot && 'needs root' },
  async () => {
    const launch = launcherFor({ env: 'scrubbed', user: lookupUser('nobody')! })
    await assert.rejects(
      readDelivered({ file: '/etc/shadow' }, { baseDir: '/', launch }),
      /cannot read delivered ids from file \/etc\/shadow: .*Permission denied/
    )
    chmodSync(ws.dir, 0o755) // mkdtemp made it 0700: nobody could not reach the file
    const ids = ws.write('ids.txt', 'a\nb\n')
    assert.deepEqual(await readDelivered({ file: ids }, { baseDir: '/', launch }), ['a', 'b'])
  }
)
