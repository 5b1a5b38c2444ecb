/**
 * `GET /api/auth/me`: the signed-in user, with the role the token acts with (a token can have
 * fewer rights than its user; the UI shows and obeys the effective one).
 */
import type { Me, User } from '../../../src/shared/api'
import { request } from './client'
import type { RequestOptions } from './client'

export async function fetchMe(options: RequestOptions = {}): Promise<User> {
  const me = await request<Me>('GET', '/api/auth/me', options)
  return { ...me.user, role: me.role }
}
