/**
 * Decoding request bodies onto typed records the way Go's `json.Decoder.Decode` fills a struct:
 * keys match case-insensitively (last one wins), unknown keys and `null` are ignored, a wrong
 * type or a fractional integer is `json: cannot unmarshal ...`.
 * @module
 */
import { GoNumber, goKind, type GoValue } from './go-json.js'

export type FieldKind = 'string' | 'bool' | 'float32' | 'int64' | 'raw'

export class DecodeError extends Error {}

export type Fields = Record<string, FieldKind>

/**
 * Fills `target` from the JSON object `value` for the fields listed in `fields` (JSON names).
 * `struct` names the Go struct in messages (e.g. `Proxy`).
 */
export function decodeStruct(
  value: GoValue,
  fields: Fields,
  target: Record<string, unknown>,
  struct: string
): void {
  if (value === null) {
    return
  }
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof GoNumber) {
    throw new DecodeError(
      `json: cannot unmarshal ${goKind(value)} into Go value of type ${goStructType(struct)}`
    )
  }
  const names = Object.keys(fields)
  for (const [key, raw] of Object.entries(value)) {
    const name = names.find((n) => n.toLowerCase() === key.toLowerCase())
    if (name === undefined || raw === null) {
      continue
    }
    // Go names the field by its struct without the package: `Proxy.name`.
    target[name] = decodeField(raw, fields[name]!, `${struct.split('.').pop()}.${name}`)
  }
}

function goStructType(struct: string): string {
  return struct.includes('.') ? struct : `proxy.${struct}`
}

const goType: Record<FieldKind, string> = {
  string: 'string',
  bool: 'bool',
  float32: 'float32',
  int64: 'int64',
  raw: 'interface {}',
}

function decodeField(raw: GoValue, kind: FieldKind, where: string): unknown {
  const fail = (what: string): never => {
    throw new DecodeError(
      `json: cannot unmarshal ${what} into Go struct field ${where} of type ${goType[kind]}`
    )
  }
  switch (kind) {
    case 'raw':
      return raw
    case 'string':
      return typeof raw === 'string' ? raw : fail(goKind(raw))
    case 'bool':
      return typeof raw === 'boolean' ? raw : fail(goKind(raw))
    case 'float32': {
      if (!(raw instanceof GoNumber)) {
        return fail(goKind(raw))
      }
      const n = Number(raw.raw)
      return Number.isFinite(n) && Math.abs(n) <= 3.4028234663852886e38
        ? n
        : fail(`number ${raw.raw}`)
    }
    case 'int64': {
      if (!(raw instanceof GoNumber)) {
        return fail(goKind(raw))
      }
      // Go's ParseInt: no fraction, no exponent, within int64.
      if (!/^-?\d+$/.test(raw.raw)) {
        return fail(`number ${raw.raw}`)
      }
      const n = BigInt(raw.raw)
      if (n > 9223372036854775807n || n < -9223372036854775808n) {
        return fail(`number ${raw.raw}`)
      }
      return Number(n)
    }
  }
}
