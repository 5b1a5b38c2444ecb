/**
 * Every route of the Chaos Center, in one list: the app registers it, the OpenAPI document is
 * generated from it, and the API tests iterate it to prove each route's auth rule. The UI's
 * catch-all comes last so that it never shadows an API route.
 * @module
 */
import type { RouteDef } from '../http/route.js'
import { agentConnectRoute } from '../fleet/route.js'
import { agentRoutes } from './agents.js'
import { authRoutes } from './auth.js'
import { experimentRoutes } from './experiments.js'
import { healthRoutes } from './health.js'
import { hubRoutes } from './hub.js'
import { metricsRoutes } from './metrics.js'
import { openapiRoutes } from './openapi.js'
import { recordRoutes } from './record.js'
import { runDownloadRoutes } from './run-downloads.js'
import { runRoutes } from './runs.js'
import { streamRoutes } from './run-stream.js'
import { tokenRoutes } from './tokens.js'
import { uiStaticRoutes } from './ui-static.js'
import { userRoutes } from './users.js'
import { scheduleRoutes } from './schedules.js'
import { gitSourceRoutes } from './git-sources.js'
import { hookRoutes } from './hooks.js'
import { gateRoutes } from './gates.js'
import { notificationRoutes } from './notifications.js'

export const allRoutes: RouteDef[] = [
  ...healthRoutes,
  ...openapiRoutes,
  ...authRoutes,
  ...userRoutes,
  ...tokenRoutes,
  ...experimentRoutes,
  ...hubRoutes,
  ...runRoutes,
  ...runDownloadRoutes,
  ...streamRoutes,
  ...recordRoutes,
  ...agentRoutes,
  ...metricsRoutes,
  ...scheduleRoutes,
  ...gitSourceRoutes,
  ...hookRoutes,
  ...gateRoutes,
  ...notificationRoutes,
  agentConnectRoute,
  ...uiStaticRoutes,
]
