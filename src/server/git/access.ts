/**
 * How git authenticates to a source, without the secret ever in argv, a config file git
 * keeps, or a log line:
 * - an HTTPS token: GIT_ASKPASS names a tiny script in the data directory that prints the
 *   token from an environment variable of that one git process (the script holds no secret);
 * - an SSH deploy key: written 0600 under the data directory; GIT_SSH_COMMAND uses only that
 *   key (IdentitiesOnly, no agent; without a key, no identity at all), in batch mode, with the server's own known_hosts file (a host's key
 *   is learnt on first use, then pinned: accept-new).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { baseGitEnv } from './run-git.js'

export type Credential =
  { kind: 'token'; token: string; username?: string } | { kind: 'ssh-key'; key: string }

export interface GitAccess {
  env: NodeJS.ProcessEnv
  secrets: string[]
}

const ASKPASS = `#!/bin/sh
# Written by the ordeal Chaos Center: git asks for a user name, then a password (the token).
case "$1" in
  Username*) printf '%s\\n' "$ORDEAL_GIT_USERNAME" ;;
  *) printf '%s\\n' "$ORDEAL_GIT_TOKEN" ;;
esac
`

/**
 * Written once, atomically (a temp file renamed over it): two sources syncing at once must
 * never let git run a half-written script (an empty password is an authentication failure).
 */
function writeAskpass(script: string): void {
  try {
    if (readFileSync(script, 'utf8') === ASKPASS && (statSync(script).mode & 0o777) === 0o700) {
      return
    }
  } catch {
    // Not there yet.
  }
  const temp = `${script}.${process.pid}.${randomBytes(6).toString('hex')}`
  writeFileSync(temp, ASKPASS, { mode: 0o700 })
  chmodSync(temp, 0o700)
  renameSync(temp, script)
}

/** `<dataDir>/git`: mirrors, keys, the askpass script, known_hosts, git's HOME. */
export function gitRoot(dataDir: string): string {
  const root = path.join(dataDir, 'git')
  mkdirSync(path.join(root, 'home'), { recursive: true, mode: 0o700 })
  return root
}

/** A value for the shell GIT_SSH_COMMAND is run by: single-quoted. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** The ssh command line git runs for an SSH source (exported for its test). */
export function sshCommand(keyFile: string | undefined, knownHosts: string): string {
  return [
    'ssh',
    // Only the source's deploy key, or none at all: never the server user's own keys or agent
    // (ssh finds ~/.ssh through getpwuid, whatever HOME says), which any owner could otherwise
    // borrow to read a repository the server's account can reach.
    ...(keyFile !== undefined ? ['-i', shellQuote(keyFile)] : ['-o', 'IdentityFile=none']),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${shellQuote(knownHosts)}`,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    'ConnectTimeout=20',
    '-F',
    '/dev/null',
  ].join(' ')
}

/** The environment of one source's git commands. */
export function accessFor(
  dataDir: string,
  sourceId: string,
  credential: Credential | undefined
): GitAccess {
  const root = gitRoot(dataDir)
  const env = baseGitEnv(path.join(root, 'home'))
  const knownHosts = path.join(root, 'known_hosts')
  if (credential?.kind === 'token') {
    const script = path.join(root, 'askpass.sh')
    writeAskpass(script)
    return {
      env: {
        ...env,
        GIT_ASKPASS: script,
        ORDEAL_GIT_TOKEN: credential.token,
        ORDEAL_GIT_USERNAME: credential.username ?? 'x-access-token',
        GIT_SSH_COMMAND: sshCommand(undefined, knownHosts),
      },
      secrets: [credential.token],
    }
  }
  if (credential?.kind === 'ssh-key') {
    const keys = path.join(root, 'keys')
    mkdirSync(keys, { recursive: true, mode: 0o700 })
    const keyFile = path.join(keys, sourceId)
    // ssh refuses a key others can read; and a key must end with a newline.
    const key = credential.key.endsWith('\n') ? credential.key : `${credential.key}\n`
    writeFileSync(keyFile, key, { mode: 0o600 })
    chmodSync(keyFile, 0o600)
    return { env: { ...env, GIT_SSH_COMMAND: sshCommand(keyFile, knownHosts) }, secrets: [] }
  }
  return { env: { ...env, GIT_SSH_COMMAND: sshCommand(undefined, knownHosts) }, secrets: [] }
}
