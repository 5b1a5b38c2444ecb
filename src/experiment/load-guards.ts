/**
 * Bounds on manifest YAML before it becomes data. A manifest comes from anyone (a pull request,
 * the Chaos Center's API), so hostile or broken text must end in a ManifestError: never a
 * crash, never a hang, never a message that spans lines or carries terminal escapes.
 * Found by the loader fuzzer (test/fuzz/manifest-loader.test.ts).
 * @module
 */
import { isAlias, isMap, isScalar, isSeq, type Document } from 'yaml'

/**
 * Collections nested deeper than this are refused. A real manifest needs about 10 levels (40
 * with deeply nested serial/parallel steps); beyond a few hundred the YAML parser and the
 * schema would run out of stack, at a depth that depends on how deep the caller's stack is.
 */
export const MAX_NESTING = 100

/**
 * Keys (mapping entries) in one manifest, all mappings together. A large real manifest has a
 * few thousand; 75,000 keys in 1 MB took the old quadratic duplicate check 74 s (issue 12).
 */
export const MAX_KEYS = 10_000

/** What `toJS` may expand aliases to (its `maxAliasCount`): bounds billion-laughs bombs. */
export const MAX_ALIAS_COUNT = 100

/** Longest message printed; an echoed 1 MB value helps nobody. */
const kMaxMessageChars = 1000

export interface StructureIssue {
  path: (string | number)[]
  /** Character offset in the text, for the line number. */
  offset: number | undefined
  message: string
}

export interface AliasUse {
  source: string
  offset: number | undefined
}

/**
 * Walks the document iteratively (the walk itself must not overflow): refuses nesting beyond
 * {@link MAX_NESTING}, keys that are lists, mappings or aliases (JavaScript objects can only
 * have text keys; `yaml` would stringify them and print a process warning) and duplicate keys,
 * and lists aliases. Duplicate keys are checked here with a set per mapping because the
 * parser's own `uniqueKeys` compares every key with every other: 20,000 keys took 4 s.
 */
export function checkStructure(doc: Document): { issues: StructureIssue[]; aliases: AliasUse[] } {
  const issues: StructureIssue[] = []
  const aliases: AliasUse[] = []
  let tooDeep = false
  let keys = 0
  const stack: { node: unknown; path: (string | number)[]; depth: number }[] = [
    { node: doc.contents, path: [], depth: 0 },
  ]
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!
    if (isAlias(node)) {
      aliases.push({ source: node.source, offset: node.range?.[0] })
      continue
    }
    if (!isMap(node) && !isSeq(node)) {
      continue
    }
    if (depth >= MAX_NESTING) {
      if (!tooDeep) {
        tooDeep = true
        issues.push({
          path,
          offset: node.range?.[0],
          message: `nested more than ${MAX_NESTING} levels deep`,
        })
      }
      continue
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) =>
        stack.push({ node: item, path: [...path, i], depth: depth + 1 })
      )
      continue
    }
    keys += node.items.length
    if (keys > MAX_KEYS) {
      // Stop walking: the rest would only cost time, and one issue says what to do.
      return {
        issues: [
          {
            path,
            offset: node.range?.[0],
            message: `more than ${MAX_KEYS} keys in one manifest: split it or shorten it`,
          },
        ],
        aliases,
      }
    }
    const seen = new Set<unknown>()
    for (const pair of node.items) {
      const key: unknown = pair.key
      if (key !== null && !isScalar(key)) {
        const kind = isAlias(key) ? 'an alias' : isMap(key) ? 'a mapping' : 'a list'
        issues.push({
          path,
          offset: (key as { range?: [number, number, number] }).range?.[0],
          message: `a key must be a plain name, not ${kind}`,
        })
        continue
      }
      const name = key === null ? '' : String(key.value)
      if (seen.has(key?.value ?? null)) {
        issues.push({ path, offset: key?.range?.[0], message: `duplicate key '${name}'` })
      }
      seen.add(key?.value ?? null)
      stack.push({ node: pair.value, path: [...path, name], depth: depth + 1 })
    }
  }
  return { issues, aliases }
}

/** Turns an exception from `toJS` (only aliases make it throw) into a message and a place. */
export function aliasFailure(
  error: unknown,
  aliases: AliasUse[]
): { offset: number | undefined; message: string } {
  const text = error instanceof Error ? error.message : String(error)
  const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec(text)?.[1]
  if (unresolved !== undefined) {
    return {
      offset: firstOffset(aliases.filter((a) => a.source === unresolved)),
      message: `YAML alias *${unresolved} has no anchor &${unresolved} before it`,
    }
  }
  if (/Excessive alias count/.test(text)) {
    return {
      offset: firstOffset(aliases),
      message: `YAML aliases expand to too much data (limit ${MAX_ALIAS_COUNT} alias expansions; an alias bomb?): write the values out`,
    }
  }
  return { offset: firstOffset(aliases), message: `cannot read the YAML: ${text}` }
}

/** Where the first of `aliases` is in the text (the walk finds them out of order). */
function firstOffset(aliases: AliasUse[]): number | undefined {
  let first: number | undefined
  for (const { offset } of aliases) {
    if (offset !== undefined && (first === undefined || offset < first)) {
      first = offset
    }
  }
  return first
}

/** A YAML parser error message, first line only, with a stack overflow said plainly. */
export function yamlErrorMessage(message: string): string {
  if (/Maximum call stack size exceeded/.test(message)) {
    return `YAML nested too deeply (more than ${MAX_NESTING} levels)`
  }
  return `YAML syntax error: ${message.split('\n')[0]}`
}

/**
 * One printable line: control characters (newlines in a quoted key, ANSI escapes, U+2028)
 * become visible escapes, and very long text is cut.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n'
      case '\r':
        return '\\r'
      case '\t':
        return '\\t'
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    }
  })
  if (escaped.length <= kMaxMessageChars) {
    return escaped
  }
  return `${escaped.slice(0, kMaxMessageChars)}… (${escaped.length - kMaxMessageChars} more characters)`
}
