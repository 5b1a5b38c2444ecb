/** Starts `ordeal proxy` as a process, through the built CLI. */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const cli = path.join(root, 'dist/cli/main.js')

export function proxyArgs(args: string[]): string[] {
  return [cli, 'proxy', ...args]
}

export interface ProxyProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  exited: Promise<number | null>
}

export function spawnProxy(args: string[]): ProxyProcess {
  const child = spawn(process.execPath, proxyArgs(args), { cwd: root })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Resolves once the API announced itself (or rejects with what the process said). */
export function ready(p: ProxyProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (p.stdout().includes(' API on ')) {
        p.child.stdout?.off('data', check)
        resolve()
      }
    }
    p.child.stdout?.on('data', check)
    void p.exited.then((code) => reject(new Error(`exited ${code}: ${p.stderr()}`)))
  })
}
