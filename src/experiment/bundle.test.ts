import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  mkdtemp,
  mkdir,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
  chmod,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync, gunzipSync } from 'node:zlib'
import fc from 'fast-check'
import { BUNDLE_CAPS, BundleError, packBundle, unpackBundle, type BundleFile } from './bundle.js'

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ordeal-bundle-'))
}

function encode(files: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(files))).toString('base64')
}

function decode(data: string): BundleFile[] {
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as BundleFile[]
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) {
      out.push(...(await listFiles(dir, p)))
    } else {
      out.push(p)
    }
  }
  return out.sort()
}

test('pack then unpack reproduces any tree: paths, bytes and masked modes', async () => {
  const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/)
  const tree = fc.uniqueArray(
    fc.record({
      path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')),
      content: fc.uint8Array({ maxLength: 200 }),
      mode: fc.constantFrom(0o644, 0o600, 0o755, 0o700, 0o666, 0o777),
    }),
    // No path may also be a directory of another path.
    { selector: (f) => f.path.split('/')[0]!, maxLength: 6 }
  )
  await fc.assert(
    fc.asyncProperty(tree, async (files) => {
      const src = await tmp()
      const dst = await tmp()
      try {
        for (const f of files) {
          await mkdir(join(src, f.path, '..'), { recursive: true })
          await writeFile(join(src, f.path), f.content)
          await chmod(join(src, f.path), f.mode)
        }
        const packed = await packBundle(src)
        assert.equal(packed.files, files.length)
        assert.equal(
          packed.bytes,
          files.reduce((n, f) => n + f.content.length, 0)
        )
        await unpackBundle(packed.data, join(dst, 'work'))
        const got = files.length ? await listFiles(join(dst, 'work')) : []
        assert.deepEqual(got, files.map((f) => f.path).sort())
        for (const f of files) {
          const p = join(dst, 'work', f.path)
          assert.deepEqual(new Uint8Array(await readFile(p)), f.content)
          assert.equal((await stat(p)).mode & 0o777, f.mode & 0o755)
        }
      } finally {
        await rm(src, { recursive: true, force: true })
        await rm(dst, { recursive: true, force: true })
      }
    }),
    { numRuns: 25 }
  )
})

test('pack output is sorted and deterministic, paths use /', async () => {
  const src = await tmp()
  try {
    await mkdir(join(src, 'b/c'), { recursive: true })
    await writeFile(join(src, 'b/c/x.sh'), 'echo')
    await writeFile(join(src, 'a.yaml'), 'kind: x')
    const one = await packBundle(src)
    const two = await packBundle(src)
    assert.equal(one.data, two.data)
    assert.deepEqual(
      decode(one.data).map((f) => f.path),
      ['a.yaml', 'b/c/x.sh']
    )
  } finally {
    await rm(src, { recursive: true, force: true })
  }
})

test('a symlink inside the directory is shipped as the file it points to', async () => {
  const src = await tmp()
  try {
    await mkdir(join(src, 'real'))
    await writeFile(join(src, 'real/data.txt'), 'hello')
    await symlink('real/data.txt', join(src, 'link.txt'))
    await symlink('real', join(src, 'linkdir'))
    const files = decode((await packBundle(src)).data)
    assert.deepEqual(
      files.map((f) => f.path),
      ['link.txt', 'linkdir/data.txt', 'real/data.txt']
    )
    assert.equal(Buffer.from(files[0]!.data, 'base64').toString(), 'hello')
  } finally {
    await rm(src, { recursive: true, force: true })
  }
})

test('a symlink that leaves the directory, or loops, is refused with one line', async () => {
  const outside = await tmp()
  const src = await tmp()
  try {
    await writeFile(join(outside, 'secret'), 'x')
    await symlink(join(outside, 'secret'), join(src, 'leak'))
    await assert.rejects(packBundle(src), (err: unknown) => {
      assert.ok(err instanceof BundleError)
      assert.match(err.message, /^leak: symlink points outside the manifest's directory/)
      assert.ok(!err.message.includes('\n'))
      return true
    })
    await rm(join(src, 'leak'))
    await mkdir(join(src, 'sub'))
    await symlink('..', join(src, 'sub/up'))
    await assert.rejects(packBundle(src), /sub\/up: symlink loops back to \./)
  } finally {
    await rm(src, { recursive: true, force: true })
    await rm(outside, { recursive: true, force: true })
  }
})

test('over the file cap, the error names what the directory holds', async () => {
  const src = await tmp()
  try {
    await Promise.all(
      Array.from({ length: BUNDLE_CAPS.files + 1 }, (_, i) => writeFile(join(src, `f${i}`), 'x'))
    )
    await assert.rejects(packBundle(src), (err: unknown) => {
      assert.ok(err instanceof BundleError)
      assert.equal(
        err.message,
        `${src} holds 0.0 MiB in 2,001 files; a run placed on an agent ships the manifest's directory (cap 16 MiB, 2000 files): move the manifest into a smaller directory`
      )
      assert.deepEqual(err.totals, { bytes: 2001, files: 2001 })
      return true
    })
  } finally {
    await rm(src, { recursive: true, force: true })
  }
})

test('over the byte cap is refused before anything is read', async () => {
  const src = await tmp()
  try {
    // A sparse file: 17 MiB on paper, nothing on disk.
    await writeFile(join(src, 'big'), '')
    const { truncate } = await import('node:fs/promises')
    await truncate(join(src, 'big'), 17 * 1024 * 1024)
    await assert.rejects(packBundle(src), /holds 17\.0 MiB in 1 files/)
  } finally {
    await rm(src, { recursive: true, force: true })
  }
})

test('unpack refuses .., absolute, unnormalised and duplicate paths, and writes nothing outside', async () => {
  for (const [path, why] of [
    ['../evil', /climbs out with '\.\.'/],
    ['a/../../evil', /climbs out/],
    ['/etc/evil', /is absolute/],
    ['a//b', /not normalised/],
    ['./a', /not normalised/],
    ['a\\..\\b', /backslash/],
    ['', /empty/],
    ['x'.repeat(BUNDLE_CAPS.pathBytes + 1), /longer than 1024 bytes/],
  ] as const) {
    const dst = await tmp()
    try {
      await assert.rejects(
        unpackBundle(encode([{ path, mode: 0o644, data: '' }]), join(dst, 'work')),
        (err: unknown) => err instanceof BundleError && why.test(err.message),
        path
      )
      assert.deepEqual(await readdir(dst), [])
    } finally {
      await rm(dst, { recursive: true, force: true })
    }
  }
  const dst = await tmp()
  try {
    const twice = [
      { path: 'a', mode: 0o644, data: '' },
      { path: 'a', mode: 0o644, data: '' },
    ]
    await assert.rejects(unpackBundle(encode(twice), dst), /a: twice in the bundle/)
  } finally {
    await rm(dst, { recursive: true, force: true })
  }
})

test('unpack refuses garbage, wrong shapes and anything over the caps', async () => {
  const dst = await tmp()
  try {
    await assert.rejects(unpackBundle('not gzip', dst), /bundle is not gzip data/)
    await assert.rejects(
      unpackBundle(gzipSync('{').toString('base64'), dst),
      /not a JSON list of files/
    )
    await assert.rejects(
      unpackBundle(encode([{ path: 'a' }]), dst),
      /not a list of \{path, mode, data\}/
    )
    const many = Array.from({ length: BUNDLE_CAPS.files + 1 }, (_, i) => ({
      path: `f${i}`,
      mode: 0o644,
      data: '',
    }))
    await assert.rejects(unpackBundle(encode(many), dst), /holds 2001 files \(cap 2000\)/)
    const chunk = Buffer.alloc(9 * 1024 * 1024).toString('base64')
    const big = [
      { path: 'a', mode: 0o644, data: chunk },
      { path: 'b', mode: 0o644, data: chunk },
    ]
    await assert.rejects(unpackBundle(encode(big), dst), /larger than 16 MiB/)
    assert.deepEqual(await readdir(dst), [])
  } finally {
    await rm(dst, { recursive: true, force: true })
  }
})

test('unpack masks setuid and group/other write bits', async () => {
  const dst = await tmp()
  try {
    await unpackBundle(
      encode([{ path: 'x', mode: 0o4777, data: Buffer.from('hi').toString('base64') }]),
      dst
    )
    assert.equal((await stat(join(dst, 'x'))).mode & 0o7777, 0o755)
  } finally {
    await rm(dst, { recursive: true, force: true })
  }
})

test('dot-entries (.git, .env, .ssh, ...) are left out at every depth and counted', async () => {
  const src = await tmp()
  try {
    await mkdir(join(src, '.git/objects'), { recursive: true })
    await writeFile(join(src, '.git/objects/ab'), 'x'.repeat(1000))
    await writeFile(join(src, '.env'), 'AWS_SECRET_ACCESS_KEY=nope')
    await mkdir(join(src, 'svc/.ssh'), { recursive: true })
    await writeFile(join(src, 'svc/.ssh/id_ed25519'), 'key')
    await writeFile(join(src, 'svc/run.sh'), 'echo')
    await writeFile(join(src, 'exp.yaml'), 'kind: x')
    const packed = await packBundle(src)
    assert.deepEqual(
      decode(packed.data).map((f) => f.path),
      ['exp.yaml', 'svc/run.sh']
    )
    assert.deepEqual([packed.files, packed.bytes, packed.skipped], [2, 11, 3])
  } finally {
    await rm(src, { recursive: true, force: true })
  }
})
