/**
 * Response packets the run's resolver sends, built with dns-packet. Pure: a query in, a reply
 * out, so every answer kind is round-trip tested without a socket.
 * @module
 */
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet'

/** RFC 1035 RCODEs the resolver uses (the low four bits of the header flags). */
export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const
export type Rcode = keyof typeof RCODE

/** A run name's records live as long as the run; resolvers may cache them briefly. */
const kRunTtl = 5
/** A faulted answer must not outlive the fault window in a client's cache. */
export const FAULT_TTL = 0

/**
 * A reply to `query` with `rcode` and, for A questions, one A record per address;
 * `truncated` sets TC (the client repeats the query over TCP).
 */
export function reply(
  query: DecodedPacket,
  rcode: Rcode,
  addresses: readonly string[] = [],
  ttl = kRunTtl,
  truncated = false
): Buffer {
  const question = query.questions?.[0]
  const answers: Answer[] =
    question && question.type === 'A' && rcode === 'NOERROR'
      ? addresses.map((data) => ({ type: 'A', name: question.name, ttl, data }))
      : []
  const packet: Packet = {
    type: 'response',
    id: query.id ?? 0,
    // Authoritative for the run's names; no recursion (other names are REFUSED, never relayed);
    // the client's RD bit echoed as RFC 1035 asks.
    flags:
      dnsPacket.AUTHORITATIVE_ANSWER |
      (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) |
      (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
      RCODE[rcode],
    questions: query.questions ?? [],
    answers,
  }
  return dnsPacket.encode(packet)
}

/** Decodes a query; undefined for anything that is not one with exactly one question. */
export function parseQuery(message: Buffer): DecodedPacket | undefined {
  try {
    const packet = dnsPacket.decode(message)
    return packet.type === 'query' && packet.questions?.length === 1 ? packet : undefined
  } catch {
    return undefined
  }
}

/** The RCODE of an encoded reply (for tests). */
export function rcodeOf(message: Buffer): number {
  return message.readUInt16BE(2) & 0xf
}
