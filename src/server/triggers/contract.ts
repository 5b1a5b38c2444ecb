/**
 * Triggers (issue 16 §3): hooks receive signed deliveries (generic, Argo CD, Flux, GitHub),
 * in-cluster agents report changed workloads; each becomes a TriggerEvent, matched against
 * every experiment's `spec.triggers` and their conditions, debounced, and run. Routes reach it
 * as `ctx.triggers`.
 * @module
 */
import type { Actor } from '../auth/actor.js'
import type {
  CreatedHook,
  HookDelivery,
  HookInfo,
  HookKind,
  TriggerInfo,
  TriggerSource,
} from '../../shared/continuous.js'

/** One event, normalised from whatever carried it. */
export interface TriggerEvent {
  source: TriggerSource
  /** The hook's name (webhook, argocd, flux, github). */
  hook?: string
  /** The agent that saw it (kubernetes): its connection's name, never the frame's word. */
  agent?: string
  /** That agent's labels as it announced them (kubernetes: for triggers placed by labels). */
  agentLabels?: Record<string, string>
  /** The application it is about: Argo CD app, Flux object, GitHub environment, `deployment/orders`. */
  app?: string
  /** Normalised fields conditions read (`app`, `revision`, `status`, `image`, …) plus `payload`. */
  fields: Record<string, unknown>
  /** One line for the history (`argocd: app orders synced to 1a2b3c4`). */
  summary: string
  /** For kubernetes: the experiment the workload's annotation names. */
  experiment?: string
  /** The hook_deliveries row that carried it (its replay key is released if it is dropped). */
  deliveryRow?: string
}

export interface Triggers {
  start(): Promise<void>
  experimentChanged(experimentId: string): Promise<void>
  /** Matches and debounces the event; returns the `experiment/trigger` names it matched. */
  deliver(event: TriggerEvent): Promise<string[]>
  list(experimentId?: string): Promise<TriggerInfo[]>
  createHook(hook: { name: string; kind: HookKind }, by: Actor): Promise<CreatedHook>
  listHooks(): Promise<HookInfo[]>
  removeHook(id: string): Promise<boolean>
  deliveries(hookId: string, limit?: number): Promise<HookDelivery[] | undefined>
  stop(): Promise<void>
}
