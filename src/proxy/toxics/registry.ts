/**
 * Toxic type → stage factory.
 * @module
 */
import type { StageFactory } from '../stage.js'
import type { ToxicType } from '../toxic-spec.js'
import { bandwidth } from './bandwidth.js'
import { latency } from './latency.js'
import { limitData } from './limit-data.js'
import { resetPeer } from './reset-peer.js'
import { slicer } from './slicer.js'
import { slowClose } from './slow-close.js'
import { timeout } from './timeout.js'

const noop: StageFactory = () => ({ chunk: (chunk, emit) => emit(chunk) })

export const stageFactories: Record<ToxicType, StageFactory> = {
  noop,
  latency,
  bandwidth,
  slow_close: slowClose,
  timeout,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
}
