/** Params schemas of the built-in faults, in one tuple the experiment schema can union over. */
import type { z } from 'zod'
import type { Example } from '../experiment/example.js'
import { processKillExample, processKillSchema } from './process-kill/schema.js'
import { processPauseExample, processPauseSchema } from './process-pause/schema.js'
import { processRestartExample, processRestartSchema } from './process-restart/schema.js'
import { cpuStressExample, cpuStressSchema } from './cpu-stress/schema.js'
import { memoryStressExample, memoryStressSchema } from './memory-stress/schema.js'
import { diskFillExample, diskFillSchema } from './disk-fill/schema.js'
import { networkPartitionExample, networkPartitionSchema } from './network-partition/schema.js'
import { networkLossExample, networkLossSchema } from './network-loss/schema.js'
import { networkBandwidthExample, networkBandwidthSchema } from './network-bandwidth/schema.js'
import { networkLatencyExample, networkLatencySchema } from './network-latency/schema.js'
import { portBlackholeExample, portBlackholeSchema } from './port-blackhole/schema.js'
import { proxyToxicExample, proxyToxicSchema } from './proxy-toxic/schema.js'
import { proxyDownExample, proxyDownSchema } from './proxy-down/schema.js'
import { httpFaultExample, httpFaultSchema } from './http-fault/schema.js'
import { podDeleteExample, podDeleteSchema } from './pod-delete/schema.js'
import { workloadScaleExample, workloadScaleSchema } from './workload-scale/schema.js'
import { nodeCordonExample, nodeCordonSchema } from './node-cordon/schema.js'
import { nodeDrainExample, nodeDrainSchema } from './node-drain/schema.js'
import { networkIsolateExample, networkIsolateSchema } from './network-isolate/schema.js'
import { dnsFaultExample, dnsFaultSchema } from './dns-fault/schema.js'
import { syscallErrorExample, syscallErrorSchema } from './syscall-error/schema.js'
import { clockSkewExample, clockSkewSchema } from './clock-skew/schema.js'
import { diskFaultExample, diskFaultSchema } from './disk-fault/schema.js'

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
  podDeleteSchema,
  workloadScaleSchema,
  nodeCordonSchema,
  nodeDrainSchema,
  networkIsolateSchema,
  dnsFaultSchema,
  syscallErrorSchema,
  clockSkewSchema,
  diskFaultSchema,
] as const

export const FAULT_TYPES = faultSchemas.map((s) => s.shape.type.value)

type FaultParamsInput = z.input<(typeof faultSchemas)[number]>

/**
 * One documented example per fault type, for docs/catalogue.md; keyed by every type of the
 * union, so a fault added to `faultSchemas` without an example does not compile.
 */
export const faultExamples: {
  [T in FaultParamsInput['type']]: Example<Extract<FaultParamsInput, { type: T }>>
} = {
  'process-kill': processKillExample,
  'process-pause': processPauseExample,
  'process-restart': processRestartExample,
  'cpu-stress': cpuStressExample,
  'memory-stress': memoryStressExample,
  'disk-fill': diskFillExample,
  'network-partition': networkPartitionExample,
  'network-loss': networkLossExample,
  'network-bandwidth': networkBandwidthExample,
  'network-latency': networkLatencyExample,
  'port-blackhole': portBlackholeExample,
  'proxy-toxic': proxyToxicExample,
  'proxy-down': proxyDownExample,
  'http-fault': httpFaultExample,
  'pod-delete': podDeleteExample,
  'workload-scale': workloadScaleExample,
  'node-cordon': nodeCordonExample,
  'node-drain': nodeDrainExample,
  'network-isolate': networkIsolateExample,
  'dns-fault': dnsFaultExample,
  'syscall-error': syscallErrorExample,
  'clock-skew': clockSkewExample,
  'disk-fault': diskFaultExample,
}
