/**
 * Notifications (issue 16 §5): on a verdict change (pass → fail, fail → pass, error) a message
 * to each matching target (generic webhook, Slack-compatible incoming webhook) with a link to
 * the run; retried with backoff on the injected clock; every delivery stored so failures show
 * in the UI. Routes reach it as `ctx.notifier`.
 * @module
 */
import type {
  NewNotificationTarget,
  NotificationDelivery,
  NotificationTarget,
} from '../../shared/continuous.js'
import type { Actor } from '../auth/actor.js'

export interface Notifier {
  /** Subscribes to ended runs; resumes pending deliveries from the store. */
  start(): Promise<void>
  listTargets(): Promise<NotificationTarget[]>
  createTarget(target: NewNotificationTarget, by: Actor): Promise<NotificationTarget>
  removeTarget(id: string): Promise<boolean>
  /** Sends a test message now; the delivery as it ended (or as it waits for a retry). */
  test(id: string): Promise<NotificationDelivery | undefined>
  deliveries(query?: {
    status?: NotificationDelivery['status']
    limit?: number
  }): Promise<NotificationDelivery[]>
  /**
   * Resolves once no delivery work is in flight: the deliveries of the runs that ended so far
   * and the attempts due on the clock have been sent and recorded (tests await this rather than
   * poll the API).
   */
  settled(): Promise<void>
  stop(): Promise<void>
}
