/**
 * `--agent` on `ordeal run`: one agent by name (`--agent edge-1`: the whole run there), or, for
 * a multi-host experiment (`spec.system.agents`), one `--agent L=NAME` per logical host
 * (`--agent a=edge-1 --agent b=edge-2`). Parsed before the manifest is read; matched against
 * its declared agents once it has loaded. Every problem is one line (UsageError, exit 2),
 * before anything is sent.
 * @module
 */
import { UsageError } from '../exit.js'
import { AGENT_NAME_PATTERN } from '../../platforms/agent/protocol.js'
import { LOGICAL_AGENT_PATTERN } from '../../platforms/agent/part.js'
import { didYouMean } from '../../experiment/did-you-mean.js'
import { AGENT_GROUP_PREFIX, multiHostHint } from '../../experiment/agent-semantics.js'
import { walkSteps, type Experiment } from '../../experiment/model.js'

const PREFIX = 'ordeal run: '

/** Where `--agent` sends the run: one agent, or each logical host onto an agent. */
export type AgentFlags = { agent: string } | { parts: Record<string, string> }

/** The `--agent` values as given (repeatable), or undefined when there were none. */
export function parseAgentFlags(values: readonly string[]): AgentFlags | undefined {
  if (values.length === 0) {
    return undefined
  }
  const pairs = values.filter((v) => v.includes('='))
  if (pairs.length === 0) {
    if (values.length > 1) {
      throw new UsageError(
        `${PREFIX}--agent ${values[0]} and --agent ${values[1]}: a run goes to one agent, or give --agent L=NAME for each logical agent of spec.system.agents`
      )
    }
    checkAgentName(values[0]!, `--agent '${values[0]}'`)
    return { agent: values[0]! }
  }
  if (pairs.length < values.length) {
    const bare = values.find((v) => !v.includes('='))!
    throw new UsageError(
      `${PREFIX}--agent ${bare} and --agent ${pairs[0]}: give one --agent NAME, or --agent L=NAME for each logical agent, not both`
    )
  }
  const parts: Record<string, string> = {}
  const holder = new Map<string, string>()
  for (const value of values) {
    const [logical = '', agent = ''] = value.split(/=(.*)/s)
    if (!LOGICAL_AGENT_PATTERN.test(logical)) {
      throw new UsageError(
        `${PREFIX}--agent '${value}': '${logical}' is not a logical agent name (lowercase letters, digits and '-', at most 63)`
      )
    }
    checkAgentName(agent, `--agent '${value}': '${agent}'`)
    if (Object.hasOwn(parts, logical)) {
      throw new UsageError(`${PREFIX}--agent ${logical}= is given twice`)
    }
    const other = holder.get(agent)
    if (other !== undefined) {
      throw new UsageError(
        `${PREFIX}--agent ${other}=${agent} and --agent ${value} name the same agent; two logical hosts cannot share one`
      )
    }
    parts[logical] = agent
    holder.set(agent, logical)
  }
  return { parts }
}

function checkAgentName(name: string, what: string): void {
  if (!AGENT_NAME_PATTERN.test(name)) {
    throw new UsageError(
      `${PREFIX}${what} is not an agent name (lowercase letters, digits and '-', at most 63)`
    )
  }
}

/**
 * The placement against the manifest's logical agents (`declared`, empty for a one-host
 * manifest): a multi-host manifest needs exactly one `L=NAME` per declared agent; a one-host
 * manifest takes none. `placed` undefined: the run would go on this machine.
 */
export function checkPlacementAgainst(
  file: string,
  declared: readonly string[],
  placed: AgentFlags | { labels: Record<string, string> } | undefined
): void {
  const parts = placed !== undefined && 'parts' in placed ? placed.parts : undefined
  if (declared.length > 0 && parts === undefined) {
    throw new UsageError(`${file}: ${multiHostHint(declared)}`)
  }
  if (parts === undefined) {
    return
  }
  if (declared.length === 0) {
    const [logical, agent] = Object.entries(parts)[0]!
    throw new UsageError(
      `${PREFIX}--agent ${logical}=${agent} places a logical agent, but ${file} declares no spec.system.agents (use --agent ${agent})`
    )
  }
  for (const logical of Object.keys(parts)) {
    if (!declared.includes(logical)) {
      throw new UsageError(
        `${PREFIX}--agent ${logical}=${parts[logical]}: no logical agent named '${logical}' in spec.system.agents of ${file}${didYouMean(logical, declared)}`
      )
    }
  }
  const missing = declared.find((logical) => !Object.hasOwn(parts, logical))
  if (missing !== undefined) {
    throw new UsageError(`${PREFIX}logical agent ${missing} has no --agent ${missing}=NAME`)
  }
}

/**
 * `ordeal run --dry-run` of a multi-host manifest: which logical host does what, printed before
 * the plan (whose commands each host's agent runs, not this machine). Empty for one host.
 */
export function partsPlanLines(experiment: Experiment): string[] {
  const agents = experiment.system.agents ?? []
  if (agents.length === 0) {
    return []
  }
  const work = new Map<string, string[]>(agents.map((a) => [a.name, []]))
  const add = (agent: string | undefined, what: string) => work.get(agent ?? '')?.push(what)
  const serviceAgent = new Map(experiment.system.services.map((s) => [s.name, s.agent]))
  for (const service of experiment.system.services) {
    add(service.agent, `service ${service.name}`)
  }
  for (const step of walkSteps(experiment.root)) {
    for (const probe of step.probes) {
      add(probe.agent, `probe ${probe.name}`)
    }
    if (step.kind === 'load') {
      add(step.agent, `load ${step.name}`)
    }
    if (step.kind === 'fault') {
      const params = step.fault.params as { between?: string[][]; target?: { service?: string } }
      const named = (params.between ?? [])
        .flat()
        .filter((n) => n.startsWith(AGENT_GROUP_PREFIX))
        .map((n) => n.slice(AGENT_GROUP_PREFIX.length))
      const where =
        named.length > 0
          ? named
          : [step.fault.agent ?? serviceAgent.get(params.target?.service ?? '')]
      for (const agent of where) {
        add(agent, `fault ${step.name}`)
      }
    }
  }
  return [
    'hosts (spec.system.agents; each runs on the agent given with --agent L=NAME):',
    ...agents.map((a) => `  ${a.name}: ${work.get(a.name)!.join(', ') || 'nothing'}`),
    '',
  ]
}
