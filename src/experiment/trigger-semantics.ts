/**
 * Whole-manifest checks of `spec.triggers` at validation (exit 2, one line naming the field):
 * unique names, a hook for every source but kubernetes, a value for every operator but Change
 * (a number for the comparisons; for Matches a glob of at most 200 characters: `*` and `?`,
 * never a regular expression, which a sender's text could make backtrack for seconds),
 * `agent` and `labels` not both. Pure (bundled into the UI with the schema).
 * @module
 */
import type { ExperimentInput } from './schema.js'
import type { SemanticIssue } from './semantics.js'
import type { TriggerConditionInput } from './trigger-schema.js'

const MAX_GLOB = 200
const NUMERIC = new Set(['LessThan', 'GreaterThan', 'LessThanEqualTo', 'GreaterThanEqualTo'])

export function triggerIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const seen = new Set<string>()
  input.spec.triggers?.forEach((trigger, i) => {
    if (seen.has(trigger.name)) {
      issues.push({
        path: ['spec', 'triggers', i, 'name'],
        message: `duplicate trigger name '${trigger.name}'`,
      })
    }
    seen.add(trigger.name)
    if (trigger.on !== 'kubernetes' && trigger.hook === undefined) {
      issues.push({
        path: ['spec', 'triggers', i, 'hook'],
        message: `a trigger on ${trigger.on} needs the hook it listens to`,
      })
    }
    trigger.conditions?.forEach((condition, j) => {
      const issue = conditionIssue(condition)
      if (issue !== undefined) {
        issues.push({ path: ['spec', 'triggers', i, 'conditions', j, 'value'], message: issue })
      }
    })
    if (trigger.agent !== undefined && trigger.labels !== undefined) {
      issues.push({ path: ['spec', 'triggers', i], message: 'give agent or labels, not both' })
    }
  })
  return issues
}

function conditionIssue({ operator, value }: TriggerConditionInput): string | undefined {
  if (operator === 'Change') {
    return value === undefined
      ? undefined
      : 'Change compares with the previous event: give no value'
  }
  if (value === undefined) {
    return `${operator} needs a value`
  }
  if (NUMERIC.has(operator) && (value.trim() === '' || !Number.isFinite(Number(value)))) {
    return `${operator} compares numbers: the value must be a number`
  }
  if (operator === 'Matches' && value.length > MAX_GLOB) {
    return `Matches takes a glob of at most ${MAX_GLOB} characters (* any run, ? one character)`
  }
  return undefined
}
