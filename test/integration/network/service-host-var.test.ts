/**
 * `{{services.S.host}}` in a local run: the address of the spec.system.hosts host each replica
 * runs on (so a service on one host names another's address), 127.0.0.1 for a replica on none.
 * Needs root (namespaces).
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadExperimentText } from '../../../src/experiment/load.js'
import { runExperiment } from '../../../src/engine/runner.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-service-host-'))
process.env['ORDEAL_STATE_DIR'] = stateDir
after(() => rmSync(stateDir, { recursive: true, force: true }))

test("services' host is their host's address, or 127.0.0.1 without one", async () => {
  const experiment = loadExperimentText(
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: service-host }
spec:
  hypothesis: h
  deadline: 1m
  system:
    networks: [{ name: lan }]
    hosts:
      - { name: n1, networks: [lan] }
      - { name: n2, networks: [lan] }
    services:
      - name: db
        command: sleep
        args: ['600']
        hosts: [n1, n2]
      - name: local
        command: sleep
        args: ['600']
  probes:
    - name: placed
      type: cmd
      mode: EOT
      command: 'test "{{services.db.host}} {{services.db.replicas[1].host}}" = "{{hosts.n1.address}} {{hosts.n2.address}}"'
    - name: unplaced
      type: cmd
      mode: EOT
      command: 'test "{{services.local.host}}" = 127.0.0.1'
  steps:
    - { name: settle, wait: 10ms }
`,
    path.join(os.tmpdir(), 'service-host.yaml')
  )
  const result = await runExperiment(experiment)
  assert.deepEqual(
    result.probes.map((p) => [p.name, p.verdict, p.message]),
    [
      ['placed', 'Passed', result.probes[0]!.message],
      ['unplaced', 'Passed', result.probes[1]!.message],
    ]
  )
})
