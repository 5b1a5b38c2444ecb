/**
 * The argv of one host's tcpdump. No shell ever reads a user string: the filter is one argv
 * element after `--`, so even a filter starting with `-` is an expression, not an option.
 * The only shell is {@link GATE}, a constant: it waits for one line on stdin, then execs its
 * arguments (`"$@"`, never evaluated). That lets the runner spawn the process, write its
 * `terminate` undo with the real pid to the ledger, and only then let it capture: `exec` keeps
 * the pid, and `ip netns exec` execs tcpdump too, so the recorded pid is tcpdump's.
 * @module
 */

/** $0 of the gate shell: names the process in `ps` while it waits at the gate (exec replaces it). */
export const CAPTURE_MARKER = 'ordeal-capture'

/** Reads the go line; exits quietly if the runner went away before sending it. */
export const GATE = 'read go || exit 0; exec "$@"'

export interface TcpdumpOptions {
  namespace: string
  snaplen: number
  filter?: string
}

export function tcpdumpArgv(options: TcpdumpOptions): string[] {
  return [
    'sh',
    '-c',
    GATE,
    CAPTURE_MARKER,
    'ip',
    'netns',
    'exec',
    options.namespace,
    'tcpdump',
    // Every interface of the host, its loopback included (link type LINUX_SLL2).
    '-i',
    'any',
    // No DNS lookups of captured addresses (they would be traffic of their own).
    '-n',
    // Packets handed over as they arrive, written one by one to stdout (the runner caps them),
    // so a stop, or even a kill, leaves whole packets up to that moment.
    '--immediate-mode',
    '-U',
    '-w',
    '-',
    '-s',
    String(options.snaplen),
    '--',
    ...(options.filter === undefined ? [] : [options.filter]),
  ]
}

/** tcpdump's stderr once its capture is open and the filter compiled. */
export function isListening(stderr: string): boolean {
  return /listening on /.test(stderr)
}
