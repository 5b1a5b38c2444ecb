/**
 * argv builders for `ip`, `iptables` and `tc`. Pure, so the exact commands (including netem's,
 * which this kernel cannot run) are unit-tested. Every name and address passed here comes from
 * a {@link Topology}, built from validated names ([a-z0-9-]) and 198.18.0.0/15 addresses.
 * @module
 */

export const nsExec = (namespace: string, argv: string[]): string[] => [
  'ip',
  'netns',
  'exec',
  namespace,
  ...argv,
]

export const netnsDel = (namespace: string) => ['ip', 'netns', 'del', namespace]
export const linkDel = (name: string) => ['ip', 'link', 'del', name]

/** One iptables rule ordeal adds inside a namespace; every rule ends in DROP. */
export interface Rule {
  namespace: string
  chain: 'INPUT' | 'OUTPUT'
  /** Match arguments, e.g. `['-s', '198.18.3.2']`. */
  match: string[]
  /** `ordeal:<runId>`: finds the rule again, and says whose it is in `iptables-save`. */
  comment: string
}

export function ruleSpec(rule: Pick<Rule, 'match' | 'comment'>): string[] {
  return [...rule.match, '-m', 'comment', '--comment', rule.comment, '-j', 'DROP']
}

/** `-w`: wait for the xtables lock rather than fail when rules are changed concurrently. */
export const ruleAdd = (rule: Rule) =>
  nsExec(rule.namespace, ['iptables', '-w', '-A', rule.chain, ...ruleSpec(rule)])
export const ruleDelete = (rule: Rule) =>
  nsExec(rule.namespace, ['iptables', '-w', '-D', rule.chain, ...ruleSpec(rule)])

/** `iptables-restore --noflush` input that adds (`-A`) or deletes (`-D`) rules in one go. */
export function restoreInput(rules: Omit<Rule, 'namespace'>[], op: '-A' | '-D'): string {
  const lines = rules.map((r) => [op, r.chain, ...ruleSpec(r).map(quoteRestore)].join(' '))
  return `*filter\n${lines.join('\n')}\nCOMMIT\n`
}

export const restoreArgv = (namespace: string) =>
  nsExec(namespace, ['iptables-restore', '-w', '--noflush'])

/** iptables-restore splits on spaces and honours double quotes; our tokens never hold either. */
function quoteRestore(token: string): string {
  if (/[\s"]/.test(token)) {
    throw new Error(`unexpected character in iptables argument '${token}'`)
  }
  return token
}

/** `-m statistic` drop with probability p (0 < p ≤ 1). */
export function statisticMatch(probability: number): string[] {
  return ['-m', 'statistic', '--mode', 'random', '--probability', probability.toFixed(6)]
}

/** `-p tcp --dport 80`, or both tcp and udp when `all`. */
export function portMatches(
  protocol: 'tcp' | 'udp' | 'all',
  port: number | undefined,
  side: '--dport' | '--sport'
): string[][] {
  if (port === undefined) {
    return protocol === 'all' ? [[]] : [['-p', protocol]]
  }
  const protocols = protocol === 'all' ? ['tcp', 'udp'] : [protocol]
  return protocols.map((p) => ['-p', p, side, String(port)])
}

/**
 * tbf: rate in tc units; burst ≥ rate/HZ (250) and at least one MTU-sized packet plus slack;
 * latency bounds the queue (packets beyond it are dropped, as on a congested link).
 */
export function tbfAdd(namespace: string | undefined, dev: string, rate: string): string[] {
  const argv = ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', rate]
  const tail = ['burst', `${burstBytes(rate)}`, 'latency', '50ms']
  return namespace ? nsExec(namespace, [...argv, ...tail]) : [...argv, ...tail]
}

export function qdiscDel(namespace: string | undefined, dev: string): string[] {
  const argv = ['tc', 'qdisc', 'del', 'dev', dev, 'root']
  return namespace ? nsExec(namespace, argv) : argv
}

/** netem delay with optional jitter (normal distribution), in milliseconds. */
export function netemAdd(namespace: string, dev: string, delayMs: number, jitterMs = 0): string[] {
  const jitter = jitterMs > 0 ? [`${jitterMs}ms`, 'distribution', 'normal'] : []
  return nsExec(namespace, [
    'tc',
    'qdisc',
    'replace',
    'dev',
    dev,
    'root',
    'netem',
    'delay',
    `${delayMs}ms`,
    ...jitter,
  ])
}

/** Bits per second of a tc rate such as `10mbit`. */
export function rateBits(rate: string): number {
  const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit)$/.exec(rate)
  if (!m) {
    throw new Error(`not a rate: ${rate}`)
  }
  const unit = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 }[m[2] as 'bit']
  return Number(m[1]) * unit
}

function burstBytes(rate: string): number {
  return Math.max(4 * 1514, Math.ceil(rateBits(rate) / 8 / 250) * 2)
}
