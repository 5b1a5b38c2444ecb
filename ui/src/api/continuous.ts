/**
 * The continuous-chaos routes (issue 16) the pages call, in one place: the paths of
 * test/integration/server-api.test.ts ACCESS and the shapes of src/shared/continuous.ts.
 * @module
 */
import type { ScheduleInfo } from '../../../src/shared/continuous'
import { api } from './client'

const seg = encodeURIComponent

export const paths = {
  schedules: '/api/schedules',
  experimentSchedules: (experimentId: string) => `/api/experiments/${seg(experimentId)}/schedules`,
  ticks: (experimentId: string, name: string, limit = 50) =>
    `/api/experiments/${seg(experimentId)}/schedules/${seg(name)}/ticks?limit=${limit}`,
  triggers: '/api/triggers',
  experimentTriggers: (experimentId: string) => `/api/experiments/${seg(experimentId)}/triggers`,
  gitSources: '/api/git-sources',
  gitSource: (id: string) => `/api/git-sources/${seg(id)}`,
  hooks: '/api/hooks',
  hook: (id: string) => `/api/hooks/${seg(id)}`,
  hookDeliveries: (id: string) => `/api/hooks/${seg(id)}/deliveries`,
  targets: '/api/notifications/targets',
  target: (id: string) => `/api/notifications/targets/${seg(id)}`,
  deliveries: '/api/notifications/deliveries',
}

/** Pauses or resumes one schedule; the answer is the schedule as it now stands. */
export function setSchedulePaused(s: ScheduleInfo, paused: boolean): Promise<ScheduleInfo> {
  const action = paused ? 'pause' : 'resume'
  return api.post<ScheduleInfo>(
    `/api/experiments/${seg(s.experimentId)}/schedules/${seg(s.name)}/${action}`
  )
}

/** The server may answer a path (`/api/hooks/ID`): a sender needs the full URL. */
export function absoluteUrl(url: string): string {
  return new URL(url, window.location.origin).href
}
