/**
 * A throwaway PostgreSQL 15 server on 127.0.0.1: initdb in a temp dir owned by the `postgres`
 * user (the server refuses to run as root), password auth over TCP so wrong credentials fail.
 * @module
 */
import { execFile } from 'node:child_process'
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from './free-port.js'
import { spawnServer, waitUntil } from './server-process.js'

const run = promisify(execFile)
const BIN = '/usr/lib/postgresql/15/bin'
export const POSTGRES_PASSWORD = 'ordeal-test'

export interface PostgresServer {
  /** `postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres` */
  url: string
  port: number
  stop(): Promise<void>
}

export async function startPostgres(): Promise<PostgresServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ordeal-pg-'))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim())
    await chown(dir, uid, gid)
    const pwfile = path.join(dir, 'pwfile')
    await writeFile(pwfile, `${POSTGRES_PASSWORD}\n`)
    await chown(pwfile, uid, gid)
    const data = path.join(dir, 'data')
    await run(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        `${BIN}/initdb`,
        '-D',
        data,
        '-U',
        'postgres',
        `--pwfile=${pwfile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--no-sync',
      ],
      { timeout: 60_000 }
    )

    const port = await freePort()
    const server = spawnServer(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        `${BIN}/postgres`,
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      { logFile: path.join(dir, 'server.log'), tempDir: dir }
    )
    // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
    const stop = async () => {
      await server.stop('SIGINT')
      await cleanup()
    }
    const url = `postgres://postgres:${POSTGRES_PASSWORD}@127.0.0.1:${port}/postgres`
    try {
      await waitUntil('postgres', server, async () => {
        const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 })
        client.on('error', () => undefined)
        try {
          await client.connect()
          await client.query('SELECT 1')
          return true
        } finally {
          await client.end().catch(() => undefined)
        }
      })
    } catch (err) {
      await stop()
      throw err
    }
    return { url, port, stop }
  } catch (err) {
    await cleanup()
    throw err
  }
}
