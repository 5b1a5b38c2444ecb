/**
 * Python `re` patterns in JavaScript, for regex tolerances: the named-group spellings differ
 * (`(?P<n>…)`, `(?P=n)`), `\Z` is JavaScript's end of input, and `re.search` is unanchored
 * (as `RegExp.test`). What has no translation (inline flags mid-pattern, possessive
 * quantifiers) fails to compile, which parse.ts reports with the field.
 * @module
 */

export function pythonRegExp(pattern: string): RegExp {
  let source = pattern
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\Z/g, '$(?![\\s\\S])')
    .replace(/\\A/g, '^(?<![\\s\\S])')
  let flags = ''
  // A leading inline-flag group (?i), (?s), (?m) becomes JavaScript flags.
  const inline = /^\(\?([aimsux]+)\)/.exec(source)
  if (inline) {
    source = source.slice(inline[0].length)
    flags = [...new Set(inline[1]!.replace(/[aux]/g, ''))].join('')
  }
  return new RegExp(source, flags)
}
