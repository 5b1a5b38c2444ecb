/**
 * Where ordeal's package lives on disk. The server reads files that ship with the package (the
 * built UI in dist/ui, the hub templates in examples/hub, package.json's version) and must find
 * them both from src/ under tsx and from dist/ after a build, so it walks up from this module
 * to the directory whose package.json names ordeal.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

export function packageRoot(): string {
  if (cached !== undefined) {
    return cached
  }
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = path.join(dir, 'package.json')
    if (existsSync(manifest) && readName(manifest) === 'ordeal') {
      cached = dir
      return dir
    }
    const parent = path.dirname(dir)
    if (parent === dir) {
      throw new Error(`cannot find ordeal's package.json above ${fileURLToPath(import.meta.url)}`)
    }
    dir = parent
  }
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    version?: string
  }
  return pkg.version ?? '0.0.0'
}

function readName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name
  } catch {
    return undefined
  }
}
