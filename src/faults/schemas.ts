/** Params schemas of the built-in faults, in one tuple the experiment schema can union over. */
import { processKillSchema } from './process-kill/schema.js'
import { processPauseSchema } from './process-pause/schema.js'
import { processRestartSchema } from './process-restart/schema.js'
import { cpuStressSchema } from './cpu-stress/schema.js'
import { memoryStressSchema } from './memory-stress/schema.js'
import { diskFillSchema } from './disk-fill/schema.js'
import { networkPartitionSchema } from './network-partition/schema.js'
import { networkLossSchema } from './network-loss/schema.js'
import { networkBandwidthSchema } from './network-bandwidth/schema.js'
import { networkLatencySchema } from './network-latency/schema.js'
import { portBlackholeSchema } from './port-blackhole/schema.js'
import { proxyToxicSchema } from './proxy-toxic/schema.js'
import { proxyDownSchema } from './proxy-down/schema.js'
import { httpFaultSchema } from './http-fault/schema.js'

export const faultSchemas = [
  processKillSchema,
  processPauseSchema,
  processRestartSchema,
  cpuStressSchema,
  memoryStressSchema,
  diskFillSchema,
  networkPartitionSchema,
  networkLossSchema,
  networkBandwidthSchema,
  networkLatencySchema,
  portBlackholeSchema,
  proxyToxicSchema,
  proxyDownSchema,
  httpFaultSchema,
] as const

export const FAULT_TYPES = faultSchemas.map((s) => s.shape.type.value)
