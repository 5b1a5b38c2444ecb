/**
 * The hook store's SQL on both stores (SQLite and a real PostgreSQL): replay keys claimed once,
 * rejected rows capped per hook, half-handled deliveries settled at start, dropped deliveries'
 * keys given back.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openStore } from '../../src/server/store/open.js'
import type { Store } from '../../src/server/store/contract.js'
import { HookStore, MAX_REJECTED_KEPT } from '../../src/server/triggers/hook-store.js'
import { startPostgres, type PostgresServer } from '../support/postgres.js'

function suite(kind: string, open: () => Promise<Store>, close: () => Promise<void>) {
  describe(`hook store (${kind})`, () => {
    let store: Store
    let hooks: HookStore
    before(async () => {
      store = await open()
      hooks = new HookStore(store.sql)
      await hooks.insertHook({
        id: 'hk_1',
        name: 'ci',
        kind: 'generic',
        secret: 's',
        createdAt: '2026-12-07T00:00:00.000Z',
        createdBy: 'u',
        createdByName: 'U',
      })
    })
    after(async () => {
      await store.close()
      await close()
    })

    test('a replay key is claimed once, whatever delivery id it comes with', async () => {
      const at = '2026-12-07T01:00:00.000Z'
      assert.notEqual(await hooks.claimDelivery('hk_1', 'd-1', 'key-a', at), undefined)
      assert.equal(await hooks.claimDelivery('hk_1', 'd-2', 'key-a', at), undefined)
      assert.notEqual(await hooks.claimDelivery('hk_1', 'd-1', 'key-b', at), undefined)
    })

    test('half-handled rows from before the start are settled and their keys given back', async () => {
      const old = await hooks.claimDelivery('hk_1', 'd-3', 'key-c', '2026-12-07T02:00:00.000Z')
      const fresh = await hooks.claimDelivery('hk_1', 'd-4', 'key-d', '2026-12-07T04:00:00.000Z')
      assert.ok(old !== undefined && fresh !== undefined)
      // key-a and key-b (test above) and key-c were received before 03:00, key-d after.
      const settled = await hooks.settleUnfinished('2026-12-07T03:00:00.000Z', 'stopped')
      assert.equal(settled, 3)
      assert.notEqual(
        await hooks.claimDelivery('hk_1', 'd-3', 'key-c', '2026-12-07T05:00:00.000Z'),
        undefined
      )
      assert.equal(
        await hooks.claimDelivery('hk_1', 'd-4', 'key-d', '2026-12-07T05:00:00.000Z'),
        undefined
      )
    })

    test('deliveries of a dropped window are released: their keys can be claimed again', async () => {
      const row = await hooks.claimDelivery('hk_1', 'd-5', 'key-e', '2026-12-07T06:00:00.000Z')
      assert.ok(row !== undefined)
      await hooks.finishDelivery(row, 'accepted', undefined, ['x/y'])
      await hooks.releaseDeliveries([row], 'dropped: send it again')
      const [d] = (await hooks.deliveries('hk_1', 100)).filter((x) => x.deliveryId === 'd-5')
      assert.equal(d?.reason, 'dropped: send it again')
      assert.notEqual(
        await hooks.claimDelivery('hk_1', 'd-5', 'key-e', '2026-12-07T06:00:01.000Z'),
        undefined
      )
    })

    test(`rejected deliveries are capped at the newest ${MAX_REJECTED_KEPT} per hook`, async () => {
      for (let i = 0; i < MAX_REJECTED_KEPT + 30; i++) {
        await hooks.recordDelivery({
          hookId: 'hk_1',
          deliveryId: `bad-${i}`,
          receivedAt: new Date(Date.parse('2026-12-07T07:00:00Z') + i * 1000).toISOString(),
          outcome: 'rejected',
          reason: 'bad signature',
        })
      }
      const rows = await store.sql.query<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM hook_deliveries WHERE hook_id = 'hk_1' AND outcome = 'rejected' AND replay_key IS NULL"
      )
      assert.equal(Number(rows[0]?.n), MAX_REJECTED_KEPT)
      const newest = await hooks.deliveries('hk_1', 1)
      assert.equal(newest[0]?.deliveryId, `bad-${MAX_REJECTED_KEPT + 29}`)
      // Accepted deliveries are never pruned by the cap.
      const accepted = await store.sql.query<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM hook_deliveries WHERE hook_id = 'hk_1' AND replay_key IS NOT NULL"
      )
      assert.equal(Number(accepted[0]?.n), 3)
    })
  })
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-hook-store-'))
suite(
  'SQLite',
  () => openStore({ dataDir: dir }),
  async () => rmSync(dir, { recursive: true, force: true })
)

let pg: PostgresServer | undefined
const pgDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-hook-pg-'))
suite(
  'PostgreSQL',
  async () => {
    pg = await startPostgres()
    return openStore({ dataDir: pgDir, databaseUrl: pg.url })
  },
  async () => {
    await pg?.stop()
    rmSync(pgDir, { recursive: true, force: true })
  }
)
