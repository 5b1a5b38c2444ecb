/**
 * The preload registry.
 * @module
 */
import type { PreloadDriver, PreloadName } from './contract.js'
import { libfaketimePreload } from './libfaketime.js'
import { libfiuPreload } from './libfiu.js'

export const preloadDrivers: Record<PreloadName, PreloadDriver> = {
  libfiu: libfiuPreload,
  libfaketime: libfaketimePreload,
}
