import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { insideDataDir } from './local-path.js'

test('a local repository inside the data directory is refused, through a symlink too', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ordeal-local-path-'))
  try {
    const data = path.join(root, 'data')
    mkdirSync(path.join(data, 'git', 'git_other'), { recursive: true })
    mkdirSync(path.join(root, 'repos', 'chaos.git'), { recursive: true })
    symlinkSync(path.join(data, 'git'), path.join(root, 'repos', 'sneaky'))
    symlinkSync(data, path.join(root, 'data-link'))
    const mirror = path.join(data, 'git', 'git_other')
    assert.equal(insideDataDir(mirror, data), true)
    assert.equal(insideDataDir(`file://${mirror}`, data), true)
    assert.equal(insideDataDir(data, data), true)
    assert.equal(insideDataDir(path.join(root, 'repos', 'sneaky', 'git_other'), data), true)
    assert.equal(insideDataDir(path.join(root, 'repos', '..', 'data', 'git'), data), true)
    // Not there yet: resolved through its nearest existing parent.
    assert.equal(insideDataDir(path.join(root, 'repos', 'sneaky', 'later'), data), true)
    // The data directory named through a symlink.
    assert.equal(insideDataDir(mirror, path.join(root, 'data-link')), true)
    assert.equal(insideDataDir(path.join(root, 'repos', 'chaos.git'), data), false)
    assert.equal(insideDataDir(`file://${path.join(root, 'repos', 'chaos.git')}`, data), false)
    assert.equal(insideDataDir(path.join(root, 'data-other'), data), false)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
