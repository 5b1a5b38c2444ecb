/**
 * A JSON reader that answers like Go's `encoding/json` Decoder, because Toxiproxy clients and
 * scripts see its error texts: only the first value is read (trailing bytes ignored), an empty
 * body is `EOF`, syntax errors use Go's wording, and numbers keep their source text so integer
 * fields can reject `1.5` the way Go does.
 * @module
 */

/** A JSON number as written, so decoders can apply Go's int/float rules. */
export class GoNumber {
  constructor(readonly raw: string) {}
}

export type GoValue = null | boolean | string | GoNumber | GoValue[] | { [key: string]: GoValue }

export class GoJsonError extends Error {}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r'
const quote = (c: string) => (c === "'" ? "'\\''" : `'${c}'`)

/** Parses the first JSON value of `text`; throws GoJsonError with Go's message. */
export function parseGoJson(text: string): GoValue {
  let i = 0
  const skip = () => {
    while (isSpace(text[i])) {
      i++
    }
  }
  const bad = (context: string): never => {
    if (i >= text.length) {
      throw new GoJsonError('unexpected EOF')
    }
    throw new GoJsonError(`invalid character ${quote(text[i]!)} ${context}`)
  }
  const literal = (word: string, value: GoValue): GoValue => {
    for (let k = 0; k < word.length; k++, i++) {
      if (text[i] !== word[k]) {
        bad(`in literal ${word} (expecting ${quote(word[k]!)})`)
      }
    }
    return value
  }
  const string = (): string => {
    const start = i++
    for (;;) {
      const c = text[i]
      if (c === undefined) {
        throw new GoJsonError('unexpected EOF')
      }
      if (c === '"') {
        i++
        return JSON.parse(text.slice(start, i)) as string
      }
      if (c === '\\') {
        i++
        const e = text[i]
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) {
              bad('in \\u hexadecimal character escape')
            }
          }
          i++
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i++
        } else {
          bad('in string escape code')
        }
      } else if (c.charCodeAt(0) < 0x20) {
        bad('in string literal')
      } else {
        i++
      }
    }
  }
  const number = (): GoNumber => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))
    if (!m || m[0] === '-') {
      i++
      bad('in numeric literal')
    }
    i += m![0].length
    return new GoNumber(m![0])
  }
  const value = (): GoValue => {
    skip()
    const c = text[i]
    if (c === '{') {
      i++
      const out: { [key: string]: GoValue } = {}
      skip()
      if (text[i] === '}') {
        i++
        return out
      }
      for (;;) {
        skip()
        if (text[i] !== '"') {
          bad('looking for beginning of object key string')
        }
        const key = string()
        skip()
        if (text[i] !== ':') {
          bad('after object key')
        }
        i++
        out[key] = value()
        skip()
        if (text[i] === ',') {
          i++
        } else if (text[i] === '}') {
          i++
          return out
        } else {
          bad('after object key:value pair')
        }
      }
    }
    if (c === '[') {
      i++
      const out: GoValue[] = []
      skip()
      if (text[i] === ']') {
        i++
        return out
      }
      for (;;) {
        out.push(value())
        skip()
        if (text[i] === ',') {
          i++
        } else if (text[i] === ']') {
          i++
          return out
        } else {
          bad('after array element')
        }
      }
    }
    if (c === '"') {
      return string()
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      return number()
    }
    if (c === 't') {
      return literal('true', true)
    }
    if (c === 'f') {
      return literal('false', false)
    }
    if (c === 'n') {
      return literal('null', null)
    }
    return bad('looking for beginning of value')
  }
  skip()
  if (i >= text.length) {
    throw new GoJsonError('EOF')
  }
  return value()
}

/** Go's name for a JSON value's kind in "cannot unmarshal X into ..." messages. */
export function goKind(value: GoValue): string {
  if (value instanceof GoNumber) {
    return 'number'
  }
  if (Array.isArray(value)) {
    return 'array'
  }
  if (value === null) {
    return 'null'
  }
  return typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : 'string'
}
