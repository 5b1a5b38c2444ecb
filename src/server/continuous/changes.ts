/**
 * "This experiment was created, changed or deleted": the API's experiment routes and the git
 * sync publish it; schedules and triggers subscribe and re-read the experiment's current
 * manifest (its `spec.schedules` and `spec.triggers`). Listeners run one after another and
 * their failures are logged, never thrown back at the route that published.
 * @module
 */
export type ExperimentChangeListener = (experimentId: string) => Promise<void> | void

export interface ExperimentChanges {
  subscribe(listener: ExperimentChangeListener): () => void
  /** Resolves once every listener has handled it. */
  publish(experimentId: string): Promise<void>
}

export function createExperimentChanges(log: (line: string) => void): ExperimentChanges {
  const listeners = new Set<ExperimentChangeListener>()
  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async publish(experimentId) {
      for (const listener of [...listeners]) {
        try {
          await listener(experimentId)
        } catch (error) {
          log(`experiment ${experimentId}: a change listener failed: ${String(error)}`)
        }
      }
    },
  }
}
