#!/usr/bin/env node
/**
 * The layout move of DESIGN.md "Layout": engine's ledger/undo/watchdog and the process helpers
 * under them go down to src/safety/, src/system/ becomes src/platforms/local/, and the
 * server's run process joins it. Re-runnable and idempotent: a branch started before the move
 * merges, runs this again, and its new files (at old paths, importing old paths) are fixed too.
 *
 * `node scripts/layout-move.mjs [--dry-run] [--quiet]` from anywhere inside the repository.
 *
 * 1. `git mv` every file whose path MOVES maps elsewhere (files or whole folders).
 * 2. Rewrites every relative specifier naming a moved file (`from '…'`, `import '…'`,
 *    `import('…')`, `mock.module('…')`/`vi.mock('…')`, `new URL('…', import.meta.url)`,
 *    `siblingScript(import.meta.url, '…')`, bench's `dist('…')`) in src, test, bench, ui/src,
 *    examples and scripts. A specifier resolves against its file's OLD place (a file this run
 *    moved resolves from where it was), is mapped through MOVES, and is written relative to
 *    the file's new place, keeping its extension style (`.js`, `.ts` or none).
 * 3. Rewrites repository paths in text (`src/engine/run-lock.ts`, `dist/engine/watchdog/main.js`,
 *    `test/integration/system`) in docs, configs and comments.
 *
 * Merging a branch made before the move: its import lines conflict with the rewritten ones.
 * Take the branch's side of those hunks (`git merge -X theirs BRANCH` onto the moved tree, or
 * `git merge -X ours i14-layout` from the branch), commit, then run this again: it respells
 * them, and moves the new files the branch added under old folders.
 * @module
 */
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'

/**
 * old → new, repository-relative. A key ending in `/` moves a whole folder (what is left in
 * it once the file entries above it have taken theirs). First match wins: files before folders.
 */
export const MOVES = [
  ['src/engine/ledger.ts', 'src/safety/ledger.ts'],
  ['src/engine/undo.ts', 'src/safety/undo.ts'],
  ['src/engine/run-lock.ts', 'src/safety/run-lock.ts'],
  ['src/engine/recover-ledger.ts', 'src/safety/recover-ledger.ts'],
  ['src/engine/run-info.ts', 'src/safety/run-info.ts'],
  ['src/engine/ledger-watch.ts', 'src/safety/ledger-watch.ts'],
  ['src/engine/ledger-watch.test.ts', 'src/safety/ledger-watch.test.ts'],
  ['src/engine/watchdog/', 'src/safety/watchdog/'],
  ['src/system/proc.ts', 'src/safety/proc.ts'],
  ['src/system/proc-scan.ts', 'src/safety/proc-scan.ts'],
  ['src/system/protected.ts', 'src/safety/protected.ts'],
  ['src/system/node-child.ts', 'src/safety/node-child.ts'],
  ['src/system/run-cgroup.ts', 'src/safety/run-cgroup.ts'],
  ['src/system/run-cgroup.test.ts', 'src/safety/run-cgroup.test.ts'],
  ['src/system/network/exec.ts', 'src/safety/exec.ts'],
  ['src/system/', 'src/platforms/local/'],
  ['src/server/agent/run-process.ts', 'src/platforms/local/run-process/process.ts'],
  ['src/server/agent/run-child.ts', 'src/platforms/local/run-process/child.ts'],
  ['src/server/agent/run-messages.ts', 'src/platforms/local/run-process/messages.ts'],
  ['src/server/agent/dead-run-recovery.ts', 'src/platforms/local/run-process/died-run.ts'],
  ['src/server/agent/run-trees.ts', 'src/platforms/local/run-process/trees.ts'],
  ['test/integration/system/', 'test/integration/platforms/local/'],
]

/** Where specifiers are rewritten. */
const kCodeRoots = ['src/', 'test/', 'bench/', 'ui/src/', 'examples/', 'scripts/']
const kCodeExt = /\.(ts|tsx|mts|cts|mjs|js|cjs|jsx)$/
/** Where repository paths in text are rewritten (docs, configs, comments, scripts). */
const kTextExt = /\.(md|ts|tsx|mts|mjs|js|cjs|json|ya?ml|sh|txt)$/
const kSkip = /(^|\/)(node_modules|dist|test-artifacts)\/|^package-lock\.json$/
/** This script and its test name old paths on purpose. */
const kSelf = /(^|\/)layout-move(\.test)?\.(mjs|ts)$/

/** Where `rel` (a file, or a folder ending in `/`) lives after the move; itself if unmoved. */
export function mapPath(rel) {
  for (const [from, to] of MOVES) {
    if (from.endsWith('/')) {
      if (rel.startsWith(from)) {
        return to + rel.slice(from.length)
      }
      if (rel + '/' === from) {
        return to.slice(0, -1)
      }
    } else if (rel === from) {
      return to
    }
  }
  return rel
}

/** Where a file now at `rel` was before the move (the inverse of mapPath). */
export function unmapPath(rel) {
  for (const [from, to] of MOVES) {
    if (!from.endsWith('/') && rel === to) {
      return from
    }
  }
  for (const [from, to] of MOVES) {
    if (from.endsWith('/') && rel.startsWith(to)) {
      const back = from + rel.slice(to.length)
      if (mapPath(back) === rel) {
        return back
      }
    }
  }
  return rel
}

const posix = path.posix

/**
 * The source file (or folder) that spec-path `p` (repository-relative, as written: `.js`,
 * `.ts` or no extension) denotes, judged by `exists`: `{ file, ext }` where `p` = stem(file)
 * + ext, or undefined.
 */
function denote(p, exists) {
  const isDir = p.endsWith('/')
  if (isDir) {
    return exists(p.slice(0, -1)) === 'dir' ? { file: p, ext: '', dir: true } : undefined
  }
  const ext = posix.extname(p)
  const stem = ext ? p.slice(0, -ext.length) : p
  const sources = {
    '.js': ['.ts', '.tsx', '.js'],
    '.mjs': ['.mts', '.mjs'],
    '.jsx': ['.tsx', '.jsx'],
  }
  for (const e of sources[ext] ?? []) {
    if (exists(stem + e) === 'file') {
      return { file: stem + e, ext }
    }
  }
  if (ext && exists(p) === 'file') {
    return { file: p, ext: '', keep: true }
  }
  for (const e of ['.ts', '.tsx', '.mts', '.js', '.mjs']) {
    if (exists(p + e) === 'file') {
      return { file: p + e, ext: '' }
    }
  }
  if (exists(p) === 'dir') {
    return { file: p + '/', ext: '', dir: true, bare: true }
  }
  return undefined
}

/** The spec-path of the moved `d` (a denote answer), in the same extension style. */
function respell(d) {
  const to = mapPath(d.file)
  if (d.dir) {
    return d.bare ? to.slice(0, -1) : to
  }
  if (d.keep) {
    return to
  }
  const ext = posix.extname(to)
  return (ext ? to.slice(0, -ext.length) : to) + d.ext
}

function relativeSpec(fromFile, target) {
  const rel = posix.relative(posix.dirname(fromFile), target.replace(/\/$/, '')) || '.'
  const spec = rel.startsWith('.') ? rel : './' + rel
  return target.endsWith('/') ? spec + '/' : spec
}

/**
 * The new spelling of relative specifier `spec` in the file now at `now` (before the move at
 * `was`), or undefined when it needs none. `before` answers for the tree before the move,
 * `after` for the tree now. `movedNow`: this run moved the file, so every specifier in it is
 * still spelled from `was`; otherwise one that resolves here is left alone (idempotence).
 */
export function rewriteSpec(spec, now, was, { before, after }, movedNow = was !== now) {
  const here = posix.join(posix.dirname(now), spec) + (spec.endsWith('/') ? '/' : '')
  const fromOld = posix.join(posix.dirname(was), spec) + (spec.endsWith('/') ? '/' : '')
  // A file moved by this run still spells its imports from where it was.
  if (movedNow) {
    const d = denote(fromOld, before)
    if (d) {
      const next = relativeSpec(now, respell(d))
      return next === spec ? undefined : next
    }
  }
  if (denote(here, after)) {
    return undefined
  }
  // A file moved earlier whose merged changes are still spelled from its old place: whatever
  // they name, moved or not, is now reached by another path.
  if (was !== now) {
    const d = denote(fromOld, before)
    if (d) {
      const next = relativeSpec(now, respell(d))
      return next === spec ? undefined : next
    }
  }
  // A file that stayed and names a moved file.
  const d = denote(here, before)
  if (d && mapPath(d.file) !== d.file) {
    const next = relativeSpec(now, respell(d))
    return next === spec ? undefined : next
  }
  return undefined
}

/** Specifier-bearing literals: [regex, group index of the path, kind]. */
const kPatterns = [
  /(\bfrom\s*)(['"])(\.{1,2}\/[^'"\n]*)\2/g,
  /(\bimport\s*)(['"])(\.{1,2}\/[^'"\n]*)\2/g,
  /(\bimport\s*\(\s*)(['"`])(\.{1,2}\/[^'"`\n$]*)\2/g,
  /(\b(?:mock\.module|vi\.mock|vi\.importActual|vi\.doMock)\s*\(\s*)(['"`])(\.{1,2}\/[^'"`\n$]*)\2/g,
  /(\bnew\s+URL\s*\(\s*)(['"`])(\.{1,2}\/[^'"`\n$]*)\2(?=\s*,\s*import\.meta\.url)/g,
]
const kSibling = /(\bsiblingScript\s*\(\s*import\.meta\.url\s*,\s*)(['"`])([\w.-]+)\2/g
const kDist = /(\bdist\s*\(\s*)(['"`])([\w./-]+)\2/g

/** `text` of the file now at `now` (was at `was`) with its specifiers rewritten. */
export function rewriteCode(text, now, was, trees, movedNow, warn = () => {}) {
  let out = text
  for (const re of kPatterns) {
    out = out.replace(re, (all, head, q, spec) => {
      const next = rewriteSpec(spec, now, was, trees, movedNow)
      return next === undefined ? all : head + q + next + q
    })
  }
  out = out.replace(kSibling, (all, head, q, name) => {
    const spec = './' + name
    const next = rewriteSpec(spec, now, was, trees, movedNow)
    if (next === undefined) {
      return all
    }
    if (!/^\.\/[\w.-]+$/.test(next)) {
      warn(`${now}: siblingScript '${name}' is no longer a sibling (${next}); fix it by hand`)
      return all
    }
    return head + q + next.slice(2) + q
  })
  if (now.startsWith('bench/')) {
    // bench's `dist('engine/x.js')`: a built module, named from dist/ (= src/).
    out = out.replace(kDist, (all, head, q, rel) => {
      const d = denote('src/' + rel, trees.after) ? undefined : denote('src/' + rel, trees.before)
      if (!d || mapPath(d.file) === d.file) {
        return all
      }
      return head + q + respell(d).slice('src/'.length) + q
    })
  }
  return out
}

/** Repository paths in prose and configs: src/…, dist/…, test/integration/…. */
const kRootPath = /(?<![\w./-])(src|dist|test)\/[\w./-]*[\w/]/g

/** Paths from src/ in prose (`system/work-dir.ts`): files only, `system/` alone is a word. */
const kSrcPath = /(?<![\w./-])(engine|system|server)\/[\w./-]*\.(ts|js)\b/g
/** Moved files whose own name changed, named bare in comments (`run-process.ts`). */
const kRenamed = MOVES.filter(
  ([from, to]) => !from.endsWith('/') && posix.basename(from) !== posix.basename(to)
).map(([from, to]) => [
  new RegExp(`(?<![\\w/.-])${posix.basename(from).replace(/[.]/g, '\\.')}(?![\\w/-])`, 'g'),
  to.split('/').slice(-2).join('/'),
])
/** Literals no path rule sees: the tests' command-line regexes. */
const kTextEdits = [
  ['server\\/agent\\/run-process\\.', 'platforms\\/local\\/run-process\\/process\\.'],
]

/** `text` with repository paths naming moved files respelled. `before` judges old paths. */
export function rewriteText(text, before) {
  let out = text
  for (const [from, to] of kTextEdits) {
    out = out.split(from).join(to)
  }
  for (const [re, to] of kRenamed) {
    out = out.replace(re, to)
  }
  out = out.replace(kSrcPath, (token) => {
    const d = denote('src/' + token, before)
    return d && mapPath(d.file) !== d.file ? respell(d).slice('src/'.length) : token
  })
  return out.replace(kRootPath, (token) => {
    const isDist = token.startsWith('dist/')
    const asSrc = isDist ? 'src/' + token.slice('dist/'.length) : token
    const d = denote(asSrc, before)
    if (!d || mapPath(d.file) === d.file) {
      return token
    }
    const next = respell(d)
    return isDist ? 'dist/' + next.slice('src/'.length) : next
  })
}

function git(root, ...args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' })
}

function kindIn(root, set) {
  return (rel) => {
    if (set.files.has(rel)) {
      return 'file'
    }
    if (set.dirs.has(rel)) {
      return 'dir'
    }
    return undefined
  }
}

function treeOf(files) {
  const dirs = new Set()
  for (const f of files) {
    for (let d = posix.dirname(f); d !== '.'; d = posix.dirname(d)) {
      dirs.add(d)
    }
  }
  return { files: new Set(files), dirs }
}

export function layoutMove(root, { dryRun = false, log = console.log } = {}) {
  const unmerged = git(root, 'diff', '--name-only', '--diff-filter=U').trim()
  if (unmerged) {
    throw new Error(
      `layout-move: finish the merge first (unmerged: ${unmerged.split('\n').join(', ')})`
    )
  }
  const listed = git(root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter((f) => f && !kSkip.test(f) && existsSync(path.join(root, f)))
  const tracked = new Set(git(root, 'ls-files', '-z', '--cached').split('\0').filter(Boolean))
  // The tree before: every file now listed, at its old place, plus every file as it is (a
  // merged branch may hold both an old-path import and a new-path file).
  const afterFiles = listed.map(mapPath)
  const beforeFiles = new Set(listed)
  for (const f of listed) {
    beforeFiles.add(unmapPath(f))
  }
  const before = kindIn(root, treeOf(beforeFiles))
  const after = kindIn(root, treeOf(afterFiles))
  const trees = { before, after }

  let moved = 0
  const wasOf = new Map()
  for (const f of listed) {
    const to = mapPath(f)
    if (to === f) {
      wasOf.set(f, f)
      continue
    }
    if (existsSync(path.join(root, to))) {
      log(`layout-move: both ${f} and ${to} exist; merge them by hand`)
      wasOf.set(f, f)
      continue
    }
    wasOf.set(to, f)
    moved++
    if (!dryRun) {
      mkdirSync(path.dirname(path.join(root, to)), { recursive: true })
      if (tracked.has(f)) {
        git(root, 'mv', f, to)
      } else {
        renameSync(path.join(root, f), path.join(root, to))
      }
    }
  }

  // git mv leaves the emptied folders behind (src/system/network/, …): remove them.
  for (const [now, was] of wasOf) {
    if (now === was || dryRun) {
      continue
    }
    for (let d = path.posix.dirname(was); d !== '.'; d = path.posix.dirname(d)) {
      const dir = path.join(root, d)
      if (!existsSync(dir) || readdirSync(dir).length > 0) {
        break
      }
      rmdirSync(dir)
    }
  }

  let rewritten = 0
  const reformat = []
  for (const [now, was] of wasOf) {
    const file = path.join(root, dryRun ? was : now)
    if (kSelf.test(now) || !kTextExt.test(now) || !existsSync(file) || !statSync(file).isFile()) {
      continue
    }
    const text = readFileSync(file, 'utf8')
    let next = text
    if (kCodeExt.test(now) && kCodeRoots.some((r) => now.startsWith(r))) {
      // `was` is where this file's imports were spelled from: its pre-move place when this run
      // moved it, else its unmapped place (a merge may have carried old spellings over).
      const movedNow = was !== now
      next = rewriteCode(next, now, movedNow ? was : unmapPath(now), trees, movedNow, log)
    }
    next = rewriteText(next, before)
    if (next !== text) {
      rewritten++
      if (!dryRun) {
        writeFileSync(file, next)
      }
      if (kCodeExt.test(now)) {
        reformat.push(now)
      }
      log(`layout-move: rewrote ${now}`)
    }
  }
  // Longer paths can push an import past the print width: let prettier re-wrap what changed.
  const prettier = path.join(root, 'node_modules', '.bin', 'prettier')
  if (!dryRun && reformat.length > 0 && existsSync(prettier)) {
    execFileSync(prettier, ['--write', '--log-level', 'warn', ...reformat], {
      cwd: root,
      stdio: 'inherit',
    })
  }
  log(
    `layout-move: ${moved} file(s) moved, ${rewritten} file(s) rewritten${dryRun ? ' (dry run)' : ''}`
  )
  return { moved, rewritten }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim()
  const quiet = process.argv.includes('--quiet')
  try {
    layoutMove(root, {
      dryRun: process.argv.includes('--dry-run'),
      log: quiet ? (line) => line.includes('by hand') && console.error(line) : console.log,
    })
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 2
  }
}
