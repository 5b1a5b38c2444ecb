/**
 * scripts/layout-move.mjs on a small git repository laid out as before the move: it moves and
 * rewrites so that every module still loads (run under tsx, not just grepped), a second run
 * changes nothing, and a branch made before the move (new files at old paths importing old
 * paths, an edit to a file that moved) merges and is fixed by running it again: what the lead
 * does after merging the other branches of issue 14.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'

const kScript = fileURLToPath(new URL('../../scripts/layout-move.mjs', import.meta.url))
const kTsx = import.meta.resolve('tsx')

/** Today's layout in miniature: every kind of reference the script must follow. */
const kBase: Record<string, string> = {
  'src/shared/duration.ts': `export const sleep = (ms: number) => ms\n`,
  'src/engine/ledger.ts': `export const ledger = 'ledger'\n`,
  'src/engine/undo.ts': [
    // Enough lines that stay put for git to see the rename when the branch below merges.
    ...Array.from({ length: 12 }, (_, i) => `// undo, line ${i}`),
    `import { ledger } from './ledger.js'`,
    `import { isSameProcess } from '../system/proc.js'`,
    `import { runArgv } from '../system/network/exec.js'`,
    `export const undo = [ledger, isSameProcess, runArgv].join()`,
    ``,
  ].join('\n'),
  'src/engine/watchdog/main.ts': `import { ledger } from '../ledger.js'\nexport const main = ledger\n`,
  'src/engine/runner.ts': [
    `import { undo } from './undo.js'`,
    `import { main } from './watchdog/main.js'`,
    `import { supervisor } from '../system/supervisor.js'`,
    `export const runner = async () => [undo, main, supervisor, (await import('../system/proc.js')).isSameProcess]`,
    ``,
  ].join('\n'),
  'src/system/proc.ts': `export const isSameProcess = 'proc'\n`,
  'src/system/network/exec.ts': `export const runArgv = 'exec'\n`,
  'src/system/network/commands.ts': `import { runArgv } from './exec.js'\nexport const commands = runArgv\n`,
  'src/system/supervisor.ts': [
    `import { isSameProcess } from './proc.js'`,
    `import { commands } from './network/commands.js'`,
    `import { ledger } from '../engine/ledger.js'`,
    `export const supervisor = [isSameProcess, commands, ledger].join()`,
    ``,
  ].join('\n'),
  'src/system/node-child.ts': [
    `import path from 'node:path'`,
    `import { fileURLToPath } from 'node:url'`,
    `export function siblingScript(moduleUrl: string, name: string): string {`,
    '  return fileURLToPath(new URL(`./${name}${path.extname(fileURLToPath(moduleUrl))}`, moduleUrl))',
    `}`,
    ``,
  ].join('\n'),
  'src/system/protected.ts': [
    `import { fileURLToPath } from 'node:url'`,
    `export const own = [`,
    `  fileURLToPath(new URL('../engine/watchdog/main', import.meta.url)),`,
    `  fileURLToPath(new URL('../server/agent/run-process', import.meta.url)),`,
    `]`,
    ``,
  ].join('\n'),
  'src/server/agent/run-messages.ts': `export const messages = 'messages'\n`,
  'src/server/agent/run-process.ts': [
    ...Array.from({ length: 6 }, (_, i) => `// run process, line ${i}`),
    `import { messages } from './run-messages.js'`,
    `export const proc = messages`,
    ``,
  ].join('\n'),
  'src/server/agent/run-child.ts': [
    `import { siblingScript } from '../../system/node-child.js'`,
    `import { messages } from './run-messages.js'`,
    `export const child = [siblingScript(import.meta.url, 'run-process'), messages]`,
    ``,
  ].join('\n'),
  'src/server/agent/agent.ts': `import { child } from './run-child.js'\nexport const agent = child\n`,
  'test/e2e/proc.test.ts': `export const load = () => import('../../src/system/proc.js')\n`,
  'package.json': '{ "type": "module" }\n',
  'README.md':
    'The lock is `src/engine/ledger.ts`; the watchdog runs dist/engine/watchdog/main.js.\n',
}

/** Loads every module of the tree under tsx and checks the paths they compute exist. */
const kCheck = `
import { existsSync } from 'node:fs'
const found = process.argv.slice(2)
const out = []
for (const file of found) {
  const m = await import(new URL(file, 'file://' + process.cwd() + '/').href)
  for (const [key, value] of Object.entries(m)) {
    const v = typeof value === 'function' && key === 'runner' ? await value() : value
    out.push(key)
    if (key === 'own') for (const p of v) if (!existsSync(p + '.ts')) throw new Error('no ' + p)
    if (key === 'child' && !existsSync(v[0])) throw new Error('no ' + v[0])
  }
}
console.log(out.length)
`

let root = ''

function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}
const git = (...args: string[]) => sh('git', ...args)
const move = () => sh(process.execPath, kScript, '--quiet')
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8')

function write(files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    writeFileSync(path.join(root, rel), text)
  }
}

/** Every module loads and every path it computes exists. */
function loadsAll(): void {
  const modules = git('ls-files', 'src', 'test')
    .split('\n')
    .filter((f) => f.endsWith('.ts'))
  writeFileSync(path.join(root, 'check.mjs'), kCheck)
  const count = sh(process.execPath, '--import', kTsx, 'check.mjs', ...modules.map((f) => './' + f))
  assert.ok(Number(count) >= modules.length - 1, count)
}

/** A fingerprint of the working tree (paths and contents). */
function snapshot(): string {
  git('add', '-A')
  return git('write-tree')
}

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ordeal-layout-move-'))
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'test@ordeal.invalid')
  git('config', 'user.name', 'test')
  // A merge leaves a new file in a moved folder at its old path; the script moves it.
  git('config', 'merge.directoryRenames', 'false')
  write(kBase)
  writeFileSync(path.join(root, '.gitignore'), 'check.mjs\n')
  git('add', '-A')
  git('commit', '-q', '-m', 'base')
})

after(() => rmSync(root, { recursive: true, force: true }))

test('moves, rewrites every kind of reference, and everything still loads', () => {
  loadsAll()
  move()
  for (const gone of [
    'src/system',
    'src/engine/watchdog',
    'src/engine/ledger.ts',
    'src/server/agent/run-child.ts',
  ]) {
    assert.ok(!existsSync(path.join(root, gone)), gone)
  }
  assert.match(read('src/safety/undo.ts'), /from '\.\/proc\.js'/)
  assert.match(read('src/safety/undo.ts'), /from '\.\/exec\.js'/)
  assert.match(
    read('src/platforms/local/network/commands.ts'),
    /from '\.\.\/\.\.\/\.\.\/safety\/exec\.js'/
  )
  assert.match(read('src/engine/runner.ts'), /import\('\.\.\/safety\/proc\.js'\)/)
  assert.match(
    read('src/safety/protected.ts'),
    /new URL\('\.\/watchdog\/main', import\.meta\.url\)/
  )
  assert.match(read('src/safety/protected.ts'), /'\.\.\/platforms\/local\/run-process\/process'/)
  assert.match(
    read('src/platforms/local/run-process/child.ts'),
    /siblingScript\(import\.meta\.url, 'process'\)/
  )
  assert.match(read('src/platforms/local/run-process/child.ts'), /from '\.\/messages\.js'/)
  assert.match(read('test/e2e/proc.test.ts'), /'\.\.\/\.\.\/src\/safety\/proc\.js'/)
  assert.equal(
    read('README.md'),
    'The lock is `src/safety/ledger.ts`; the watchdog runs dist/safety/watchdog/main.js.\n'
  )
  loadsAll()
})

test('a second run changes nothing', () => {
  const once = snapshot()
  move()
  assert.equal(snapshot(), once)
  git('commit', '-q', '-m', 'layout')
})

test('a branch from before the move merges and is fixed by running it again', () => {
  git('checkout', '-q', '-b', 'feature', 'HEAD~1')
  write({
    'src/engine/agent-run.ts': [
      `import { ledger } from './ledger.js'`,
      `import { proc } from '../server/agent/run-process.js'`,
      `import { helper } from '../system/new-helper.js'`,
      `export const agentRun = [ledger, proc, helper].join()`,
      ``,
    ].join('\n'),
    'src/system/new-helper.ts': `import { undo } from '../engine/undo.js'\nimport { isSameProcess } from './proc.js'\nexport const helper = undo + isSameProcess\n`,
  })
  // Edits to files that move: git carries them over the rename, in the old spelling. One
  // changes a line the move rewrote too: the merge takes the branch's side (-X theirs).
  const undo = read('src/engine/undo.ts').replace(
    `import { isSameProcess } from '../system/proc.js'`,
    `import { isSameProcess, pid } from '../system/proc.js'`
  )
  write({
    'src/engine/undo.ts':
      undo +
      `import { supervisor } from '../system/supervisor.js'\nexport const withSupervisor = [supervisor, pid]\n`,
    'src/system/proc.ts': read('src/system/proc.ts') + `export const pid = 1\n`,
    'src/server/agent/run-process.ts':
      read('src/server/agent/run-process.ts') +
      `// Forked by run-child.ts.\nimport { sleep } from '../../shared/duration.js'\nexport const nap = sleep\n`,
  })
  git('add', '-A')
  git('commit', '-q', '-m', 'feature')
  git('checkout', '-q', 'main')
  git('merge', '-q', '--no-edit', '-X', 'theirs', 'feature')
  assert.ok(
    existsSync(path.join(root, 'src/system/new-helper.ts')),
    'the merge leaves the new file at its old path'
  )
  assert.match(read('src/safety/undo.ts'), /'\.\.\/system\/supervisor\.js'/)

  move()
  assert.ok(!existsSync(path.join(root, 'src/system')))
  assert.match(read('src/safety/undo.ts'), /from '\.\.\/platforms\/local\/supervisor\.js'/)
  assert.match(read('src/safety/undo.ts'), /import \{ isSameProcess, pid \} from '\.\/proc\.js'/)
  const proc = read('src/platforms/local/run-process/process.ts')
  assert.match(
    proc,
    /from '\.\.\/\.\.\/\.\.\/shared\/duration\.js'/,
    'unmoved, reached from the new place'
  )
  assert.match(proc, /Forked by run-process\/child\.ts\./)
  assert.match(read('src/engine/agent-run.ts'), /from '\.\.\/safety\/ledger\.js'/)
  assert.match(
    read('src/engine/agent-run.ts'),
    /from '\.\.\/platforms\/local\/run-process\/process\.js'/
  )
  assert.match(read('src/engine/agent-run.ts'), /from '\.\.\/platforms\/local\/new-helper\.js'/)
  assert.match(read('src/platforms/local/new-helper.ts'), /from '\.\.\/\.\.\/safety\/undo\.js'/)
  assert.match(read('src/platforms/local/new-helper.ts'), /from '\.\.\/\.\.\/safety\/proc\.js'/)
  loadsAll()

  const fixed = snapshot()
  move()
  assert.equal(snapshot(), fixed)
})
