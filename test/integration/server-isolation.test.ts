/**
 * Issue 12 §1, end to end against the built CLI: an editor's experiment runs in its own
 * process, its commands as the unprivileged run user with a scrubbed environment and outside
 * the data directory, and its faults never reach the server.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import {
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { runCli, workspace, type Workspace } from '../support/cli.js'
import type { EventPage, Experiment, JournalEvent, RunSummary, User } from '../../src/shared/api.js'
import Database from 'better-sqlite3'
import { lookupUser } from '../../src/platforms/local/run-user.js'
import { statSummary } from '../../src/safety/proc-scan.js'
import { processCommandLine } from '../../src/safety/proc.js'

const kSecret = 'sEcReT-9f3a1c'
const isRoot = process.getuid?.() === 0

let center: ChaosCenter
let ws: Workspace
let editor: { user: User; token: string }
let viewer: { user: User; token: string }

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir, SOME_SECRET: kSecret } })
  editor = await createUserWithToken(center, 'editor')
  viewer = await createUserWithToken(center, 'viewer')
})

after(async () => {
  await center.dispose()
  ws.cleanup()
})

const as = (token: string) => ({ token })

async function create(yaml: string) {
  return apiFetch<Experiment>(center.url, '/api/experiments', {
    ...as(editor.token),
    method: 'POST',
    body: { yaml },
  })
}

/** Saves `yaml` as an experiment and starts a run of it, as the editor. */
async function start(yaml: string): Promise<RunSummary> {
  const created = await create(yaml)
  assert.equal(created.status, 201, created.text)
  const started = await apiFetch<RunSummary>(center.url, '/api/runs', {
    ...as(editor.token),
    method: 'POST',
    body: { experimentId: created.json.id },
  })
  assert.equal(started.status, 201, started.text)
  return started.json
}

async function runToEnd(yaml: string): Promise<{ run: RunSummary; events: JournalEvent[] }> {
  let run = await start(yaml)
  const id = run.id
  const deadline = Date.now() + 60_000
  while (run.status === 'running') {
    assert.ok(Date.now() < deadline, `run ${id} still running`)
    await new Promise((r) => setTimeout(r, 200))
    const r = await apiFetch<RunSummary>(center.url, `/api/runs/${id}`, as(viewer.token))
    run = r.json
  }
  // Read back as a viewer: whatever a run stores, every viewer can read.
  const page = await apiFetch<EventPage>(
    center.url,
    `/api/runs/${id}/events?limit=5000`,
    as(viewer.token)
  )
  assert.equal(page.status, 200, page.text)
  return { run, events: page.json.events }
}

/** An experiment with one `wait` step carrying `cmd` probes (YAML list items). */
function probing(name: string, probes: string, system = ''): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: The probes hold.
  deadline: 1m
${system}  steps:
    - name: look
      wait: 100ms
      probes:
${probes}`
}

const verdicts = (events: JournalEvent[]) =>
  Object.fromEntries(
    events.flatMap((e) => (e.type === 'probe.verdict' ? [[e.name, [e.verdict, e.message]]] : []))
  ) as Record<string, [string, string]>

test('a cmd probe cannot read the server environment: nothing secret is stored, a viewer reads none', async () => {
  const { events } = await runToEnd(
    probing(
      'leak-secret',
      `        - name: print-secret
          type: cmd
          mode: EOT
          command: 'echo "secret=[$SOME_SECRET]"; env'
          comparator: { type: string, criteria: contains, value: 'secret=[]' }
        - name: own-env-kept
          type: cmd
          mode: EOT
          command: 'echo "$MINE"'
          env: { MINE: from-the-manifest }
          comparator: { type: string, criteria: equal, value: from-the-manifest }
`
    )
  )
  const text = JSON.stringify(events)
  assert.ok(!text.includes(kSecret), 'the secret reached the journal')
  assert.ok(!text.includes('ORDEAL_STATE_DIR'), 'ordeal settings reached the journal')
  const v = verdicts(events)
  assert.equal(v['print-secret']?.[0], 'Passed', v['print-secret']?.[1])
  assert.equal(v['own-env-kept']?.[0], 'Passed', v['own-env-kept']?.[1])
})

test(
  'a cmd probe runs as the run user outside the data dir, cannot touch ordeal.db, and the editor stays editor',
  { skip: !isRoot && 'needs root (commands drop to the ordeal user)' },
  async () => {
    const db = path.join(center.dataDir, 'ordeal.db')
    const before = createHash('sha256').update(readFileSync(db)).digest('hex')
    const { events } = await runToEnd(
      probing(
        'touch-db',
        `        - name: who
          type: cmd
          mode: EOT
          command: 'id -un; grep ^Groups: /proc/self/status'
          comparator: { type: string, criteria: matches, value: '^ordeal\\n(Groups:\\s+\\d+\\s*)$' }
        - name: where
          type: cmd
          mode: EOT
          command: pwd
          comparator: { type: string, criteria: notMatches, value: '^${center.dataDir}' }
        - name: read-db
          type: sql
          mode: EOT
          driver: sqlite
          database: '${db}'
          query: SELECT COUNT(*) FROM users
          comparator: { type: int, criteria: '>=', value: 0 }
        - name: write-db
          type: cmd
          mode: EOT
          command: >-
            printf x >> '${db}' ||
            sqlite3 '${db}' "UPDATE users SET role='owner'" || exit 7
          exitCode: 0
`,
        // A service and its `cmd` readiness: ready only as the run user, without the secret.
        `  system:
    services:
      - name: idle
        command: sh
        args: ['-c', '[ "$(id -un)" = ordeal ] && [ -z "$SOME_SECRET" ] && exec sleep 60']
        readiness: { cmd: '[ "$(id -un)" = ordeal ] && [ -z "$SOME_SECRET" ]', timeout: 5s }
        restart: never
`
      )
    )
    assert.ok(
      events.some((e) => e.type === 'system.ready'),
      JSON.stringify(events.filter((e) => e.type === 'system.failed'))
    )
    const v = verdicts(events)
    assert.equal(v['who']?.[0], 'Passed', v['who']?.[1])
    assert.equal(v['where']?.[0], 'Passed', v['where']?.[1])
    assert.equal(v['write-db']?.[0], 'Failed', v['write-db']?.[1])
    assert.match(v['write-db']?.[1] ?? '', /Permission denied|exit 7/)
    // ordeal reads a manifest's files (sqlite, check sources) with the run user's rights too.
    assert.equal(v['read-db']?.[0], 'Failed', v['read-db']?.[1])
    assert.match(v['read-db']?.[1] ?? '', /permission denied/)
    const after = createHash('sha256').update(readFileSync(db)).digest('hex')
    assert.equal(after, before, 'ordeal.db changed')
    const me = await apiFetch<{ user: User }>(center.url, '/api/auth/me', as(editor.token))
    assert.equal(me.json.user.role, 'editor')
  }
)

test(
  "the run user cannot plant a symlink where root writes: the manifest copy's dir and data/ are root's",
  { skip: !isRoot && 'needs root (commands drop to the ordeal user)' },
  async () => {
    // What an attacker points its symlinks at: root's, 0700, with a file.
    const victim = mkdtempSync(path.join(os.tmpdir(), 'ordeal-victim-'))
    writeFileSync(path.join(victim, 'secret'), 'precious', { mode: 0o600 })
    try {
      // The dir holding the run's manifest copy (plant.yaml), wherever the run keeps it.
      const top = `d=$(dirname "$PWD"); [ -f "$d/plant.yaml" ] || d=$PWD`
      const { events } = await runToEnd(
        probing(
          'plant',
          `        - name: plant-top
          type: cmd
          mode: EOT
          command: '${top}; ln -s ${victim} "$d/planted" && ln -sf ${victim} "$d/plant.yaml" || exit 7'
          exitCode: 0
        - name: plant-data
          type: cmd
          mode: EOT
          command: '${top}; ln -s ${victim} "$d/data/x" || exit 7'
          exitCode: 0
        - name: own-leaves
          type: cmd
          mode: EOT
          command: 'touch ./mine "{{services.s.dataDir}}/mine" && ln -s ${victim} ./link && ln -s ${victim} "{{services.s.dataDir}}/link"'
          exitCode: 0
`,
          `  system:
    services:
      - name: s
        command: sleep
        args: ['60']
        restart: never
`
        )
      )
      const v = verdicts(events)
      for (const name of ['plant-top', 'plant-data']) {
        assert.equal(v[name]?.[0], 'Failed', `${name}: ${v[name]?.[1]}`)
      }
      assert.equal(v['own-leaves']?.[0], 'Passed', v['own-leaves']?.[1])
      const info = statSync(victim)
      assert.equal(info.uid, 0)
      assert.equal(info.mode & 0o777, 0o700)
      assert.equal(readFileSync(path.join(victim, 'secret'), 'utf8'), 'precious')
    } finally {
      rmSync(victim, { recursive: true, force: true })
    }
  }
)

test(
  'a sql probe reads a root-only SQLite file as the run user: denied, even behind a symlink the user swaps, and nothing of it reaches the journal',
  { skip: !isRoot && 'needs root (queries run as the ordeal user)' },
  async () => {
    const runUser = lookupUser('ordeal')
    assert.ok(runUser, 'the ordeal user exists (scripts/system-deps.sh)')
    const root = mkdtempSync(path.join(os.tmpdir(), 'ordeal-sqlas-'))
    chmodSync(root, 0o755)
    try {
      const sqlite = (file: string, value: string, mode: number) => {
        const db = new Database(file)
        db.exec(`CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('${value}')`)
        db.close()
        chmodSync(file, mode)
      }
      const secretValue = 'rOoT-oNlY-7c21'
      const secret = path.join(root, 'secret.db')
      sqlite(secret, secretValue, 0o600)
      const open = path.join(root, 'open.db')
      sqlite(open, 'open-value', 0o644)
      // The run user's own folder, where its service swaps a symlink between the two files.
      const own = path.join(root, 'own')
      mkdirSync(own)
      chownSync(own, runUser.uid, runUser.gid)
      const link = path.join(own, 'link.db')
      symlinkSync(open, link)
      const probe = (name: string, database: string, mode = 'EOT') => `        - name: ${name}
          type: sql
          mode: ${mode}
          runProperties: { pollingInterval: 50ms }
          driver: sqlite
          database: '${database}'
          query: SELECT x FROM t
          comparator: { type: string, criteria: equal, value: open-value }
`
      const { events } = await runToEnd(
        probing(
          'sql-as-user',
          probe('direct', secret) + probe('via-link', link, 'Continuous'),
          `  system:
    services:
      - name: swapper
        command: sh
        args: ['-c', 'while :; do ln -sfn ${secret} ${link}.n && mv -T ${link}.n ${link}; ln -sfn ${open} ${link}.n && mv -T ${link}.n ${link}; done']
        restart: never
`
        ).replace('wait: 100ms', 'wait: 2s')
      )
      assert.ok(
        events.some((e) => e.type === 'system.ready'),
        JSON.stringify(events.filter((e) => e.type === 'system.failed'))
      )
      assert.ok(
        !JSON.stringify(events).includes(secretValue),
        'the root-only value reached the journal'
      )
      const v = verdicts(events)
      assert.equal(v['direct']?.[0], 'Failed', v['direct']?.[1])
      assert.match(v['direct']?.[1] ?? '', /permission denied/)
      const viaLink = events.filter((e) => e.type === 'probe.verdict' && e.name === 'via-link')
      assert.ok(viaLink.length > 0, 'the probe behind the symlink ran')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
)

test('the data directory is 0700 and its files 0600', () => {
  assert.equal(statSync(center.dataDir).mode & 0o777, 0o700)
  assert.equal(statSync(path.join(center.dataDir, 'ordeal.db')).mode & 0o777, 0o600)
})

test("attach by the server's pid is refused when the manifest is sent, naming the selector", async () => {
  const pid = center.child.pid!
  const r = await create(`apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: pause-server }
spec:
  hypothesis: The server survives being paused.
  system:
    attach:
      - { name: server, pid: ${pid} }
  steps:
    - name: freeze
      fault: { type: process-pause, target: { attach: server }, duration: 5s }
`)
  assert.equal(r.status, 400, r.text)
  assert.match(r.text, /spec\.system\.attach\[0\]\.pid/)
  assert.match(r.text, new RegExp(`pid ${pid} is `))
})

test("attach by the server's port is refused when the fault resolves it: the run ends error, the server answers", async () => {
  const port = new URL(center.url).port
  const { run, events } = await runToEnd(`apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: pause-server-port }
spec:
  hypothesis: The server survives being paused.
  system:
    attach:
      - { name: server, port: ${port} }
  steps:
    - name: freeze
      fault: { type: process-pause, target: { attach: server }, duration: 10s }
`)
  assert.equal(run.verdict, 'error')
  assert.ok(!events.some((e) => e.type === 'fault.injected'), 'a fault was injected')
  const failed = events.find((e) => e.type === 'fault.failed')
  assert.match(JSON.stringify(failed), /faults never target ordeal/)
  const health = await apiFetch(center.url, '/api/health')
  assert.equal(health.status, 200)
})

test('attach by a match that finds only the server is refused: the run ends error', async () => {
  const { run, events } = await runToEnd(`apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: pause-server-match }
spec:
  hypothesis: The server survives being paused.
  system:
    attach:
      - { name: server, match: 'main\\.js server --port 0 --data ${center.dataDir}' }
  steps:
    - name: freeze
      fault: { type: process-pause, target: { attach: server }, duration: 10s }
`)
  assert.equal(run.verdict, 'error')
  assert.ok(!events.some((e) => e.type === 'fault.injected'), 'a fault was injected')
  assert.match(JSON.stringify(events), /faults never target ordeal/)
})

test(
  "a service's user: root or group: disk is refused: nothing runs, the run ends error",
  { skip: !isRoot && 'switching users needs root' },
  async () => {
    for (const [name, who] of [
      ['as-root', 'user: root'],
      ['as-disk', 'group: disk'],
    ] as const) {
      const marker = path.join(ws.dir, `${name}-ran`)
      const { run, events } = await runToEnd(`apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: Nothing runs.
  system:
    services:
      - { name: s, command: sh, args: ['-c', 'touch ${marker}; exec sleep 60'], ${who} }
  steps:
    - wait: 100ms
`)
      assert.equal(run.verdict, 'error', name)
      const failed = JSON.stringify(events.filter((e) => e.type === 'system.failed'))
      assert.match(failed, /not allow/, failed)
      assert.throws(() => statSync(marker), `${name}: the service ran`)
    }
  }
)

test('a hub template (process-pause) runs through the server as the run user and passes', async () => {
  const template = await apiFetch<{ yaml: string }>(
    center.url,
    '/api/hub/process-pause',
    as(viewer.token)
  )
  const { run } = await runToEnd(template.json.yaml)
  assert.equal(run.verdict, 'pass')
})

test('a run process that dies ends its run in error; its watchdog ends its services', async () => {
  const started = await start(`apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: doomed }
spec:
  hypothesis: It runs a while.
  deadline: 2m
  system:
    services:
      - { name: sleeper, command: sleep, args: ['300'] }
  steps:
    - wait: 60s
`)
  const id = started.id
  let sleeper: number | undefined
  for (let i = 0; i < 100 && sleeper === undefined; i++) {
    const page = await apiFetch<EventPage>(center.url, `/api/runs/${id}/events`, as(viewer.token))
    const ready = page.json.events.find((e) => e.type === 'service.ready')
    sleeper = ready?.type === 'service.ready' ? ready.pid : undefined
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.ok(sleeper, 'the service never became ready')
  // The service's parent is its run process (a spare run process may be waiting beside it).
  const runProcess = statSummary(sleeper)?.ppid
  assert.match(
    processCommandLine(runProcess ?? 0) ?? '',
    /platforms\/local\/run-process\/process\.(js|ts)/
  )
  assert.ok(runProcess, 'no run process found')
  // The run process itself starts from the allowlist, not the server's environment.
  const environ = readFileSync(`/proc/${runProcess}/environ`, 'utf8')
  assert.ok(!environ.includes(kSecret), 'the run process has the server secret')
  // Its private tree (the service's cwd is its work/ leaf), left behind by a killed process.
  const tree = path.dirname(readlinkSync(`/proc/${sleeper}/cwd`))
  assert.match(tree, /\/ordeal-doomed-[^/]+$/)
  process.kill(runProcess, 'SIGKILL')
  let run = started
  const deadline = Date.now() + 30_000
  while (run.status === 'running' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    run = (await apiFetch<RunSummary>(center.url, `/api/runs/${id}`, as(viewer.token))).json
  }
  assert.equal(run.verdict, 'error')
  assert.equal(existsSync(tree), false, `the server removed the dead run's tree ${tree}`)
  // The watchdog's lease runs out within seconds; then the service is gone.
  const gone = Date.now() + 20_000
  while (alive(sleeper) && Date.now() < gone) {
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.ok(!alive(sleeper), `service pid ${sleeper} outlived its run`)
})

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

test('--run-as: an unknown user or a disguised root exits 2 with one line', async () => {
  for (const [user, pattern] of [
    ['no-such-user-xyz', /no such user/],
    ['0', /root/],
  ] as const) {
    const r = await runCli(['server', '--port', '0', '--data', ws.dir, '--run-as', user], {
      cwd: ws.dir,
    })
    assert.equal(r.exitCode, 2, r.stderr)
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, pattern)
  }
})

test(
  'a server not run as root starts only with --run-as naming its own user',
  { skip: !isRoot && 'needs root to become another user' },
  async () => {
    const cli = path.resolve('dist/cli/main.js')
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--init-groups',
        process.execPath,
        cli,
        'server',
        '--port',
        '0',
        '--data',
        path.join(ws.dir, 'nobody-data'),
      ],
      { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env['PATH'] } }
    )
    assert.equal(r.status, 2, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^ordeal server: not root, .*--run-as nobody\n$/)
  }
)

test('a data directory made loose by hand is tightened at the next start', async () => {
  const db = path.join(center.dataDir, 'ordeal.db')
  chmodSync(center.dataDir, 0o755)
  chmodSync(db, 0o644)
  await center.restart()
  assert.equal(statSync(center.dataDir).mode & 0o777, 0o700)
  assert.equal(statSync(db).mode & 0o777, 0o600)
})
