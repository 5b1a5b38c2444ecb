/**
 * Name patterns of a dns-fault: `*` is any run of characters (dots included), everything else
 * matches itself, case-insensitively, as DNS names compare. `db.*` matches `db.shop`, `*`
 * matches every name. Pure, so the schema and the resolver share it.
 * @module
 */

/** `Db.Shop.` → `db.shop`: DNS names compare case-insensitively, the root dot is implied. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

export function globMatches(pattern: string, name: string): boolean {
  const p = canonicalName(pattern)
  const n = canonicalName(name)
  // Iterative wildcard match (no regex built from user text, no backtracking blow-up).
  let pi = 0
  let ni = 0
  let star = -1
  let mark = 0
  while (ni < n.length) {
    if (pi < p.length && p[pi] === '*') {
      star = pi++
      mark = ni
    } else if (pi < p.length && p[pi] === n[ni]) {
      pi++
      ni++
    } else if (star >= 0) {
      pi = star + 1
      ni = ++mark
    } else {
      return false
    }
  }
  while (p[pi] === '*') {
    pi++
  }
  return pi === p.length
}

/** Whether any of `patterns` matches `name`. */
export function anyMatches(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globMatches(p, name))
}
