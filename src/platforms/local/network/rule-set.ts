/**
 * A fault's iptables rules across namespaces, applied and healed in one batch per namespace (in
 * parallel), so a 10-host partition takes milliseconds. The ledger still holds one exact
 * `iptables -D` per rule, written (in one fsync) before any rule exists: the watchdog and
 * `ordeal recover` can delete them one by one without us.
 * @module
 */
import type { Ledger, LedgerEntry } from '../../../safety/ledger.js'
import { executeUndo } from '../../../safety/undo.js'
import { restoreArgv, restoreInput, ruleDelete, type Rule } from './commands.js'
import { mustRun } from '../../../safety/exec.js'

export class RuleSet {
  readonly #ledger: Ledger
  readonly #faultId: string
  readonly #deadline: number
  #entries: { rule: Rule; entry: LedgerEntry }[] = []
  #healing: Promise<void> | undefined

  constructor(ledger: Ledger, faultId: string, deadline: number) {
    this.#ledger = ledger
    this.#faultId = faultId
    this.#deadline = deadline
  }

  /** Records every rule's delete, then adds the rules (one iptables-restore per namespace). */
  async apply(rules: Rule[]): Promise<void> {
    const entries = this.#ledger.recordAll(
      this.#faultId,
      rules.map((rule) => ({
        kind: 'command' as const,
        argv: ruleDelete(rule),
        label: `remove rule ${rule.chain} ${rule.match.join(' ')} in ${rule.namespace}`,
      })),
      this.#deadline
    )
    this.#entries.push(...rules.map((rule, i) => ({ rule, entry: entries[i]! })))
    await Promise.all(
      [...byNamespace(rules)].map(([ns, list]) =>
        mustRun(restoreArgv(ns), restoreInput(list, '-A'))
      )
    )
  }

  /** Deletes every rule, marks them undone. Idempotent; concurrent calls share one pass. */
  heal(): Promise<void> {
    this.#healing ??= this.#heal().finally(() => (this.#healing = undefined))
    return this.#healing
  }

  async #heal(): Promise<void> {
    const pending = this.#entries
    const groups = new Map<string, typeof pending>()
    for (const item of pending) {
      groups.set(item.rule.namespace, [...(groups.get(item.rule.namespace) ?? []), item])
    }
    const failures: unknown[] = []
    const healed: string[] = []
    await Promise.all(
      [...groups].map(async ([ns, items]) => {
        try {
          const input = restoreInput(
            items.map((i) => i.rule),
            '-D'
          )
          await mustRun(restoreArgv(ns), input)
          healed.push(...items.map((i) => i.entry.id))
        } catch {
          // One batch fails whole when any rule is already gone (recover ran, namespace
          // deleted): delete one by one, where "already gone" is success.
          for (const item of items) {
            try {
              await executeUndo(item.entry.undo)
              healed.push(item.entry.id)
            } catch (error) {
              failures.push(error)
            }
          }
        }
      })
    )
    this.#ledger.markAllUndone(healed)
    this.#entries = pending.filter((i) => !healed.includes(i.entry.id))
    if (failures.length > 0) {
      throw failures[0]
    }
  }
}

function byNamespace(rules: Rule[]): Map<string, Rule[]> {
  const map = new Map<string, Rule[]>()
  for (const rule of rules) {
    map.set(rule.namespace, [...(map.get(rule.namespace) ?? []), rule])
  }
  return map
}
