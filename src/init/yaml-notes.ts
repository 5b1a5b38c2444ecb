/**
 * Comments and styles on a YAML document built from plain data, through the `yaml` library's
 * Document API: the library does all quoting and escaping, this only says where a comment
 * goes and which nodes are written in flow style or double quotes.
 * @module
 */
import { Document, isMap, isNode, isScalar, isSeq, Scalar, type Node } from 'yaml'

type Path = readonly (string | number)[]

/** Longest comment line, indentation and `# ` included. */
const kWidth = 92

/** Greedy word wrap; a word longer than the width gets a line of its own. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  return [...lines, line]
}

/** Comment text for yaml: one leading space per line, so `#text` reads `# text`. */
function commentText(lines: readonly string[]): string {
  return lines.map((line) => (line === '' ? '' : ` ${line}`)).join('\n')
}

export class NotedDocument {
  readonly doc: Document

  constructor(data: unknown) {
    this.doc = new Document(data)
  }

  /**
   * A comment above the key at `path` (or above the list item at `path`): each paragraph
   * wrapped to the width at that depth (block style: two columns per level).
   */
  note(path: Path, paragraphs: readonly string[], options: { blankLineBefore?: boolean } = {}) {
    const target = this.#anchor(path)
    const width = kWidth - 2 * (path.length - 1) - 2
    target.commentBefore = commentText(paragraphs.flatMap((p) => wrap(p, width)))
    if (options.blankLineBefore) {
      target.spaceBefore = true
    }
    return this
  }

  /** The document's opening comment, lines as given. */
  header(lines: readonly string[]): this {
    this.doc.commentBefore = commentText(lines)
    return this
  }

  /** `{ a: 1, b: 2 }` / `[a, b]` on one line. */
  flow(path: Path): this {
    const node = this.doc.getIn(path, true)
    if (!isMap(node) && !isSeq(node)) {
      throw new Error(`no collection at ${path.join('.')}`)
    }
    node.flow = true
    return this
  }

  /**
   * A user's string in double quotes: every character, newlines and control characters
   * included, stays on the key's line as an escape, so no line of it can start a comment or
   * be folded (the manifest's `${...}` pass reads the text line by line).
   */
  doubleQuoted(path: Path): this {
    const node = this.doc.getIn(path, true)
    if (!isScalar(node)) {
      throw new Error(`no scalar at ${path.join('.')}`)
    }
    node.type = Scalar.QUOTE_DOUBLE
    return this
  }

  toString(): string {
    // Every line of a value stays on its key's line: lineWidth 0 never folds, and JSON-style
    // double quotes escape a newline instead of breaking the line (a line that starts with
    // '#' would be skipped by the ${...} pass, and an escaped $${ would stay doubled).
    return this.doc.toString({
      lineWidth: 0,
      singleQuote: true,
      flowCollectionPadding: true,
      doubleQuotedAsJSON: true,
    })
  }

  /** The node a comment above `path` belongs to: the map key, or the list item. */
  #anchor(path: Path): Node {
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true)
    const last = path[path.length - 1]
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last)
      if (pair && isScalar(pair.key)) {
        return pair.key
      }
    } else if (isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last]
      if (isNode(item)) {
        return item
      }
    }
    throw new Error(`nothing to comment at ${path.join('.')}`)
  }
}
