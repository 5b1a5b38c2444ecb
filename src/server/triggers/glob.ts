/**
 * The `Matches` operator's patterns: globs, not regular expressions. A regular expression from
 * a manifest, run on a sender's text, can backtrack for seconds (`^(a+)+$` on 29 characters
 * froze the server 11 s); a glob cannot. `*` is any run of characters (none included), `?`
 * exactly one, anything else itself; the pattern covers the whole value (`v1.*` matches
 * `v1.2`, not `xv1.2`; `*orders*` matches anywhere). There is no escape: `*` and `?` are
 * always wildcards.
 *
 * Matching is greedy-free: the pattern splits at `*`; the first piece must start the value,
 * the last must end it, and each middle piece is found at its leftmost place after the one
 * before (leftmost is always safe for globs, so nothing is ever retried). The cost is at most
 * (value length × pattern length) character comparisons, whatever the two are. Pure.
 * @module
 */

/** Whether `text` matches the glob `pattern` in full (characters are code points). */
export function globMatches(pattern: string, text: string): boolean {
  const value = [...text]
  const pieces = pattern.split('*').map((piece) => [...piece])
  if (pieces.length === 1) {
    return value.length === pieces[0]!.length && pieceAt(pieces[0]!, value, 0)
  }
  const first = pieces[0]!
  const last = pieces[pieces.length - 1]!
  const end = value.length - last.length
  if (end < first.length || !pieceAt(first, value, 0) || !pieceAt(last, value, end)) {
    return false
  }
  let from = first.length
  for (const piece of pieces.slice(1, -1)) {
    const at = find(piece, value, from, end)
    if (at < 0) {
      return false
    }
    from = at + piece.length
  }
  return true
}

/** Whether `piece` (with `?`) matches `value` at `at`; the caller keeps it in bounds. */
function pieceAt(piece: readonly string[], value: readonly string[], at: number): boolean {
  for (let i = 0; i < piece.length; i++) {
    if (piece[i] !== '?' && piece[i] !== value[at + i]) {
      return false
    }
  }
  return true
}

/** The leftmost place in [from, end) where `piece` fits entirely before `end`, or -1. */
function find(piece: readonly string[], value: readonly string[], from: number, end: number) {
  for (let at = from; at + piece.length <= end; at++) {
    if (pieceAt(piece, value, at)) {
      return at
    }
  }
  return -1
}
