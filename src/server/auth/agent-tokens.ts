/**
 * Agent tokens (issue 14): a token of role `agent` is an agent's identity, and its name is the
 * agent's name (`edge-1`), the one the agent connects as and runs are placed on. Several tokens
 * may share a name, so a token can be rotated without renaming the agent. Only owners make
 * them (the API and `ordeal token create` both check): an agent receives manifests, their
 * variables and their files, and carries out whatever they say on its host.
 * @module
 */
import { AGENT_NAME_PATTERN } from '../../platforms/agent/protocol.js'

/** Why a name cannot be an agent token's, in the words both the API and the CLI use. */
export const AGENT_TOKEN_NAME_RULE = "an agent token's name is the agent's name (a-z, 0-9, '-')"

export function isAgentName(name: string): boolean {
  return AGENT_NAME_PATTERN.test(name)
}
