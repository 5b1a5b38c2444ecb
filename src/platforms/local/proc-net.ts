/**
 * Which processes listen on a TCP port, from /proc alone (no `ss` or `lsof` needed):
 * /proc/net/tcp{,6} lists LISTEN sockets with their inode, and /proc/PID/fd links name the
 * sockets each process holds.
 * @module
 */
import { readdir, readFile, readlink } from 'node:fs/promises'
import { listPids } from '../../safety/proc-scan.js'

export interface ListeningSocket {
  port: number
  inode: number
}

// st column value for TCP_LISTEN (include/net/tcp_states.h).
const kListen = '0A'

/** The LISTEN sockets in the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseListeningSockets(text: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = []
  // First line is the header: sl local_address rem_address st tx_queue:rx_queue … uid timeout inode
  for (const line of text.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/)
    const local = columns[1]
    const inode = Number(columns[9])
    if (columns[3] !== kListen || local === undefined || !(inode > 0)) {
      continue
    }
    sockets.push({ port: parseInt(local.slice(local.lastIndexOf(':') + 1), 16), inode })
  }
  return sockets
}

/** Inodes of the sockets listening on `port` (any address, IPv4 or IPv6) in this namespace. */
export async function listeningInodes(port: number): Promise<Set<number>> {
  const inodes = new Set<number>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '') // tcp6 is absent without IPv6
    for (const socket of parseListeningSockets(text)) {
      if (socket.port === port) {
        inodes.add(socket.inode)
      }
    }
  }
  return inodes
}

/** Pids holding any of the socket `inodes` (several when a pre-forking server shares one). */
export async function pidsHoldingSockets(inodes: Set<number>): Promise<number[]> {
  if (inodes.size === 0) {
    return []
  }
  const holders: number[] = []
  for (const pid of listPids()) {
    // Processes may vanish or deny access mid-scan; they simply do not match.
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      const match = /^socket:\[(\d+)\]$/.exec(link)
      if (match && inodes.has(Number(match[1]))) {
        holders.push(pid)
        break
      }
    }
  }
  return holders
}

/** Pids listening on TCP `port`, sorted. */
export async function pidsListeningOn(port: number): Promise<number[]> {
  return (await pidsHoldingSockets(await listeningInodes(port))).sort((a, b) => a - b)
}
