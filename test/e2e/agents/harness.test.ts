/**
 * The fleet harness alone (test/support/fleet.ts), checked from outside ordeal: its hosts are
 * namespaces on one bridge, a process in a host reaches the Chaos Center on the gateway, `cut`
 * blocks exactly that host and `heal` restores it, and `close()` leaves no namespace, bridge,
 * process or rule. It needs no agent feature of the server (plain server flags).
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { runArgv } from '../../../src/safety/exec.js'
import { createFleet, type Fleet } from '../../support/fleet.js'
import { alive } from '../../support/processes.js'
import { until } from '../../support/runner-process.js'

let fleet: Fleet | undefined
after(async () => {
  await fleet?.close()
})

async function cutRules(f: Fleet, host: string): Promise<string[]> {
  const r = await f.inHost(host, ['iptables-save'])
  return r.stdout.split('\n').filter((line) => line.includes('fleet-cut:'))
}

describe('the fleet harness', () => {
  test('hosts on a bridge reach the Chaos Center; cut blocks one host, heal restores it; close leaves nothing', async () => {
    fleet = await createFleet({ hosts: ['a', 'b'], serverArgs: [] })
    const f = fleet
    assert.match(f.gateway, /^198\.1[89]\.\d+\.254$/)
    assert.equal(f.center.url, f.serverUrl, 'the server listens on the gateway')
    const namespaces = (await runArgv(['ip', 'netns', 'list'])).stdout
    for (const host of ['a', 'b']) {
      assert.ok(namespaces.includes(f.namespace(host)), namespaces)
      const addr = await f.inHost(host, ['ip', '-4', '-o', 'addr', 'show', 'eth0'])
      assert.ok(addr.stdout.includes(`${f.address(host)}/24`), addr.stdout)
      assert.equal(await f.reachable(host), true, `host ${host} reaches ${f.serverUrl}`)
    }

    await f.cut('a')
    assert.equal((await cutRules(f, 'a')).length, 2, 'one DROP each way')
    assert.equal(await f.reachable('a'), false, 'a is cut off')
    assert.equal(await f.reachable('b'), true, 'b is not')
    await f.heal('a')
    assert.deepEqual(await cutRules(f, 'a'), [])
    assert.equal(await f.reachable('a'), true, 'healed')

    // A crashed and restarted server answers on the same URL (agents reconnect to it).
    await f.center.kill9()
    assert.equal(await f.reachable('a'), false, 'the server is down')
    await f.center.restart()
    assert.equal(f.center.url, f.serverUrl)
    assert.equal(await f.reachable('a'), true, 'the restarted server on the same port')

    // What close() must clean up: a process left running in a host, a cut never healed.
    const sleeper = spawn('ip', ['netns', 'exec', f.namespace('b'), 'sleep', '300'], {
      detached: true,
      stdio: 'ignore',
    })
    sleeper.unref()
    await until(() => alive(sleeper.pid!), 5000)
    // `ip netns exec` enters the namespace a moment after it starts: wait for that, not a guess.
    for (let i = 0; i < 100 && !(await f.pidsIn('b')).includes(sleeper.pid!); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.deepEqual(await f.pidsIn('b'), [sleeper.pid])
    await f.cut('b')
    const serverPid = f.center.child.pid!
    const bridge = f.topology.networks[0]!.bridge
    const names = ['a', 'b'].map((h) => f.namespace(h))

    fleet = undefined
    await f.close()
    await until(() => !alive(sleeper.pid!), 5000)
    assert.equal(alive(serverPid), false, 'the server is stopped')
    const after = (await runArgv(['ip', 'netns', 'list'])).stdout
    for (const ns of names) {
      assert.ok(!after.includes(ns), `namespace ${ns} is gone`)
    }
    assert.equal(existsSync(`/sys/class/net/${bridge}`), false, `bridge ${bridge} is gone`)
    assert.equal(existsSync(f.dir), false, 'the fleet directory is gone')
  })
})
