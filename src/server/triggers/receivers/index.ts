/**
 * The receiver of each hook kind (one file each, with the sender's docs cited there).
 * @module
 */
import type { HookKind } from '../../../shared/continuous.js'
import type { TriggerSource } from '../../../shared/continuous.js'
import type { Receiver } from './reception.js'
import { receiveArgocd } from './argocd.js'
import { receiveFlux } from './flux.js'
import { receiveGeneric } from './generic.js'
import { receiveGithub } from './github.js'

export const RECEIVERS: Record<HookKind, Receiver> = {
  generic: receiveGeneric,
  argocd: receiveArgocd,
  flux: receiveFlux,
  github: receiveGithub,
}

/** The trigger source (`on:`) each hook kind's events carry. */
export const SOURCE_OF_KIND: Record<HookKind, TriggerSource> = {
  generic: 'webhook',
  argocd: 'argocd',
  flux: 'flux',
  github: 'github',
}

export type { HookRequest, Reception } from './reception.js'
