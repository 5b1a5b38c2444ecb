/**
 * Request bodies decoded in the reference's order, so the first error reported is the one
 * the reference would report (e.g. the stream is checked before the type, 409 before attributes).
 * @module
 */
import { DecodeError, decodeStruct } from './decode.js'
import { badBody, invalidStream, invalidToxicType, toxicExists, ApiError } from './errors.js'
import { GoJsonError, parseGoJson, type GoValue } from './go-json.js'
import {
  attributeFields,
  isToxicType,
  toxicProblem,
  toxicStruct,
  zeroAttributes,
  type Toxic,
} from './toxic-spec.js'

export interface ProxyInput {
  name: string
  listen: string
  upstream: string
  enabled: boolean
}

export const proxyFields = {
  name: 'string',
  listen: 'string',
  upstream: 'string',
  enabled: 'bool',
} as const

/** Reads the first JSON value of a body; Go's decoder errors become 400 `bad request body`. */
export function readBody(text: string): GoValue {
  try {
    return parseGoJson(text)
  } catch (error) {
    throw error instanceof GoJsonError ? badBody(error.message) : error
  }
}

/** Decodes onto `target`, mapping type errors to 400 `bad request body: json: ...`. */
export function decodeOnto(
  value: GoValue,
  fields: Parameters<typeof decodeStruct>[1],
  target: Record<string, unknown>,
  struct: string
): void {
  try {
    decodeStruct(value, fields, target, struct)
  } catch (error) {
    throw error instanceof DecodeError ? badBody(error.message) : error
  }
}

export function parseNewToxic(body: string, exists: (name: string) => boolean): Toxic {
  const value = readBody(body)
  const w: Record<string, unknown> = { name: '', type: '', stream: 'downstream', toxicity: 1 }
  const fields = { name: 'string', type: 'string', stream: 'string', toxicity: 'float32' } as const
  decodeOnto(value, { ...fields, attributes: 'raw' }, w, 'toxics.ToxicWrapper')
  const stream = String(w['stream'])
  const direction = stream.toLowerCase()
  if (direction !== 'upstream' && direction !== 'downstream') {
    throw invalidStream()
  }
  const type = String(w['type'])
  const name = String(w['name']) || `${type}_${stream}`
  if (!isToxicType(type)) {
    throw invalidToxicType()
  }
  if (exists(name)) {
    throw toxicExists()
  }
  const attributes = zeroAttributes(type)
  decodeOnto(
    (w['attributes'] ?? null) as GoValue,
    attributeFields(type),
    attributes,
    `toxics.${toxicStruct[type]}`
  )
  const toxic: Toxic = {
    name,
    type,
    stream,
    direction,
    toxicity: Number(w['toxicity']),
    attributes,
  }
  check(toxic)
  return toxic
}

/** Toxic update: attributes and toxicity decoded onto the current values (the rest ignored). */
export function parseToxicUpdate(body: string, toxic: Toxic): Toxic {
  const value = readBody(body)
  const w: Record<string, unknown> = { toxicity: toxic.toxicity }
  decodeOnto(
    value,
    { attributes: 'raw', toxicity: 'float32' },
    w,
    'struct { Attributes interface {}; Toxicity float32 }'
  )
  const attributes = { ...toxic.attributes }
  decodeOnto(
    (w['attributes'] ?? null) as GoValue,
    attributeFields(toxic.type),
    attributes,
    `toxics.${toxicStruct[toxic.type]}`
  )
  const next = { ...toxic, toxicity: Number(w['toxicity']), attributes }
  check(next)
  return next
}

function check(toxic: Toxic): void {
  const problem = toxicProblem(toxic)
  if (problem !== undefined) {
    throw new ApiError(400, problem)
  }
}
