import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { LineSplitter, pipeLines } from './log-prefix.js'

describe('LineSplitter', () => {
  it('joins partial chunks, strips CR and flushes the unterminated last line', () => {
    const lines: string[] = []
    const splitter = new LineSplitter((line) => lines.push(line))
    splitter.push('hel')
    splitter.push('lo\r\nwor')
    assert.deepEqual(lines, ['hello'])
    splitter.push('ld\n\nlast')
    assert.deepEqual(lines, ['hello', 'world', ''])
    splitter.flush()
    splitter.flush()
    assert.deepEqual(lines, ['hello', 'world', '', 'last'])
  })
})

describe('pipeLines', () => {
  it('keeps multi-byte characters split across chunks', async () => {
    const stream = new PassThrough()
    const lines: string[] = []
    const done = pipeLines(stream, (line) => lines.push(line))
    const bytes = Buffer.from('é ok\nend')
    stream.write(bytes.subarray(0, 1))
    stream.end(bytes.subarray(1))
    await done
    assert.deepEqual(lines, ['é ok', 'end'])
  })
})
