/**
 * A schema's fields as a Markdown table, read from its JSON Schema: the same descriptions,
 * defaults and examples an editor shows on hover.
 * @module
 */
import { z } from 'zod'
import { DURATION_PATTERN } from '../../src/shared/duration.js'
import { TIMING_PATTERN } from '../../src/shared/timing-range.js'
import { SIZE_PATTERN } from '../../src/experiment/schema-parts.js'

type Json = Record<string, unknown>

export interface Row {
  /** Dotted path: `target.mode`, `stages[].target`, `thresholds.*[].abortOnFail`. */
  field: string
  type: string
  required: boolean
  default: string
  description: string
}

export interface TableOptions {
  /** Fields documented elsewhere: their row stays, the rows of what is inside them do not. */
  stop?: readonly string[]
  /** Fields left out altogether (shown once elsewhere). */
  omit?: readonly string[]
  /** Types written as links to the section that documents them, by field. */
  links?: Readonly<Record<string, string>>
}

/** Every field of `schema`, nested ones after their parent. */
export function fieldRows(schema: z.ZodType, options: TableOptions = {}): Row[] {
  const json = jsonSchemaOf(schema)
  return rows(rootOf(json), '', options, (json['$defs'] ?? {}) as Json)
}

/** The description of `schema` itself. */
export function schemaDescription(schema: z.ZodType): string {
  return String(rootOf(jsonSchemaOf(schema))['description'] ?? '')
}

export function fieldTable(list: Row[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|')
  return [
    '| Field | Type | Required | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...list.map(
      (r) =>
        `| \`${r.field}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.default)} | ${cell(r.description)} |`
    ),
  ].join('\n')
}

/** A value as inline code (JSON unless it is a string). */
export function code(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``
}

function jsonSchemaOf(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
}

/** The step schema is recursive: its JSON Schema is a `$ref` into `$defs`. */
function rootOf(json: Json): Json {
  const ref = json['$ref']
  if (typeof ref === 'string') {
    return ((json['$defs'] ?? {}) as Json)[ref.replace('#/$defs/', '')] as Json
  }
  return json
}

function rows(
  node: Json,
  prefix: string,
  options: TableOptions,
  defs: Json,
  inUnion = false
): Row[] {
  const out: Row[] = []
  // Inside one form of a union, "required" would read as required in every form.
  const required = new Set(inUnion ? [] : ((node['required'] as string[] | undefined) ?? []))
  for (const [name, child] of Object.entries((node['properties'] ?? {}) as Record<string, Json>)) {
    const field = `${prefix}${name}`
    if (options.omit?.includes(field)) {
      continue
    }
    out.push({
      field,
      type: options.links?.[field] ?? typeOf(child, defs),
      required: required.has(name),
      default: child['default'] === undefined ? '' : code(child['default']),
      description: describe(child, field),
    })
    if (!options.stop?.includes(field)) {
      out.push(...nested(child, field, options, defs))
    }
  }
  return out
}

/**
 * Rows for the fields inside an object, a list (`stages[].target`), a map
 * (`thresholds.*[].abortOnFail`) or a union of objects (`action.status`).
 */
function nested(
  node: Json,
  field: string,
  options: TableOptions,
  defs: Json,
  inUnion = false
): Row[] {
  if (node['properties']) {
    return rows(node, `${field}.`, options, defs, inUnion)
  }
  const items = node['items']
  if (items && typeof items === 'object') {
    return nested(items as Json, `${field}[]`, options, defs, inUnion)
  }
  const values = node['additionalProperties']
  if (values && typeof values === 'object') {
    return nested(values as Json, `${field}.*`, options, defs, inUnion)
  }
  const members = (node['anyOf'] ?? node['oneOf']) as Json[] | undefined
  if (members) {
    const seen = new Set<string>()
    return members
      .flatMap((m) => nested(m, field, options, defs, true))
      .filter((r) => !seen.has(r.field) && seen.add(r.field))
  }
  return []
}

function describe(node: Json, field: string): string {
  const description = String(node['description'] ?? '')
  if (field === 'type' && node['const'] !== undefined) {
    return `Always ${code(node['const'])}.`
  }
  const examples = node['examples'] as unknown[] | undefined
  return examples?.length ? `${description} Example: ${code(examples[0])}.` : description
}

function typeOf(node: Json, defs: Json): string {
  if (typeof node['$ref'] === 'string') {
    // The only recursive schema in a manifest is the step ('#' when it is the root).
    const target = node['$ref'] === '#' || defs[node['$ref'].replace('#/$defs/', '')]
    if (!target) {
      throw new Error(`unresolved $ref ${node['$ref']}`)
    }
    return 'step'
  }
  if (node['const'] !== undefined) {
    return code(node['const'])
  }
  if (Array.isArray(node['enum'])) {
    return `one of ${node['enum'].map(code).join(', ')}`
  }
  const members = (node['anyOf'] ?? node['oneOf']) as Json[] | undefined
  if (members) {
    if (members.some((m) => m['pattern'] === SIZE_PATTERN)) {
      return 'size'
    }
    if (members.every((m) => m['properties'])) {
      return 'object'
    }
    return [...new Set(members.map((m) => typeOf(m, defs)))].join(' or ')
  }
  const type = node['type']
  if (Array.isArray(type)) {
    return type.join(' or ')
  }
  switch (type) {
    case 'string':
      return node['pattern'] === DURATION_PATTERN
        ? 'duration'
        : node['pattern'] === TIMING_PATTERN
          ? 'duration or range'
          : 'string'
    case 'array':
      return `list of ${plural(typeOf((node['items'] ?? {}) as Json, defs))}`
    case 'object':
      return node['properties']
        ? 'object'
        : `map of ${plural(typeOf((node['additionalProperties'] ?? {}) as Json, defs))}`
    case undefined:
      return 'any'
    default:
      return String(type)
  }
}

function plural(type: string): string {
  if (type.startsWith('list of ') || type.includes(' or ') || type.startsWith('one of')) {
    return `(${type})`
  }
  return type.replace(/^(\w+)/, (w) => (w === 'any' ? w : `${w}s`))
}
