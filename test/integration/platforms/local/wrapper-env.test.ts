/**
 * A manifest's variables never reach the wrappers that run as root before the privilege drop
 * (setpriv, ip netns exec, the cgroup join's sh): a PATH with the run author's own `setpriv`
 * in it once made root run that file. Real processes: the launcher's spawn, a planted
 * `setpriv` that would leave a marker, and the command's own output.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, test } from 'node:test'
import { launcherFor } from '../../../../src/platforms/local/exec-policy.js'
import { lookupUser } from '../../../../src/platforms/local/run-user.js'

const isRoot = process.getuid?.() === 0
const dir = mkdtempSync(path.join(tmpdir(), 'ordeal-wrapper-env-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test(
  "a manifest's PATH cannot choose the setpriv root runs; the command still gets it",
  { skip: !isRoot && 'needs root (the privilege drop)' },
  async () => {
    chmodSync(dir, 0o777)
    const marker = path.join(dir, 'root-ran-the-author-s-setpriv')
    const planted = path.join(dir, 'setpriv')
    writeFileSync(planted, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 })
    const out = path.join(dir, 'out')
    const launch = launcherFor({ env: 'scrubbed', user: lookupUser('nobody')! })(
      ['/bin/sh', '-c', `echo "$(id -u) $MINE $PATH" > ${out}`],
      { PATH: `${dir}:/usr/bin:/bin`, MINE: 'mine' }
    )
    const child = spawn(launch.command, launch.args, { env: launch.env, stdio: 'ignore' })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    assert.equal(code, 0)
    assert.equal(existsSync(marker), false, "root ran the manifest's setpriv")
    assert.equal(readFileSync(out, 'utf8').trim(), `65534 mine ${dir}:/usr/bin:/bin`)
  }
)
