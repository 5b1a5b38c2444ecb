#!/usr/bin/env node
/**
 * ordeal's command line. Parsing only: each command lives in `commands/`.
 * @module
 */
import { Command, CommanderError, Option } from 'commander'
import { createRequire } from 'node:module'
import { ManifestError } from '../experiment/errors.js'
import { EXIT_USAGE, UsageError, dropOutputOnBrokenPipe, exit } from './exit.js'
import { runCommand } from './commands/run.js'
import { validateCommand } from './commands/validate.js'
import { schemaCommand } from './commands/schema.js'
import { recoverCommand } from './commands/recover.js'
import { loadCommand } from './commands/load.js'
import { capacityCommand } from './commands/capacity.js'
import { demoCommand } from './commands/demo.js'
import { proxyCommand } from './commands/proxy.js'
import { serverCommand, type ServerCommandOptions } from './commands/server.js'
import { initCommand, type InitCommandOptions } from './commands/init.js'
import { tokenCreateCommand, type TokenCreateOptions } from './commands/token.js'
import { agentCommand, type AgentCommandOptions } from './commands/agent.js'

dropOutputOnBrokenPipe()

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

/** `--set NAME=value`, repeatable, into a record; a malformed one is a usage error. */
function collectSet(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair)
  if (!m) {
    throw new UsageError(`ordeal: --set '${pair}' must look like NAME=value`)
  }
  return { ...previous, [m[1]!]: m[2]! }
}

/** `--agent-label k=v`, repeatable, into a record. */
function collectLabel(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const m = /^([^=]+)=(.*)$/s.exec(pair)
  if (!m) {
    throw new UsageError(`ordeal run: --agent-label '${pair}' must look like key=value`)
  }
  return { ...previous, [m[1]!]: m[2]! }
}

/** `--agent NAME`, or `--agent L=NAME` repeated: kept in order, parsed by cli/placed/parts.ts. */
function collectAgent(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

const program = new Command()
  .name('ordeal')
  .description(
    'Chaos engineering for real systems: state a hypothesis, inject real faults, get a verdict.'
  )
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) })

program
  .command('run')
  .description(
    'run an experiment; exit 0 held, 1 disproved, 2 invalid, 3 could not run, 130 interrupted'
  )
  .argument('<file>', 'experiment manifest (YAML) or module (.ts, .mts, .js, .mjs)')
  .option('--dry-run', 'print the resolved timeline and everything the run would touch, then exit')
  .option(
    '--seed <n>',
    'seed of randomised fault timing (after: 5s..15s, interval: 1s..3s): the seed a run printed draws the same values again (default: random, printed at the start); with --dry-run, print the drawn values'
  )
  .option(
    '--set <name=value>',
    'value for a ${NAME} variable in the manifest (repeatable)',
    collectSet
  )
  .option('--json <file>', 'write the result as JSON')
  .option('--junit <file>', 'write JUnit XML (one test case per probe)')
  .option('--journal <file>', 'write every event as NDJSON while the run goes')
  .option(
    '--report <dir>',
    'write a self-contained HTML report (charts, no network needed) to DIR/report.html'
  )
  .option('--verbose', 'show service output, prefixed with [service-replica]')
  .addOption(new Option('--no-progress', 'plain lines even on a terminal'))
  .option('--server <url>', 'record the run on a Chaos Center (default: $ORDEAL_SERVER)')
  .option('--token <token>', 'API token (editor) for --server (default: $ORDEAL_TOKEN)')
  .option('--token-file <file>', 'read the API token for --server from FILE')
  .option(
    '--agent <name>',
    'run on this agent, placed through the Chaos Center of --server; a multi-host experiment (spec.system.agents) takes L=NAME once per logical agent',
    collectAgent
  )
  .option(
    '--agent-label <k=v>',
    'run on any connected agent with this label (repeatable; every one must match)',
    collectLabel
  )
  .option(
    '--queue-timeout <d>',
    'with --agent: how long the run may wait for its agent (default 10m)'
  )
  .option(
    '--lease <d>',
    'with --agent: how long the agent runs on without the server before it rolls back (default 30s)'
  )
  .option(
    '--update-experiment',
    "with --server: make this manifest the experiment's current version (default: the run is recorded against its own version; the current one is left as it is)"
  )
  .option(
    '--inherit-env',
    "give services and cmd probes ordeal's whole environment (default: PATH, HOME, LANG, TZ, ... only)"
  )
  .option(
    '--kubeconfig <file>',
    "the cluster of spec.system.kubernetes; wins over the manifest's kubeconfig, as in kubectl (default: the manifest's, $KUBECONFIG, ~/.kube/config, in-cluster)"
  )
  .option(
    '--context <name>',
    "the kubeconfig context (default: the manifest's, else the current one)"
  )
  .action(async (file: string, options) => exit(await runCommand(file, options)))

const collect = (value: string, previous: string[]) => [...previous, value]

program
  .command('load')
  .description(
    'send an open-model HTTP load; exit 0 thresholds held, 1 a threshold failed, 2 bad input'
  )
  .argument('<url>', 'target URL ({{seq}}, {{uuid}}, {{now}} are filled in per request)')
  .option('--rate <n>', 'requests per second (constant arrival rate)')
  .option(
    '--concurrency <n>',
    'closed loop instead of --rate: n connections, each sending again once answered'
  )
  .option('--duration <d>', 'how long to send, e.g. 30s')
  .option('--method <m>', 'GET, POST, PUT, PATCH or DELETE', 'GET')
  .option('--body <text>', 'request body (templated per request)')
  .option('--header <h>', "a header 'Name: value' (repeatable)", collect, [])
  // No commander default: load.ts applies 1000 itself, so that it can refuse it with --concurrency.
  .option(
    '--max-in-flight <n>',
    'outstanding requests before due ones are dropped (default: 1000; not with --concurrency)'
  )
  .option('--connections <n>', 'keep-alive connections (default: max in flight)')
  .option('--timeout <d>', 'per-request timeout', '10s')
  .option('--expected-status <list>', "statuses that count as success, e.g. '200-399'")
  .option('--threshold <t>', "k6 threshold 'metric=expression' (repeatable)", collect, [])
  .option('--json <file>', 'write the summary as JSON')
  .option('--workers <n>', "generator threads, or 'auto'", 'auto')
  .addOption(new Option('--no-progress', 'plain lines even on a terminal'))
  .action(async (url: string, options) => exit(await loadCommand(url, options)))

program
  .command('capacity')
  .description(
    'search the highest rate at which the thresholds hold (ramp, then bisection); exit 0 found, 1 even the start rate failed, 2 bad input'
  )
  .argument('<url>', 'target URL ({{seq}}, {{uuid}}, {{now}} are filled in per request)')
  .option('--start <n>', 'first rate of the ramp, req/s', '10')
  .option('--max <n>', 'never above this rate, req/s', '20000')
  .option('--growth <x>', 'ramp factor', '2')
  .option('--precision <p>', 'stop bisecting when (high-low)/low is at most this', '5%')
  .option('--trial <d>', "each trial's length, warm-up included", '10s')
  .option('--warmup <d>', 'the first part of each trial, not judged', '2s')
  .option('--repeat <n>', 'trials per rate; a rate passes only if all pass', '1')
  .option('--method <m>', 'GET, POST, PUT, PATCH or DELETE', 'GET')
  .option('--body <text>', 'request body (templated per request)')
  .option('--header <h>', "a header 'Name: value' (repeatable)", collect, [])
  .option('--max-in-flight <n>', 'outstanding requests before due ones are dropped', '1000')
  .option('--timeout <d>', 'per-request timeout', '10s')
  .option('--expected-status <list>', "statuses that count as success, e.g. '200-399'")
  .option('--threshold <t>', "k6 threshold 'metric=expression' (repeatable)", collect, [])
  .option('--workers <n>', "generator threads, or 'auto'", 'auto')
  .option('--json <file>', 'write the result as JSON')
  .action(async (url: string, options) => exit(await capacityCommand(url, options)))

program
  .command('demo')
  .description('the order/delivery demo on real RabbitMQ: v1 loses orders, v2 does not')
  .argument('[name]', 'which demo', 'order-delivery')
  .option('--duration <d>', 'load duration per version (the broker dies a quarter in)', '60s')
  .option('--json <file>', 'write { "v1": RESULT, "v2": RESULT }')
  .option('--report <dir>', "write each version's result, JUnit and journal into DIR")
  .option('--verbose', 'show service output')
  .addOption(new Option('--no-progress', 'plain lines even on a terminal'))
  .action(async (name: string, options) => exit(await demoCommand(name, options)))

program
  .command('proxy')
  .description('run the Toxiproxy-compatible TCP proxy (HTTP API on --port) until Ctrl+C')
  .option('--host <host>', 'address of the HTTP API', '127.0.0.1')
  .option('--port <port>', 'port of the HTTP API', '8474')
  .option('--config <file>', 'proxies to create at start (same JSON array as POST /populate)')
  .option(
    '--seed <n>',
    'seed for toxicity rolls, jitter and slicer offsets (default: random, logged)'
  )
  .action(async (options: { host: string; port: string; config?: string; seed?: string }) =>
    exit(await proxyCommand(options))
  )

program
  .command('server')
  .description(
    'run the Chaos Center (API, web UI, store) until Ctrl+C; DATABASE_URL for PostgreSQL'
  )
  .option('--host <host>', 'address to listen on (loopback unless you mean it)', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0: a free one)', '7700')
  .option('--data <dir>', 'data directory (SQLite database, run work dirs)', '~/.ordeal/server')
  .option(
    '--reset-login',
    'print a new one-time login link for the owner (when a server already runs on --data: for it, then exit)'
  )
  .option(
    '--rate-limit <spec>',
    'requests per minute: login (per address), write (per token; 2x per address), ingest (event batches per token), e.g. login=60,write=1200,ingest=60000,window=60s'
  )
  .option(
    '--trust-proxy <addresses>',
    'reverse proxies (comma list of addresses/CIDRs) whose X-Forwarded-For names the client, for the rate limits'
  )
  .option(
    '--run-as <user>',
    "user experiments' commands run as (default: ordeal, when root; a server not run as root needs it set to its own user); root only if named"
  )
  .option(
    '--allow-service-user <names>',
    "users/groups a service's user:/group: may name (comma list, repeatable; never root unless --run-as root)",
    (value: string, previous: string[] = []) => [...previous, value]
  )
  .option(
    '--record-idle-timeout <duration>',
    'a run recorded by `ordeal run --server` that sends nothing for this long is interrupted',
    '10m'
  )
  .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
  .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
  .option(
    '--agent-heartbeat <duration>',
    'remote agents are pinged this often; 2 missed and one is disconnected (200ms..60s)',
    '5s'
  )
  .option(
    '--agent-lease <duration>',
    'default lease of runs placed on agents: an agent cut off this long rolls back by itself, and the server ends the run 5 s later (at least 3 heartbeats and 2s)',
    '30s'
  )
  .option(
    '--queue-timeout <duration>',
    'default time a run placed on an agent waits for it (queued) before it ends with verdict error',
    '10m'
  )
  .option(
    '--kubeconfig <file>',
    "the cluster of runs with spec.system.kubernetes (default: none, and such runs are refused; never $KUBECONFIG or the server user's ~/.kube/config)"
  )
  .option('--context <name>', 'the kubeconfig context for those runs (with --kubeconfig)')
  .action(async (options: ServerCommandOptions) => exit(await serverCommand(options)))

program
  .command('token')
  .description("API and agent tokens, made offline in the Chaos Center's store")
  .command('create')
  .description(
    'create a token beside a running (or not yet started) server; the last line of stdout is the secret'
  )
  .option(
    '--data <dir>',
    "the Chaos Center's data directory (ordeal server --data); DATABASE_URL for PostgreSQL"
  )
  .option(
    '--role <role>',
    'owner, editor, viewer or agent (an agent token is named after its agent)'
  )
  .option('--name <name>', "the token's name; for --role agent, the agent's name (a-z, 0-9, '-')")
  .option('--user <name>', 'the user the token belongs to (default: the oldest owner)')
  .option('--expires-in <duration>', 'e.g. 30d, 12h (default: no expiry)')
  .action(async (options: TokenCreateOptions) => exit(await tokenCreateCommand(options)))

program
  .command('agent')
  .description(
    'run the experiments a Chaos Center places on this machine (dials out; reconnects forever) until Ctrl+C'
  )
  .option('--server <url>', 'the Chaos Center, http(s)://HOST[:PORT][/prefix]')
  .option('--token-file <file>', 'file holding a token of role agent (chmod 600)')
  .option('--name <name>', "this agent's name (default: the token's; must match it)")
  .option('--label <k=v>', 'a label runs can be placed by (repeatable)', collect, [])
  .option(
    '--state-dir <dir>',
    'runs, ledgers and the outbox (default: /var/lib/ordeal/agent as root, else ~/.ordeal/agent)'
  )
  .option('--ca-file <file>', 'a PEM CA certificate to trust besides the system ones')
  .option('--max-runs <n>', 'runs at once', '1')
  .option(
    '--run-as <user>',
    "user experiments' commands run as (default: ordeal, when root; an agent not run as root needs it set to its own user); root only if named"
  )
  .option(
    '--allow-service-user <names>',
    "users/groups a service's user:/group: may name (comma list, repeatable; never root unless --run-as root)",
    (value: string, previous: string[] = []) => [...previous, value]
  )
  .option(
    '--allow-host-network',
    "let multi-host runs change this host's own network rules (a cross-host network-partition)"
  )
  .option(
    '--kubeconfig <file>',
    'the cluster of runs with spec.system.kubernetes (default: $KUBECONFIG, ~/.kube/config, in-cluster; a manifest may not name one)'
  )
  .option('--context <name>', 'the kubeconfig context for those runs (a manifest may not name one)')
  .option(
    '--allow-namespace <ns>',
    'a namespace of the deny list (kube-system, kube-public, kube-node-lease) its runs may touch all the same (repeatable; a manifest may not lift the deny list)',
    collect,
    []
  )
  .option(
    '--watch-workloads',
    'watch Deployments, StatefulSets and DaemonSets annotated ordeal.dev/experiment=NAME and report each new pod template (a deploy) to the Chaos Center, whose kubernetes triggers run NAME (needs the cluster of --kubeconfig)'
  )
  .option(
    '--watch-namespace <ns>',
    'with --watch-workloads: watch only this namespace (repeatable; default: every namespace but the deny list)',
    collect,
    []
  )
  .action(async (options: AgentCommandOptions) => exit(await agentCommand(options)))

program
  .command('init')
  .description(
    'write a commented starter experiment for your own service (asks on a terminal, or takes flags)'
  )
  .argument('[file]', 'where to write it', 'experiment.yaml')
  .option('--url <url>', 'where the service answers, e.g. http://127.0.0.1:8080/health')
  .option('--port <n>', "the TCP port it listens on (default: the URL's)")
  .option('--attach', 'the service already runs: attach to it by its port (the default)')
  .option(
    '--start <command>',
    'launch the service with this command instead ({{ports.http}} is its port)'
  )
  .option('--fault <kind>', 'kill (SIGKILL its process) or latency (300 ms through a proxy)')
  .option('--name <name>', "the service's name in the experiment (default: my-service)")
  .option(
    '--duration <d>',
    'how long the load runs; the fault takes its middle half (default: 30s)'
  )
  .option('--yes', 'ask nothing: flags and defaults only (also when stdin is not a terminal)')
  .option('--force', 'overwrite FILE if it exists')
  .action(async (file: string, options: InitCommandOptions) =>
    exit(await initCommand(file, options))
  )

program
  .command('validate')
  .description('check manifests and print every error as file:line: field: message')
  .argument('<files...>', 'experiment manifests (YAML) or modules (.ts, .mts, .js, .mjs)')
  .option(
    '--set <name=value>',
    'value for a ${NAME} variable in the manifest (repeatable)',
    collectSet
  )
  .action(async (files: string[], options: { set?: Record<string, string> }) =>
    exit(await validateCommand(files, options.set ?? {}))
  )

program
  .command('schema')
  .description('print the JSON Schema of experiment manifests (for editors)')
  .action(async () => exit(schemaCommand()))

program
  .command('recover')
  .description(
    'undo every fault that the ledger of a dead run still lists (idempotent); runs in progress are skipped'
  )
  .option(
    '--force',
    'also undo the faults of runs in progress (dangerous: those runs end in error)',
    false
  )
  .action(async (options: { force: boolean }) => exit(await recoverCommand(options)))

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // help and version exit 0; everything else is a usage error.
    await exit(error.exitCode === 0 ? 0 : EXIT_USAGE)
  }
  if (error instanceof ManifestError || error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`)
    await exit(EXIT_USAGE)
  }
  process.stderr.write(
    `ordeal: internal error: ${error instanceof Error ? error.stack : String(error)}\n`
  )
  await exit(3)
}
