/**
 * A throwaway MariaDB server on 127.0.0.1 with its data dir and socket in a temp dir. Tests
 * connect as a password-protected user over TCP, so wrong credentials fail for real.
 * @module
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import { freePort } from './free-port.js'
import { spawnServer, waitUntil } from './server-process.js'

const run = promisify(execFile)
export const MARIADB_USER = 'ordeal'
export const MARIADB_PASSWORD = 'ordeal-test'
export const MARIADB_DATABASE = 'ordeal'

export interface MariadbServer {
  /** `mysql://ordeal:PASSWORD@127.0.0.1:PORT/ordeal` */
  url: string
  port: number
  stop(): Promise<void>
}

export async function startMariadb(): Promise<MariadbServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ordeal-mariadb-'))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const data = path.join(dir, 'data')
    await run(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      { timeout: 60_000 }
    )
    const port = await freePort()
    const socket = path.join(dir, 'mysqld.sock')
    const server = spawnServer(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=8M',
        '--innodb-flush-log-at-trx-commit=0',
        '--skip-log-bin',
      ],
      { logFile: path.join(dir, 'server.log'), tempDir: dir }
    )
    const stop = async () => {
      await server.stop('SIGTERM')
      await cleanup()
    }
    try {
      await waitUntil('mariadb', server, async () => {
        const root = await mysql.createConnection({
          socketPath: socket,
          user: 'root',
          connectTimeout: 1000,
        })
        await root.end()
        return true
      })
      // Set up the test user once, over the socket, as root.
      const root = await mysql.createConnection({ socketPath: socket, user: 'root' })
      try {
        await root.query(`CREATE DATABASE ${MARIADB_DATABASE}`)
        await root.query(`CREATE USER '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}'`)
        await root.query(`GRANT ALL ON ${MARIADB_DATABASE}.* TO '${MARIADB_USER}'@'%'`)
      } finally {
        await root.end()
      }
    } catch (err) {
      await stop()
      throw err
    }
    const url = `mysql://${MARIADB_USER}:${MARIADB_PASSWORD}@127.0.0.1:${port}/${MARIADB_DATABASE}`
    return { url, port, stop }
  } catch (err) {
    await cleanup()
    throw err
  }
}
