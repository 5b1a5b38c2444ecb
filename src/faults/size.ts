/**
 * Byte sizes as manifests write them (`size` in memory-stress and disk-fill).
 *
 * Units follow Kubernetes and IEC: `K`/`KB`, `M`/`MB`, `G`/`GB` are decimal (1000-based);
 * `Ki`/`KiB`, `Mi`/`MiB`, `Gi`/`GiB` are binary (1024-based); `B` or no unit is bytes.
 * Units are case-insensitive (the schema accepts `256mi`), and a fraction is allowed (`1.5Gi`);
 * the result is rounded to whole bytes.
 * @module
 */

const kUnits: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
}

const kSizeRe = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i

/**
 * Parses a size into bytes.
 * @example parseSize('256Mi') // 268435456
 * @example parseSize('1G') // 1000000000
 * @throws RangeError when the text is not a size
 */
export function parseSize(size: string | number): number {
  if (typeof size === 'number') {
    if (!Number.isFinite(size) || size < 0) {
      throw new RangeError(`invalid size ${size}: must be a non-negative number of bytes`)
    }
    return Math.round(size)
  }
  const match = kSizeRe.exec(size.trim())
  const factor = match ? kUnits[match[2]!.toLowerCase()] : undefined
  if (!match || factor === undefined) {
    throw new RangeError(`invalid size '${size}': must be a size like 256Mi or 1G`)
  }
  return Math.round(Number(match[1]) * factor)
}

/** Formats bytes with binary units for humans: 1073741824 → `1.0 GiB`, 512 → `512 B`. */
export function formatSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 'B'
  for (const next of units) {
    if (Math.abs(value) < 1024) {
      break
    }
    value /= 1024
    unit = next
  }
  return unit === 'B' ? `${bytes} B` : `${value.toFixed(1)} ${unit}`
}
