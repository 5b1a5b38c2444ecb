/**
 * Reads a pcap file as the tests check it, independently of ordeal's own cutter: the file
 * header, then every record; each packet's IPv4 addresses and TCP ports when it has them.
 * Link types: LINUX_SLL2 (tcpdump -i any), LINUX_SLL, Ethernet.
 */
import { readFileSync } from 'node:fs'

export interface PcapPacket {
  /** ms since the epoch (fractional). */
  t: number
  length: number
  src?: string
  dst?: string
  sport?: number
  dport?: number
  /** TCP flags byte (SYN = 0x02), when TCP. */
  flags?: number
}

export interface PcapFile {
  linkType: number
  snaplen: number
  packets: PcapPacket[]
  /** Bytes after the last whole record (must be 0 for a file ordeal wrote). */
  trailing: number
}

const LINKTYPE_ETHERNET = 1
const LINKTYPE_LINUX_SLL = 113
const LINKTYPE_LINUX_SLL2 = 276

export function readPcap(file: string): PcapFile {
  const buf = readFileSync(file)
  if (buf.length < 24) {
    throw new Error(`${file}: ${buf.length} bytes, shorter than a pcap header`)
  }
  const magic = buf.readUInt32LE(0)
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  const nanos = magic === 0xa1b23c4d || buf.readUInt32BE(0) === 0xa1b23c4d
  if (!little && buf.readUInt32BE(0) !== 0xa1b2c3d4 && !nanos) {
    throw new Error(`${file}: bad pcap magic 0x${magic.toString(16)}`)
  }
  const u32 = (o: number) => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o))
  const linkType = u32(20)
  const packets: PcapPacket[] = []
  let at = 24
  while (buf.length - at >= 16) {
    const incl = u32(at + 8)
    if (buf.length - at - 16 < incl) {
      break
    }
    const t = u32(at) * 1000 + u32(at + 4) / (nanos ? 1e6 : 1e3)
    const data = buf.subarray(at + 16, at + 16 + incl)
    packets.push({ t, length: u32(at + 12), ...ipv4(data, linkType) })
    at += 16 + incl
  }
  return { linkType, snaplen: u32(16), packets, trailing: buf.length - at }
}

function ipv4(data: Buffer, linkType: number): Omit<PcapPacket, 't' | 'length'> {
  let offset: number
  let proto: number
  if (linkType === LINKTYPE_LINUX_SLL2) {
    proto = data.readUInt16BE(0)
    offset = 20
  } else if (linkType === LINKTYPE_LINUX_SLL) {
    proto = data.readUInt16BE(14)
    offset = 16
  } else if (linkType === LINKTYPE_ETHERNET) {
    proto = data.readUInt16BE(12)
    offset = 14
  } else {
    return {}
  }
  if (proto !== 0x0800 || data.length < offset + 20) {
    return {}
  }
  const ip = data.subarray(offset)
  const dotted = (o: number) => [...ip.subarray(o, o + 4)].join('.')
  const header = (ip[0]! & 0x0f) * 4
  const out: Omit<PcapPacket, 't' | 'length'> = { src: dotted(12), dst: dotted(16) }
  if (ip[9] === 6 && ip.length >= header + 14) {
    out.sport = ip.readUInt16BE(header)
    out.dport = ip.readUInt16BE(header + 2)
    out.flags = ip[header + 13]!
  }
  return out
}
