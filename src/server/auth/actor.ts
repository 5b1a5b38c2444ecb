/**
 * Who did something, as the history shows it (issue 13 §5): the user's id and name, and the
 * API token's name when one was used (`alice (token ci-deploy)`). A UI session is the user
 * themself, so it names no token.
 * @module
 */
import type { Caller } from '../http/route.js'
import type { Author } from '../store/contract.js'

export interface Actor {
  id: string
  name: string
  /** The API token's name; absent for a UI session. */
  via?: string
}

export function actorOf(caller: Caller): Actor {
  const { user, token } = caller
  // The store's mark, not the name: an API token named `session …` still names itself.
  return token.session
    ? { id: user.id, name: user.name }
    : { id: user.id, name: user.name, via: token.name }
}

/** The actor as a version's author (store columns created_by, created_by_name, created_via). */
export function authorOf(actor: Actor): Author {
  return {
    createdBy: actor.id,
    createdByName: actor.name,
    ...(actor.via !== undefined ? { createdVia: actor.via } : {}),
  }
}
