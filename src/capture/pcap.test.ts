import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { PcapCutter, PCAP_HEADER_BYTES, RECORD_HEADER_BYTES } from './pcap.js'

/** A pcap stream as tcpdump writes it (little-endian, microseconds), packet i at second 100+i. */
function pcapStream(sizes: number[], little = true): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4)
    if (little) {
      b.writeUInt32LE(n)
    } else {
      b.writeUInt32BE(n)
    }
    return b
  }
  const header = Buffer.concat([u32(0xa1b2c3d4), Buffer.alloc(20, 1)])
  const records = sizes.map((size, i) =>
    Buffer.concat([u32(100 + i), u32(250_000), u32(size), u32(size), Buffer.alloc(size, i % 256)])
  )
  return Buffer.concat([header, ...records])
}

function feed(cutter: PcapCutter, stream: Buffer, cuts: number[]): Buffer {
  const out: Buffer[] = []
  let at = 0
  for (const cut of [...cuts.map((c) => c % (stream.length + 1))].sort((a, b) => a - b)) {
    out.push(...cutter.push(stream.subarray(at, Math.max(at, cut))))
    at = Math.max(at, cut)
  }
  out.push(...cutter.push(stream.subarray(at)))
  return Buffer.concat(out)
}

test('the file is the header and the longest run of whole packets that fits the cap', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 40 }),
      fc.integer({ min: 1024, max: 40_000 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.boolean(),
      (sizes, cap, cuts, little) => {
        const stream = pcapStream(sizes, little)
        const cutter = new PcapCutter(cap)
        const written = feed(cutter, stream, cuts)
        let kept = 0
        let bytes = PCAP_HEADER_BYTES
        while (kept < sizes.length && bytes + RECORD_HEADER_BYTES + sizes[kept]! <= cap) {
          bytes += RECORD_HEADER_BYTES + sizes[kept]!
          kept++
        }
        assert.ok(written.length <= cap)
        assert.deepEqual(written, stream.subarray(0, bytes))
        assert.equal(cutter.state.bytes, bytes)
        assert.equal(cutter.state.packets, kept)
        assert.equal(cutter.state.truncated, kept < sizes.length)
        assert.equal(cutter.state.firstPacketMs, kept > 0 ? 100_250 : undefined)
      }
    )
  )
})

test('a stream that is not pcap is refused at its header', () => {
  const cutter = new PcapCutter(4096)
  assert.throws(() => cutter.push(Buffer.alloc(64, 7)), /not a pcap stream/)
})

test('a cap below 1 KiB is refused', () => {
  assert.throws(() => new PcapCutter(100), /at least 1024 bytes/)
})
