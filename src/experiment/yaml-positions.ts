/**
 * Line numbers for paths into a parsed YAML document, for `file:line: path: message` issues.
 *
 * Lookups are indexed per mapping: `Document.getIn` scans a mapping's pairs for every call, so
 * a manifest with thousands of wrong keys (each its own issue) took seconds, quadratically.
 * @module
 */
import { isMap, isSeq, type Document, type LineCounter, type Pair, type YAMLMap } from 'yaml'

type Ranged = { range?: [number, number, number] | null } | null | undefined

export class YamlPositions {
  readonly #doc: Document
  readonly #lineCounter: LineCounter
  readonly #pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>()

  constructor(doc: Document, lineCounter: LineCounter) {
    this.#doc = doc
    this.#lineCounter = lineCounter
  }

  /** The 1-based line of a character offset; line 1 when unknown. */
  lineOf(offset: number | undefined): number {
    return offset === undefined ? 1 : this.#lineCounter.linePos(offset).line
  }

  /**
   * The line of the node at `p`. A missing field points at the key that holds its parent
   * (`fault:` for a missing `fault.duration`), where a reader looks for it.
   */
  lineOfPath(p: readonly PropertyKey[]): number {
    // Walk down as far as the document goes.
    let node: unknown = this.#doc.contents
    let depth = 0
    for (; depth < p.length; depth++) {
      const child = this.#child(node, p[depth]!)
      if (child === undefined) {
        break
      }
      node = child
    }
    if (depth === p.length) {
      const range = (node as Ranged)?.range
      if (range) {
        return this.lineOf(range[0])
      }
    }
    if (depth === 0) {
      return 1
    }
    return this.lineOfKey(p.slice(0, depth - 1), String(p[depth - 1]))
  }

  /** The line of `key` inside the collection at `p` (of the item, for a list). */
  lineOfKey(p: readonly PropertyKey[], key: string): number {
    const parent = p.length === 0 ? this.#doc.contents : this.#nodeAt(p)
    if (isSeq(parent)) {
      const item = parent.items[Number(key)] as Ranged
      return this.lineOf(item?.range?.[0] ?? parent.range?.[0])
    }
    if (isMap(parent)) {
      const k = this.#pairs(parent).get(key)?.key as Ranged
      if (k?.range) {
        return this.lineOf(k.range[0])
      }
    }
    return p.length === 0 ? 1 : this.lineOfPath(p)
  }

  #nodeAt(p: readonly PropertyKey[]): unknown {
    let node: unknown = this.#doc.contents
    for (const part of p) {
      node = this.#child(node, part)
      if (node === undefined) {
        return undefined
      }
    }
    return node
  }

  #child(node: unknown, part: PropertyKey): unknown {
    if (isSeq(node)) {
      const item: unknown = node.items[Number(part)]
      return item ?? undefined
    }
    if (isMap(node)) {
      const value: unknown = this.#pairs(node).get(String(part))?.value
      return value ?? undefined
    }
    return undefined
  }

  /** Pairs by their key as text (`1` and `'1'` are one key once in JS; the first is shown). */
  #pairs(map: YAMLMap): Map<string, Pair> {
    let index = this.#pairsByKey.get(map)
    if (!index) {
      index = new Map()
      for (const pair of map.items) {
        const key = keyText(pair.key)
        if (!index.has(key)) {
          index.set(key, pair)
        }
      }
      this.#pairsByKey.set(map, index)
    }
    return index
  }
}

function keyText(key: unknown): string {
  if (key !== null && typeof key === 'object' && 'value' in key) {
    return String((key as { value: unknown }).value)
  }
  return String(key)
}
