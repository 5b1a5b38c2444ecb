/**
 * The agent's public entry: the run bus, the recorder and the embedded agent. `startServer`
 * creates each with the same deps and hands the recorder to the agent (without one, the agent
 * makes its own: the recorder's state is per run, so nothing is shared either way).
 * @module
 */
import type { Agent, Recorder, RunBus, ServerMetrics } from '../context.js'
import type { Store } from '../store/contract.js'
import type { ExecPolicy } from '../../platforms/local/exec-policy.js'
import type { ClusterGrant } from '../../engine/kubernetes-system.js'
import { createEmbeddedAgent } from './agent.js'
import { createRecorder as recorder, type RecorderDeps, type RunRecorder } from './recorder.js'

export { createRunBus } from './run-bus.js'

export interface AgentDeps {
  store: Store
  bus: RunBus
  metrics: ServerMetrics
  /** How runs execute user-supplied commands (`ordeal server --run-as`). */
  exec?: ExecPolicy
  log(line: string): void
  /** `ordeal server --kubeconfig`: the cluster its runs use; absent: none (they are refused). */
  cluster?: ClusterGrant
}

export function createRecorder(
  deps: AgentDeps & Pick<RecorderDeps, 'idleMs' | 'maxHeld'>
): RunRecorder {
  return recorder(deps)
}

/** Uses the given recorder (the server's one) or a recorder of its own. */
export function createAgent(deps: AgentDeps & { recorder?: Recorder }): Agent {
  return createEmbeddedAgent({ ...deps, recorder: deps.recorder ?? recorder(deps) })
}
