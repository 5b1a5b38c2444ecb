/**
 * What `ordeal init` needs to know about the user's service, from flags or answers: each
 * field has one parser, used for a flag and for an answer alike, whose error names the flag
 * (`--port: must be a port number (1-65535)`), so the CLI prints one line and exits 2.
 * @module
 */
import { didYouMean } from '../experiment/did-you-mean.js'
import { parseDuration } from '../shared/duration.js'
import { NAME_PATTERN } from '../shared/names.js'

/** Attach to a service that already runs, or launch it with a start command. */
export type InitMode = 'attach' | 'launch'
/** SIGKILL the service's process, or add latency in front of it through the run's proxy. */
export type InitFault = 'kill' | 'latency'

export const INIT_FAULTS: readonly InitFault[] = ['kill', 'latency']
export const INIT_MODES: readonly InitMode[] = ['attach', 'launch']

/** Everything the starter experiment is built from; see starter.ts. */
export interface StarterSpec {
  mode: InitMode
  /** launch: the shell command that starts the service (`sh -c`), may use `{{ports.http}}`. */
  start?: string
  /** Where the service answers (probes and load), as the user wrote it. */
  url: string
  /** The TCP port it listens on; 0 (launch only) picks a free port per run. */
  port: number
  fault: InitFault
  /** The service's name in the manifest (service or attach entry). */
  name: string
  /** metadata.name; default `<name>-<fault>`. */
  experimentName?: string
  /** How long the load runs; the fault covers its middle half. */
  durationMs: number
  /**
   * attach only: write the port as this `${NAME}`, with no default, in place of `port` (in the
   * attach entry and the URLs). The hub's attach templates use it, so that one unchanged
   * click cannot act on whatever happens to listen on the Chaos Center host.
   */
  portVariable?: string
}

/** The flags (or answers) as text, before parsing; undefined = not given. */
export interface InitInput {
  attach?: boolean
  start?: string
  url?: string
  port?: string
  fault?: string
  name?: string
  duration?: string
}

export const DEFAULT_NAME = 'my-service'
export const DEFAULT_PORT = 8080
export const DEFAULT_DURATION = '30s'
export const DEFAULT_FAULT: InitFault = 'latency'
const kMaxNameLength = 50

/** A bad flag or answer: one line that names the flag. */
export class InitInputError extends Error {
  readonly code = 'ORDEAL_INIT_INPUT'
  constructor(
    readonly flag: string,
    readonly reason: string
  ) {
    super(`${flag}: ${reason}`)
  }
}

export function parseName(text: string): string {
  const name = text.trim()
  if (!NAME_PATTERN.test(name) || name.length > kMaxNameLength) {
    throw new InitInputError(
      '--name',
      `must be lowercase letters, digits and dashes, at most ${kMaxNameLength} (got '${name}')`
    )
  }
  return name
}

export function parseFault(text: string): InitFault {
  const fault = text.trim().toLowerCase()
  if (!(INIT_FAULTS as readonly string[]).includes(fault)) {
    throw new InitInputError(
      '--fault',
      `must be 'kill' or 'latency' (got '${text}')${didYouMean(fault, INIT_FAULTS)}`
    )
  }
  return fault as InitFault
}

export function parseMode(text: string): InitMode {
  const mode = text.trim().toLowerCase()
  if (!(INIT_MODES as readonly string[]).includes(mode)) {
    throw new InitInputError(
      '--attach',
      `answer 'attach' (it already runs) or 'launch' (ordeal starts it) (got '${text}')${didYouMean(mode, INIT_MODES)}`
    )
  }
  return mode as InitMode
}

/**
 * An http(s) URL with a host. `{{...}}` is refused: the experiment writes the port template
 * itself, and any other placeholder would be an unknown variable.
 */
export function parseUrl(text: string): { url: string; port: number } {
  const url = text.trim()
  if (!/^https?:\/\//i.test(url)) {
    throw new InitInputError(
      '--url',
      `must start with http:// or https://, like http://127.0.0.1:8080/health (got '${url}')`
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InitInputError(
      '--url',
      `must be a URL like http://127.0.0.1:8080/health (got '${url}')`
    )
  }
  if (!authorityOf(url)) {
    throw new InitInputError('--url', `needs a host, like http://127.0.0.1:8080/ (got '${url}')`)
  }
  if (url.includes('{{')) {
    throw new InitInputError('--url', `must be a plain URL, without {{ (got '${url}')`)
  }
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port)
  return { url, port }
}

/** `min` is 0 for a launched service (a free port per run), 1 for an attached one. */
export function parsePort(text: string, min: 0 | 1): number {
  const port = Number(text.trim())
  if (!/^\d+$/.test(text.trim()) || port < min || port > 65535) {
    throw new InitInputError(
      '--port',
      `must be a port number (${min}-65535${min === 0 ? '; 0 picks a free one' : ''}) (got '${text}')`
    )
  }
  return port
}

export function parseStart(text: string): string {
  if (text.trim() === '') {
    throw new InitInputError('--start', 'must be the command that starts your service')
  }
  if (text.includes('\0')) {
    throw new InitInputError('--start', 'must not contain a NUL character')
  }
  return text
}

const kMinDurationMs = 2000
const kMaxDurationMs = 3_600_000

export function parseDurationFlag(text: string): number {
  const ms = parseDuration(text.trim())
  if (ms === undefined || ms < kMinDurationMs || ms > kMaxDurationMs) {
    throw new InitInputError(
      '--duration',
      `must be a duration from 2s to 1h, like 30s or 2m (got '${text}')`
    )
  }
  return ms
}

/** The mode the flags imply: `--start` launches, `--attach` attaches; both is an error. */
export function modeOf(input: InitInput): InitMode | undefined {
  if (input.attach && input.start !== undefined) {
    throw new InitInputError(
      '--attach',
      'cannot go with --start (attach to the running service, or launch it with --start)'
    )
  }
  return input.start !== undefined ? 'launch' : input.attach ? 'attach' : undefined
}

/** Parses every field that was given, so a bad flag fails before any question is asked. */
export function checkGiven(input: InitInput): void {
  const mode = modeOf(input)
  if (input.name !== undefined) {
    parseName(input.name)
  }
  if (input.start !== undefined) {
    parseStart(input.start)
  }
  if (input.url !== undefined) {
    parseUrl(input.url)
  }
  if (input.port !== undefined) {
    parsePort(input.port, mode === 'launch' ? 0 : 1)
  }
  if (input.fault !== undefined) {
    parseFault(input.fault)
  }
  if (input.duration !== undefined) {
    parseDurationFlag(input.duration)
  }
}

/** Flags (or answers) to the spec, with defaults for what was not given. */
export function starterSpec(input: InitInput): StarterSpec {
  const mode = modeOf(input) ?? 'attach'
  if (mode === 'launch' && input.start === undefined) {
    throw new InitInputError('--start', 'is required to launch the service')
  }
  const fromUrl = input.url === undefined ? undefined : parseUrl(input.url)
  const port =
    input.port !== undefined
      ? parsePort(input.port, mode === 'launch' ? 0 : 1)
      : (fromUrl?.port ?? DEFAULT_PORT)
  const url = fromUrl?.url ?? `http://127.0.0.1:${port === 0 ? DEFAULT_PORT : port}/`
  return {
    mode,
    ...(mode === 'launch' ? { start: parseStart(input.start ?? '') } : {}),
    url,
    port,
    fault: input.fault === undefined ? DEFAULT_FAULT : parseFault(input.fault),
    name: input.name === undefined ? DEFAULT_NAME : parseName(input.name),
    durationMs: parseDurationFlag(input.duration ?? DEFAULT_DURATION),
  }
}

/**
 * `http://host:8080/health?x=1` → `{ scheme: 'http://', host: 'host', rest: '/health?x=1' }`,
 * cut from the text as written (the WHATWG parser would re-encode the path), so the probe's
 * path is exactly the user's.
 */
export function splitUrl(url: string): { scheme: string; host: string; rest: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url)
  const authority = m?.[2] ?? ''
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1)
  // [::1]:8080 → [::1]; host:8080 → host
  const host = /^(\[[^\]]*\]|[^:]*)/.exec(hostPort)?.[1] ?? hostPort
  return { scheme: m?.[1] ?? 'http://', host, rest: m?.[3] || '/' }
}

function authorityOf(url: string): string {
  return splitUrl(url).host
}
