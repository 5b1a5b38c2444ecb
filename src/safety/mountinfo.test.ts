import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { escapeMountField, ownMountAt, parseMountInfo, unescapeMountField } from './mountinfo.js'

const line = (id: number, parent: number, point: string, fstype: string, source: string) =>
  `${id} ${parent} 0:${id} / ${escapeMountField(point)} rw,relatime shared:1 - ${fstype} ${escapeMountField(source)} rw`

describe('mountinfo', () => {
  test('escaping round-trips any path, spaces and backslashes included', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        assert.equal(unescapeMountField(escapeMountField(text)), text)
        assert.ok(!/[ \t\n]/.test(escapeMountField(text)))
      })
    )
  })

  test('parses the fields after the optional ones, and skips what does not parse', () => {
    const text = [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      line(90, 27, '/tmp/a dir', 'fuse.ordeal-diskfs', 'ordeal-disk-r1-0'),
      'garbage',
    ].join('\n')
    assert.deepEqual(parseMountInfo(text), [
      { id: 22, parent: 27, mountPoint: '/proc', fstype: 'proc', source: 'proc' },
      {
        id: 90,
        parent: 27,
        mountPoint: '/tmp/a dir',
        fstype: 'fuse.ordeal-diskfs',
        source: 'ordeal-disk-r1-0',
      },
    ])
  })

  test("finds the run's own mount only, and not when another is stacked over it", () => {
    const own = line(90, 27, '/d', 'fuse.ordeal-diskfs', 'ordeal-disk-r1-0')
    const other = line(91, 27, '/d', 'fuse.ordeal-diskfs', 'ordeal-disk-r2-0')
    const over = line(92, 90, '/d', 'tmpfs', 'tmpfs')
    assert.equal(ownMountAt(parseMountInfo(own), '/d', 'ordeal-disk-r1-0'), 'top')
    assert.equal(ownMountAt(parseMountInfo(other), '/d', 'ordeal-disk-r1-0'), 'absent')
    assert.equal(ownMountAt(parseMountInfo(own), '/e', 'ordeal-disk-r1-0'), 'absent')
    assert.equal(
      ownMountAt(parseMountInfo([own, over].join('\n')), '/d', 'ordeal-disk-r1-0'),
      'covered'
    )
  })

  test("reads this machine's table: / is mounted", async () => {
    const { readMountInfo } = await import('./mountinfo.js')
    assert.ok(readMountInfo().some((m) => m.mountPoint === '/'))
  })
})
