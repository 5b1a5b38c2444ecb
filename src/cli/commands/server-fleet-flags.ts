/**
 * `ordeal server`'s flags for remote agents and TLS, checked into one settings object or one
 * line naming the flag (exit 2): `--tls-cert`/`--tls-key` (both or neither), `--agent-heartbeat`
 * (200 ms to 60 s), `--agent-lease` (at least 3 heartbeats and 2 s: an agent must be able to
 * miss two pings and still be inside its lease), `--queue-timeout` (up to 24 h).
 * @module
 */
import { readFileSync } from 'node:fs'
import { formatDuration, parseDuration } from '../../shared/duration.js'
import { HEARTBEAT_MAX_MS, HEARTBEAT_MIN_MS } from '../../server/fleet/heartbeat.js'

export interface FleetFlags {
  tlsCert?: string
  tlsKey?: string
  agentHeartbeat?: string
  agentLease?: string
  queueTimeout?: string
}

export interface FleetSettingsFromFlags {
  tls?: { cert: Buffer; key: Buffer }
  agentHeartbeatMs: number
  agentLeaseMs: number
  queueTimeoutMs: number
}

const LEASE_MIN_MS = 2000
const LEASE_MAX_MS = 3_600_000
const QUEUE_MAX_MS = 24 * 3_600_000

/** The settings, or the one line to print after `ordeal server: `. */
export function parseFleetFlags(
  flags: FleetFlags,
  read: (file: string) => Buffer = (file) => readFileSync(file)
): FleetSettingsFromFlags | string {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    return '--tls-cert and --tls-key go together'
  }
  let tls: FleetSettingsFromFlags['tls']
  if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
    const cert = readFlagFile('--tls-cert', flags.tlsCert, read)
    const key = readFlagFile('--tls-key', flags.tlsKey, read)
    if (typeof cert === 'string') {
      return cert
    }
    if (typeof key === 'string') {
      return key
    }
    tls = { cert, key }
  }
  const heartbeat = parseDuration(flags.agentHeartbeat ?? '5s')
  if (heartbeat === undefined || heartbeat < HEARTBEAT_MIN_MS || heartbeat > HEARTBEAT_MAX_MS) {
    return `--agent-heartbeat '${flags.agentHeartbeat}' must be a duration from 200ms to 60s`
  }
  const lease = parseDuration(flags.agentLease ?? '30s')
  if (lease === undefined) {
    return `--agent-lease '${flags.agentLease}' must be a duration like 30s`
  }
  if (lease < 3 * heartbeat) {
    return (
      `--agent-lease ${flags.agentLease} must be at least 3 × --agent-heartbeat ` +
      `(${formatDuration(3 * heartbeat)})`
    )
  }
  if (lease < LEASE_MIN_MS || lease > LEASE_MAX_MS) {
    return `--agent-lease ${flags.agentLease} must be from 2s to 1h`
  }
  const queue = parseDuration(flags.queueTimeout ?? '10m')
  if (queue === undefined || queue <= 0 || queue > QUEUE_MAX_MS) {
    return `--queue-timeout '${flags.queueTimeout}' must be a duration from 1ms to 24h`
  }
  return {
    ...(tls !== undefined ? { tls } : {}),
    agentHeartbeatMs: heartbeat,
    agentLeaseMs: lease,
    queueTimeoutMs: queue,
  }
}

function readFlagFile(flag: string, file: string, read: (file: string) => Buffer): Buffer | string {
  try {
    const data = read(file)
    return data.length === 0 ? `${flag} ${file} is empty` : data
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return `${flag} ${file}: ${code ?? (error instanceof Error ? error.message : String(error))}`
  }
}
