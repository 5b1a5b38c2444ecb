/**
 * Built-in fault drivers keyed by type. Add a fault: a folder with `schema.ts` (params, added
 * to `schemas.ts`) and `index.ts` (the driver, added here).
 * @module
 */
import type { FaultDriver, FaultParamsOf } from './contract.js'
import type { FaultInput } from '../experiment/schema.js'
import { cpuStressFault } from './cpu-stress/index.js'
import { diskFillFault } from './disk-fill/index.js'
import { memoryStressFault } from './memory-stress/index.js'
import { processKillFault } from './process-kill/index.js'
import { processPauseFault } from './process-pause/index.js'
import { processRestartFault } from './process-restart/index.js'
import { networkPartitionFault } from './network-partition/index.js'
import { networkLossFault } from './network-loss/index.js'
import { networkBandwidthFault } from './network-bandwidth/index.js'
import { networkLatencyFault } from './network-latency/index.js'
import { portBlackholeFault } from './port-blackhole/index.js'
import { proxyToxicFault } from './proxy-toxic/index.js'
import { proxyDownFault } from './proxy-down/index.js'
import { httpFaultFault } from './http-fault/index.js'
import { podDeleteFault } from './pod-delete/index.js'
import { workloadScaleFault } from './workload-scale/index.js'
import { nodeCordonFault } from './node-cordon/index.js'
import { nodeDrainFault } from './node-drain/index.js'
import { networkIsolateFault } from './network-isolate/index.js'
import { dnsFaultFault } from './dns-fault/index.js'
import { syscallErrorFault } from './syscall-error/index.js'
import { clockSkewFault } from './clock-skew/index.js'
import { diskFaultFault } from './disk-fault/index.js'

export const faultDrivers: Record<string, FaultDriver<never>> = Object.fromEntries(
  [
    erase(processKillFault),
    erase(processPauseFault),
    erase(processRestartFault),
    erase(cpuStressFault),
    erase(memoryStressFault),
    erase(diskFillFault),
    erase(networkPartitionFault),
    erase(networkLossFault),
    erase(networkBandwidthFault),
    erase(networkLatencyFault),
    erase(portBlackholeFault),
    erase(proxyToxicFault),
    erase(proxyDownFault),
    erase(httpFaultFault),
    erase(podDeleteFault),
    erase(workloadScaleFault),
    erase(nodeCordonFault),
    erase(nodeDrainFault),
    erase(networkIsolateFault),
    erase(dnsFaultFault),
    erase(syscallErrorFault),
    erase(clockSkewFault),
    erase(diskFaultFault),
  ].map((driver) => [driver.type as string, driver])
)

export function faultDriver(type: string): FaultDriver<never> {
  const driver = faultDrivers[type]
  if (!driver) {
    throw new Error(`no driver for fault type '${type}'`)
  }
  return driver
}

/**
 * Forgets a driver's params type for the map: `FaultDriver<never>` has `type: never`, which no
 * real driver is assignable to. Sound because the engine hands each driver only params that
 * passed the schema of its `type`.
 */
function erase<T extends FaultInput['type']>(
  driver: FaultDriver<FaultParamsOf<T>>
): FaultDriver<never> {
  return driver as unknown as FaultDriver<never>
}
