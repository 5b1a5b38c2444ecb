/**
 * The server's Prometheus metrics, created once per server process.
 * @module
 */
export { createServerMetrics } from './metrics.js'
